# `make run` and `make test` each build .venv from nothing, so a fresh clone needs no manual set-up.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VIZ_STAMP := $(VENV)/.installed-viz
EXPLORE_HOST ?= 127.0.0.1
EXPLORE_PORT ?= 8765

# The first interpreter on PATH that is Python >= 3.12 (Mesa 3.5 needs it).
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 python3; do \
	command -v $$p >/dev/null 2>&1 && \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && \
	{ echo $$p; break; }; done)

.PHONY: run test lint golden docs explore bench scenarios sweep forecast clean

# .venv/.installed: the project with its test tools (make run, lint, ...); .venv/.installed-viz:
# also the viz extra (make test, explore), in one pip run, and it then counts as the former too.
# --no-compile: Python compiles each module when it is first imported; compiling all of the
# 1 GB environment up front made `make test` from nothing about 45 s slower here.
$(STAMP): EXTRAS = test
$(VIZ_STAMP): EXTRAS = test,viz
$(STAMP) $(VIZ_STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: no Python >= 3.12 found on PATH (tried python3.12, python3.13, python3.14, python3)." >&2; \
		echo "Install Python 3.12+ (e.g. 'pyenv install 3.12') or pass PYTHON=/path/to/python3.12." >&2; \
		exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -e '.[$(EXTRAS)]'
	@touch $@
	@if [ "$@" = "$(VIZ_STAMP)" ]; then touch $(STAMP); fi

run: $(STAMP)
	$(BIN)/ifrp run baseline

# The browser tests need the viz extra, and Chromium (Debian's `chromium`; .ci/run installs it).
# pytest runs on every core (pytest-xdist); --dist loadfile keeps each file's tests on one worker,
# so a module's fixtures (the calibration, the docking samples, an explorer server) run once;
# --no-loadscope-reorder hands the files out longest first (tests/conftest.py, LONG_FILES).
# `make test PYTEST_ARGS=` runs in one process, as `python -m pytest [tests/test_x.py]` does.
# Compiled modules go to .venv/pycache even where PYTHONDONTWRITEBYTECODE is set: the suite
# starts a dozen Python processes (workers, process pools, a Dask cluster, the explorer's
# servers), each of which would otherwise compile numpy, pandas, scipy, Mesa... from source.
PYTEST_ARGS ?= -n auto --dist loadfile --no-loadscope-reorder
test: $(VIZ_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-pin the small run of tests/test_golden.py after a change that moves the model's outputs on
# purpose; commit tests/golden/ with that change.
golden: $(STAMP)
	IFRP_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_golden.py

# The tables of docs/parameters.md, from model/data/ and model/schema.py (the prose around them
# is written by hand; tests/test_docs.py fails while they are out of date).
docs: $(STAMP)
	$(BIN)/python -m experiments.core.parameter_docs

# The policy explorer in the browser, on http://$(EXPLORE_HOST):$(EXPLORE_PORT)/ (Ctrl-C stops it;
# make explore EXPLORE_PORT=9000 for another port).
explore: $(VIZ_STAMP)
	$(BIN)/ifrp explore --host $(EXPLORE_HOST) --port $(EXPLORE_PORT)

# Every scenario of experiments/scenarios/ against the baseline (same seeds: paired differences).
scenarios: $(STAMP)
	$(BIN)/ifrp run --all --out results/scenarios --force

# The example sweep (a 2-lever grid), resumable: re-run after an interruption to continue.
sweep: $(STAMP)
	$(BIN)/ifrp sweep experiments/sweeps/deadline_and_enforcement.toml

# The reference forecast (ifrp run drive_2023_2025 --posterior --replicates 40 --seed 1): the
# tables and figure the README shows into results/forecast/, and the README's forecast section
# rewritten from them. Re-run it after adopting a new calibration; commit results/forecast/ and
# README.md.
forecast: $(STAMP)
	$(BIN)/python -m experiments.forecast

# Speed and memory on this machine (several minutes): results/benchmarks/*.json, benchmark.png.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
