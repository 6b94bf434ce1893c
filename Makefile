# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo

.PHONY: demo test lint bench clean templates

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: init a sample workbook, refresh it, write the weekly report and the agenda
demo: $(STAMP)
	@mkdir -p $(DEMO)
	rm -f $(DEMO)/crm.xlsx
	$(BIN)/crmxl init $(DEMO)/crm.xlsx --sample
	$(BIN)/crmxl validate $(DEMO)/crm.xlsx || true
	$(BIN)/crmxl refresh $(DEMO)/crm.xlsx
	$(BIN)/crmxl report $(DEMO)/crm.xlsx -o $(DEMO)/周报-$$(date +%F).xlsx
	$(BIN)/crmxl todo $(DEMO)/crm.xlsx --days 7 | head -40
	@echo "\nDemo files are in $(DEMO)/"

## test: the whole suite, lint, types and the import contract included
test: $(STAMP)
	$(BIN)/ruff check crmxl tests benchmarks
	$(BIN)/mypy crmxl
	$(BIN)/lint-imports
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check crmxl tests benchmarks
	$(BIN)/ruff format --check crmxl tests benchmarks
	$(BIN)/mypy crmxl
	$(BIN)/lint-imports

## templates: regenerate templates/ and sample_data/ from `crmxl init`
templates: $(STAMP)
	$(BIN)/python -m crmxl.starter.templates --regenerate

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_refresh.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache
