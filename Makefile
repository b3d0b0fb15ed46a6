# Two commands matter: `make run` and `make test`. Both create .venv on first use.
# With DATABASE_URL / REDIS_URL unset they start an embedded PostgreSQL and Redis
# (portfolio/devenv.py); with them set, they use those servers.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format shell migrate clean install bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Serve on http://127.0.0.1:8000 with the demo workspace, a Celery worker and beat.
run: $(STAMP)
	$(PY) -m portfolio.devenv run

# mypy's Django plugin loads the settings, which only read these (nothing connects).
TYPECHECK_ENV := DEBUG=true DATABASE_URL=postgres://typecheck@127.0.0.1:5432/typecheck \
	REDIS_URL=redis://127.0.0.1:6379/0

## The whole suite: lint and format, layers (import-linter), types (mypy), then pytest
## (migrations in sync and browser tests included where Chromium is installed).
## Extra pytest arguments: make test ARGS="-k tenancy".
test: lint
	$(PY) -m portfolio.devenv exec -- $(PY) -m pytest $(ARGS)

## Static checks only: ruff, ruff format, import-linter's layer contracts, mypy.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(TYPECHECK_ENV) $(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Local conveniences: DEBUG defaults to true here (as in `make run`), so no SECRET_KEY is
# needed; set DEBUG=false (and the production variables) to aim them elsewhere.
shell: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) -m portfolio.devenv exec -- $(PY) manage.py shell

migrate: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) -m portfolio.devenv exec -- $(PY) manage.py migrate

## The performance report (bench/README.md): list API vs values()+orjson, pages at 200 /
## 10,000 / 100,000 invoices, recurring run vs COPY and 1 vs 2 workers, ledger postings
## vs COPY, Stripe webhooks — each beside its floor, one table each, all rolled back.
## BENCH_QUICK=1 for a short run; SIZES=200,10000 (pages), N=, POSTINGS=, EVENTS=, ONLY=pages.
bench: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) -m portfolio.devenv exec -- $(PY) -m bench

clean:
	rm -rf $(VENV) .data staticfiles .pytest_cache
