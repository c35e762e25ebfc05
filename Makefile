# Set-up, run and test commands (see README). `make run` and `make test` are all a user needs.
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-fast setup browser dashboard notebooks clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tokenmaxx run scenarios/default.yaml

# Headless Chromium from Debian for the dashboard's browser test (idempotent; CI runs as root).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { test "$$(id -u)" = 0 || { echo "error: Chromium is missing; install it (apt-get install chromium) or run make as root" >&2; exit 1; }; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

dashboard: $(STAMP)
	$(BIN)/tokenmaxx dashboard

# The teaching notebooks in JupyterLab (opens a browser tab; Ctrl-C stops the server).
notebooks: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

test: $(STAMP) browser
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) results/*/ .pytest_cache
