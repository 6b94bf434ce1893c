# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo
DIST   := dist
TODAY  := $(shell date +%F)
# one demo step: a heading saying what it does, the command as a user would type it, its run
tour = @printf '\n== %s ==\n$$ %s\n' '$(1)' '$(2)' && PATH="$(CURDIR)/$(BIN):$$PATH" $(2)

.PHONY: demo test lint bench clean templates docs wheel bundle dist-check

$(BIN)/python:
	@echo "Setting up $(VENV) (a Python virtual environment for crmxl) ..."
	@$(PYTHON) -m venv $(VENV)

# pip's and setuptools' chatter goes to a log; it is shown only when the install fails.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing crmxl and its test tools into $(VENV) (log: $(VENV)/install.log) ..."
	@$(BIN)/pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/pip install --quiet -e '.[test]' >> $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

## demo: a tour: a sample workbook, its check, a refresh, the weekly report, a push into SQLite,
## the report with trend charts, the agenda and what --send would deliver (a dry run: nothing is sent)
demo: $(STAMP)
	@mkdir -p $(DEMO) && rm -f $(DEMO)/crm.xlsx $(DEMO)/crm.db $(DEMO)/.crmxl-sent.json
	$(call tour,1/8  新建示例工作簿 / a new workbook with ~200 sample customers,crmxl init $(DEMO)/crm.xlsx --sample)
	$(call tour,2/8  检查：一次列出所有问题 / validate: every problem at once and its cell,crmxl validate $(DEMO)/crm.xlsx) || true
	$(call tour,3/8  刷新灰色（自动）列，原文件其余不动 / refresh the computed columns in place,crmxl refresh $(DEMO)/crm.xlsx) || true  # exits 1: the sample's planted errors
	$(call tour,4/8  经理周报：本周与上周 / the weekly report: this week beside last week,crmxl report $(DEMO)/crm.xlsx -o $(DEMO)/周报-$(TODAY).xlsx)
	$(call tour,5/8  推送到数据库（SQLite）/ push every sheet into a database (SQLite),crmxl push $(DEMO)/crm.xlsx --db $(DEMO)/crm.db)
	$(call tour,6/8  周报加趋势图 / the report with trend charts from the database,crmxl report $(DEMO)/crm.xlsx -o $(DEMO)/周报-趋势-$(TODAY).xlsx --db $(DEMO)/crm.db)
	$(call tour,7/8  每人待办，最紧急的在前 / the agenda of each owner: most urgent first (40 lines),crmxl todo $(DEMO)/crm.xlsx --days 7) | head -40
	@printf '[smtp]\nhost = "smtp.example.com"\nsecurity = "ssl"\nfrom = "销售部 <crm@example.com>"\n' > $(DEMO)/crmxl.toml
	$(call tour,8/8  预览要发出的待办（不真发）/ what --send would deliver (a dry run: nothing is sent),crmxl todo $(DEMO)/crm.xlsx --send --dry-run --config $(DEMO)/crmxl.toml) | head -20
	@printf '\n演示文件在 / the demo files are in %s/ ; crmxl --help lists every command.\n' "$(DEMO)"

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
	$(BIN)/python benchmarks/bench_push.py

clean:
	rm -rf $(VENV) $(DEMO) $(DIST) build .pytest_cache .mypy_cache .ruff_cache
