package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/c2psim/c2psim/simulator"
)

// --credentials-dir keeps each network's credentials in DIR/<network>.json
// across starts, so issuer code can read its keys from disk and a restart
// keeps them: a network's file, when there is one, is what the simulator
// starts with (its private keys are used, not generated; every other
// credential is registered); a network without one gets its credentials and
// keys written there.

// readCredentials reads DIR/<network>.json of each network that has one.
func readCredentials(dir string, networks []string) (map[string][]simulator.Credential, error) {
	out := map[string][]simulator.Credential{}
	var errs []error
	for _, id := range networks {
		path := filepath.Join(dir, id+".json")
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--credentials-dir: %w", err))
			continue
		}
		var creds []simulator.Credential
		if err := json.Unmarshal(b, &creds); err != nil {
			errs = append(errs, fmt.Errorf("--credentials-dir: %s: %w", path, err))
			continue
		}
		out[id] = creds
	}
	return out, errors.Join(errs...)
}

// writeCredentials writes the credentials and keys of each network that has
// credentials but no file in dir yet (waiting for keys still being made).
func writeCredentials(sim *simulator.Simulator, dir string, have map[string][]simulator.Credential, logger *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("--credentials-dir: %w", err)
	}
	var errs []error
	for _, id := range sim.Networks() {
		if _, ok := have[id]; ok {
			logger.Info("started with saved credentials", "network", id, "file", filepath.Join(dir, id+".json"), "count", len(have[id]))
			continue
		}
		creds := sim.Credentials(id)
		if len(creds) == 0 {
			continue
		}
		named := map[string]bool{}
		for _, c := range creds {
			named[c.Name] = true
		}
		for _, k := range sim.Keys(id) {
			if !named[k.Name] {
				k.Description = "the simulator's own private key, kept so a restart from this file uses it again"
				creds = append(creds, k)
			}
		}
		path := filepath.Join(dir, id+".json")
		out, _ := json.MarshalIndent(creds, "", "  ")
		if err := os.WriteFile(path, out, 0o600); err != nil {
			errs = append(errs, fmt.Errorf("--credentials-dir: %w", err))
			continue
		}
		logger.Info("wrote generated credentials", "network", id, "file", path)
	}
	return errors.Join(errs...)
}
