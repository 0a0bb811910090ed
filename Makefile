# 共建看板 · Co-Build Board — the two commands of the README, and a few more.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
# make test's pytest workers (pytest-xdist): one per core of the 2-core machines it runs on
TEST_WORKERS ?= 2

.PHONY: run test lint bench dev screenshots clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## make run: install, migrate, seed the demo alliance when empty, serve on $(PORT) with the scheduler
## (manage.py notify --every 60) beside it; stopping make run (Ctrl-C) stops both
run: $(VENV)/.runtime
	$(PY) manage.py migrate
	$(PY) manage.py seed --demo --if-empty
	$(PY) manage.py notify --every 60 & notify=$$!; \
	trap 'kill $$notify 2>/dev/null' EXIT INT TERM; \
	FORWARDED_ALLOW_IPS= $(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.headless true

## make dev: as run, with error details shown
dev: $(VENV)/.runtime
	$(PY) manage.py migrate
	$(PY) manage.py seed --demo --if-empty
	FORWARDED_ALLOW_IPS= COBUILD_ENV=development $(VENV)/bin/streamlit run app.py --server.port $(PORT) --client.showErrorDetails full

## make test: the whole suite (lint, unit, service, AppTest, browser)
test: $(VENV)/.dev
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

# every package and both entry scripts; app_pages/ holds Streamlit page scripts (no __init__.py, run
# as files by st.navigation), which mypy checks each as a top-level module (account, charts …)
TYPED := domain services db config.py locales channels workbook seed exports cli ui bench app_pages app.py manage.py

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy $(TYPED)

bench: $(VENV)/.dev
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
