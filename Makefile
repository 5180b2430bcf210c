# kefu — the README's two commands are `make demo` and `make test`; both install first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export KEFU_TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: install demo test check bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	KEFU_DATABASE_URL=$${KEFU_DATABASE_URL:-sqlite:///kefu-demo.db} $(BIN)/kefu demo --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

check: install
	$(BIN)/ruff check kefu tests migrations
	$(BIN)/ruff format --check kefu tests
	$(BIN)/mypy
	rm -f /tmp/kefu-alembic-check.db
	KEFU_DATABASE_URL=sqlite:////tmp/kefu-alembic-check.db $(BIN)/kefu db upgrade
	KEFU_DATABASE_URL=sqlite:////tmp/kefu-alembic-check.db $(BIN)/alembic check

bench: install
	KEFU_BENCH_PG_URL=$${KEFU_BENCH_PG_URL:-$(KEFU_TEST_PG_URL)} $(BIN)/kefu bench ingest --json
	KEFU_BENCH_PG_URL=$${KEFU_BENCH_PG_URL:-$(KEFU_TEST_PG_URL)} $(BIN)/kefu bench timers --json

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
