# The compendium's two commands:  make all  (run everything)  and  make test  (run the tests).
# Both create the virtual environment from the lock file when it is missing and install the Debian
# packages the PDF export needs when they are missing (apt-get, as root).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
LOCK := requirements.lock
STAMP := $(VENV)/.installed
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

.PHONY: all test test-fast env system-deps pipeline plan lab lock environment.yml benchmark verify-data strip-notebooks clean-outputs help validation mutation

help:
	@echo "make all        set up (venv, Debian packages) and run the whole compendium; reports in reports/"
	@echo "make test       set up and run the tests"
	@echo "make test-fast  run the tests without the slow end-to-end ones (about 2 minutes)"
	@echo "make plan       show the pipeline's steps, inputs and outputs"
	@echo "make lab        start JupyterLab at the project root (notebooks/, docs/, reports/) on the project's kernel"
	@echo "make benchmark  measure run times and memory (benchmarks/)"
	@echo "make validation the full validation study: VALIDATION_REPLICATES (2000) replicates on Dask"
	@echo "make strip-notebooks  remove outputs from the source notebooks before committing"
	@echo "make lock       re-resolve requirements.lock from pyproject.toml (uv pip compile)"
	@echo "make mutation   mutation testing of the claim checks, estimators, weights and cleaning (mutmut; long)"

all: env system-deps pipeline

# The test files run on TEST_WORKERS processes (pytest-xdist; each file kept on one process, so its
# module fixtures are built once); TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2

test: env system-deps
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

test-fast: env
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow"

env: $(STAMP)

$(STAMP): $(LOCK) pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip --upgrade >/dev/null
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip sync --quiet --python $(PY) $(LOCK)
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (compendium)" >/dev/null
	@touch $(STAMP)

system-deps:
	@bash scripts/install_system_deps.sh

pipeline: env
	$(PY) -m helpers.pipeline run

plan: env
	$(PY) -m helpers.pipeline plan

# JupyterLab at the project root, so notebooks/, docs/ and reports/ are all reachable; the project's kernel
# (python3, installed into .venv by `make env`). LAB_ARGS adds options, e.g. LAB_ARGS="--no-browser --port=8899".
lab: env
	JUPYTER_PREFER_ENV_PATH=1 $(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" --MappingKernelManager.default_kernel_name=python3 \
	  $(if $(filter 0,$(shell id -u)),--allow-root,) $(LAB_ARGS)

lock:
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o $(LOCK)
	$(PY) scripts/write_environment_yml.py

environment.yml: $(LOCK)
	$(PY) scripts/write_environment_yml.py

benchmark: env
	$(PY) benchmarks/run_benchmarks.py

# The validation study at full size (issue 14): replicates on Dask, a local cluster by default or the cluster
# whose scheduler address is in COMPENDIUM_DASK_SCHEDULER. Replicates already written are reused.
VALIDATION_REPLICATES ?= 2000
validation: env system-deps
	$(PY) -m helpers.pipeline run -p validation_replicates.replicates=$(VALIDATION_REPLICATES)

strip-notebooks: env
	$(VENV)/bin/nbstripout --keep-id notebooks/*.ipynb

# Mutation testing (README, "Mutation testing"): mutmut mutates the modules listed in pyproject.toml
# [tool.mutmut] and runs the fast unit tests that cover each mutant; results are kept in mutants/, so a
# second run continues where the first stopped. COMPENDIUM_ROOT keeps the tests reading this data/raw.
# MUTANTS='helpers.eu.scorecard.*' limits a run to some mutants (mutmut's name patterns).
mutation: env
	COMPENDIUM_ROOT=$(CURDIR) POLARS_MAX_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
		nice -n 15 $(VENV)/bin/mutmut run --max-children 2 $(MUTANTS)
	$(PY) scripts/mutation_score.py

verify-data: env
	$(PY) -m helpers.data.datapackage verify

clean-outputs:
	rm -rf build data/processed/*/ reports/*/ reports/*.html reports/*.pdf reports/*.json reports/*.csv
