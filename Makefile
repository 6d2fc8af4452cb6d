# Two entry points a new user needs (see README): `make demo` and `make test`. Both create .venv once.
#   make demo  installs relulint's core only (libcst, pathspec) and lints examples/ with the static pass.
#   make test  adds the extras the tests need (torch, TensorFlow, ONNX, pygls, dev tools) at the exact
#              versions of constraints.txt, then runs the whole suite (what CI runs: .ci/run).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install -q --disable-pip-version-check

$(BIN)/python:
	$(PY) -m venv $(VENV)

# core: an editable install without the optional extras
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(PIP) -e . -c constraints.txt
	touch $@

# everything the test suite imports
$(VENV)/.test: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[dev,all]' -c constraints.txt
	touch $(VENV)/.core $@

.PHONY: demo test lint bench docs
demo: $(VENV)/.core
	$(BIN)/relulint examples/ --exit-zero

test: $(VENV)/.test
	$(BIN)/python -m pytest tests

lint: $(VENV)/.test
	$(BIN)/ruff check relulint rules tests benchmarks

# regenerate docs/rules/RLxxx.md from the rules' docstrings (a test fails when they are stale)
docs: $(VENV)/.core
	$(BIN)/python -m relulint.report.rule_pages docs/rules

bench: $(VENV)/.test
	$(BIN)/python benchmarks/bench_source_pass.py
