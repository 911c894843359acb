# sgreplay — see README.md. `make demo` (install, build, analyse the samples), `make test`.
SWIFT       ?= swift
CONFIG      ?= release
BIN          = .build/$(CONFIG)/sgreplay
APT_PACKAGES = libelf-dev libdw-dev liblzma-dev zlib1g-dev libtracecmd-dev libtraceevent-dev libtracefs-dev trace-cmd pkg-config xz-utils gcc binutils python3 elfutils
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build test demo bench check-html lab fuzz clean install
PREFIX      ?= /usr/local

all: build

## deps: install the Debian packages that are missing (Debian 12).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

build: deps
	$(SWIFT) build -c $(CONFIG)

## install: the release binary and its report templates (the sgreplay_SGReports.resources
##          bundle, which must stay beside the binary) into $(PREFIX)/lib/sgreplay/, with
##          $(PREFIX)/bin/sgreplay linking to it. `make install PREFIX=$$HOME/.local`.
install: build
	install -d "$(DESTDIR)$(PREFIX)/lib/sgreplay" "$(DESTDIR)$(PREFIX)/bin"
	install -m 755 $(BIN) "$(DESTDIR)$(PREFIX)/lib/sgreplay/sgreplay"
	rm -rf "$(DESTDIR)$(PREFIX)/lib/sgreplay/sgreplay_SGReports.resources"
	cp -R .build/$(CONFIG)/sgreplay_SGReports.resources "$(DESTDIR)$(PREFIX)/lib/sgreplay/"
	ln -sf ../lib/sgreplay/sgreplay "$(DESTDIR)$(PREFIX)/bin/sgreplay"

## test: the whole suite (Swift Testing).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## demo: analyse the shipped sample traces (and the real 6.1 capture in ../shared when present)
##       into reports/<name>/; a sample's topology file is <name>.topology.json beside it.
REAL_CAPTURE = ../shared/traces/real-6.1-iommu-lazy/trace.txt.xz
demo: build
	@set -e; for t in traces/*.trace $(wildcard $(REAL_CAPTURE)); do \
	  name=$$(basename "$$t" .trace); topo=""; \
	  [ -f "traces/$$name.topology.json" ] && topo="--topology traces/$$name.topology.json"; \
	  if [ "$$t" = "$(REAL_CAPTURE)" ]; then name=real-6.1-iommu-lazy; topo="--topology traces/$$name.topology.json"; fi; \
	  echo "== $$t $$topo"; \
	  $(BIN) analyze "$$t" $$topo --out "reports/$$name" --format html,csv,json,sarif,junit --fail-on never; \
	done

## bench: ingest throughput on a generated 1 GB trace against wc -l (scripts/bench.sh), the
##        whole analyze at 100 MB, 1 GB and 10 GB streamed, normal and leaky, one core and two,
##        against the Python baseline (scripts/bench-analyze.sh; BENCH_ANALYZE_SIZES and
##        BENCH_STREAM_SIZES shrink it), symbolize against eu-addr2line and llvm-symbolizer on
##        100,000 addresses (scripts/bench-symbols.sh), then the model's map_sg benchmarks
##        (ordo-one/benchmark, Benchmarks/).
bench: build
	./scripts/bench.sh
	./scripts/bench-analyze.sh
	./scripts/bench-symbols.sh
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --no-progress

## check-html: render the sample reports (make demo first for reports/*/) in headless
##             Chromium; fail on a blank page, console errors or any network request.
check-html:
	./scripts/check-html.sh

## lab: boot real kernels under QEMU (Debian's 6.12 from bookworm-backports, or your own with
##      KERNEL=path/to/bzImage MODULES=path/to/lib/modules/<ver>) in six DMA configurations,
##      store the traces in traces/real/<kernel>-<config>/, then analyse each with and without
##      its topology (scripts/lab/table.sh). LAB_CONFIGS="direct iommu-lazy" picks configurations.
##      Not part of `make test`; see scripts/lab/README.md.
SGREPLAY ?= $(BIN)
lab:
	KERNEL="$(KERNEL)" MODULES="$(MODULES)" ./scripts/lab/lab.sh
	@[ -x "$(SGREPLAY)" ] || $(MAKE) build
	SGREPLAY="$(SGREPLAY)" ./scripts/lab/table.sh

## fuzz: libFuzzer campaigns (Fuzz/, -sanitize=fuzzer,address) over the trace reader with the
##       whole analysis, the topology loader and the ELF/DWARF loader, FUZZ_SECONDS each
##       (default 60); totals in Fuzz/runs.tsv. Not part of `make test`; see scripts/fuzz.sh.
fuzz: deps
	./scripts/fuzz.sh

clean:
	rm -rf .build reports/*/
