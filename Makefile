# `make test` and `make demo` work on a fresh machine with only Python 3.10+: they create .venv,
# install the package with every backend and the test tools, then run. Re-running reuses .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BACKENDS ?= tensorflow jax torch

.PHONY: setup test demo bench lint docs clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch is pinned to the CPU build that this project tests with.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[backends,test,cli,docs]"
	touch $(STAMP)

# Lint first (seconds), then the suite on every backend; the suite also builds the docs with
# --strict and tests the wheel (tests/test_docs.py, tests/test_wheel.py, under jax).
test: $(STAMP) lint
	BACKENDS="$(BACKENDS)" PY=$(PY) bash scripts/test_all_backends.sh

# The main job: the loss bake-off with its defaults (3.8 minutes on an idle 2-core CPU); the report
# goes to imagelosses-report/. DEMO_ARGS passes options, e.g. DEMO_ARGS=--quick.
demo: $(STAMP)
	KERAS_BACKEND=$${KERAS_BACKEND:-tensorflow} TF_CPP_MIN_LOG_LEVEL=3 $(PY) -m imagelosses bakeoff $(DEMO_ARGS)

# Times every benchmark family on every backend against the installed peers; see benchmarks/README.md.
# BENCH_ARGS=--smoke for a quick pass.
bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]"
	BACKENDS="$(BACKENDS)" PY=$(PY) bash benchmarks/run_all.sh $(BENCH_ARGS)

# ruff's lint rules and its formatter (black's style, line-length 110), both from pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The documentation site from mkdocs.yml and docs/, with the API reference read from the
# docstrings; any warning fails the build. The static site goes to site/ (not committed).
docs: $(STAMP)
	KERAS_BACKEND=$${KERAS_BACKEND:-jax} TF_CPP_MIN_LOG_LEVEL=3 NO_MKDOCS_2_WARNING=1 \
		$(VENV)/bin/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) .pytest_cache site dist build
