# ufmsweep top-level Makefile: set-up, build, test and demo in one command each.
#   make demo    install missing Debian packages (as root), build, run the demo
#   make check   install missing Debian packages (as root), build, run the full test suite
# The real build is CMake (CMakeLists.txt); this file only strings the steps together.

BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# CI builds with warnings as errors.
ifneq ($(CI),)
CMAKE_FLAGS += -DUFMSWEEP_WERROR=ON
endif

.PHONY: all deps configure build check demo sanitize fuzz valgrind prop clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	scripts/demo.sh $(BUILD)

# AddressSanitizer + UndefinedBehaviorSanitizer build in build-sanitize/, running the unit, mpi
# and python tests (leak checking off: Open MPI and HDF5 keep global allocations until exit).
sanitize: deps
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DUFMSWEEP_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build build-sanitize -j $(JOBS)
	cd build-sanitize && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -LE slurm

# The generative differential tester (scripts/prop.sh, docs/RELIABILITY.md): CASES random
# studies from seed SEED under random combinations of features; PROP_ARGS adds e.g.
# --mpich build-mpich.
SEED ?= 1
CASES ?= 200
PROP_ARGS ?=
prop: build
	scripts/prop.sh --seed $(SEED) --cases $(CASES) $(PROP_ARGS) $(BUILD)

# valgrind memcheck over the unit tests and a 2-rank sweep (scripts/valgrind.sh)
valgrind: build
	scripts/valgrind.sh $(BUILD)

# libFuzzer (clang + libclang-rt-14-dev) on the spec parser, the command-line parser and journal
# replay, for FUZZ_SECONDS each, growing the corpora in build/fuzz/; copy new inputs to
# tests/fuzz/corpus* to keep them as regressions (make check replays those).
FUZZ_SECONDS ?= 300
FUZZ_CC = clang -std=c11 -D_POSIX_C_SOURCE=200809L -DUFMSWEEP_LIBFUZZER -g -O1 \
	  -fsanitize=fuzzer,address,undefined -Isrc/core -Isrc/point -Isrc/spec -Isrc/store \
	  -Isrc/driver -I$(BUILD)/generated
FUZZ_LIBS = -ljansson -lopenblas -lm -lpthread -ldl
fuzz: build
	@command -v clang >/dev/null || { echo "make fuzz needs clang and libclang-rt-14-dev (apt-get install clang libclang-rt-14-dev)"; exit 1; }
	mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/corpus-cli $(BUILD)/fuzz/corpus-journal
	cp tests/fuzz/corpus/* $(BUILD)/fuzz/corpus/
	cp tests/fuzz/corpus-cli/* $(BUILD)/fuzz/corpus-cli/
	cp tests/fuzz/corpus-journal/* $(BUILD)/fuzz/corpus-journal/
	$(FUZZ_CC) tests/fuzz/fuzz_spec.c src/spec/*.c src/point/*.c src/core/*.c \
	  -o $(BUILD)/fuzz/fuzz_spec -lyaml -lcrypto $(FUZZ_LIBS)
	$(FUZZ_CC) tests/fuzz/fuzz_cli.c src/driver/cli.c src/point/*.c src/core/*.c \
	  -o $(BUILD)/fuzz/fuzz_cli $(FUZZ_LIBS)
	$(FUZZ_CC) tests/fuzz/fuzz_journal.c src/store/journal.c src/store/fsafe.c \
	  src/core/sweep_err.c -o $(BUILD)/fuzz/fuzz_journal -lz
	cd $(BUILD)/fuzz && ./fuzz_spec -max_total_time=$(FUZZ_SECONDS) -max_len=2048 -timeout=10 \
	  -rss_limit_mb=4096 corpus
	cd $(BUILD)/fuzz && ./fuzz_cli -max_total_time=$(FUZZ_SECONDS) -max_len=512 -timeout=10 corpus-cli
	cd $(BUILD)/fuzz && ./fuzz_journal -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 \
	  corpus-journal

clean:
	rm -rf $(BUILD) build-sanitize
