# Taizhang — the two commands a fresh Debian machine needs: `make run`, `make test`.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps build run test check-asan install bench clean

all: build

deps:
	@sh deploy/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

run: build
	@sh deploy/run-local.sh $(BUILD)/bin

test: build
	@cd $(BUILD) && ctest --output-on-failure -j 1

check-asan: deps
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DTZ_SANITIZE=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS) -- --no-print-directory
	@cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j 1

# make install [PREFIX=/usr] [DESTDIR=/tmp/stage]: binaries, systemd units,
# example configs and schemas, through cmake --install.
PREFIX ?= /usr/local
install: build
	@DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix $(PREFIX)

# make bench: ingest, ledger and agent benchmarks in one run; writes
# docs/benchmarks.md. Installs the peer agents it compares against (apt-get).
bench: build
	@sh bench/run.sh --build $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
