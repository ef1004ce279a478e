# brig: an OCI container runtime. `make demo` builds and runs a container;
# `make test` runs every test (as root). See README.md.

GO        ?= go
PREFIX    ?= /usr/local
VERSION   ?= $(shell cat VERSION 2>/dev/null || echo 0.1.0-dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# Static: no dynamic loader at start-up (it is on the container start path),
# and the binary works in any rootfs. netgo/osusergo keep glibc's NSS out;
# urfave_cli_no_docs drops the markdown/man generators (and their init cost).
TAGS      ?= netgo osusergo urfave_cli_no_docs
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.gitCommit=$(COMMIT) -extldflags -static
DEMO_DIR  ?= /tmp/brig-demo

.PHONY: all build install deps demo test test-unit test-integration test-security test-conformance test-conformance-vm test-vm test-engines lint bench clean

all: build

build:
	CGO_ENABLED=1 $(GO) build -trimpath -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -o bin/brig .

install: build
	install -D -m 0755 bin/brig $(DESTDIR)$(PREFIX)/sbin/brig

deps:
	./scripts/install-deps.sh

# Builds brig, makes a busybox bundle and runs a container from it.
demo: deps build
	rm -rf $(DEMO_DIR) && ./scripts/mkbundle.sh $(DEMO_DIR) sh -c 'echo "hello from $$(hostname), pid $$$$"; cat /proc/self/status | grep -E "^(NoNewPrivs|CapEff)"; ls /'
	$(CURDIR)/bin/brig run --bundle $(DEMO_DIR) demo-$$$$

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	$(GO) vet -tags "$(TAGS)" ./...
	$(GO) run $(STATICCHECK) -tags "$(TAGS)" ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

test-unit:
	$(GO) test -count=1 ./spec/... ./libcontainer/... ./rootfs/... ./cgroups/... ./seccomp/...

test-integration: build
	$(GO) test -count=1 -timeout 20m ./tests/integration/...

test-security: build
	$(GO) test -count=1 -timeout 20m ./tests/security/...

test-engines: build
	BRIG=$(CURDIR)/bin/brig ./tests/engines/run.sh

test-conformance: build
	./tests/conformance/run.sh $(CURDIR)/bin/brig

# The conformance suite inside the cgroup v2 VM (slow under emulation).
test-conformance-vm: build
	./tests/conformance/build.sh
	d=$$(mktemp -d /var/tmp/brig-conf-vm.XXXXXX) && cp bin/brig $$d/brig && \
	./tests/vm/run.sh --workdir $$d --timeout 3000 -- env SKIP_BUILD=1 OUT=$$d/out $(CURDIR)/tests/conformance/run.sh $$d/brig; \
	rc=$$?; rm -rf $$d; exit $$rc

test-vm: build
	./tests/vm/test-cgroup2.sh

# The whole suite; .ci/run calls exactly this.
test: deps build lint test-unit test-integration test-security test-conformance test-vm test-engines

bench: deps build
	./tests/bench/run.sh

clean:
	rm -rf bin
