package conformance

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/c2psim/c2psim/conformance/requirements"
)

// report.html is the certification document: a cover (system under test,
// scope, the verdict per network, the run record, the capability
// declaration, the waivers, the expiry), the traceability matrix with each
// case's verdict, and one section per case with its reproduce line and its
// evidence timeline. It is self-contained and prints to PDF (A4): every
// section starts on a page of its own, tables repeat their headers, long
// lines wrap instead of being cut.

// htmlBodyMax bounds one body in report.html; the case's exchanges.json
// holds it whole.
const htmlBodyMax = 4 << 10

type htmlView struct {
	*Report
	Networks    []networkVerdict
	Features    []featureRow
	Cases       []caseView
	NotRun      []Scenario
	CaseVerdict map[string]Verdict
	Rendered    string
}

// networkVerdict is one network's verdict on the cover.
type networkVerdict struct {
	Network string
	Verdict string
	Why     string
	Counts  Counts
}

type featureRow struct {
	Network, ID, Title string
	Mandatory          bool
	Declared, Effect   string
}

type caseView struct {
	Scenario
	Verdicts  []reqVerdict
	Exchanges []exchangeView
}

type reqVerdict struct {
	ID      string
	Verdict Verdict
}

type exchangeView struct {
	Exchange
	Path  string
	Parts []bodyPart
}

type bodyPart struct{ Name, Body string }

func renderHTML(rep *Report) ([]byte, error) {
	v := htmlView{Report: rep, CaseVerdict: map[string]Verdict{}, Rendered: time.Now().UTC().Format("2006-01-02 15:04 MST")}
	for _, sc := range rep.Scenarios {
		v.CaseVerdict[sc.Case] = sc.Verdict
	}
	v.Networks = networkVerdicts(rep)
	v.Features = featureRows(rep)
	order := map[Verdict]int{Failed: 0, Error: 1, Passed: 2}
	for _, sc := range rep.Scenarios {
		if sc.Verdict == Skipped {
			v.NotRun = append(v.NotRun, sc)
			continue
		}
		cv := caseView{Scenario: sc}
		for _, rr := range rep.Requirements {
			if rr.Network == sc.Network && slices.Contains(sc.Requirements, rr.ID) {
				cv.Verdicts = append(cv.Verdicts, reqVerdict{rr.ID, rr.Verdict})
			}
		}
		for _, x := range sc.Exchanges {
			xv := exchangeView{Exchange: x, Path: x.URL}
			if u, err := url.Parse(x.URL); err == nil && u.Path != "" {
				xv.Path = u.Path
				if u.RawQuery != "" {
					xv.Path += "?" + u.RawQuery
				}
			}
			for _, p := range []bodyPart{{"request", x.RequestBody}, {"request, decrypted", x.RequestPlain}, {"answer", x.ResponseBody}, {"answer, decrypted", x.ResponsePlain}} {
				if p.Body == "" {
					continue
				}
				if len(p.Body) > htmlBodyMax {
					p.Body = p.Body[:htmlBodyMax] + fmt.Sprintf("\n… %d more bytes in %s", len(p.Body)-htmlBodyMax, ExchangesFile)
				}
				xv.Parts = append(xv.Parts, p)
			}
			cv.Exchanges = append(cv.Exchanges, xv)
		}
		v.Cases = append(v.Cases, cv)
	}
	sort.SliceStable(v.Cases, func(i, j int) bool { return order[v.Cases[i].Verdict] < order[v.Cases[j].Verdict] })
	var b bytes.Buffer
	if err := htmlReport.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("rendering report.html: %w", err)
	}
	return b.Bytes(), nil
}

// networkVerdicts: a harness error wins, then a failed MUST, then a MUST
// not proven (incomplete, not covered); passed otherwise.
func networkVerdicts(rep *Report) []networkVerdict {
	var out []networkVerdict
	for _, n := range rep.Run.Selection.Networks {
		c, ok := rep.Summary[n]
		if !ok {
			continue
		}
		nv := networkVerdict{Network: n, Counts: c, Verdict: "passed", Why: "every MUST requirement in scope passed"}
		var failed, open []string
		for _, rr := range rep.Requirements {
			if rr.Network != n || !rr.InScope {
				continue
			}
			switch {
			case rr.Verdict == Error:
				nv.Verdict, nv.Why = "error", "the harness could not judge "+rr.ID
			case rr.Level == requirements.Must && rr.Verdict == Failed:
				failed = append(failed, rr.ID)
			case rr.Level == requirements.Must && (rr.Verdict == Incomplete || rr.Verdict == NotCovered):
				open = append(open, rr.ID)
			}
		}
		switch {
		case nv.Verdict == "error":
		case len(failed) > 0:
			nv.Verdict, nv.Why = "failed", "MUST failed: "+strings.Join(failed, ", ")
		case len(open) > 0:
			nv.Verdict, nv.Why = "incomplete", "MUST not proven: "+strings.Join(open, ", ")
		case c.Waived > 0:
			nv.Why += fmt.Sprintf(" or is waived (%d waived)", c.Waived)
		}
		out = append(out, nv)
	}
	return out
}

func featureRows(rep *Report) []featureRow {
	var out []featureRow
	for _, n := range rep.Run.Selection.Networks {
		for _, f := range requirements.Features(requirements.Network(n)) {
			row := featureRow{Network: n, ID: f.ID, Title: f.Title, Mandatory: f.Mandatory}
			e, ok := rep.Run.Capabilities.Declared(n, f.ID)
			switch {
			case !ok:
				row.Declared, row.Effect = "not declared", "judged as implemented"
			case e.Implemented:
				row.Declared, row.Effect = "implemented · "+rep.Run.Capabilities.Where(e), "judged"
			case f.Mandatory:
				row.Declared, row.Effect = "not implemented · "+rep.Run.Capabilities.Where(e), "refused: the feature is mandatory; judged"
			default:
				row.Declared, row.Effect = "not implemented · "+rep.Run.Capabilities.Where(e), "its requirements are not applicable"
			}
			out = append(out, row)
		}
	}
	return out
}

var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{
	"class": func(v any) string { return strings.ReplaceAll(fmt.Sprint(v), " ", "-") },
	"clock": func(t time.Time) string { return t.UTC().Format("15:04:05.000") },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 MST")
	},
	"status": statusText,
	"cut": func(s string) string {
		if len(s) <= htmlBodyMax {
			return s
		}
		return s[:htmlBodyMax] + fmt.Sprintf("\n… %d more bytes in %s", len(s)-htmlBodyMax, CaseFile)
	},
	"open": func(v Verdict) bool { return v == Failed || v == Error },
	"join": strings.Join,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Click to Pay issuer conformance · {{with .Run.SUT.Name}}{{.}}{{else}}c2psim{{end}}</title>
<style>
@page{size:A4;margin:14mm 12mm}
body{font:13px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2433;margin:0;background:#f7f8fa}
header{background:#14213d;color:#fff;padding:18px 24px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c9d3e6}
main{padding:16px 24px;display:grid;gap:18px}
section{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:12px 16px}
h2{font-size:17px;margin:4px 0 10px}h3{font-size:15px;margin:2px 0 6px}
table{border-collapse:collapse;width:100%;table-layout:auto}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #dde2ea;vertical-align:top;overflow-wrap:break-word}
th,.nw{white-space:nowrap}td.wrap code,dd code{overflow-wrap:anywhere}
thead{display:table-header-group}tr{break-inside:avoid}
th{font-size:11px;color:#5b6577;text-transform:uppercase;letter-spacing:.02em}
.passed{color:#11773d;font-weight:600}.failed,.error{color:#b42318;font-weight:600}
.incomplete,.skipped,.not-covered{color:#9a6700;font-weight:600}.waived{color:#6941c6;font-weight:600}.not-applicable{color:#5b6577;font-weight:600}
.out{color:#5b6577}small{color:#5b6577}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:11px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f5f8;padding:6px 8px;border-radius:6px;margin:4px 0}
.banner{background:#fff4e5;border-color:#f5c16c}.stale{background:#fde8e8;border-color:#f5a3a3}
dl.record{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}dl.record dt{color:#5b6577}dl.record dd{margin:0;overflow-wrap:anywhere}
.verdicts{display:flex;flex-wrap:wrap;gap:10px}.verdicts div{border:1px solid #dde2ea;border-radius:8px;padding:8px 12px;min-width:150px}
.verdicts b{font-size:16px}
.timeline td{font-size:12px}.timeline .flow{white-space:nowrap}
details summary{cursor:pointer;color:#5b6577}
.case h2{border-top:2px solid #14213d;padding-top:8px}
@media print{
 body{background:#fff;font-size:10.5px}header{background:#fff;color:#000;border-bottom:2px solid #14213d;padding:0 0 8px}header p{color:#333}
 main{display:block;padding:0}section{border:0;border-radius:0;padding:0;margin:0 0 10px}
 #matrix,#cases,#cases-not-run{break-before:page}.case h2,.case dl{break-after:avoid}.no-print{display:none}
 pre{background:#fff;border:1px solid #ccc}details>summary{display:none}tr.bodies:has(details:not([open])){display:none}
}
</style></head><body>
<header><h1>Click to Pay issuer conformance — certification report</h1>
<p>{{with .Run.SUT.String}}{{.}}{{else}}system under test not reported{{end}} · target {{.Run.Target}} · networks {{join .Run.Selection.Networks ", "}} · outcome <b>{{.Outcome}}</b> (exit {{.ExitCode}}) · run {{.Run.ID}} · {{when .Run.Started}}</p></header>
<main>
<section id="stale-banner" class="stale" hidden><b>This report is stale.</b> It held until {{.Run.Record.Expires}}; run the suite again for a current verdict.</section>
{{with .Run.Defect}}<section class="banner"><b>Mutation test run</b>: the bundled issuer was built with the deliberate defect <code>{{.}}</code>. This is not a conformance result.</section>{{end}}
{{if .Errors}}<section id="errors" class="banner"><h2>Harness errors</h2><p>The harness could not judge this run; nothing here is a finding about the issuer.</p>{{range .Errors}}<pre>{{.}}</pre>{{end}}</section>{{end}}

<section id="cover"><h2>Cover</h2>
<div class="verdicts">{{range .Networks}}<div><small>{{.Network}}</small><br><b class="{{class .Verdict}}">{{.Verdict}}</b><br><small>{{.Why}}</small></div>{{end}}</div>
<p>Outcome <b class="{{class .Outcome}}">{{.Outcome}}</b> (exit {{.ExitCode}}). MUST requirements failed: <b>{{.MustFailed}}</b>.
A requirement passes on a network only when every case selected for it ran and passed there; a waived failure is never a pass.
{{with .Run.Record.Expires}}This report holds until <b>{{.}}</b>; after that date it is stale.{{end}}</p>
<h3>Run record</h3>
<dl class="record">
<dt>system under test</dt><dd>{{with .Run.SUT.Name}}{{.}}{{else}}—{{end}}{{with .Run.SUT.Version}} version {{.}}{{end}}{{with .Run.SUT.Vendor}} · {{.}}{{end}}</dd>
<dt>target</dt><dd>{{.Run.Target}}{{with .Run.Simulator.URL}} · simulator {{.}}{{end}}</dd>
<dt>scope</dt><dd>networks {{join .Run.Selection.Networks ", "}}{{with .Run.Selection.Level}} · level {{.}}{{end}}{{with .Run.Selection.Requirements}} · requirements {{join . ", "}}{{end}}{{with .Run.Selection.Cases}} · cases {{join . ", "}}{{end}}</dd>
<dt>label filter</dt><dd>{{with .Run.Selection.LabelFilter}}<code>{{.}}</code>{{else}}none{{end}}</dd>
<dt>harness</dt><dd>c2pconform {{.Run.Record.Harness.Version}}{{with .Run.Record.Harness.Revision}} · revision {{.}}{{end}} · {{.Run.Record.Harness.GoVersion}}</dd>
<dt>simulator</dt><dd>c2psim {{.Run.Simulator.Version}}{{with .Run.Record.SimulatorRevision}} · revision {{.}}{{end}} · seed {{.Run.Simulator.Seed}}{{with .Run.Simulator.StartedAt}} · started {{.}}{{end}}</dd>
<dt>seeds</dt><dd>simulator {{.Run.Seed}} · ginkgo (case order) {{.Run.GinkgoSeed}}</dd>
<dt>configuration</dt><dd>{{with .Run.Record.ConfigFile}}{{.}} · {{end}}digest {{.Run.ConfigDigest}}</dd>
<dt>run</dt><dd>{{.Run.ID}}{{with .Run.Shard}} ({{.}}){{end}} · {{when .Run.Started}} → {{when .Run.Finished}}</dd>
<dt>host</dt><dd>{{.Run.Record.Host}}</dd>
<dt>operator</dt><dd>{{with .Run.Record.Operator}}{{.}}{{else}}—{{end}}</dd>
<dt>valid until</dt><dd>{{with .Run.Record.Expires}}{{.}}{{else}}—{{end}}</dd>
<dt>signature</dt><dd>{{with .Signature}}Ed25519 key <code>{{.KeyID}}</code>, public key <code>{{.PublicKey}}</code>{{if .Generated}} — generated for this run and not kept: the signature shows the files are as this run wrote them; compare the public key with the one the run printed{{else}} — the team's key{{end}}. Check with <code>c2pconform verify</code>.{{else}}not signed{{end}}</dd>
</dl>
{{with .Notes}}<h3>What the harness did before the first case</h3><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h3>Capability declaration</h3>
{{with .Run.Capabilities}}<p>{{.File}} · sha256 {{.Digest}}</p>{{else}}<p>No capability declaration: every feature is judged as implemented.</p>{{end}}
{{with .Declaration.Refused}}<div class="banner"><p><b>Declarations that cannot take effect:</b></p><ul>{{range .}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
<table><thead><tr><th>network</th><th>feature</th><th>program</th><th>declared</th><th>effect</th></tr></thead><tbody>
{{range .Features}}<tr><td class="nw">{{.Network}}</td><td><code>{{.ID}}</code><br><small>{{.Title}}</small></td><td>{{if .Mandatory}}mandatory{{else}}optional{{end}}</td><td>{{.Declared}}</td><td>{{.Effect}}</td></tr>{{end}}
</tbody></table>
<h3>Waivers</h3>
{{if .WaiverUses}}<p>{{.Run.Waivers.File}} · sha256 {{.Run.Waivers.Digest}}</p>
<table><thead><tr><th>requirement</th><th>network · case</th><th>reason</th><th>owner</th><th>expires</th><th>in this run</th></tr></thead><tbody>
{{range .WaiverUses}}<tr><td><code>{{.Requirement}}</code><br><small>line {{.Line}}</small></td><td>{{with .Network}}{{.}}{{else}}every network{{end}}{{with .Case}} · <code>{{.}}</code>{{end}}</td><td>{{.Reason}}</td><td>{{.Owner}}</td><td>{{.Expires}}</td>
<td class="{{if .Problem}}failed{{else}}waived{{end}}">{{.Status}}{{range .Matched}}<br><small>{{.}}</small>{{end}}{{with .Note}}<br><small>{{.}}</small>{{end}}</td></tr>{{end}}
</tbody></table>{{else}}<p>None.</p>{{end}}
<h3>Network documents</h3>
<table><thead><tr><th>network</th><th>document</th><th>version</th><th>digest</th></tr></thead><tbody>
{{range .Run.Record.Documents}}<tr><td class="nw">{{.Network}}</td><td>{{.Title}}<br><small>{{.Path}} · {{.Direction}}</small></td><td class="nw">{{.Version}}</td><td class="wrap"><code>{{.Digest}}</code></td></tr>{{else}}<tr><td colspan="4">Not recorded.</td></tr>{{end}}
</tbody></table>
{{with .Run.Record.Settings}}<h3>Simulator settings</h3><p>{{range $k, $v := .}}<code>{{$k}}={{$v}}</code> {{end}}</p>{{end}}
</section>

<section id="summary"><h2>Coverage by network</h2><table><thead><tr><th>network</th><th>passed</th><th>failed</th><th>waived</th><th>not applicable</th><th>error</th><th>incomplete</th><th>not covered</th></tr></thead><tbody>
{{range .Networks}}{{$n := .Network}}{{with .Counts}}<tr><td>{{$n}}</td><td class="passed">{{.Passed}}</td><td class="failed">{{.Failed}}</td><td class="waived">{{.Waived}}</td><td class="not-applicable">{{.NotApplicable}}</td><td class="error">{{.Error}}</td><td class="incomplete">{{.Incomplete}}</td><td class="not-covered">{{.NotCovered}}</td></tr>{{end}}{{end}}
{{with index .Summary "total"}}<tr><th>total</th><th>{{.Passed}}</th><th>{{.Failed}}</th><th>{{.Waived}}</th><th>{{.NotApplicable}}</th><th>{{.Error}}</th><th>{{.Incomplete}}</th><th>{{.NotCovered}}</th></tr>{{end}}
</tbody></table></section>

<section id="matrix"><h2>Traceability matrix</h2><table><thead><tr><th>requirement</th><th>network</th><th>level</th><th>rule · as the network states it</th><th>cases</th><th>verdict</th></tr></thead><tbody>
{{range .Requirements}}<tr{{if not .InScope}} class="out"{{end}}><td class="nw"><code>{{.ID}}</code>{{if .Source}}<br><a href="{{.Source}}">source</a>{{end}}<br><small>{{if .Documented}}documented{{else}}inferred{{end}}</small></td><td class="nw">{{.Network}}</td><td class="nw">{{.Level}}</td>
<td>{{.Rule}}<br><small>{{.Title}}</small></td><td class="nw">{{range .Cases}}<div><a href="#case-{{.}}"><code>{{.}}</code></a> <small class="{{class (index $.CaseVerdict .)}}">{{index $.CaseVerdict .}}</small></div>{{end}}</td>
<td class="{{class .Verdict}}">{{.Verdict}}{{if not .InScope}}<br><small>outside the selection</small>{{end}}{{range .Reasons}}<br><small>{{.}}</small>{{end}}</td></tr>
{{end}}</tbody></table></section>

<div id="cases">{{range .Cases}}<section class="case" id="case-{{.Case}}"><h2><span class="{{class .Verdict}}">{{.Verdict}}</span> · <code>{{.Case}}</code> {{.Name}}</h2>
<dl class="record"><dt>network</dt><dd>{{.Network}}</dd>
<dt>requirements</dt><dd>{{range .Verdicts}}<code>{{.ID}}</code> <small class="{{class .Verdict}}">{{.Verdict}}</small> {{else}}none (a simulator check){{end}}</dd>
<dt>duration</dt><dd>{{.DurationMs}} ms · {{len .Exchanges}} exchanges</dd>
{{with .Location}}<dt>scenario</dt><dd><small>{{.}}</small></dd>{{end}}
{{with .Reason}}<dt>reason</dt><dd>{{.}}</dd>{{end}}
{{with .Evidence}}<dt>evidence</dt><dd>{{range .}}<a href="{{.}}">{{.}}</a> {{end}}</dd>{{end}}
</dl>
{{with .Failure}}<pre>{{cut .Message}}{{with .Location}}
at {{.}}{{end}}</pre>{{end}}
{{range .EvidenceNotes}}<p><small>{{.}}</small></p>{{end}}
{{with .Reproduce}}<p><b>Reproduce</b></p><pre>{{.Command}}</pre>{{with .Curl}}<pre>{{.}}</pre>{{end}}{{with .Note}}<p><small>{{.}}</small></p>{{end}}{{end}}
<table class="timeline"><thead><tr><th>#</th><th>time (UTC)</th><th>flow</th><th>operation</th><th>request</th><th>status</th><th>ms</th><th>checks</th></tr></thead><tbody>
{{$open := open .Verdict}}{{range .Exchanges}}<tr><td>{{.N}}</td><td class="nw">{{clock .Time}}</td><td class="flow">{{.Flow}}</td><td>{{.Network}} <code>{{.Operation}}</code>{{if .Attempt}}<br><small>attempt {{.Attempt}}</small>{{end}}</td>
<td class="wrap"><code>{{.Method}} {{.Path}}</code>{{with .CorrelationIDs}}<br><small>correlation {{join . ", "}}</small>{{end}}{{with .Cards}}<br><small>cards {{join . ", "}}</small>{{end}}</td>
<td class="nw">{{status .Status}}</td><td class="nw">{{printf "%.1f" .LatencyMs}}</td><td><small>{{.Verdicts}}{{with .Fault}} · fault {{.}}{{end}}{{with .Error}} · {{.}}{{end}}</small></td></tr>
{{if .Parts}}<tr class="bodies"><td></td><td colspan="7"><details{{if $open}} open{{end}}><summary>bodies</summary>{{range .Parts}}<small>{{.Name}}</small><pre>{{.Body}}</pre>{{end}}</details></td></tr>{{end}}
{{else}}<tr><td colspan="8">No exchange was recorded.</td></tr>{{end}}</tbody></table>
</section>
{{end}}</div>

<section id="cases-not-run"><h2>Cases that did not run</h2><table><thead><tr><th>case</th><th>name</th><th>why</th></tr></thead><tbody>
{{range .NotRun}}<tr><td><code>{{.Case}}</code></td><td>{{.Name}}</td><td>{{.Reason}}</td></tr>{{else}}<tr><td colspan="3">None.</td></tr>{{end}}
</tbody></table></section>
<p class="out"><small>Written by c2pconform {{.Run.Record.Harness.Version}}, rendered {{.Rendered}}. Card numbers are masked to their first six and last four digits; secrets are removed.</small></p>
</main>
<script>(function(){var e="{{.Run.Record.Expires}}";if(e&&new Date().toISOString().slice(0,10)>e){document.getElementById("stale-banner").hidden=false}})()</script>
</body></html>
`))
