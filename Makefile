# The commands a newcomer runs: `make demo` and `make test`.
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
OPTIN := $(BUILD)/optin

.PHONY: all deps configure build test demo bench sanitize clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

demo: build
	@if [ -e optin.db ]; then \
	  echo "optin.db already exists; keeping it (remove it for a fresh demo)"; \
	else \
	  $(OPTIN) init --demo; \
	fi
	@scripts/demo-tour $(OPTIN)

bench: deps
	@cmake -S . -B $(BUILD)-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DOPTIN_BUILD_TESTS=OFF -DOPTIN_BUILD_BENCH=ON >/dev/null
	@cmake --build $(BUILD)-bench -j $(JOBS)
	@bench/run $(BUILD)-bench

sanitize:
	$(MAKE) test BUILD=build-asan BUILD_TYPE=Debug CMAKE_ARGS=-DOPTIN_SANITIZE=ON

clean:
	rm -rf $(BUILD) $(BUILD)-bench build-asan
