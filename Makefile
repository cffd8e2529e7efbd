# Samverka: the front door. `make run` and `make test` are the two commands of the README.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BENCH_CASES ?= 100000

.PHONY: install run test lint worker beat bench messages screenshots

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: install
	$(BIN)/python scripts/run.py

worker: install
	$(BIN)/celery -A config worker -Q celery,periodic --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

# ruff; the app boundaries and no import cycles (import-linter, contracts in pyproject.toml);
# types (mypy with the Django and DRF plugins).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

messages: install
	$(BIN)/python manage.py makemessages -l sv --no-obsolete --ignore=.venv --ignore=var --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

bench: install
	BENCH_CASES=$(BENCH_CASES) $(BIN)/python bench/run.py

# PNGs of the main pages at 1280 and 390 px into docs/screenshots/ (demo data, Chromium).
screenshots: install
	$(BIN)/python scripts/screenshots.py
