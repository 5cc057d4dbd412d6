# Two commands: `make run` (the whole service, locally) and `make test` (everything CI checks);
# a third, `make prod`, starts what production looks like (the Procfile, with honcho).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run prod test browser wrk lint migrations-check deploy-check pytest venv

help:
	@echo "make run    start the service on http://127.0.0.1:$(PORT)/ with a worker and the local AWS sandbox"
	@echo "make test   lint, migration and deploy checks, and the test suite"
	@echo "make prod   what production looks like: gunicorn, Dramatiq workers and the scheduler (Procfile, honcho)"

run: $(VENV)/.installed-runtime
	$(BIN)/python scripts/dev_env.py
	$(BIN)/python manage.py devstart --port $(PORT)

# What production looks like: DEBUG off, PostgreSQL and Redis (DATABASE_URL, DRAMATIQ_BROKER_URL),
# WEB_CONCURRENCY gunicorn workers, DRAMATIQ_PROCESSES worker processes, the scheduler; moto only
# with SANDBOX_AWS=1. See scripts/prod.py and the README's "Production" section.
prod: $(VENV)/.installed-runtime
	$(BIN)/python scripts/prod.py

test: $(VENV)/.installed-dev browser wrk lint migrations-check deploy-check pytest

# The e2e tests drive Debian's Chromium (/usr/bin/chromium): installed here when missing and root.
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
		else echo "NOTE: chromium is not installed and this is not root: run 'sudo apt-get install -y chromium'." \
			"Without it the e2e tests are skipped (and fail when CI is set)."; fi; }

# bench/pages.py drives its load with wrk (Debian's), so the load generator is not the limit.
wrk:
	@command -v wrk >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; \
		else echo "NOTE: wrk is not installed and this is not root: run 'sudo apt-get install -y wrk'." \
			"Without it bench/pages.py measures with its slower Python load loop."; fi; }

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint --failure-threshold info Dockerfile
	$(BIN)/mypy

migrations-check: $(VENV)/.installed-dev
	DJANGO_SETTINGS_MODULE=seqera.test_settings $(BIN)/python manage.py makemigrations --check --dry-run

# Production shape: DEBUG off, a long random SECRET_KEY, a key ring, a real host name.
deploy-check: $(VENV)/.installed-dev
	DEBUG=false ALLOWED_HOSTS=example.org \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	CREDENTIALS_KEYS="$$($(BIN)/python -c 'import base64, os; print("ci1:" + base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# pytest exits non-zero (5) when it collects no tests, so an empty run fails the build too.
pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

venv: $(BIN)/python

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1)). Use make PYTHON=python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime
