# Every target creates .venv itself (uv, bootstrapped with pip when missing), so a fresh machine
# needs nothing but Python 3.11+ and make.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo $(BIN)/uv)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run migrate test lint audit format unit bench wrk pgbouncer chromium clean

$(BIN)/python:
	@command -v uv >/dev/null 2>&1 || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install -q --upgrade pip uv; }

# Bytecode is compiled once here: every test that starts a server or CLI process would otherwise
# compile the dependencies again (seconds per process, more so with PYTHONDONTWRITEBYTECODE set).
install: $(BIN)/python
	@$(UV) sync --locked --all-extras --quiet --compile-bytecode

# Bring the database named by INVENTORY_DATABASE_URL (default: var/inventory.db) to the newest schema.
migrate: install
	$(BIN)/inventory db upgrade

run: install migrate
	$(BIN)/inventory serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hadolint --failure-threshold warning Dockerfile
	@BIN=$(BIN) UV=$(UV) ./scripts/audit-dependencies.sh

# Known vulnerabilities in any locked dependency, from PyPI's per-release JSON or else OSV (skips
# loudly without either, fails then too with INVENTORY_AUDIT_REQUIRED=1); disputed advisories
# without a fix are ignored as listed, with reasons, in scripts/audit-ignored-advisories.txt.
audit: install
	@BIN=$(BIN) UV=$(UV) ./scripts/audit-dependencies.sh

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# axe-core for the web page's accessibility test: a test-only npm package from the committed lock
# file (nothing from npm is served; the page has no build step).
node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch node_modules

test: lint node_modules
	$(BIN)/pytest --cov --cov-report=term --cov-fail-under=85

unit: install
	$(BIN)/pytest tests/unit -q

# The load generator: a Debian package; installed here when we are root.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }; \
	  else echo "wrk is missing: install it with 'sudo apt-get install wrk'"; exit 1; fi; }

# PgBouncer, for the tests of the service behind a transaction pooler (tests/pgbouncer.py starts
# a private one); a Debian package, installed here when we are root. Debian puts it in /usr/sbin.
pgbouncer:
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq pgbouncer >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq pgbouncer; }; \
	  else echo "pgbouncer is missing: install it with 'sudo apt-get install pgbouncer'"; exit 1; fi; }

# Headless Chromium for the browser tests (docs pages, the web page): Debian's package, driven by
# Python playwright with executable_path (never `playwright install`); installed here when root.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }; \
	  else echo "chromium is missing: install it with 'sudo apt-get install chromium'"; exit 1; fi; }

bench: install wrk
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage node_modules test-output
