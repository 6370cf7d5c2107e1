# The course's commands. Quick start: `make lab` (learners) and `make test` (maintainers).
# The Python: PYTHON=... if given, else the newest of python3.13, python3.12, python3.11 on PATH.
SUPPORTED_PYTHONS := python3.13 python3.12 python3.11
# (the first one that runs: a pyenv shim for a version pyenv has not selected is on PATH but fails)
PYTHON ?= $(shell for p in $(SUPPORTED_PYTHONS); do $$p -c "" 2>/dev/null && { command -v $$p; break; }; done)
# GPU=1: the CUDA build of TensorFlow (Linux with an NVIDIA GPU) instead of the CPU build.
TENSORFLOW := $(if $(filter 1,$(GPU)),requirements/tensorflow-gpu.txt,requirements/tensorflow.txt)
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
# What JupyterLab, nbval and the browser check run lessons with. Warnings are not silenced: a
# learner sees them, so the tests do too.
NOTEBOOK_ENV := TF_CPP_MIN_LOG_LEVEL=3 USE_TF=0 $(if $(wildcard ../shared/data),ELMO_COURSE_DATA=$(abspath ../shared/data))

.PHONY: setup lab test test-unit test-lab test-drift notebooks benchmark check-install check-python clean

setup: $(READY)

check-python:
	@test -n "$(PYTHON)" || { echo "make: no supported Python found. The course needs Python 3.11, 3.12 or 3.13:"; \
	  echo "  install one (python.org, pyenv, 'brew install python@3.12', 'apt install python3.12-venv'),"; \
	  echo "  or name it: make setup PYTHON=/path/to/python3.12"; exit 2; }
	@$(PYTHON) -c "" 2>/dev/null || { echo "make: $(PYTHON) does not run (a pyenv shim for a version pyenv has not selected?); name a working one: make setup PYTHON=/path/to/python3.12"; exit 2; }
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 13) else 1)' || { \
	  echo "make: $(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); the course needs 3.11, 3.12 or 3.13 (PYTHON=...)"; exit 2; }

# The whole install recipe, AllenNLP included, is here and in requirements/.
$(READY): requirements/*.txt pyproject.toml scripts/install_kernel.py
	@$(MAKE) --no-print-directory check-python PYTHON="$(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip "setuptools<81" wheel
	$(BIN)/pip install --quiet -r requirements/course.txt -r $(TENSORFLOW) -r requirements/lab.txt -r requirements/dev.txt -r requirements/allennlp-runtime.txt -r requirements/general-text.txt -r requirements/cluster.txt
	$(BIN)/pip install --quiet --no-deps -r requirements/no-deps-hub.txt -r requirements/no-deps-allennlp.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python scripts/install_kernel.py
	touch $(READY)

lab: setup
	$(NOTEBOOK_ENV) $(BIN)/jupyter lab notebooks/

test: setup
	$(NOTEBOOK_ENV) $(BIN)/python -m pytest tests notebooks --nbval --sanitize-with notebooks/sanitize.cfg -v --durations=0

# The lessons and the model card's re-measurement once more, with float32 sums in another order
# (oneDNN switched against this CPU's default): what a learner's CPU does to the committed outputs.
test-drift: setup
	$(NOTEBOOK_ENV) $(BIN)/python scripts/check_drift.py

# Every lesson in JupyterLab in headless Chromium (Debian's chromium package): no stderr, nothing
# unrun, nothing rewritten on open (scripts/check_lab.py).
test-lab: setup
	$(NOTEBOOK_ENV) $(BIN)/python scripts/check_lab.py

test-unit: setup
	$(NOTEBOOK_ENV) $(BIN)/python -m pytest tests -q

# Re-execute every lesson in place, in the environment and with the settings the tests use; a
# progress bar keeps only its last state (CoalesceStreamsPreprocessor applies its "\r"s).
notebooks: setup
	$(NOTEBOOK_ENV) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=900 \
		--NotebookExporter.preprocessors='["nbconvert.preprocessors.CoalesceStreamsPreprocessor"]' notebooks/[0-9]*.ipynb

benchmark: setup
	$(BIN)/python benchmarks/throughput.py

# Resolve `pip install .` for Linux x86_64, macOS arm64 and Linux aarch64 on Python 3.11-3.13
# (metadata only, from the package index) and count the TensorFlow distributions in each.
check-install: setup
	$(BIN)/python scripts/check_install.py

clean:
	rm -rf $(VENV)
