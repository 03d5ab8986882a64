# newsmon — the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM := /usr/bin/chromium
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: run demo next-steps test test-all lint typecheck clean compose-test

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

## run: install, migrate the database, run the main job and print where the digest is.
## `newsmon run` exits 1 or 2 when some or all sources failed (README "Failure and recovery");
## offline that is expected, and the digest, written anyway, lists the unreachable sources.
run: $(VENV)/.installed
	$(BIN)/newsmon db upgrade
	@rc=0; $(BIN)/newsmon run || rc=$$?; \
	case $$rc in \
	  0) ;; \
	  1|2) if [ -n "$$(find $${NEWSMON_DATA_DIR:-data}/digests -name '*.md' -mmin -30 2>/dev/null)" ]; \
	       then echo "make run: digest written; some or all sources failed (exit $$rc): see its source health"; \
	       else exit $$rc; fi ;; \
	  *) exit $$rc ;; \
	esac
	@$(MAKE) --no-print-directory next-steps

# What a new user does after `make run` (README "Quick start").
next-steps:
	@d=$${NEWSMON_DATA_DIR:-data}/digests; \
	html=$$(ls -t $$d/*.html 2>/dev/null | head -n 1); \
	echo ""; echo "Next steps:"; \
	echo "  open the digest:     $${html:-$$d/<today>.html} (Markdown beside it)"; \
	echo "  the commands:        $(BIN)/newsmon --help (or: . $(BIN)/activate)"; \
	echo "  content, offline:    make demo (the local NOS-like site, own data folder)"; \
	echo "  add a real source:   $(BIN)/newsmon sources check NAME, then enabled = true"; \
	echo "                       in config/sources.toml (README \"Adding a source\")"

## demo: the main job on the local NOS-like site (tests/site/), offline, in data-demo/.
demo: $(VENV)/.installed
	$(BIN)/newsmon demo

# The fast set: no processes or servers, no real third-party data, no browser (README "Tests").
FAST_TESTS := not slow and not realdata and not browser
# In-process tests run in pytest-xdist workers: three on this 2-core machine, because a third of
# the fast set waits on sockets and timers (README "Tests"); PYTEST_WORKERS=0 runs them serially.
PYTEST_WORKERS ?= 3

## test: install with test extras, lint, type-check and run the fast test set
test: $(VENV)/.installed-test lint typecheck
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "$(FAST_TESTS)" $(PYTEST_ARGS)

## test-all: the same with every test (CI runs this through .ci/run): the in-process tests in
## workers, then the ones that start processes and servers or drive the browser one at a time
## (they measure real time: signals mid-send, pacing, Prefect servers)
test-all: $(VENV)/.installed-test lint typecheck | $(CHROMIUM)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not slow and not browser" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m "slow or browser" $(PYTEST_ARGS)

# The Prefect UI browser test needs Debian's chromium: installed once, only when missing
# (CI runs as root; elsewhere through `sudo -n`, or the test is skipped with the reason).
$(CHROMIUM):
	@echo "installing chromium (apt-get) for the Prefect UI browser test"
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo "sudo -n" ); \
	( $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  $$SUDO apt-get install -y -qq chromium ) >/dev/null 2>&1 \
	|| echo "warning: could not install chromium; the browser test will be skipped"

## compose-test: run docker-compose.yml for real under podman (README "Running at scale"):
## installs podman/debootstrap/runc when missing, builds stand-in images and the project image,
## brings the topology up in stages, proves ingest, backfill, digest mail and shared pacing,
## then removes every container, volume and network it made. Root (or sudo -n) needed.
compose-test: $(VENV)/.installed-test
	$(BIN)/python -m deploy.compose_test

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy cli composition pipeline flows scrapers processing digests storage $(wildcard benchmarks/*.py)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
