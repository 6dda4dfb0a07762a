# trustboard: two commands on a fresh machine.
#   make demo   bootstrap .venv, install, build the demo output and say where it is
#   make test   bootstrap .venv, install, lint and run the test suite

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# requirements.lock pins every package of every extra in pyproject.toml (what CI tests);
# `make lock` rewrites it after a change to the dependencies in pyproject.toml.
LOCK   := requirements.lock
STAMP  := $(VENV)/.trustboard-installed
DEMO_OUT ?= out/demo
PYTEST_ARGS ?=
# One pytest worker per CPU; `make unit PYTEST_WORKERS=0` runs in a single process.
PYTEST_WORKERS ?= auto

.PHONY: demo test lint unit bench install lock clean help

help:
	@echo "make demo   - install into $(VENV) and build the demo output"
	@echo "make test   - install into $(VENV), lint, and run the tests"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make lock   - rewrite $(LOCK) after changing dependencies in pyproject.toml"

$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Re-resolve the lock with uv, keeping today's pins where they still fit;
# `make lock UPGRADE=1` moves every pin to the newest release the ranges allow.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet 'uv>=0.9,<1'
	$(PY) .ci/lock.py write $(if $(UPGRADE),--upgrade)

AE_DATA := src/trustboard/demo/data/ae_attendances_2016_2019.csv

demo: $(STAMP)
	$(VENV)/bin/trustboard demo --output $(DEMO_OUT)
	@echo "SPC on the real A&E data set (every provider, 4-hour breaches as a share of attendances):"
	$(VENV)/bin/trustboard spc $(AE_DATA) -o $(DEMO_OUT)/ae/points.parquet --date period \
	    --numerator breaches --denominator attendances --by org_code,type --improvement decrease \
	    --target 0.05 --unit percent --summary $(DEMO_OUT)/ae/summary.csv --charts $(DEMO_OUT)/ae/charts
	@echo "Demo board pack and A&E charts are in $(DEMO_OUT)/ (open $(DEMO_OUT)/BOARD-2025-03.html)"
	@echo "Demo Board meeting: agenda $(DEMO_OUT)/meeting/agenda.yaml; packs $(DEMO_OUT)/meeting/packs/public/pack.pdf (meeting in public) and $(DEMO_OUT)/meeting/packs/private/pack.pdf (whole meeting), HTML index.html beside each"
	@echo "Web app on the demo store: $(VENV)/bin/trustboard serve --database $(DEMO_OUT)/trustboard-demo.sqlite"
	@echo "  then open http://127.0.0.1:8000/ and sign in with a demo account listed above (this machine only)"

lint: $(STAMP)
	$(PY) .ci/lock.py check
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src/trustboard tests bench
	$(VENV)/bin/lint-imports

unit: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test: lint unit

# docs/cli.md: the command-line reference below its guide, written from the commands
.PHONY: docs
docs: $(STAMP)
	$(PY) -m trustboard.cli.reference docs/cli.md

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
