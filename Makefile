# keraslab's commands. Each creates .venv on first use and installs the pinned
# stack into it (constraints.txt), so a fresh clone needs nothing but Python.

PYTHON ?= $(shell command -v python3.11 || command -v python3.10 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

TORCH_VENV ?= .venv-torch
TORCH_STAMP := $(TORCH_VENV)/.installed

.PHONY: run test test-slow bench bench-gpu bench-env install constraints clean lint typecheck

run: $(STAMP)
	$(VENV)/bin/keraslab quickstart

# Two pytest workers (the CI machine's two cores); each test module stays on
# one worker, so a module's trained fixtures are trained once. The benchmark
# tests run the PyTorch baseline once too, so its environment comes first.
test: $(STAMP) $(TORCH_STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

# ruff (lint and format) on everything; mypy on core and the CLI. mypy reads keraslab through
# build/typecheck/keraslab, links to core/, plugins/ and entrypoints/, since setup.cfg's
# package_dir mapping (keraslab.core -> core/) is one no checker follows.
lint: $(STAMP) typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	mkdir -p build/typecheck/keraslab
	for folder in core plugins entrypoints; do ln -sfn ../../../$$folder build/typecheck/keraslab/$$folder; done
	$(VENV)/bin/mypy -p keraslab.core -p keraslab.entrypoints

# Exit status 5 is pytest's "no test selected": not a failure while no topic has slow targets.
test-slow: $(STAMP)
	$(PY) -m pytest -m slow -v || [ $$? -eq 5 ]

bench: $(STAMP) $(TORCH_STAMP)
	$(PY) -m bench

# The realistic workloads on the GPUs of this machine (float32, mixed_float16, XLA,
# MirroredStrategy): bench/results/<date>-gpu.json. `--tiny` checks the path on a CPU.
bench-gpu: $(STAMP)
	$(PY) -m bench --device gpu

# The PyTorch baseline's own venv: torch 2.13 needs typing-extensions >= 4.10,
# tf-agents 0.19 pins 4.5.0, so torch cannot live in .venv (and keraslab never imports it).
bench-env: $(TORCH_STAMP)

$(TORCH_STAMP): bench/requirements-torch.txt
	$(PYTHON) -m venv $(TORCH_VENV)
	PIP_CONSTRAINT= $(TORCH_VENV)/bin/python -m pip install --quiet -r bench/requirements-torch.txt
	touch $(TORCH_STAMP)

install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Rewrites constraints.txt from a scratch venv that resolves setup.cfg afresh.
constraints:
	rm -rf /tmp/keraslab-constraints && $(PYTHON) -m venv /tmp/keraslab-constraints
	PIP_CONSTRAINT= /tmp/keraslab-constraints/bin/pip install --quiet '.[dev]'
	{ head -2 constraints.txt; PIP_CONSTRAINT= /tmp/keraslab-constraints/bin/pip freeze --all \
	  | grep -v -E '^(keraslab|pip)[= @]' | sort -f; } > constraints.txt.new && mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) $(TORCH_VENV) build *.egg-info .pytest_cache
