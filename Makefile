# make serve: set up and run the service on SQLite (./var/backorder.db)
# make test:  set up and run ruff, mypy and every test
# make bench: run the benchmarks
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve test test-load lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

serve: $(VENV)/.installed
	$(BIN)/backorder serve

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# The dashboard's browser tests drive Debian's Chromium (not a downloaded browser).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

pytest: $(VENV)/.installed-dev $(CHROMIUM)
	$(BIN)/pytest

test: lint typecheck pytest

# The long load tests: 32 clients for 30 s against 4 server processes on PostgreSQL.
test-load: $(VENV)/.installed-dev
	BACKORDER_LOAD_SECONDS=30 BACKORDER_LOAD_CLIENTS=32 $(BIN)/pytest -m load

# Benchmarks print tables and write bench/results/*.json. PostgreSQL figures need
# BACKORDER_BENCH_POSTGRES_URL pointing at a scratch database (its schema is reset).
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.receiving
	$(BIN)/python -m bench.placement --seconds 3
	$(BIN)/python -m bench.http_placement --seconds 3
	$(BIN)/python -m bench.receipt_contention
	$(BIN)/python -m bench.dashboard
	$(BIN)/python -m bench.replenishment

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis test-output
