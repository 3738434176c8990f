# The two commands: `make run` (the product, on SQLite and local Redis) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_ENV := DJANGO_SETTINGS_MODULE=config.test_settings

.PHONY: run test bench lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed

.env:
	cp .env.example .env
	@echo "Created .env from .env.example (a development configuration)."

## run: the web app, an RQ worker and the cron process, on SQLite and local Redis
run: $(VENV)/.installed .env
	$(BIN)/python manage.py check_redis
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py ensure_admin
	@echo "Open http://127.0.0.1:$(PORT)/admin/ (Ctrl-C stops everything)"
	@# Webhooks and the OAuth callback come back to APP_URL: the port this run listens on.
	APP_URL="$${APP_URL:-http://127.0.0.1:$(PORT)}" PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/honcho start --port $(PORT)

## test: lint, Django checks, the migrations check and the whole suite on PostgreSQL and Redis
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TEST_ENV) $(BIN)/python manage.py check --fail-level WARNING
	@# Comparing models with migration files needs no database: an in-memory one will do.
	READ_ENV_FILE=false DEBUG=true DATABASE_URL=sqlite://:memory: \
		$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

## bench: the benchmarks of the design (PostgreSQL, Redis, the emulator, real workers)
bench: $(VENV)/.installed
	$(BIN)/python -m bench.initial_sync $(BENCH_ARGS)
	$(BIN)/python -m bench.dashboard $(BENCH_ARGS)
	$(BIN)/python -m bench.freshness $(BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
