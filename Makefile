# Thin front door over Meson. The two README commands live here.
BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON_OPTS ?=

.PHONY: all deps build run test test-asan bench clean install

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

# Every test (unit + integration) on the normal build, then the unit tests again under
# ASan+UBSan; one closing "N passed, N failed" line for the whole run.
test: deps $(BUILD)/build.ninja $(ASAN_BUILD)/build.ninja
	ninja -C $(BUILD)
	ninja -C $(ASAN_BUILD)
	@scripts/run-tests.sh $(BUILD) $(ASAN_BUILD)

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
	rm -rf $(BUILD) $(ASAN_BUILD)
