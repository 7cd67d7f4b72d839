# perfeval — two commands do all set-up on a fresh machine:
#   make run    virtualenv, system packages, migrations, seed tables, demo users, serve
#   make test   the same set-up, then ruff and the whole test suite
# Tests use SQLite unless DATABASE_URL is set (CI sets it to PostgreSQL).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup system-deps migrate seed lint bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

system-deps:
	bash scripts/system-deps.sh

setup: system-deps $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput -v 0

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo ""
	@echo "perfeval: http://$(HOST):$(PORT)/  (管理后台 http://$(HOST):$(PORT)/admin/)"
	DJANGO_DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

lint: setup
	$(VENV)/bin/ruff check .

test: seed lint
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run -v 0
	$(VENV)/bin/pytest

bench: seed
	$(PY) -m bench
	$(PY) -m bench.import_bench

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache .hypothesis
