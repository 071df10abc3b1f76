# c2psim — the two commands are `make run` and `make test`.

GO      ?= go
ADDR    ?= 127.0.0.1:8080
ARGS    ?=
REPORTS ?= reports

.PHONY: run test bench bench-deps pgo conformance mutation interop-deps fuzz build vet

## run: start the simulator for every network on $(ADDR) with embedded defaults
run:
	$(GO) run -ldflags "-X github.com/c2psim/c2psim/simulator.Revision=$(REVISION)" ./simulator/cmd/c2psim --addr $(ADDR) $(ARGS)

## test: every test (unit, fuzz seeds, interoperability, ginkgo suites) with the race detector,
## then the mutation suite, which reports the harness's kill rate
test: interop-deps vet
	$(GO) test -race -pgo=off -count=1 -timeout 15m ./...
	C2P_MUTATION=1 $(GO) test -count=1 -timeout 15m -run '^TestMutation$$' -v ./conformance/cmd/c2pconform

## mutation: the mutation suite RUNS times (default 5), each giving the same verdicts
RUNS ?= 5
mutation:
	C2P_MUTATION=1 C2P_MUTATION_RUNS=$(RUNS) $(GO) test -count=1 -timeout 60m -run '^TestMutation$$' -v ./conformance/cmd/c2pconform

## vet: static checks
vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

## interop-deps: install the pinned npm packages the interoperability tests run against
interop-deps:
	@for lock in $$(find . -path '*/node_modules' -prune -o -path '*/testdata/interop/package-lock.json' -print); do \
		dir=$$(dirname $$lock); \
		if command -v npm >/dev/null 2>&1; then \
			echo "npm ci in $$dir"; npm ci --prefix $$dir --no-audit --no-fund --loglevel=error || exit 1; \
		else \
			echo "npm not found: interoperability tests will skip (they fail under CI=true)"; \
		fi; \
	done

## bench-deps: install Stoplight Prism (pinned, npm) for the side-by-side benchmark
bench-deps:
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix simulator/cmd/c2psim/testdata/prism --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: the side-by-side benchmark runs without Prism"; \
	fi

## ENROL_ROUNDS: rounds of BenchmarkEnrolmentBound in make bench (each about a third of a second)
ENROL_ROUNDS ?= 60

## bench: the real path side by side with bare net/http, kin-openapi alone and Prism; a Mastercard enrolment against its RSA bound; the engine in process; scale, start-up and flood figures
bench: bench-deps
	$(GO) test -run '^$$' -bench 'SideBySide' -benchtime 1x ./simulator/cmd/c2psim/ > /tmp/c2psim-sidebyside.txt; rc=$$?; cat /tmp/c2psim-sidebyside.txt; exit $$rc
	$(GO) test -run '^$$' -bench 'EnrolmentBound' -benchtime 1x ./simulator/cmd/c2psim/ -sidebyside.rounds $(ENROL_ROUNDS) > /tmp/c2psim-enrol.txt; rc=$$?; cat /tmp/c2psim-enrol.txt; cat /tmp/c2psim-enrol.txt >> /tmp/c2psim-sidebyside.txt; exit $$rc
	@awk '/^Benchmark(SideBySide|EnrolmentBound)/ {for (i=3; i<NF; i+=2) v[$$(i+1)]=$$i} \
		END { \
		printf "\nreal path (c2psim --spec, info log, journal, over loopback), server CPU per request:\n"; \
		printf "  c2psim = %.0f%% of bare net/http (rounds %.0f-%.0f%%, all rounds pooled %.0f%%; target >= 80%%)\n", v["engine-%bare-cpu"], v["engine-%bare-cpu-min"], v["engine-%bare-cpu-max"], v["engine-%bare-cpu-all"]; \
		printf "  kin-openapi validation alone = %.0f%% of bare (rounds %.0f-%.0f%%)\n", v["kin-%bare-cpu"], v["kin-%bare-cpu-min"], v["kin-%bare-cpu-max"]; \
		printf "  requests per second, same rounds (wall clock, noisy when the machine is loaded): c2psim = %.0f%% of bare (%.0f-%.0f%%)\n", v["engine-%bare"], v["engine-%bare-min"], v["engine-%bare-max"]; \
		if (v["engine-x-prism-cpu"]) printf "  c2psim = %.0fx Prism by CPU per request (rounds %.0f-%.0fx), %.0fx by requests per second (%.0f-%.0fx; target >= 20x)\n", v["engine-x-prism-cpu"], v["engine-x-prism-cpu-min"], v["engine-x-prism-cpu-max"], v["engine-x-prism"], v["engine-x-prism-min"], v["engine-x-prism-max"]; \
		else print "  Prism not installed (make bench-deps needs npm): no Prism ratio"; \
		printf "Mastercard enrolment = %.0f%% of its RSA-2048 bound (rounds %.0f-%.0f%%; target >= 80%%): %.0f us of server CPU, bound %.0f us\n", v["enrol-%bound"], v["enrol-%bound-min"], v["enrol-%bound-max"], v["enrol-cpu-us"], v["rsa-bound-us"]; \
		printf "  the ceiling: bare net/http doing nothing but that RSA work = %.0f%% of the bound; the enrolment = %.0f%% of it (rounds %.0f-%.0f%%)\n", v["bare-rsa-%bound"], v["enrol-%bare-rsa"], v["enrol-%bare-rsa-min"], v["enrol-%bare-rsa-max"] }' /tmp/c2psim-sidebyside.txt
	$(GO) test -run '^$$' -bench 'EngineServeHTTP|BareServeHTTP' -benchmem -benchtime 20000x ./simulator/
	$(GO) test -run '^$$' -bench . -benchmem ./simulator/networks/...
	$(GO) test -run '^$$' -bench StartToHealthy -benchtime 10x ./simulator/cmd/c2psim/ > /tmp/c2psim-start.txt; rc=$$?; cat /tmp/c2psim-start.txt; exit $$rc
	@awk '/^BenchmarkStartToHealthy\// {split($$1, n, "/"); sub(/-[0-9]+$$/, "", n[2]); printf "start to healthy, all four networks, %s = %.0f ms (target <= 300 ms)\n", n[2], $$3/1e6}' /tmp/c2psim-start.txt
	$(GO) test -run '^$$' -bench HostileFlood -benchtime 10000x ./simulator/
	$(GO) test -run '^$$' -bench 'Lookup' -benchtime 20000x ./simulator/store/ ./simulator/store/boltstore/
	$(GO) test -run '^$$' -bench 'ClaimAmongPending' -benchtime 20000x ./simulator/queue/
	$(GO) test -run '^$$' -bench 'OverStoreAppend' -benchtime 500x ./simulator/journalstore/
	$(GO) test -run '^$$' -bench ReplicasOnOneDatabase -benchtime 1x ./simulator/cmd/c2psim/ > /tmp/c2psim-replicas.txt; rc=$$?; cat /tmp/c2psim-replicas.txt; exit $$rc
	@awk '/^BenchmarkReplicasOnOneDatabase/ {for (i=1;i<=NF;i++) {if ($$(i+1)=="enrol/s-1-replica") one=$$i; if ($$(i+1)=="enrol/s-2-replicas") two=$$i; if ($$(i+1)=="ratio") r=$$i}} \
		END { if (one) printf "\nencrypted enrolments on PostgreSQL: %.0f/s with one replica, %.0f/s with two = %.2fx\n", one, two, r }' /tmp/c2psim-replicas.txt

## pgo: remake the profile every build of c2psim is optimised with (simulator/cmd/c2psim/default.pgo)
## from the binary's CPU under the benchmarks' load: Mastercard enrolments, then the spec-only path
pgo:
	@d=$$(mktemp -d .pgo.XXXXXX) && trap 'rm -rf "$$d"' EXIT && trap 'exit 130' INT TERM && \
	C2PSIM_CPU_PROFILE="$$PWD/$$d/enrol.pprof" $(GO) test -run '^$$' -bench EnrolmentBound -benchtime 1x ./simulator/cmd/c2psim/ -sidebyside.rounds $(ENROL_ROUNDS) && \
	C2PSIM_CPU_PROFILE="$$PWD/$$d/spec.pprof" $(GO) test -run '^$$' -bench SideBySide -benchtime 1x ./simulator/cmd/c2psim/ && \
	$(GO) tool pprof -proto "$$d/enrol.pprof" "$$d/spec.pprof" > "$$d/default.pgo" && test -s "$$d/default.pgo" && \
	mv "$$d/default.pgo" simulator/cmd/c2psim/default.pgo && \
	echo "simulator/cmd/c2psim/default.pgo remade: commit it"

## fuzz: run each fuzz target for a short while (corpora live in testdata/fuzz)
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 20s $$pkg || exit 1; \
		done; \
	done

## conformance: run the conformance suites against the bundled target into $(REPORTS)/
conformance:
	$(GO) run ./conformance/cmd/c2pconform run --target bundled --out $(REPORTS) $(ARGS)

## build: binaries into bin/, stamped with the source revision (reports name it)
REVISION ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo +modified)
build:
	$(GO) build -ldflags "-X github.com/c2psim/c2psim/simulator.Revision=$(REVISION)" -o bin/ ./simulator/cmd/c2psim ./conformance/cmd/c2pconform
