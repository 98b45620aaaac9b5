# The commands a newcomer runs: `make demo` and `make test`.
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
OPTIN := $(BUILD)/optin

.PHONY: all deps configure build test check demo bench sanitize fuzz clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The whole suite twice: an optimised build, then ASan+UBSan.
test:
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory sanitize

# The suite on one build ($(BUILD)).
check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The demo: the store ./optin.db with the demo catalog, then the server on
# 127.0.0.1:$(PORT) until Ctrl-C, with the demo shop page at /demo/shop (the
# demo catalog's property `shop` allows the origin http://127.0.0.1:8080).
PORT ?= 8080
demo: build
	@if [ -e optin.db ]; then \
	  echo "optin.db already exists; keeping it (remove it for a fresh demo)"; \
	else \
	  $(OPTIN) init --demo; \
	fi
	@scripts/demo-tour $(OPTIN) $(PORT)
	@exec $(OPTIN) serve --listen 127.0.0.1:$(PORT) --demo-shop

bench: deps
	@cmake -S . -B $(BUILD)-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DOPTIN_BUILD_TESTS=OFF -DOPTIN_BUILD_BENCH=ON >/dev/null
	@cmake --build $(BUILD)-bench -j $(JOBS)
	@bench/run $(BUILD)-bench

sanitize:
	@$(MAKE) --no-print-directory check BUILD=build-asan BUILD_TYPE=Debug CMAKE_ARGS=-DOPTIN_SANITIZE=ON

# Fuzzes each parser with libFuzzer for FUZZ_SECONDS (clang is in the image;
# fuzzing is not part of `make test`, which replays the corpora instead).
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DOPTIN_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target catalog_fuzz event_fuzz time_fuzz tcf_fuzz gpp_fuzz usp_fuzz receipt_fuzz filter_fuzz
	@for t in catalog event time tcf gpp usp receipt filter; do \
	  mkdir -p build-fuzz/corpus/$$t && \
	  build-fuzz/tests/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -artifact_prefix=build-fuzz/ build-fuzz/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

clean:
	rm -rf $(BUILD) $(BUILD)-bench build-asan build-fuzz
