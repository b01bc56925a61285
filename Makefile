# Front door for building and testing Sluice. See README.md.
#   make          release build: build/release/sluice, libsluice.a, libsluice.so
#   make debug    debug build in build/debug
#   make asan     ASan + UBSan build in build/asan
#   make run      install what is missing, build, run examples/quickstart.sql
#   make test     install what is missing, build, run every test (also under sanitizers)

JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all release debug asan run test deps clean

all: release

release:
	@mkdir -p build/release
	@cd build/release && cmake -S ../.. -B . -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) > /dev/null
	@cmake --build build/release -j $(JOBS)

debug:
	@mkdir -p build/debug
	@cd build/debug && cmake -S ../.. -B . -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) > /dev/null
	@cmake --build build/debug -j $(JOBS)

asan:
	@mkdir -p build/asan
	@cd build/asan && cmake -S ../.. -B . -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_SANITIZE=ON $(CMAKE_FLAGS) > /dev/null
	@cmake --build build/asan -j $(JOBS)

deps:
	@scripts/install-deps.sh

run: deps release
	build/release/sluice < examples/quickstart.sql
	build/release/sluice < examples/streaming.sql

test: deps release asan
	@scripts/run-tests.sh

clean:
	rm -rf build
