# Two commands do all set-up on a fresh machine (see README):
#   make demo   creates .venv from requirements.lock and opens JupyterLab at the quickstart
#   make test   creates .venv from requirements.lock and runs the whole test suite
# make demo-headless runs the main job without a browser: register, decisions, report.
# Both need only python3 (3.11+) with venv; `make test` also installs Debian's
# chromium for the browser tests when it runs as root and chromium is missing.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo demo-headless dashboard test quick-test lint lock binder notebooks docs clean-venv

$(STAMP): requirements.lock pyproject.toml
	@scripts/setup-venv "$(PYTHON)" "$(VENV)"
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/workbench lab

demo-headless: $(STAMP)
	@scripts/demo "$(VENV)"

dashboard: $(STAMP)
	$(VENV)/bin/workbench dashboard notebooks/work/workshop --template support-assistant

test: $(STAMP)
	@scripts/ensure-chromium
	$(PY) -m ruff check workbench tests benchmarks scripts notebooks
	$(PY) -m mypy
	$(PY) -m pytest $(PYTEST_ARGS)

# Without the slow (fresh environments, notebooks twice) and browser tests.
quick-test: $(STAMP)
	$(PY) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

notebooks: $(STAMP)
	$(PY) scripts/make_notebooks.py

docs: $(STAMP)
	$(PY) scripts/gen_model_docs.py
	$(PY) scripts/gen_reference_docs.py

lint: $(STAMP)
	$(PY) -m ruff check workbench tests benchmarks scripts notebooks
	$(PY) -m mypy

# Maintainers: re-resolve the lock (needs uv) and regenerate binder/requirements.txt.
lock:
	$(PY) scripts/lockfile.py update
	$(PY) scripts/lockfile.py binder

binder: $(STAMP)
	$(PY) scripts/lockfile.py binder

clean-venv:
	rm -rf $(VENV)
