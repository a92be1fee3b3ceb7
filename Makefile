# Two commands from a fresh clone: `make run` and `make test`. Each creates .venv when missing and
# reinstalls when pyproject.toml changes (the stamp file records the last install).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean server system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/asb-tui

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# nginx and poppler-utils (scale-out test, PDF checks): installed by the project, not by hand.
system-deps:
	bash scripts/system-deps.sh

test: lint system-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(STAMP) system-deps
	$(BIN)/python -m benchmarks

server: $(STAMP)
	$(BIN)/asb-sync-server serve

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
