# Two commands on a fresh machine: `make run` serves the page, `make test` passes every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install chromium postgresql run test test-fast bench bench-page load lint format

install: $(STAMP) chromium postgresql

# torch first, pinned to the CPU build on this machine's disk: a bare `torch` requirement would pull
# several GB of CUDA packages. Then the project, whose `torch>=...` is already satisfied.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here). Installed when
# missing and we are root; otherwise only said, so `make run` never needs root.
chromium:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || { \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null || echo "note: the browser tests need Debian's chromium: sudo apt-get install chromium"

# The store's tests start a PostgreSQL server of their own (tests/store/postgres.py) from Debian's
# binaries, which live in /usr/lib/postgresql/<version>/bin, off PATH. Installed like chromium.
PG_CTL = $(firstword $(shell command -v pg_ctl) $(wildcard /usr/lib/postgresql/*/bin/pg_ctl))
postgresql:
	@[ -n "$(PG_CTL)" ] || [ "$$(id -u)" != 0 ] || { \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }
	@[ -n "$(PG_CTL)" ] || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
		echo "note: the store's PostgreSQL tests need Debian's postgresql: sudo apt-get install postgresql"

# `optimlab serve`: uvicorn with the slow-client limits of app/serving.py, as the Dockerfile runs it.
run: install
	$(PY) -m app.cli serve --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not e2e"

bench: install
	$(PY) -m bench

bench-page: install
	$(PY) -m bench.first_draw

load: install
	$(PY) -m bench.load

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .
