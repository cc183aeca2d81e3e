# Roomdeck — the two commands a new user needs are `make run` and `make test`.
# Everything installs what is missing first and is safe to run again.

SHELL := /bin/bash
CARGO ?= cargo
NPM ?= npm
TOOLS := $(CURDIR)/.tools
TAURI := $(CURDIR)/ui/node_modules/.bin/tauri
UI_SOURCES := $(shell find ui/src ui/public ui/index.html ui/vite.config.ts ui/tsconfig.json -type f 2>/dev/null)

export ROOMDECK_TAURI_DRIVER ?= $(TOOLS)/bin/tauri-driver

.PHONY: setup system ui build run dev test e2e package bench faults fuzz bindings clean

## setup: system packages, npm packages, the WebDriver bridge
setup: system ui/node_modules/.installed $(TOOLS)/bin/tauri-driver

system:
	@scripts/setup

ui/node_modules/.installed: ui/package.json ui/package-lock.json
	cd ui && $(NPM) ci --no-audit --no-fund
	@touch $@

$(TOOLS)/bin/tauri-driver:
	$(CARGO) install tauri-driver --version 2.1.0 --locked --root $(TOOLS)

## ui: the web frontend, built into ui/dist (embedded into the app binary)
ui: ui/dist/index.html

ui/dist/index.html: ui/node_modules/.installed $(UI_SOURCES)
	cd ui && $(NPM) run build

## build: the app, the CLI and the fake servers (debug profile, UI embedded)
build: system ui
	$(CARGO) build --workspace --bins

## run: build and open the app
run: build
	./target/debug/roomdeck-app

## dev: the app against Vite's dev server (hot reload of the UI)
dev: system ui/node_modules/.installed
	cd ui && ($(NPM) run dev &) && cd .. && $(CARGO) run -p roomdeck-app --no-default-features

## test: every check, with a summary; non-zero exit on any failure
test: setup ui
	@scripts/test

## e2e: only the end-to-end tests of the real window
e2e: setup ui
	$(CARGO) build -p roomdeck-app -p roomdeck-cli -p roomdeck-fakes --bins
	scripts/with-keyring $(CARGO) test -p roomdeck-e2e -- --test-threads=1

## package: .deb and .rpm with the Tauri CLI, then install and launch the .deb under Xvfb
package: setup ui
	TAURI_APP_PATH=src-tauri $(TAURI) build --bundles deb,rpm
	scripts/package-smoke

## faults: the crash-safety test with 100 kills and the fault matrix of every family
faults: setup ui
	$(CARGO) build --workspace --bins
	scripts/with-keyring $(CARGO) test -p roomdeck-core --test faults
	ROOMDECK_CRASH_ITERATIONS=100 scripts/with-keyring $(CARGO) test -p roomdeck-e2e --test crash -- --nocapture

## bench: P1–P8 side by side with their baselines, release builds; prints a table and writes
## docs/performance.md (ROOMDECK_BENCH_RUNS=n runs per figure; ROOMDECK_BENCH_ONLY=P2,P4 a subset,
## printed only)
bench: setup ui
	TAURI_APP_PATH=src-tauri $(TAURI) build --bundles deb
	$(CARGO) build --release -p roomdeck-e2e --bin roomdeck-bench
	ROOMDECK_E2E_PROFILE=release scripts/with-keyring ./target/release/roomdeck-bench

## fuzz: every cargo-fuzz target for FUZZ_SECONDS each (AddressSanitizer; the stable toolchain
## accepts cargo-fuzz's flags with RUSTC_BOOTSTRAP=1). A crash stops it; its input is in
## fuzz/artifacts/: fix it, then keep the input in fuzz/regressions/<target>/ (make test runs it).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := rocketchat swapchat virola image
fuzz: system $(TOOLS)/bin/cargo-fuzz
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$t && \
	  RUSTC_BOOTSTRAP=1 $(TOOLS)/bin/cargo-fuzz run $$t corpus/$$t seeds/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 || exit 1; \
	done

$(TOOLS)/bin/cargo-fuzz:
	$(CARGO) install cargo-fuzz --version 0.13.2 --locked --root $(TOOLS)

## bindings: regenerate ui/src/bindings.ts from the Rust types
bindings:
	ROOMDECK_BLESS=1 $(CARGO) test -p roomdeck-app bindings_are_current

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules tests/artifacts
