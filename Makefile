# ARTops: the few commands a person needs. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
EMBEDDED := $(PY) -m artops.embedded exec --
# The suite runs on two pytest-xdist workers (each its own test database); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint fmt bench bench-room backup restore stop services demo clean

install: $(INSTALLED)

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(INSTALLED)

## run: the app with the demo train at http://$(HOST):$(PORT) (web, Celery worker and beat)
run: export DEBUG ?= true
run: install
	$(EMBEDDED) $(MAKE) --no-print-directory _serve

_serve:
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@$(PY) manage.py demo_logins --url http://$(HOST):$(PORT)/
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/honcho --procfile Procfile start

## test: lint, Django checks, migrations check and the whole pytest suite
test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(EMBEDDED) $(MAKE) --no-print-directory _test

_test: export DJANGO_SETTINGS_MODULE = tests.settings
_test:
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## bench: time the program board of a reference-size train against raw SQL, the nightly metrics, and the
## room (150 browsers on the board under gunicorn while cards move), in its own database (artops_bench)
bench: install
	$(EMBEDDED) $(PY) -m bench.run

## bench-room: the room alone (about five minutes: three boards, a quiet room and a minute of moves each)
bench-room: install
	$(EMBEDDED) $(PY) -m bench.run --only room

## backup: write the database to backups/artops-<time>.dump (pg_dump's custom format)
backup: export DEBUG ?= true
backup: install
	$(EMBEDDED) $(PY) manage.py backup

## restore: replace the database with a backup, all of it or nothing: make restore FILE=backups/….dump
restore: export DEBUG ?= true
restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/artops-….dump" >&2; exit 2; }
	$(EMBEDDED) $(PY) manage.py restore "$(FILE)" --replace

## stop: stop the embedded PostgreSQL and Redis
stop:
	@test -x $(PY) && $(PY) -m artops.embedded stop || true

clean: stop
	rm -rf .data staticfiles
