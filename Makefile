# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo
DIST   := dist
TODAY  := $(shell date +%F)
# one demo step: show the command as a user would type it, then run it
tour = @printf '\n$$ %s\n' '$(1)' && PATH="$(CURDIR)/$(BIN):$$PATH" $(1)

.PHONY: demo test lint bench clean templates docs wheel bundle dist-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: init a sample workbook, refresh it, write the weekly report and the agenda
demo: $(STAMP)
	@mkdir -p $(DEMO) && rm -f $(DEMO)/crm.xlsx
	$(call tour,crmxl init $(DEMO)/crm.xlsx --sample)
	$(call tour,crmxl validate $(DEMO)/crm.xlsx) || true
	$(call tour,crmxl refresh $(DEMO)/crm.xlsx) || true  # exits 1: the sample's planted errors
	$(call tour,crmxl report $(DEMO)/crm.xlsx -o $(DEMO)/周报-$(TODAY).xlsx)
	$(call tour,crmxl todo $(DEMO)/crm.xlsx --days 7) | head -40
	@printf '\nDemo files are in $(DEMO)/ (演示文件在 $(DEMO)/)\n'

## test: the whole suite, lint, types and the import contract included
test: $(STAMP)
	$(BIN)/ruff check crmxl tests benchmarks packaging
	$(BIN)/mypy crmxl
	$(BIN)/lint-imports
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check crmxl tests benchmarks packaging
	$(BIN)/ruff format --check crmxl tests benchmarks packaging
	$(BIN)/mypy crmxl
	$(BIN)/lint-imports

## templates: regenerate templates/ and sample_data/ from `crmxl init`
templates: $(STAMP)
	$(BIN)/python -m crmxl.starter.templates --regenerate

## docs: regenerate docs/settings.md from the settings definitions
docs: $(STAMP)
	$(BIN)/python -m crmxl.commands.config docs/settings.md

## wheel, bundle: dist/crmxl-VERSION-py3-none-any.whl (and the sdist); dist/crmxl/, the
## one-folder standalone build (PyInstaller, packaging/crmxl.spec), and its zip
$(VENV)/.dist-installed: pyproject.toml | $(STAMP)
	$(BIN)/pip install --quiet -e '.[dist]'
	touch $@

wheel: $(VENV)/.dist-installed
	rm -f $(DIST)/crmxl-*.whl $(DIST)/crmxl-*.tar.gz
	mkdir -p build
	$(BIN)/python -m build --outdir $(DIST) . > build/wheel.log 2>&1 || (cat build/wheel.log; false)

bundle: $(VENV)/.dist-installed
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath $(DIST) \
		--workpath build/pyinstaller packaging/crmxl.spec

## dist-check: build both, install the wheel in a fresh virtualenv and run both from elsewhere
dist-check: wheel bundle
	$(BIN)/pytest -q packaging/tests

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_refresh.py

clean:
	rm -rf $(VENV) $(DEMO) $(DIST) build .pytest_cache .mypy_cache .ruff_cache
