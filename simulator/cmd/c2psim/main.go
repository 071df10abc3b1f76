// Command c2psim serves the Click to Pay network simulator: every registered
// network on one listener, each under its own prefix, plus the admin API.
//
//	c2psim                                  # all networks on 127.0.0.1:8080
//	c2psim --addr :9000 --seed 42           # reproducible identifiers
//	c2psim --tls-addr 127.0.0.1:8443        # also serve HTTPS with client certificates (mutual TLS)
//	c2psim --set visa.asyncDelay=5s         # plugin settings
//	c2psim --spec acme=./acme.yaml          # mount any OpenAPI 3 document under /acme
//	c2psim --data-dir /var/lib/c2psim       # keep everything across restarts (one file)
//	c2psim --store postgres://u:p@db/c2psim # replicas sharing one PostgreSQL database
//	c2psim --addr 0.0.0.0:8080 --admin-host c2psim   # in a container: the admin token is generated and printed
//
// Every flag can also be set by an environment variable (C2PSIM_ADDR,
// C2PSIM_SEED, ...). Ctrl-C (SIGINT) or SIGTERM shuts down gracefully:
// requests still running finish, injected latency ending at once, for up to
// --shutdown-timeout (C2PSIM_SHUTDOWN_TIMEOUT, default 15s), and the process
// exits 0; a second Ctrl-C stops at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	_ "github.com/c2psim/c2psim/simulator/networks/all"
	"github.com/c2psim/c2psim/simulator/specplugin"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "c2psim:", err)
		os.Exit(2)
	}
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type config struct {
	addr, tlsAddr, tlsCert, tlsKey string
	adminToken                     string
	adminHosts, adminOrigins       listFlag
	callbackAllow                  listFlag
	seed                           int64
	logFormat, logLevel            string
	journalSize                    int
	journalBytes                   int64
	maxBody                        int64
	networks                       string
	credentialsDir                 string
	sets, specs                    listFlag
	shutdownTimeout                time.Duration
	dataDir, storeURL              string
	pollInterval                   time.Duration
	cpuProfile                     string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("c2psim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("C2PSIM_ADDR", "127.0.0.1:8080"), "listen address (env C2PSIM_ADDR)")
	fs.StringVar(&c.tlsAddr, "tls-addr", env("C2PSIM_TLS_ADDR", ""), "also serve HTTPS here, requesting client certificates for mutual TLS (env C2PSIM_TLS_ADDR)")
	fs.StringVar(&c.tlsCert, "tls-cert", env("C2PSIM_TLS_CERT", ""), "server certificate PEM for --tls-addr (default: generated, self-signed)")
	fs.StringVar(&c.tlsKey, "tls-key", env("C2PSIM_TLS_KEY", ""), "server key PEM for --tls-addr")
	fs.Int64Var(&c.seed, "seed", envInt("C2PSIM_SEED", 0), "seed for identifiers; the same seed and inputs give the same journal (env C2PSIM_SEED; 0 = random)")
	fs.StringVar(&c.logFormat, "log-format", env("C2PSIM_LOG_FORMAT", "text"), "text or json (env C2PSIM_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", env("C2PSIM_LOG_LEVEL", "info"), "debug, info, warn or error (env C2PSIM_LOG_LEVEL)")
	fs.IntVar(&c.journalSize, "journal-size", int(envInt("C2PSIM_JOURNAL_SIZE", 10000)), "journal capacity in entries; the oldest are dropped past it (env C2PSIM_JOURNAL_SIZE)")
	fs.Int64Var(&c.journalBytes, "journal-bytes", envInt("C2PSIM_JOURNAL_BYTES", journal.DefaultBytes), "journal bound in bytes (at least 1 MiB); the oldest entries are dropped past it (env C2PSIM_JOURNAL_BYTES)")
	fs.Int64Var(&c.maxBody, "max-body", envInt("C2PSIM_MAX_BODY", simulator.DefaultMaxBodyBytes), "request body limit in bytes; larger bodies get 413 (env C2PSIM_MAX_BODY)")
	fs.StringVar(&c.networks, "networks", env("C2PSIM_NETWORKS", ""), "comma-separated networks to serve (default all: "+strings.Join(simulator.Registered(), ",")+")")
	fs.StringVar(&c.credentialsDir, "credentials-dir", env("C2PSIM_CREDENTIALS_DIR", ""), "start each network with the credentials and keys in DIR/<network>.json; write a network's generated ones there when its file does not exist (env C2PSIM_CREDENTIALS_DIR)")
	fs.Var(&c.sets, "set", "plugin setting network.key=value (repeatable)")
	fs.Var(&c.specs, "spec", "mount an OpenAPI 3 document: name=path/to/openapi.yaml (repeatable)")
	fs.StringVar(&c.adminToken, "admin-token", env("C2PSIM_ADMIN_TOKEN", ""), "token the admin API requires (Authorization: Bearer); generated and printed when listening beyond loopback without one (env C2PSIM_ADMIN_TOKEN)")
	c.adminHosts = envList("C2PSIM_ADMIN_HOSTS")
	fs.Var(&c.adminHosts, "admin-host", "a host name the admin API answers for besides loopback names and the listen address (repeatable; env C2PSIM_ADMIN_HOSTS, comma-separated)")
	c.adminOrigins = envList("C2PSIM_ADMIN_ORIGINS")
	fs.Var(&c.adminOrigins, "admin-origin", "an origin (scheme://host:port) whose pages may write to the admin API (repeatable; env C2PSIM_ADMIN_ORIGINS, comma-separated)")
	c.callbackAllow = envList("C2PSIM_CALLBACK_ALLOW")
	fs.Var(&c.callbackAllow, "callback-allow", "a private address range callbacks may reach (CIDR, an address, or \"private\" for all of them; repeatable; env C2PSIM_CALLBACK_ALLOW, comma-separated)")
	fs.StringVar(&c.dataDir, "data-dir", env("C2PSIM_DATA_DIR", ""), "keep state, journal, credentials, callback targets, pending tasks and the callback outbox in DIR/c2psim.db across restarts (env C2PSIM_DATA_DIR; default: in memory)")
	fs.StringVar(&c.storeURL, "store", env("C2PSIM_STORE", ""), "postgres://user:password@host:port/database: keep all of it in PostgreSQL, shared by every replica on the database (env C2PSIM_STORE)")
	fs.DurationVar(&c.pollInterval, "poll-interval", envDuration("C2PSIM_POLL_INTERVAL", time.Second), "with --store: how often a replica looks for work and callback targets other replicas changed (env C2PSIM_POLL_INTERVAL)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", envDuration("C2PSIM_SHUTDOWN_TIMEOUT", 15*time.Second), "on SIGINT or SIGTERM, how long requests still running may take to finish before they are cut off (env C2PSIM_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.cpuProfile, "cpu-profile", env("C2PSIM_CPU_PROFILE", ""), "write a CPU profile of the whole run to FILE (pprof), for performance work, when the command stops (a second interrupt, which stops at once, loses it); `make pgo` makes the build's profile from one (env C2PSIM_CPU_PROFILE)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return c, nil
}

// startCPUProfile profiles the process's CPU into path until stop.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "c2psim: --cpu-profile:", err)
		}
	}, nil
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func envList(key string) listFlag {
	var l listFlag
	for _, v := range strings.Split(os.Getenv(key), ",") {
		if v = strings.TrimSpace(v); v != "" {
			l = append(l, v)
		}
	}
	return l
}

func envDuration(key string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(key); ok {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

func envInt(key string, def int64) int64 {
	if v, ok := os.LookupEnv(key); ok {
		var n int64
		if _, err := fmt.Sscan(v, &n); err == nil {
			return n
		}
	}
	return def
}

func newLogger(format, level string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	// Every text a log line carries has card numbers masked, whatever the
	// code that logged it did (messages, string attributes, errors).
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: pan.ReplaceAttr}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// run starts the simulator and blocks until ctx ends or a signal arrives.
// ready, when not nil, receives the HTTP base URL once listening (tests).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if c.cpuProfile != "" {
		stop, err := startCPUProfile(c.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	logOut := newLogBuffer(stderr)
	defer logOut.Close()
	logger, err := newLogger(c.logFormat, c.logLevel, logOut)
	if err != nil {
		return err
	}
	settings := map[string]string{}
	var errs []error
	for _, s := range c.sets {
		k, v, ok := strings.Cut(s, "=")
		if !ok || !strings.Contains(k, ".") {
			errs = append(errs, fmt.Errorf("--set %q: want network.key=value", s))
			continue
		}
		settings[k] = v
	}
	var extra []simulator.Network
	for _, s := range c.specs {
		n, err := specplugin.Parse(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		extra = append(extra, n)
	}
	var networks []string
	if c.networks != "" {
		networks = strings.Split(c.networks, ",")
	} else if len(extra) > 0 {
		networks = simulator.Registered()
	}
	callbackNets, err := parseCallbackAllow(c.callbackAllow)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	admin, generated, err := adminOptions(c)
	if err != nil {
		return err
	}
	if generated {
		logger.Warn("the simulator listens beyond loopback and no admin token was given: generated one (printed on standard output); choose one with --admin-token or C2PSIM_ADMIN_TOKEN")
	}
	var saved map[string][]simulator.Credential
	if c.credentialsDir != "" {
		ids := networks
		if ids == nil {
			ids = simulator.Registered()
		}
		for _, n := range extra {
			ids = append(ids, n.Describe().ID)
		}
		if saved, err = readCredentials(c.credentialsDir, ids); err != nil {
			return err
		}
	}
	opts := simulator.Options{
		Networks:     networks,
		Extra:        extra,
		Seed:         c.seed,
		JournalSize:  c.journalSize,
		JournalBytes: c.journalBytes,
		MaxBodyBytes: c.maxBody,
		Settings:     settings,
		Logger:       logger,

		Admin:            admin,
		CallbackNetworks: callbackNets,
		Credentials:      saved,
	}
	where, closeStore, err := openStore(ctx, c, &opts)
	if err != nil {
		return err
	}
	defer closeStore()
	sim, err := simulator.New(opts)
	if err != nil {
		return err
	}
	defer sim.Close()
	if c.credentialsDir != "" {
		if err := writeCredentials(sim, c.credentialsDir, saved, logger); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", c.addr, err)
	}
	base := "http://" + dialable(ln.Addr())
	srv := newServer(sim.Handler(), logger)
	servers := []*http.Server{srv}
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()

	var tlsBase string
	if c.tlsAddr != "" {
		tlsSrv, tlsLn, err := newTLSServer(sim.Handler(), logger, c.tlsAddr, c.tlsCert, c.tlsKey)
		if err != nil {
			_ = srv.Close()
			return err
		}
		tlsBase = "https://" + dialable(tlsLn.Addr())
		servers = append(servers, tlsSrv)
		go func() { serveErr <- tlsSrv.Serve(tlsLn) }()
	}

	fmt.Fprintf(stdout, "c2psim %s serving (seed %d, state %s)\n", simulator.Version, sim.Seed(), where)
	for _, info := range sim.Info() {
		fmt.Fprintf(stdout, "  %-11s %s%s\n", info.ID, base, info.BasePath)
	}
	if generated {
		fmt.Fprintf(stdout, "  %-11s %s/_admin/#token=%s\n", "admin", base, admin.Token)
		fmt.Fprintf(stdout, "  %-11s %s (generated; send it as Authorization: Bearer)\n", "admin token", admin.Token)
	} else {
		fmt.Fprintf(stdout, "  %-11s %s/_admin/\n", "admin", base)
	}
	if tlsBase != "" {
		fmt.Fprintf(stdout, "  %-11s %s (mutual TLS: client certificates requested)\n", "tls", tlsBase)
	}
	logOut.Batch() // start-up's lines are out; exchange lines are batched
	if ready != nil {
		ready <- base
	}

	sigCtx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var serveFailed error
	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			serveFailed = err
		}
	case <-sigCtx.Done():
	}
	// Graceful drain: listeners close, requests still running finish
	// (injected latency ends at once), up to --shutdown-timeout; a second
	// signal ends the process at once.
	stop()
	logger.Info("shutting down: letting in-flight requests finish (interrupt again to stop at once)", "timeout", c.shutdownTimeout)
	sim.Drain()
	shutCtx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var cut atomic.Bool
	for _, s := range servers {
		wg.Go(func() {
			if err := s.Shutdown(shutCtx); err != nil {
				cut.Store(true)
				_ = s.Close()
			}
		})
	}
	wg.Wait()
	if cut.Load() {
		logger.Warn("requests still running after the shutdown timeout were cut off", "timeout", c.shutdownTimeout)
	}
	return serveFailed
}

func newServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
