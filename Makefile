# Two commands matter: `make run` (bring the bot up) and `make test` (check everything).
# Both set up what is missing first: .venv with Python 3.10, pinned packages, the spaCy
# pipeline and a trained model (retrained only when data/, domain.yml or config.yml change).

VENV      ?= .venv
PY        := $(VENV)/bin/python
PIP       := $(PY) -m pip
RASA      := $(PY) -m rasa_addons
MODEL     := models/recovery-bot.tar.gz
SPACY_DIR := var/spacy/en_recovery
DATA      := $(shell find data -type f -name '*.yml' 2>/dev/null)
WIDGET    := web/build/widget.js
ACTION_TEST_PORT ?=

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::PendingDeprecationWarning

.PHONY: help setup nlp model widget run shell test lint validate pytest stories evaluate ablation bench lock clean tickets-db

help:
	@echo "make run     set up if needed, then start the bot on http://127.0.0.1:5005 (actions on 5055)"
	@echo "make shell   chat with the bot in this terminal (starts it if it is not running)"
	@echo "make test    set up if needed, then lint, validate data, pytest and Rasa test stories"
	@echo "make bench   this bot against Rasa's starter bot: latency, throughput, memory (README, Performance)"

setup: $(VENV)/.installed $(SPACY_DIR)/.built $(WIDGET) tickets-db

$(VENV)/.installed: requirements/lock.txt
	@echo "==> Python environment: $(VENV) (first time: about 5 minutes)"
	@if [ ! -x $(PY) ]; then \
	    py=$$(tools/find-python310) || exit 1; \
	    echo "    using $$py"; \
	    "$$py" -m venv $(VENV) || exit 1; \
	fi
	@echo "==> Installing pinned packages from requirements/lock.txt"
	@$(PIP) install --disable-pip-version-check -q -r requirements/lock.txt
	@touch $@

nlp: $(SPACY_DIR)/.built
$(SPACY_DIR)/.built: $(VENV)/.installed bot/nlp/patterns.yml bot/nlp/builder.py
	@echo "==> Building the spaCy pipeline (blank English + entity ruler) into $(SPACY_DIR)"
	@$(PY) -m bot build-nlp $(SPACY_DIR)
	@touch $@

# The chat widget's bundle, built from web/src with the exact packages of web/package-lock.json.
widget: $(WIDGET)
$(WIDGET): web/package-lock.json web/package.json $(wildcard web/src/*)
	@command -v npm >/dev/null || { echo "npm (Node.js 20 or later) builds the chat widget: apt-get install nodejs npm"; exit 1; }
	@echo "==> Building the chat widget into $(WIDGET) (npm ci, esbuild)"
	@cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && npm run --silent build

# The ticket database (TICKETS_DB_URL) at the newest Alembic migration; quick when it is current.
tickets-db: $(VENV)/.installed
	@$(PY) -m bot db upgrade >/dev/null

model: $(MODEL)
$(MODEL): $(SPACY_DIR)/.built config.yml domain.yml $(DATA) $(wildcard rasa_addons/nlu/*.py) $(wildcard bot/understanding/*.py) $(wildcard bot/understanding/*.yml)
	@echo "==> Training the Rasa model (data, domain or config changed; takes a few minutes)"
	@$(RASA) train --fixed-model-name recovery-bot --out models
	@touch $@

run: setup $(MODEL)
	@$(PY) -m tools.stack run

shell: setup $(MODEL)
	@$(PY) -m tools.chat

test: setup $(MODEL) lint validate pytest stories
	@echo "==> All checks passed"

lint: setup
	@echo "==> ruff and mypy"
	@$(PY) -m ruff check bot actions rasa_addons tools tests
	@$(PY) -m mypy bot actions

validate: setup
	@echo "==> rasa data validate"
	@$(RASA) data validate --quiet

pytest: setup $(MODEL)
	@echo "==> pytest"
	@$(PY) -m pytest

stories: setup $(MODEL)
	@echo "==> Rasa test stories (tests/stories) against the trained model and a real action server"
	@$(PY) -m tools.stack test-stories $(if $(ACTION_TEST_PORT),--action-port $(ACTION_TEST_PORT))

# The held-out evaluation (tests/evaluation): a benchmark of a few minutes, not part of `make test`.
evaluate: setup $(MODEL)
	@echo "==> Evaluating understanding on tests/evaluation and ../shared/data/dev_messages.jsonl (real bot, then rasa test nlu cross-validation)"
	@$(PY) -m tools.evaluate

# What each NLU component costs (training s, ms per message) and earns (docs/understanding.md);
# ABLATION_ARGS="--only 0,4" measures a few variants. Trains one model per variant.
ablation: setup
	@$(PY) -m tools.ablation $(ABLATION_ARGS)

# This bot against Rasa's starter bot (README, "Performance"); needs the local PostgreSQL and
# Redis. Both models are trained (and timed) once and cached in var/bench/models.
bench: setup
	@echo "==> Benchmark: this bot (two servers) against Rasa's starter bot; several minutes"
	@$(PY) -m tools.bench $(BENCH_ARGS)

lock: $(VENV)/.installed
	@$(PIP) install -q -r requirements/dev.in
	@$(PIP) freeze --exclude-editable > requirements/lock.txt
	@echo "requirements/lock.txt rewritten from requirements/dev.in"

clean:
	rm -rf models results var/spacy
