# Two commands matter: `make demo` (set up, then run the whole pipeline on demo data) and
# `make test` (set up, then run every test). Everything installs into ./.venv from uv.lock.
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
UV := .uv/bin/uv
STAMP := $(VENV)/.installed-stamp
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_LINK_MODE := copy

.PHONY: setup demo test lint ui dashboard docs bench clean

setup: $(STAMP)

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --python "$$(command -v $(PYTHON))" --config-setting editable_mode=compat
	@touch $@

demo: setup  ## generate demo data -> ingest -> dbt build -> checks -> publish -> summary
	$(VENV)/bin/cdw run $(ARGS)

test: setup  ## the whole test suite (what CI runs)
	$(VENV)/bin/python -m pytest -n 2 --durations=25 $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/sqlfluff lint models dbt_project/macros dbt_project/tests

ui: setup  ## the Dagster UI on the demo warehouse
	$(VENV)/bin/cdw ui

dashboard: setup  ## the sellers' dashboard on the serving warehouse (http://127.0.0.1:8501)
	$(VENV)/bin/cdw dashboard $(ARGS)

docs: setup  ## dbt docs of the warehouse (http://127.0.0.1:8080)
	$(VENV)/bin/cdw docs $(ARGS)

bench: setup
	$(VENV)/bin/python benchmarks/pipeline.py $(ARGS)

clean:
	rm -rf var dbt_project/target dbt_project/logs
