# Taizhang — the two commands a fresh Debian machine needs: `make run`, `make test`.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
# The installation prefix the binaries are built for (TZ_DATADIR: where the
# agent looks for weak-passwords.txt) and `make install` installs to. /usr is
# what the systemd units name and what the Debian packages use.
PREFIX     ?= /usr

.PHONY: all deps build run test check-asan check-builds install deb bench bench-portal fuzz fuzz-build clean

all: build

deps:
	@sh deploy/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTZ_WERROR=ON \
	  -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS) >/dev/null

# The compiler's progress goes to $(BUILD)/build.log; it is shown only when
# the build fails, so `make run` prints what Taizhang says, not make's noise.
build: deps $(BUILD)/CMakeCache.txt
	@echo "building in $(BUILD) (log: $(BUILD)/build.log)"
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory \
	  >$(BUILD)/build.log 2>&1 || { cat $(BUILD)/build.log; exit 1; }

run: build
	@sh deploy/run-local.sh $(BUILD)/bin

# The libFuzzer targets (tests/fuzz) also run for FUZZ_SMOKE_SECONDS each in
# `make test`; a crash fails it (the input is kept in $(BUILD_FUZZ)/tests/fuzz/artifacts).
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_CC            ?= clang

# The package test (tests/integration/test_package.c) installs the .debs
# of `make deb` into a clean Debian root: they are built first, or found
# up to date.
# Each Criterion test is a ctest test (tests/run_criterion.sh): a skipped one
# is listed with its reason at the end. Under CI=true a skip of a test that
# tests/ci-required.txt names fails the run instead.
test: build fuzz-build deb
	@cd $(BUILD) && TZ_DEB_DIR=$(abspath $(DEB_DIR)) \
	  TZ_CI_REQUIRED=$(if $(filter true,$(CI)),$(abspath tests/ci-required.txt)) \
	  ctest --output-on-failure -j 1; rc=$$?; \
	  sh $(abspath tests/list-skipped.sh) Testing/Temporary/LastTest.log; exit $$rc
	@cd $(BUILD_FUZZ)/tests/fuzz && TZ_FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) \
	  ctest --output-on-failure -j 1

fuzz-build: deps
	@cmake -S . -B $(BUILD_FUZZ) -DCMAKE_C_COMPILER=$(FUZZ_CC) -DTZ_FUZZ=ON \
	  -DTZ_WERROR=OFF -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_FUZZ) --target fuzzers -j $(JOBS) -- --no-print-directory

# make fuzz [FUZZ_SECONDS=N]: each target for N seconds on a scratch copy of
# its seed corpus (tests/fuzz/corpus is never written).
fuzz: fuzz-build
	@cd $(BUILD_FUZZ)/tests/fuzz && TZ_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  ctest -j 1 --timeout $$(($(FUZZ_SECONDS) + 300)) -V

check-asan: deps
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DTZ_SANITIZE=ON -DTZ_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS) -- --no-print-directory
	@cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j 1 \
	  -LE package

# make check-builds: what packagers build must build clean too, with
# -Werror: Release with Debian's hardening flags (dpkg-buildflags: fortify,
# stack protector, format-security, relro/now) with gcc, Release and Debug
# with clang. Everything is compiled (tests too); nothing is run.
check-builds: deps
	@for b in gcc:Release:debian clang:Release:plain clang:Debug:plain; do \
	  cc=$${b%%:*}; rest=$${b#*:}; type=$${rest%%:*}; flags=$${rest#*:}; \
	  dir=build-check-$$cc-$$type; cf=""; lf=""; \
	  if [ $$flags = debian ]; then \
	    cf="$$(dpkg-buildflags --get CFLAGS) $$(dpkg-buildflags --get CPPFLAGS)"; \
	    lf="$$(dpkg-buildflags --get LDFLAGS)"; fi; \
	  echo "check-builds: $$cc $$type $$flags flags ($$dir)"; \
	  CC=$$cc CFLAGS="$$cf" LDFLAGS="$$lf" cmake -S . -B $$dir -DCMAKE_BUILD_TYPE=$$type \
	    -DTZ_WERROR=ON $(CMAKE_ARGS) >/dev/null || exit 1; \
	  cmake --build $$dir -j $(JOBS) >$$dir/build.log 2>&1 || \
	    { grep -E "error|warning" $$dir/build.log | head -40; exit 1; }; \
	done

# make install [PREFIX=/usr] [DESTDIR=/tmp/stage]: binaries, systemd units,
# example configs and schemas, through cmake --install. The build is
# reconfigured for PREFIX first, so the binaries look where they are put.
install: deps $(BUILD)/CMakeCache.txt
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@$(MAKE) --no-print-directory build
	@DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix $(PREFIX)

# make deb: the taizhang-agent, -collector and -portal .debs (debian/), built
# by dpkg-buildpackage from a clean copy of the tree, checked by lintian (an
# error fails), left in DEB_DIR; nothing is done when the sources have not
# changed since the last good build. Installs debhelper, lintian and
# debootstrap first (install-deps.sh deb), which `make run` does without.
DEB_DIR ?= $(BUILD)/deb
deb:
	@sh deploy/install-deps.sh deb
	@sh deploy/build-deb.sh $(DEB_DIR) $(JOBS)

# make bench: ingest, ledger and agent benchmarks in one run; writes
# docs/benchmarks.md. Installs the peer agents it compares against (apt-get).
bench: build
	@sh bench/run.sh --build $(BUILD)

# make bench-portal: tz-portal under 1, 8 and 32 concurrent clients (wrk,
# installed with apt-get) on the ledger register of `make bench`, ~5 minutes;
# writes the "Portal" section of docs/benchmarks.md, which `make bench` keeps.
bench-portal: build
	@sh bench/portal.sh --build $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) build-check-*
