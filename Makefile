# Tollgate: `make run` to try it, `make test` to prove it.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PORT ?= 8000

# The test suite runs on PostgreSQL and Redis (started by scripts/services if stopped).
TEST_DATABASE_URL ?= postgres://tollgate:tollgate@127.0.0.1:5432/tollgate
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
TEST_CACHE_URL ?= redis://127.0.0.1:6379/12
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
	CACHE_URL=$(TEST_CACHE_URL) \
	SECRET_KEY=test-only-secret DEBUG=0 SECURE_COOKIES=0 STATIC_MANIFEST=0 \
	ALLOWED_HOSTS=testserver,127.0.0.1,localhost
# Two test processes, one per core, each with its own databases (tests/parallel.py).
TEST_PROCESSES ?= 2

.PHONY: install run test fuzz bench lint format services screenshots clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# exec: the script is make's own child, so the SIGTERM make forwards reaches it (not a shell).
run: $(STAMP)
	PORT=$(PORT) BIN=$(BIN) exec scripts/run

services:
	scripts/services

test: $(STAMP) services
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/python -m pytest -p tests.parallel -n $(TEST_PROCESSES) --dist worksteal $(PYTEST_ARGS)

# Schemathesis against the REST API's schema on a live server (also part of `make test`).
fuzz: $(STAMP) services
	$(TEST_ENV) $(BIN)/pytest -p no:cacheprovider -s tests/api/test_schemathesis.py

# SPEC §8's budgets on this machine: seeds its own database, prints one table (docs/benchmarks.md).
bench: $(STAMP) services
	$(BIN)/python scripts/bench.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The README's screenshots, copied from the ones the browser tests took in the last `make test`.
screenshots:
	scripts/screenshots

clean:
	rm -rf $(VENV) var
