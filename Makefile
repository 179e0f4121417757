# Two commands do all set-up on a fresh machine (see README):
#   make demo   creates .venv from requirements.lock and runs the main job
#   make test   creates .venv from requirements.lock and runs the whole test suite
# Both need only python3 (3.11+) with venv; `make test` also installs Debian's
# chromium for the browser tests when it runs as root and chromium is missing.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint lock binder clean-venv

$(STAMP): requirements.lock pyproject.toml
	@scripts/setup-venv "$(PYTHON)" "$(VENV)"
	@touch $(STAMP)

demo: $(STAMP)
	@scripts/demo "$(VENV)"

test: $(STAMP)
	@scripts/ensure-chromium
	$(PY) -m ruff check workbench tests benchmarks scripts
	$(PY) -m mypy
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check workbench tests benchmarks scripts
	$(PY) -m mypy

# Maintainers: re-resolve the lock (needs uv) and regenerate binder/requirements.txt.
lock:
	$(PY) scripts/lockfile.py update
	$(PY) scripts/lockfile.py binder

binder: $(STAMP)
	$(PY) scripts/lockfile.py binder

clean-venv:
	rm -rf $(VENV)
