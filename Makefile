# The two commands are `make run` and `make test`; both create .venv on first use.
#   make run            set up, start the embedded AWS runtime and a real Tryton ERP, run a full
#                       collection cycle on a simulated clock, then keep serving on 127.0.0.1
#   make run ONCE=1     the same cycle, verified step by step; exits 0 only if all held
#   make test           set up, then ruff, mypy and the whole pytest suite
#   make bench          the benchmark scripts, one `name: value unit (target ...)` line each
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: setup run test lint typecheck pytest browser bench local clean

$(STAMP): pyproject.toml layers/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/cobranca demo $(if $(ONCE),--once,)

local: setup
	$(BIN)/cobranca local

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

browser:
	@scripts/ensure-chromium

pytest: setup browser
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint typecheck pytest

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .aws-sam build .mypy_cache .ruff_cache artifacts .local
