# `make run` and `make test` each build .venv from nothing, so a fresh clone needs no manual set-up.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The first interpreter on PATH that is Python >= 3.12 (Mesa 3.5 needs it).
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 python3; do \
	command -v $$p >/dev/null 2>&1 && \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && \
	{ echo $$p; break; }; done)

.PHONY: run test lint bench scenarios sweep clean

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: no Python >= 3.12 found on PATH (tried python3.12, python3.13, python3.14, python3)." >&2; \
		echo "Install Python 3.12+ (e.g. 'pyenv install 3.12') or pass PYTHON=/path/to/python3.12." >&2; \
		exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ifrp run baseline

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every scenario of experiments/scenarios/ against the baseline (same seeds: paired differences).
scenarios: $(STAMP)
	$(BIN)/ifrp run --all --out results/scenarios --force

# The example sweep (a 2-lever grid), resumable: re-run after an interruption to continue.
sweep: $(STAMP)
	$(BIN)/ifrp sweep experiments/sweeps/deadline_and_enforcement.toml

# Speed and memory on this machine (several minutes): results/benchmarks/*.json, benchmark.png.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
