# Thin front door over Meson. The two README commands live here.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
MESON_OPTS ?=

.PHONY: all deps build run test test-asan fuzz bench clean install deb

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized -Dwerror=true $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The main job: start a private agent on loopback and tour what tcplab does.
run: build
	@scripts/tour.sh $(BUILD)/tcplab

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) --buildtype=debug -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false $(MESON_OPTS)

# The libFuzzer build: clang, ASan+UBSan, every fuzz target of tests/fuzz (meson -Dfuzz=true).
$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) --buildtype=debug -Dwerror=true -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false $(MESON_OPTS)

# Every test (unit + integration) on the normal build; the unit tests and the agent's
# integration tests again under ASan+UBSan; every fuzz target built with libFuzzer and run
# over its corpus. One closing "N passed, N failed" line for the whole run.
test: deps $(BUILD)/build.ninja $(ASAN_BUILD)/build.ninja $(FUZZ_BUILD)/build.ninja
	ninja -C $(BUILD)
	ninja -C $(ASAN_BUILD)
	ninja -C $(FUZZ_BUILD)
	@scripts/run-tests.sh $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# Each fuzz target for FUZZ_SECONDS (default 60), one after the other; crashes are kept.
fuzz: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)
	@tests/fuzz/run.sh -b $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Side-by-side benchmarks with the peers; each writes bench/results/NAME.md with its commands.
bench: build
	@bench/stream.sh $(BUILD)/tcplab
	@bench/rr.sh $(BUILD)/tcplab
	@bench/mesh.sh $(BUILD)/tcplab
	@bench/testbed.sh $(BUILD)/tcplab
	@bench/exp.sh $(BUILD)/tcplab

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
