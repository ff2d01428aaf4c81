# Tekkie developer commands. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
APP_VENV := .venv
RASA_VENV := .venv-rasa
APP_BIN := $(APP_VENV)/bin
PIP_QUIET := --quiet --disable-pip-version-check
LEVELS ?= 50,100,200

.PHONY: help setup run test lint format train validate nlu-report eval calibrate bench bench-load lock lock-rasa clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(APP_VENV)/.installed $(RASA_VENV)/.installed ## create both virtual environments (fast when nothing changed)

$(APP_VENV)/.installed: requirements/app.lock pyproject.toml
	@py=$$(scripts/find-python app) && echo "app runtime: $$py" && \
	  { [ -x $(APP_BIN)/python ] || "$$py" -m venv $(APP_VENV); }
	$(APP_BIN)/pip install $(PIP_QUIET) -r requirements/app.lock
	$(APP_BIN)/pip install $(PIP_QUIET) --no-deps -e .
	@touch $@

$(RASA_VENV)/.installed: requirements/rasa.lock
	@py=$$(scripts/find-python rasa) && echo "Rasa runtime: $$py" && \
	  { [ -x $(RASA_VENV)/bin/python ] || "$$py" -m venv $(RASA_VENV); }
	$(RASA_VENV)/bin/pip install $(PIP_QUIET) --upgrade 'pip==25.3' 'wheel==0.45.1'
	$(RASA_VENV)/bin/pip install $(PIP_QUIET) -r requirements/rasa.lock
	@touch $@

run: setup ## start Rasa, the action server and the web chat (Ctrl-C stops all)
	$(APP_BIN)/tekkie run

train: setup ## train the Rasa model (skipped when config.yml and dialogues/ are unchanged)
	$(APP_BIN)/tekkie train

validate: setup ## rasa data validate on the project's dialogue data
	$(APP_BIN)/tekkie validate

lint: setup ## ruff (lint + format check) and mypy
	$(APP_BIN)/ruff check .
	$(APP_BIN)/ruff format --check .
	$(APP_BIN)/mypy

format: setup ## apply ruff's formatting and safe fixes
	$(APP_BIN)/ruff check --fix .
	$(APP_BIN)/ruff format .

test: lint train ## lint, train if needed, then the whole test suite
	$(APP_BIN)/pytest

nlu-report: train ## intent accuracy and macro-F1 per language on the held-out set
	$(APP_BIN)/tekkie nlu-report

eval: train ## whole conversations through the web chat: pass rate per category (SETS=... to choose)
	$(APP_BIN)/python -m benchmarks.eval_conversations $(SETS)

calibrate: train ## retrieval weight x fallback threshold on the held-out sets (prints right/unsure/wrong)
	$(APP_BIN)/python -m benchmarks.calibrate_retrieval

bench: train ## turn-time benchmark: web chat API vs. Rasa directly (prints numbers)
	$(APP_BIN)/python -m benchmarks.turn_latency

bench-load: train ## many prospects at once (open loop, think time): throughput, p50/p95/p99, CPU (LEVELS=50,100,200)
	$(APP_BIN)/python -m benchmarks.load --levels $(LEVELS)

lock: ## re-resolve requirements/app.lock from pyproject.toml
	rm -rf /tmp/tekkie-lock && $$(scripts/find-python app) -m venv /tmp/tekkie-lock
	/tmp/tekkie-lock/bin/pip install $(PIP_QUIET) -e '.[dev]'
	{ echo "# Exact app (Python 3.11+) dependency set; regenerate with 'make lock'."; \
	  /tmp/tekkie-lock/bin/pip freeze --exclude-editable | grep -v '^tekkie'; } > requirements/app.lock

lock-rasa: ## re-resolve requirements/rasa.lock
	rm -rf /tmp/tekkie-lock-rasa && $$(scripts/find-python rasa) -m venv /tmp/tekkie-lock-rasa
	/tmp/tekkie-lock-rasa/bin/pip install $(PIP_QUIET) 'setuptools<71' rasa==3.6.21 \
	  rank-bm25 rapidfuzz snowballstemmer  # for integrations/rasa_retrieval.py
	{ head -3 requirements/rasa.lock; echo "setuptools==70.3.0"; \
	  /tmp/tekkie-lock-rasa/bin/pip freeze; } > requirements/rasa.lock.new && mv requirements/rasa.lock.new requirements/rasa.lock

clean: ## remove the virtual environments, models and local data
	rm -rf $(APP_VENV) $(RASA_VENV) models var .pytest_cache .mypy_cache .ruff_cache
