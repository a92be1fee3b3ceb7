# Two commands from a fresh clone: `make run` and `make test`. Each creates .venv when missing and
# reinstalls when requirements.lock or pyproject.toml changes (the stamp file records the last install).
# requirements.lock pins every runtime and dev package with its hashes; pyproject.toml keeps the lower
# bounds. `make lock` recompiles the lock after a change to pyproject.toml's dependencies (uv keeps the
# pins it already has unless a bound forces a move; `make lock UPGRADE=1` moves everything to the newest).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock

.PHONY: run test lint bench clean server system-deps lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
		$(if $(UPGRADE),--upgrade,) --quiet -o $(LOCK)

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
