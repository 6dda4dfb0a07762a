# trustboard: two commands on a fresh machine.
#   make demo   bootstrap .venv, install, build the demo output and say where it is
#   make test   bootstrap .venv, install, lint and run the test suite

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
EXTRAS ?= dev,pdf,postgres
comma  := ,
# The stamp names the extras, so asking for other extras installs them.
STAMP  := $(VENV)/.trustboard-installed-$(subst $(comma),-,$(EXTRAS))
DEMO_OUT ?= out/demo
PYTEST_ARGS ?=

.PHONY: demo test lint unit bench install clean help

help:
	@echo "make demo   - install into $(VENV) and build the demo output"
	@echo "make test   - install into $(VENV), lint, and run the tests"
	@echo "make bench  - run the benchmarks in bench/"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

install: $(STAMP)

AE_DATA := src/trustboard/demo/data/ae_attendances_2016_2019.csv

demo: $(STAMP)
	$(VENV)/bin/trustboard demo --output $(DEMO_OUT)
	@echo "SPC on the real A&E data set (every provider, 4-hour breaches as a share of attendances):"
	$(VENV)/bin/trustboard spc $(AE_DATA) -o $(DEMO_OUT)/ae/points.parquet --date period \
	    --numerator breaches --denominator attendances --by org_code,type --improvement decrease \
	    --target 0.05 --unit percent --summary $(DEMO_OUT)/ae/summary.csv --charts $(DEMO_OUT)/ae/charts
	@echo "Demo board pack and A&E charts are in $(DEMO_OUT)/ (open $(DEMO_OUT)/BOARD-2025-03.html)"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src/trustboard/spc src/trustboard/errors.py src/trustboard/waits/spec.py src/trustboard/waits/standards.py
	$(VENV)/bin/lint-imports

unit: $(STAMP)
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

test: lint unit

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
