package mastercard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// BatchPlaintextSchema is the schema of a batch record's enrollmentData plaintext.
const BatchPlaintextSchema = "EnrollmentDataPlaintext"

// batchAPI is batch enrolment into the Credential Directory: a batch is
// accepted whole or refused whole, then batchDelay later its records are
// enrolled one by one as putCard would, each with its own result.
type batchAPI struct {
	*state
	enrol *enrolAPI // enrols each record

	batches  store.Table[batch]  // by batchId
	external store.Table[string] // externalBatchId → batchId
}

var batchDelaySetting = simulator.Key[time.Duration]{Name: "batchDelay", Live: true, Default: 5 * time.Second,
	Description: "time from a batch's 202 to the processing of its records", Check: simulator.NotNegative[time.Duration]}

func newBatchAPI(s *state, enrol *enrolAPI) *batchAPI {
	return &batchAPI{state: s, enrol: enrol,
		batches: store.NewTable[batch](s.env.Store, "batches"), external: store.NewTable[string](s.env.Store, "external-batches")}
}

// operations is the batch operation table. Every record's enrollmentData is
// decoded before fault rules run, so card-scoped rules match.
func (bs *batchAPI) operations() []simulator.Operation {
	return []simulator.Operation{
		{ID: "batchCredentialsInDirectory", Decode: bs.decodeBatch, Plaintext: BatchPlaintextSchema, Handle: bs.batchEnrol},
		{ID: "getBatchStatus", Decode: correlateBatch, Handle: bs.batchStatus},
	}
}

// correlateBatch journals a status read under its batchId.
func correlateBatch(req *simulator.Request) error {
	req.AddCorrelationID(req.PathParams["batchId"])
	return nil
}

// Batch and record statuses.
const (
	batchPending             = "PENDING"
	batchCompleted           = "COMPLETED"
	batchCompletedWithErrors = "COMPLETED_WITH_ERRORS"
	recordPending            = "PENDING"
	recordSucceeded          = "SUCCEEDED"
	recordFailed             = "FAILED"
)

// batchRequest is the clear part of a Batch Enroll call.
type batchRequest struct {
	SrcClientID     string        `json:"srcClientId"`
	ServiceID       string        `json:"serviceId"`
	ExternalBatchID string        `json:"externalBatchId"`
	Records         []batchRecord `json:"records"`
}

type batchRecord struct {
	ExternalConsumerID string `json:"externalConsumerId"`
	ExternalCardID     string `json:"externalCardId"`
	EnrollmentData     string `json:"enrollmentData"`
}

// batchPlaintext is EnrollmentDataPlaintext.
type batchPlaintext struct {
	cardPlaintext
	Consumer consumer `json:"consumer"`
}

// decodedRecord is one record with its decrypted enrollmentData; the
// request's plaintext is the list of them (masked in the journal).
type decodedRecord struct {
	ExternalConsumerID string          `json:"externalConsumerId"`
	ExternalCardID     string          `json:"externalCardId"`
	EnrollmentData     json.RawMessage `json:"enrollmentData"`
}

// batch is an accepted batch and its records' results. Card data is not
// kept: the records to process wait encrypted in the pending task.
type batch struct {
	BatchID         string         `json:"batchId"`
	ExternalBatchID string         `json:"externalBatchId"`
	DirectoryID     string         `json:"directoryId"`
	Digest          string         `json:"digest"` // of the content, to recognise a re-submission
	Status          string         `json:"status"`
	ReceivedAt      time.Time      `json:"receivedAt"`
	CompletedAt     *time.Time     `json:"completedAt,omitempty"`
	Records         []recordResult `json:"records"`
}

type recordResult struct {
	ExternalConsumerID string `json:"externalConsumerId"`
	ExternalCardID     string `json:"externalCardId"`
	Status             string `json:"status"`
	SrcConsumerID      string `json:"srcConsumerId,omitempty"`
	SrcDigitalCardID   string `json:"srcDigitalCardId,omitempty"`
	TokenUniqueRef     string `json:"tokenUniqueReference,omitempty"`
	TokenStatus        string `json:"tokenStatus,omitempty"`
	ErrorReason        string `json:"errorReason,omitempty"`
	ErrorMessage       string `json:"errorMessage,omitempty"`
}

// decodeBatch decrypts and validates every record's enrollmentData. One
// record that is not a valid JWE of EnrollmentDataPlaintext refuses the
// whole batch, naming the record; nothing is accepted then.
func (bs *batchAPI) decodeBatch(req *simulator.Request) error {
	var r batchRequest
	if err := json.Unmarshal(req.Body, &r); err != nil {
		return simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "body is not the JSON of BatchEnrollRequest")
	}
	for _, rec := range r.Records {
		req.AddCorrelationID(rec.ExternalConsumerID)
	}
	req.AddCorrelationID(r.ExternalBatchID)
	decoded := make([]decodedRecord, 0, len(r.Records))
	var cards []string
	for i, rec := range r.Records {
		field := fmt.Sprintf("records/%d/enrollmentData", i)
		plain, err := bs.creds.openJWE(field, rec.EnrollmentData)
		if err != nil {
			return err
		}
		if verr := req.CheckPlaintext(plain); verr != nil {
			for j := range verr.Fields {
				verr.Fields[j].Field = "/" + field + verr.Fields[j].Field
				verr.Fields[j].Message = field + ": " + verr.Fields[j].Message
			}
			verr.Message = verr.Summary()
			if verr.Code == "" {
				verr.Code = "INVALID_ARGUMENT"
			}
			return verr
		}
		var p batchPlaintext
		if err := json.Unmarshal(plain, &p); err != nil {
			return simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "%s plaintext is not the JSON of EnrollmentDataPlaintext", field)
		}
		cards = append(cards, p.PrimaryAccountNumber)
		decoded = append(decoded, decodedRecord{ExternalConsumerID: rec.ExternalConsumerID, ExternalCardID: rec.ExternalCardID, EnrollmentData: plain})
	}
	all, err := json.Marshal(decoded)
	if err != nil {
		return err
	}
	req.SetPlaintext(all)
	for _, c := range cards {
		req.AddCard(c)
	}
	return nil
}

// pendingRecord is a record waiting for processing, card data included.
type pendingRecord struct {
	ExternalConsumerID string
	ExternalCardID     string
	Data               batchPlaintext
	err                error // the record could not be decrypted
}

func (bs *batchAPI) batchEnrol(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	var r batchRequest
	if err := json.Unmarshal(req.Body, &r); err != nil {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "body is not the JSON of BatchEnrollRequest")
	}
	if err := bs.creds.checkDirectory(req); err != nil {
		return nil, err
	}
	if err := bs.creds.checkProgramme(r.SrcClientID, r.ServiceID); err != nil {
		return nil, err
	}
	var decoded []decodedRecord
	if err := json.Unmarshal(req.Plaintext(), &decoded); err != nil || len(decoded) != len(r.Records) {
		return nil, errors.New("batchCredentialsInDirectory ran without decoded records")
	}
	seen := map[string]int{}
	records := make([]pendingRecord, len(decoded))
	digest := sha256.New()
	fmt.Fprintf(digest, "mastercard-batch:%q:%q:%q\n", r.SrcClientID, r.ServiceID, r.ExternalBatchID)
	for i, d := range decoded {
		key := directoryKey(d.ExternalConsumerID, d.ExternalCardID)
		if j, dup := seen[key]; dup {
			e := svcErr(http.StatusBadRequest, simulator.KindValidation, "INVALID_ARGUMENT", "records %d and %d both name externalConsumerId %q and externalCardId %q", j, i, d.ExternalConsumerID, d.ExternalCardID)
			e.Fields = []simulator.FieldError{{Field: fmt.Sprintf("/records/%d/externalCardId", i), In: "body", Rule: "unique", Message: "externalConsumerId and externalCardId repeat an earlier record"}}
			return nil, e
		}
		seen[key] = i
		records[i] = pendingRecord{ExternalConsumerID: d.ExternalConsumerID, ExternalCardID: d.ExternalCardID}
		if err := json.Unmarshal(d.EnrollmentData, &records[i].Data); err != nil {
			return nil, err
		}
		// The decrypted content, not the ciphertext: a retry that encrypts
		// again is still the same batch.
		var canonical any
		if err := json.Unmarshal(d.EnrollmentData, &canonical); err != nil {
			return nil, err
		}
		c, _ := json.Marshal(canonical)
		fmt.Fprintf(digest, "%q:%q:%s\n", d.ExternalConsumerID, d.ExternalCardID, c)
	}
	sum := hex.EncodeToString(digest.Sum(nil))

	repeat := func(earlier string) (*simulator.Response, error) {
		prev, err := bs.batches.Get(ctx, earlier)
		if err != nil {
			return nil, err
		}
		if prev.Digest != sum {
			e := svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "externalBatchId %q was already used for a batch with other content (batchId %s); use a new externalBatchId", r.ExternalBatchID, prev.BatchID)
			e.Fields = []simulator.FieldError{{Field: "/externalBatchId", In: "body", Rule: "unique", Message: "externalBatchId already used with other content"}}
			return nil, e
		}
		req.AddCorrelationID(prev.BatchID)
		return simulator.JSON(http.StatusAccepted, map[string]any{"batchId": prev.BatchID, "externalBatchId": prev.ExternalBatchID}), nil
	}
	if id, err := bs.external.Get(ctx, r.ExternalBatchID); err == nil {
		return repeat(id)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	b := batch{
		BatchID:         bs.env.IDs.UUID(),
		ExternalBatchID: r.ExternalBatchID,
		DirectoryID:     req.PathParams["directoryId"],
		Digest:          sum,
		Status:          batchPending,
		ReceivedAt:      bs.env.Clock.Now(),
		Records:         make([]recordResult, len(records)),
	}
	for i, rec := range records {
		b.Records[i] = recordResult{ExternalConsumerID: rec.ExternalConsumerID, ExternalCardID: rec.ExternalCardID, Status: recordPending}
	}
	// The externalBatchId is claimed together with the new batch in one
	// atomic store step: of one batch sent through two replicas at once,
	// one is accepted and the other meets it as a repeat (an answer to a
	// retry, or ALREADY_EXISTS for other content).
	var earlier string
	err := store.Update2(ctx, bs.external, r.ExternalBatchID, bs.batches, b.BatchID, func(ext *store.Held[string], nb *store.Held[batch]) error {
		if ext.Exists {
			earlier = ext.Value
			return errRepeat
		}
		ext.Value, nb.Value = b.BatchID, b
		return nil
	})
	if errors.Is(err, errRepeat) {
		return repeat(earlier) // claimed meanwhile (another replica)
	}
	if err != nil {
		return nil, err
	}
	req.AddCorrelationID(b.BatchID)
	// The records wait encrypted, as the issuer sent them: card data is
	// never kept in clear, not even in the pending task.
	if err := bs.env.Schedule(ctx, batchDelaySetting.Get(bs.env.Settings), taskProcessBatch, batchTask{BatchID: b.BatchID, Records: r.Records}); err != nil {
		return nil, err
	}
	return simulator.JSON(http.StatusAccepted, map[string]any{"batchId": b.BatchID, "externalBatchId": b.ExternalBatchID}), nil
}

// errRepeat stops the claim of an externalBatchId already claimed.
var errRepeat = errors.New("externalBatchId already used")

// taskProcessBatch is the task that processes an accepted batch.
const taskProcessBatch = "processBatch"

// batchTask is the payload of taskProcessBatch: the batch and its records as
// received, enrollmentData still encrypted.
type batchTask struct {
	BatchID string        `json:"batchId"`
	Records []batchRecord `json:"records"`
}

// runBatch decrypts a pending batch's records and processes them.
func (bs *batchAPI) runBatch(ctx context.Context, payload []byte) error {
	var t batchTask
	if err := json.Unmarshal(payload, &t); err != nil {
		return err
	}
	records := make([]pendingRecord, len(t.Records))
	for i, rec := range t.Records {
		records[i] = pendingRecord{ExternalConsumerID: rec.ExternalConsumerID, ExternalCardID: rec.ExternalCardID}
		plain, err := bs.creds.openJWE(fmt.Sprintf("records/%d/enrollmentData", i), rec.EnrollmentData)
		if err == nil {
			err = json.Unmarshal(plain, &records[i].Data)
		}
		if err != nil {
			// Checked when the batch arrived: only a changed key gets here.
			records[i].err = err
		}
	}
	bs.processBatch(ctx, t.BatchID, records)
	return nil
}

// processBatch enrols a batch's records one after the other, as putCard
// would, recording each result as it is known. A record that fails does not
// stop the others.
func (bs *batchAPI) processBatch(ctx context.Context, batchID string, records []pendingRecord) {
	failed := false
	for i, rec := range records {
		if ctx.Err() != nil {
			return // reset or shutdown: the batch is gone with the state
		}
		cons := rec.Data.Consumer
		cons.ExternalConsumerID = rec.ExternalConsumerID
		var card digitalCard
		err := rec.err
		if err == nil {
			card, err = bs.enrol.enrol(ctx, enrolment{
				Consumer: cons, ExternalConsumerID: rec.ExternalConsumerID, ExternalCredentialID: rec.ExternalCardID,
				Card: rec.Data.cardPlaintext, Field: fmt.Sprintf("records/%d/enrollmentData", i), CorrelationID: batchID,
			})
		}
		res := recordResult{ExternalConsumerID: rec.ExternalConsumerID, ExternalCardID: rec.ExternalCardID, Status: recordSucceeded}
		if err != nil {
			failed = true
			res.Status = recordFailed
			var se *simulator.Error
			if errors.As(err, &se) {
				res.ErrorReason, res.ErrorMessage = se.Code, se.Message
				if res.ErrorReason == "" {
					res.ErrorReason = serviceReason(se)
				}
			} else {
				bs.env.Logger.Error("batch record failed inside the simulator", "batchId", batchID, "record", i, "error", err)
				res.ErrorReason, res.ErrorMessage = "INTERNAL", "enrolment service error; the record was not enrolled"
			}
		} else {
			res.SrcConsumerID, res.SrcDigitalCardID, res.TokenUniqueRef, res.TokenStatus = card.SrcConsumerID, card.SrcDigitalCardID, card.TokenUniqueRef, card.Status
		}
		last := i == len(records)-1
		err = bs.batches.Update(ctx, batchID, func(b *batch, exists bool) error {
			if !exists {
				return store.ErrNotFound
			}
			b.Records[i] = res
			if last {
				now := bs.env.Clock.Now()
				b.CompletedAt = &now
				b.Status = batchCompleted
				if failed {
					b.Status = batchCompletedWithErrors
				}
			}
			return nil
		})
		if err != nil {
			return // the state was reset under the batch
		}
	}
}

func (bs *batchAPI) batchStatus(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	if err := bs.creds.checkDirectory(req); err != nil {
		return nil, err
	}
	id := req.PathParams["batchId"]
	b, err := bs.batches.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && b.DirectoryID != req.PathParams["directoryId"]) {
		return nil, svcErr(http.StatusNotFound, simulator.KindNotFound, "NOT_FOUND", "no batch %q in this directory", id)
	}
	if err != nil {
		return nil, err
	}
	req.AddCorrelationID(b.ExternalBatchID)
	counts := map[string]int{}
	records := make([]map[string]any, 0, len(b.Records))
	for _, r := range b.Records {
		counts[r.Status]++
		m := map[string]any{
			"externalConsumerId":   r.ExternalConsumerID,
			"externalCardId":       r.ExternalCardID,
			"externalCredentialId": r.ExternalCardID,
			"status":               r.Status,
		}
		switch r.Status {
		case recordSucceeded:
			m["srcConsumerId"], m["srcDigitalCardId"], m["tokenUniqueReference"], m["tokenStatus"] = r.SrcConsumerID, r.SrcDigitalCardID, r.TokenUniqueRef, r.TokenStatus
		case recordFailed:
			m["error"] = map[string]any{"reason": r.ErrorReason, "message": r.ErrorMessage}
		}
		records = append(records, m)
	}
	body := map[string]any{
		"batchId":          b.BatchID,
		"externalBatchId":  b.ExternalBatchID,
		"directoryId":      b.DirectoryID,
		"status":           b.Status,
		"receivedAt":       b.ReceivedAt.UTC().Format(time.RFC3339),
		"totalRecords":     len(b.Records),
		"pendingRecords":   counts[recordPending],
		"succeededRecords": counts[recordSucceeded],
		"failedRecords":    counts[recordFailed],
		"records":          records,
	}
	if b.CompletedAt != nil {
		body["completedAt"] = b.CompletedAt.UTC().Format(time.RFC3339)
	}
	return simulator.JSON(http.StatusOK, body), nil
}
