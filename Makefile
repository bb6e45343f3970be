# Zhendi — the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
JOBS  ?= $(shell nproc)
DATA  ?= ./var
LISTEN ?= 127.0.0.1:8080
# a Node.js fetched by scripts/node.sh (when the system's is too old) comes first
export PATH := $(CURDIR)/.tools/node/bin:$(PATH)

.PHONY: all run test deps build build-asan build-fuzz build-tsan web test-unit test-api test-api-pg \
        test-fuzz test-fuzz-security test-tsan test-s3 test-api-both test-web test-e2e test-browsers test-crash test-cluster format format-check bench bench-web \
        clean api-doc security security-full

all: build

deps:
	@scripts/deps.sh
	@scripts/node.sh

build/Makefile: CMakeLists.txt
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps build/Makefile web
	cmake --build build -j$(JOBS)

build-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DZHENDI_SANITIZE=ON >/dev/null
	cmake --build build-asan -j$(JOBS)

build-fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZHENDI_FUZZ=ON >/dev/null
	cmake --build build-fuzz -j$(JOBS)

# ThreadSanitizer build of the threaded unit tests only (tests/unit/text, storage, progress, search)
build-tsan: deps
	CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DZHENDI_TSAN=ON >/dev/null
	cmake --build build-tsan -j$(JOBS) --target tsan_tests

# The web console: built into web/dist when web/ exists and is out of date.
web:
	@if [ -f web/package.json ]; then scripts/build-web.sh; fi

# ZHENDI_LIVE_INGEST=1: nginx-rtmp beside it takes RTMP pushes on
# RTMP_LISTEN (docs/live.md "Live ingest")
RTMP_LISTEN ?= 0.0.0.0:1935
run: build
	@if [ "$${ZHENDI_LIVE_INGEST:-0}" = 1 ]; then \
	  exec scripts/live-ingest.sh $(DATA) $(LISTEN) $(RTMP_LISTEN) -- build/zhendi serve --data $(DATA) --listen $(LISTEN) --demo; \
	else exec build/zhendi serve --data $(DATA) --listen $(LISTEN) --demo; fi

# node's test runner; a test still running after 10 minutes fails (a hang
# is reported where it happens instead of using up CI's time)
NODE_TEST = node --test --test-timeout=600000

test: format-check build build-asan test-unit test-tsan test-s3 test-api-both test-crash test-cluster \
      test-fuzz-security test-web test-e2e test-browsers
	@echo "make test: all passed"

# scripts/pg-test.sh runs the command with a throw-away PostgreSQL server of
# its own (ZHENDI_TEST_PG): the unit tests use it for the PostgreSQL backend.
test-unit: build-asan
	scripts/pg-test.sh bash -c 'cd build-asan && ctest --output-on-failure -j$(JOBS)'

# the text engine's threads (hot reload, per-thread scratch, shared tables)
# the virus scanner's (engine swap while scanning) and the HNSW graph's parallel
# build (hnsw_insert_many's per-node locks) under ThreadSanitizer:
# any data race fails the run
test-tsan: build-tsan
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --output-on-failure -j$(JOBS) -R '^(text|storage|progress|search)/'

# the S3 object store against Ceph's RADOS Gateway on a throw-away
# single-node cluster (tests/s3/run.sh; not part of `make test` yet)
test-s3: build-asan
	@scripts/deps.sh deps/apt-s3.txt
	cmake --build build-asan -j$(JOBS) --target s3_test
	tests/s3/run.sh build-asan/s3_test

test-api: build-asan tests/node_modules/.ok
	ZHENDI_BIN=$(CURDIR)/build-asan/zhendi $(NODE_TEST) --test-concurrency=2 tests/api/

# both at once: most of their time is spent waiting (deadlines, jobs, the
# browser-free HTTP round trips), and each runs two test files at a time;
# each suite's output is printed whole when it ends
test-api-both: build-asan tests/node_modules/.ok
	$(MAKE) -j2 --output-sync=target test-api test-api-pg

# the same API suite on PostgreSQL: every test server gets a fresh database
test-api-pg: build-asan tests/node_modules/.ok
	scripts/pg-test.sh env ZHENDI_BIN=$(CURDIR)/build-asan/zhendi \
	  $(NODE_TEST) --test-concurrency=2 tests/api/

# scale-out: PostgreSQL primary + standby, two nodes behind nginx, failover
test-cluster: build tests/node_modules/.ok
	ZHENDI_BIN=$(CURDIR)/build/zhendi $(NODE_TEST) --test-concurrency=1 tests/cluster/

test-crash: build tests/node_modules/.ok
	ZHENDI_BIN=$(CURDIR)/build/zhendi $(NODE_TEST) tests/crash/

# Front-end lint (ESLint: every Web API the console calls exists in the Chromium,
# Firefox and WebKit versions of package.json's browserslist) and unit tests
# (Vitest): API client, permission → menu, form errors, cron help.
test-web: web
	@if [ -f web/package.json ]; then cd web && npx eslint src && npx vitest run; fi

test-e2e: build tests/node_modules/.ok
	@if [ -d web/dist ] && ls tests/e2e/*.test.mjs >/dev/null 2>&1; then \
	  ZHENDI_BIN=$(CURDIR)/build/zhendi $(NODE_TEST) --test-concurrency=1 tests/e2e/; \
	else echo "test-e2e: no console built or no browser tests"; fi

# the console in the other two engines: Firefox ESR (WebDriver BiDi) and
# WebKit's MiniBrowser (WebDriver, under xvfb-run); tests/browsers/
test-browsers: build tests/node_modules/.ok
	ZHENDI_BIN=$(CURDIR)/build/zhendi $(NODE_TEST) --test-concurrency=1 tests/browsers/

test-fuzz: build-fuzz
	JOBS=$(JOBS) scripts/fuzz.sh 20

# sqlmap beside the fuzzers, one core each: sqlmap is one Python process
# waiting on HTTP round trips, the fuzzers then run one at a time (about ten
# minutes together instead of fourteen one after the other)
test-fuzz-security: build
	$(MAKE) -j2 --output-sync=target security test-fuzz JOBS=1

tests/node_modules/.ok: tests/package.json tests/package-lock.json
	cd tests && npm ci --no-audit --no-fund >/dev/null
	touch $@

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/unit/*.h' 'tests/fuzz/*.c' 'tests/s3/*.c')

format-check:
	clang-format --dry-run -Werror $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/unit/*.h' 'tests/fuzz/*.c' 'tests/s3/*.c')

bench: build
	bench/run.sh

# The injection probe an attacker ran (Debian's sqlmap, level 3 / risk 2)
# over the free-text query parameters and body fields of the API document
# (typed ones are held to their type by tests/api/contract.test.mjs);
# `make test` runs it without the slow time-based technique, security-full
# with it and over every parameter.
security: build tests/node_modules/.ok
	ZHENDI_BIN=$(CURDIR)/build/zhendi node scripts/sqlmap.mjs --technique BEUS

security-full: build tests/node_modules/.ok
	ZHENDI_BIN=$(CURDIR)/build/zhendi node scripts/sqlmap.mjs --technique BEUST --all-params

# docs/api.md: the reference rendered from the server's generated OpenAPI
# document (tests/api/openapi.test.mjs fails when it drifts)
api-doc: build tests/node_modules/.ok
	ZHENDI_BIN=$(CURDIR)/build/zhendi node scripts/api-doc.mjs

# Web console first-load size and list-page timing in chromium (docs/benchmarks.md).
bench-web: build tests/node_modules/.ok
	ZHENDI_BIN=$(CURDIR)/build/zhendi node bench/web-console.mjs

clean:
	rm -rf build build-asan build-fuzz build-tsan
