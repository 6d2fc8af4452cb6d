# Two entry points a new user needs: `make demo` and `make test`. Both create .venv once.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/relulint: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,all]'
	touch $(BIN)/relulint

.PHONY: demo test lint bench
demo: $(BIN)/relulint
	$(BIN)/relulint examples/ --exit-zero

test: $(BIN)/relulint
	$(BIN)/python -m pytest tests

lint: $(BIN)/relulint
	$(BIN)/ruff check relulint rules tests benchmarks

bench: $(BIN)/relulint
	$(BIN)/python benchmarks/bench_source_pass.py
