# The two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
VENV ?= .venv
PYENV_ROOT ?= $(HOME)/.pyenv
# CPython 3.12+ (3.11.7 crashed under this stack); prefer pyenv's 3.12, then 3.13, then PATH.
PYTHON ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.12.*/bin/python3.12) \
                      $(wildcard $(PYENV_ROOT)/versions/3.13.*/bin/python3.13) \
                      $(shell command -v python3.12 python3.13 python3 2>/dev/null))
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# GraphiQL's browser files (npm packages pinned by package-lock.json): the app serves them itself.
# `make run` installs only those; the tests also need the development packages (the HTTP audit
# suite, Apollo Client, Lighthouse, axe-core), a few hundred MB a server does not need.
ASSETS := node_modules/.installed
DEV_ASSETS := node_modules/.installed-dev

.PHONY: run test check lint typecheck pytest schema lock seed clean

$(INSTALLED): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12+ is required, found " + sys.version.split()[0] + " at $(PYTHON)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

$(ASSETS): package.json package-lock.json
	@command -v npm > /dev/null || { echo "npm (Node.js 18+) is required to install GraphiQL's files (package.json)" >&2; exit 1; }
	npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error > /dev/null
	touch $@

# A full install also satisfies `make run`, so the two targets do not reinstall in turn.
$(DEV_ASSETS): package.json package-lock.json
	@command -v npm > /dev/null || { echo "npm (Node.js 18+) is required for the browser assets and the client tests (package.json)" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error > /dev/null
	touch $(ASSETS) $@

run: $(INSTALLED) $(ASSETS)
	$(BIN)/python -m service serve --host $(HOST) --port $(PORT)

test: lint typecheck pytest

# The inner loop, to run after every change: lint, types, and the SQLite suite less the tests
# marked slow (stress, fuzzing, the browser, real servers), stopping at the first failure.
# `make test` (and CI) still runs everything, on both engines.
check: lint typecheck $(INSTALLED) $(DEV_ASSETS)
	TEST_ENGINE=sqlite $(BIN)/python -m pytest -x -q -m "not slow" $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

# The whole suite on SQLite, then again on a throwaway PostgreSQL server the tests start.
# Without PostgreSQL binaries the second half is skipped loudly (REQUIRE_POSTGRES=1 fails).
# The browser tests (tests/test_browser.py) need Chromium: skipped loudly without it
# (Debian: apt-get install chromium), failed under REQUIRE_BROWSER=1 (CI).
pytest: $(INSTALLED) $(DEV_ASSETS)
	TEST_ENGINE=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if $(BIN)/python -c 'import sys; from tests.postgres import find_binaries; sys.exit(find_binaries() is None)'; then \
		echo "TEST_ENGINE=postgresql $(BIN)/python -m pytest $(PYTEST_ARGS)"; \
		TEST_ENGINE=postgresql $(BIN)/python -m pytest $(PYTEST_ARGS); \
	elif [ -n "$(REQUIRE_POSTGRES)" ]; then \
		echo "PostgreSQL binaries (initdb, pg_ctl) not found, and REQUIRE_POSTGRES is set" >&2; exit 1; \
	else \
		printf '\n%s\n%s\n\n' "*** SKIPPED: the PostgreSQL half of the suite (no initdb/pg_ctl found). ***" \
			"*** Install PostgreSQL (Debian: apt-get install postgresql) to run it. ***" >&2; \
	fi

schema: $(INSTALLED)
	$(BIN)/python -m service export-schema > schema.graphql

seed: $(INSTALLED)
	$(BIN)/python -m service seed

# Re-pin every dependency to what a fresh resolve gives today.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade "pip>=25"
	.lock-venv/bin/python -m pip install --quiet '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude isct-partner-graph > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) data node_modules test-artifacts .pytest_cache .mypy_cache .ruff_cache

# The benchmark suite (bench/README.md): writes bench/RESULTS.md, and pyperf's raw files in
# bench/results/ (not committed). BENCH_QUICK=1 for a ~5 min subset (RESULTS.quick.md);
# BENCH_ARGS="--engines sqlite --sizes 1000,10000" and the like for others.
.PHONY: bench
bench: $(INSTALLED) $(DEV_ASSETS)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.soak  # 30 s, 50 connections, 10% hostile: adds its RESULTS.md section
	$(BIN)/python -m bench.graph
	$(BIN)/python -m bench.editing  # edit latency and concurrent editors, both engines
	$(BIN)/python -m bench.live  # 1,000 live-query subscribers: executions, fan-out, memory
