# Two commands on a fresh machine: `make run` serves the page, `make test` passes every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install chromium node postgresql run test test-fast bench bench-page load lint format

install: $(STAMP) chromium node postgresql

# torch first, pinned to the CPU build on this machine's disk: a bare `torch` requirement would pull
# several GB of CUDA packages. Then the project, whose `torch>=...` is already satisfied. --no-compile:
# pip would byte-compile all ~12,000 installed modules (70 s of CPU); Python compiles the few thousand
# that are imported, once, on first import.
PIP_INSTALL := $(PY) -m pip install -q --disable-pip-version-check --no-compile
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP_INSTALL) torch==2.13.0
	$(PIP_INSTALL) -e ".[dev]"
	touch $(STAMP)

# Debian packages the tests need: installed when missing and we are root; otherwise only said, so
# `make run` never needs root. $(1) proves the package is there, $(2) names it, $(3) says who needs it.
define debian-package
	@$(1) >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq $(2) >/dev/null; }
	@$(1) >/dev/null 2>&1 || echo "note: $(3) need Debian's $(2): sudo apt-get install $(2)"
endef

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
chromium:
	$(call debian-package,command -v chromium,chromium,the browser tests)

# The page's JavaScript unit tests (tests/js/) run on node's built-in test runner (node 18 or later;
# nothing from npm).
node:
	$(call debian-package,command -v node,nodejs,the page's unit tests)

# The store's tests start a PostgreSQL server of their own (tests/store/postgres.py) from Debian's
# binaries, which live in /usr/lib/postgresql/<version>/bin, off PATH.
postgresql:
	$(call debian-package,ls /usr/lib/postgresql/*/bin/pg_ctl,postgresql,the store's PostgreSQL tests)

# `optimlab serve`: uvicorn with the slow-client limits of app/serving.py, as the Dockerfile runs it.
run: install
	$(PY) -m app.cli serve --host $(HOST) --port $(PORT)

# The suite on two pytest processes (pytest-xdist; CI's machine has two cores): most tests wait on a server
# or the browser, so a second process fills the idle core. Whole files go to one process (tests/conftest.py
# groups them), so a module's own server starts once; the longest groups go first (tests/conftest.py orders
# them; --no-loadscope-reorder keeps that order). TEST_PROCESSES=0: one process; =auto: one per core.
# Tests marked `serial` measure the cores themselves, so they run afterwards, alone: only the files that
# mark any are collected again (collecting every file costs a process half a minute of CPU).
TEST_PROCESSES ?= 2
SERIAL_FILES = $(shell grep -rl --include='test_*.py' 'mark\.serial' tests)

test: install
	$(PY) -m pytest -q -n $(TEST_PROCESSES) --dist loadgroup --no-loadscope-reorder -m "not serial"
	$(PY) -m pytest -q -m serial $(SERIAL_FILES)

test-fast: install
	$(PY) -m pytest -q -m "not e2e"

bench: install
	$(PY) -m bench

bench-page: install
	$(PY) -m bench.first_draw

# `make load ARGS=--distinct`: every stream its own request, on 1 worker and then on one per core.
load: install
	$(PY) -m bench.load $(ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .
