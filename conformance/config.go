package conformance

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/c2psim/c2psim/conformance/declaration"
	"github.com/c2psim/c2psim/conformance/requirements"
)

// Config is the harness configuration: a JSON file named by C2P_CONFIG (or
// --config), every field optional with a default, some overridable by
// environment variables for CI (C2P_TARGET, C2P_NETWORKS, C2P_OUT, C2P_SEED).
type Config struct {
	// Target is "bundled" (default: in-process simulator + bundled client)
	// or "external" (a running c2psim and your issuer's driver).
	Target string `json:"target,omitempty"`
	// Networks under test; empty means every network with scenarios.
	Networks []string `json:"networks,omitempty"`
	// Out is where junit.xml, report.json and report.html go (default reports).
	Out string `json:"out,omitempty"`
	// Seed for the bundled simulator's identifiers (default 1).
	Seed int64 `json:"seed,omitempty"`
	// Settings for the bundled simulator's networks, "<network>.<key>".
	Settings map[string]string `json:"settings,omitempty"`
	// ResetSimulator resets the external simulator before the first case
	// when it is not clean (fault rules armed by an earlier run); without it
	// such a run stops at the preflight saying so.
	ResetSimulator bool `json:"resetSimulator,omitempty"`
	// Level and Requirements narrow the run to MUST or SHOULD requirements,
	// or to some requirement IDs (the CLI's --level and --requirement).
	Level        string   `json:"level,omitempty"`
	Requirements []string `json:"requirements,omitempty"`
	// External target: the running simulator's base URL and the issuer's
	// driver base URL (openapi/driver.yaml).
	SimulatorURL string `json:"simulatorUrl,omitempty"`
	DriverURL    string `json:"driverUrl,omitempty"`
	// SimulatorAdminToken is the running simulator's admin token, when it
	// has one (default: the C2PSIM_ADMIN_TOKEN environment variable).
	SimulatorAdminToken string `json:"simulatorAdminToken,omitempty"`
	// Capabilities is the capability declaration file: per network, the
	// optional features the issuer implements (the CLI's --capabilities).
	Capabilities string `json:"capabilities,omitempty"`
	// Waivers is the waiver file (the CLI's --waivers).
	Waivers string `json:"waivers,omitempty"`
	// Operator is who runs the conformance run, for the run record
	// (default: the C2P_OPERATOR environment variable, else the user).
	Operator string `json:"operator,omitempty"`
	// ValidDays is how long the report holds: after that many days it says
	// it is stale (default 90).
	ValidDays int `json:"validDays,omitempty"`
	// SigningKey is the team's Ed25519 private key (PEM PKCS#8) that signs
	// the package; without one a key is generated for the run and its
	// public key printed (the CLI's --signing-key).
	SigningKey string `json:"signingKey,omitempty"`
}

// DefaultConfig is what an empty file means.
func DefaultConfig() Config {
	return Config{Target: "bundled", Out: "reports", Seed: 1, ValidDays: 90, Settings: map[string]string{"visa.asyncDelay": "200ms", "discover.asyncDelay": "200ms", "mastercard.batchDelay": "200ms"}}
}

// LoadConfig reads the file (if any) over the defaults, applies environment
// overrides and validates, reporting every problem at once.
func LoadConfig(path string) (Config, error) {
	c := DefaultConfig()
	if path == "" {
		path = os.Getenv("C2P_CONFIG")
	}
	var errs []error
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("reading config: %w", err)
		}
		if err := decodeAnnotated(b, &c); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
		}
	}
	if v := os.Getenv("C2P_TARGET"); v != "" {
		c.Target = v
	}
	if v := os.Getenv("C2P_NETWORKS"); v != "" {
		c.Networks = strings.Split(v, ",")
	}
	if v := os.Getenv("C2P_OUT"); v != "" {
		c.Out = v
	}
	if v := os.Getenv("C2PSIM_ADMIN_TOKEN"); v != "" && c.SimulatorAdminToken == "" {
		c.SimulatorAdminToken = v
	}
	if v := os.Getenv("C2P_OPERATOR"); v != "" && c.Operator == "" {
		c.Operator = v
	}
	if v := os.Getenv("C2P_SEED"); v != "" {
		if _, err := fmt.Sscan(v, &c.Seed); err != nil {
			errs = append(errs, fmt.Errorf("C2P_SEED %q is not a number", v))
		}
	}
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	switch c.Target {
	case "bundled":
	case "external":
		if !strings.HasPrefix(c.SimulatorURL, "http") {
			errs = append(errs, errors.New("external target: simulatorUrl (the running c2psim) is required"))
		}
		if !strings.HasPrefix(c.DriverURL, "http") {
			errs = append(errs, errors.New("external target: driverUrl (your issuer's openapi/driver.yaml endpoint) is required"))
		}
	default:
		errs = append(errs, fmt.Errorf("target %q: want bundled or external", c.Target))
	}
	for _, n := range c.Networks {
		if _, ok := requirements.ParseNetwork(n); !ok {
			errs = append(errs, fmt.Errorf("network %q: want %s", n, knownNetworks()))
		}
	}
	switch strings.ToLower(c.Level) {
	case "", "must", "should":
	default:
		errs = append(errs, fmt.Errorf("level %q: want must or should", c.Level))
	}
	for _, id := range c.Requirements {
		if _, ok := requirements.Lookup(id); !ok {
			errs = append(errs, fmt.Errorf("unknown requirement %q", id))
		}
	}
	if os.Getenv(EnvDefect) != "" && c.Target != "bundled" {
		errs = append(errs, fmt.Errorf("%s is for the harness's own mutation tests on the bundled target", EnvDefect))
	}
	if c.Out == "" {
		errs = append(errs, errors.New("out (the reports folder) must not be empty"))
	}
	if c.ValidDays < 1 {
		errs = append(errs, fmt.Errorf("validDays %d: the report must hold for a day at least", c.ValidDays))
	}
	_, _, err := c.Declarations()
	errs = append(errs, err)
	return errors.Join(errs...)
}

func knownNetworks() string {
	var ns []string
	for _, n := range requirements.Networks() {
		ns = append(ns, string(n))
	}
	return strings.Join(ns, ", ")
}

// Digest identifies the configuration apart from the selection and the
// output folder: the shards of one run share it.
func (c Config) Digest() string {
	caps, waivers, _ := c.Declarations()
	var capsDigest, waiversDigest string
	if caps != nil {
		capsDigest = caps.Digest
	}
	if waivers != nil {
		waiversDigest = waivers.Digest
	}
	b, _ := json.Marshal(struct {
		Target, SimulatorURL, DriverURL string
		Seed                            int64
		Settings                        map[string]string
		Capabilities, Waivers           string
	}{c.Target, c.SimulatorURL, c.DriverURL, c.Seed, c.Settings, capsDigest, waiversDigest})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// selection is what the configuration asks the run for.
func (c Config) selection() Selection {
	s := Selection{Networks: c.Networks, Level: strings.ToLower(c.Level)}
	if len(s.Networks) == 0 {
		s.Networks = RegisteredNetworks()
	}
	for _, id := range c.Requirements {
		if r, ok := requirements.Lookup(id); ok {
			s.Requirements = append(s.Requirements, r.ID)
		}
	}
	return s
}

// AnnotatedDefault is printed by `c2pconform config init`.
const AnnotatedDefault = `{
  "//target": "bundled: in-process simulator + bundled client; external: a running c2psim and your issuer's driver",
  "target": "bundled",
  "//networks": "networks under test; empty means every network with scenarios",
  "networks": ["mastercard", "visa", "amex", "discover"],
  "//out": "folder for junit.xml, report.json and report.html",
  "out": "reports",
  "//seed": "seed of the bundled simulator's identifiers: same seed, same journal",
  "seed": 1,
  "//settings": "bundled simulator network settings, <network>.<key> (see GET /_admin/networks)",
  "settings": {"visa.asyncDelay": "200ms", "discover.asyncDelay": "200ms", "mastercard.batchDelay": "200ms"},
  "//simulatorUrl": "external target: the running c2psim your issuer talks to",
  "simulatorUrl": "",
  "//driverUrl": "external target: your issuer system's openapi/driver.yaml endpoint",
  "driverUrl": "",
  "//resetSimulator": "external target: reset the simulator first when an earlier run left fault rules armed",
  "resetSimulator": false,
  "//simulatorAdminToken": "external target: the simulator's admin token, when it has one (or set C2PSIM_ADMIN_TOKEN)",
  "simulatorAdminToken": "",
  "//capabilities": "capability declaration: per network, the optional features your issuer implements (see c2pconform features)",
  "capabilities": "",
  "//waivers": "waivers: known failures accepted until a date, each with its reason and owner",
  "waivers": "",
  "//operator": "who runs this, for the run record (or set C2P_OPERATOR)",
  "operator": "",
  "//validDays": "days the report holds before it says it is stale",
  "validDays": 90,
  "//signingKey": "your team's Ed25519 private key (PEM PKCS#8) that signs the package; empty: a key generated for the run",
  "signingKey": ""
}
`

// decodeAnnotated decodes JSON whose keys starting with "//" are comments,
// refusing any other unknown key.
func decodeAnnotated(b []byte, v any) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for k := range m {
		if strings.HasPrefix(k, "//") {
			delete(m, k)
		}
	}
	clean, _ := json.Marshal(m)
	dec := json.NewDecoder(strings.NewReader(string(clean)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Declarations reads the configuration's capability declaration and
// waivers (nil when it names none), every problem at once.
func (c Config) Declarations() (*declaration.Capabilities, *declaration.Waivers, error) {
	var caps *declaration.Capabilities
	var waivers *declaration.Waivers
	var errs []error
	if c.Capabilities != "" {
		var err error
		if caps, err = declaration.LoadCapabilities(c.Capabilities); err != nil {
			errs = append(errs, fmt.Errorf("capabilities: %w", err))
		}
	}
	if c.Waivers != "" {
		var err error
		if waivers, err = declaration.LoadWaivers(c.Waivers); err != nil {
			errs = append(errs, fmt.Errorf("waivers: %w", err))
		} else if cov, err := LoadCoverage(); err == nil {
			for _, w := range waivers.List {
				if _, known := cov.Cases[w.Case]; w.Case != "" && !known {
					errs = append(errs, fmt.Errorf("waivers: %s:%d: no case %s (c2pconform requirements lists each requirement's cases)", c.Waivers, w.Line, w.Case))
				}
			}
		}
	}
	return caps, waivers, errors.Join(errs...)
}
