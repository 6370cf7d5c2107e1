# The course's commands. Quick start: `make lab` (learners) and `make test` (maintainers).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
NOTEBOOK_ENV := TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore USE_TF=0

.PHONY: setup lab test test-unit notebooks benchmark clean

setup: $(READY)

# The whole install recipe, AllenNLP included, is here and in requirements/.
$(READY): requirements/*.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip "setuptools<81" wheel
	$(BIN)/pip install --quiet -r requirements/course.txt -r requirements/allennlp-runtime.txt -r requirements/general-text.txt
	$(BIN)/pip install --quiet --no-deps -r requirements/no-deps-hub.txt -r requirements/no-deps-allennlp.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (elmo-course)"
	touch $(READY)

lab: setup
	$(NOTEBOOK_ENV) $(BIN)/jupyter lab notebooks/

test: setup
	$(NOTEBOOK_ENV) $(BIN)/python -m pytest tests notebooks --nbval --sanitize-with notebooks/sanitize.cfg -v --durations=0

test-unit: setup
	$(NOTEBOOK_ENV) $(BIN)/python -m pytest tests -q

# Re-execute every lesson in place, in the environment and with the settings the tests use.
notebooks: setup
	$(NOTEBOOK_ENV) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=900 notebooks/[0-9]*.ipynb

benchmark: setup
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV)
