# Two commands on a fresh machine: `make run` serves the page, `make test` passes every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install chromium node run test test-fast bench bench-page load lint format

install: $(STAMP) chromium node

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

# The page's JavaScript unit tests (tests/js/) run on node's built-in test runner (node 18 or later;
# nothing from npm). Installed from Debian when missing and we are root, as chromium is.
node:
	@command -v node >/dev/null || [ "$$(id -u)" != 0 ] || { \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq nodejs >/dev/null; }
	@command -v node >/dev/null || echo "note: the page's unit tests need node: sudo apt-get install nodejs"

run: install
	$(PY) -m uvicorn app.main:app --host $(HOST) --port $(PORT)

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
