# newsmon — the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: run test lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip

# Reinstall only when the project definition changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e '.[test]'
	touch $(VENV)/.installed $@

## run: install, migrate the database, run the main job and print where the digest is
run: $(VENV)/.installed
	$(BIN)/newsmon db upgrade
	$(BIN)/newsmon run

## test: install with test extras, lint, type-check and run the test suite
test: $(VENV)/.installed-test lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy flows scrapers processing digests storage $(wildcard benchmarks/*.py)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
