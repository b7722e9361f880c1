# efreg — `make run` serves the registry with its seed data; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Virtuoso (remote store, federation, benchmarks), Chromium (page tests), a CJK font (Chinese pages),
# curl (a client following 303s), wrk (the benchmark's dereferencing load), openssl (the PACT tests'
# self-signed certificate). The tests fail without them.
APT_PACKAGES := virtuoso-opensource-7-bin chromium fonts-wqy-microhei curl wrk openssl

.PHONY: run test venv system-deps node-deps lint format bench clean

$(BIN)/efreg: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/efreg

run: venv
	$(BIN)/efreg serve

# Debian packages the tests need (Virtuoso for the remote store and federation, Chromium for pages).
system-deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# npm packages the tests use (jsonld.js, Comunica), pinned by tests/js/package-lock.json, and PACT's
# conformance tool (copied from ../shared/data/pact to var/pact-conformance, npm ci from its lockfile).
node-deps:
	@command -v npm >/dev/null || { echo "node-deps: npm is missing (install Node.js 18 or later)" >&2; exit 1; }
	@if [ -f tests/js/package-lock.json ]; then \
	  [ tests/js/node_modules/.package-lock.json -nt tests/js/package-lock.json ] || \
	  npm ci --prefix tests/js --no-audit --no-fund --loglevel=error; \
	fi
	@sh tests/pact/install-conformance-tool.sh

test: lint system-deps node-deps
	$(BIN)/pytest -q

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .

# The quick benchmark (10k factors, efreg against Virtuoso); results: benchmarks/out/, benchmarks/RESULTS.md.
# wrk generates the dereferencing load (without it the runner falls back to Python client processes).
bench: venv system-deps
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m benchmarks --factors 10000

clean:
	rm -rf $(VENV) var .pytest_cache
