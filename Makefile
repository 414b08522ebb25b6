# Two commands matter: `make run` (bring the bot up) and `make test` (check everything);
# `make check` is the quick inner loop (lint, types, unit tests: no model, browser or server).
# Each sets up what is missing first: .venv with Python 3.10, the pinned packages, the chat
# widget, the spaCy pipeline and a trained model (retrained only when its inputs change).
# Every stage prints one line; its full output goes to var/logs/<stage>.log (VERBOSE=1 shows it).

VENV      ?= .venv
PY        := $(VENV)/bin/python
PIP       := $(PY) -m pip
RASA      := $(PY) -m rasa_addons
MODEL     := models/recovery-bot.tar.gz
SPACY_DIR := var/spacy/en_recovery
DATA      := $(shell find data -type f -name '*.yml' 2>/dev/null)
WIDGET    := web/build/widget.js
LOGS      := var/logs
STEP      := tools/step
UNIT_WORKERS ?= 2
ACTION_TEST_PORT ?=

# STORE=postgres: the stores of a deployment (README, "Deploying"; docs/deployment.md) on the local PostgreSQL
# and Redis; the databases are created when missing. Any of the URLs can be set instead.
STORE ?= sqlite
ifeq ($(STORE),postgres)
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432
export TRACKER_DB_URL ?= $(POSTGRES_URL)/recovery_bot
export TICKETS_DB_URL ?= $(POSTGRES_URL)/recovery_bot_tickets
export LOCK_STORE_URL ?= redis://127.0.0.1:6379/1
endif

export VERBOSE ?= 0
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::PendingDeprecationWarning

.PHONY: help setup install nlp model widget run shell test check system store lint validate \
        unit pytest stories evaluate ablation bench chaos capacity lock clean tickets-db config

help:
	@echo "make run     set up if needed, then start the bot on http://127.0.0.1:5005 (custom actions run inside it)"
	@echo "             STORE=postgres: conversations and tickets in the local PostgreSQL, the lock in Redis"
	@echo "make shell   chat with the bot in this terminal (starts it if it is not running)"
	@echo "make test    everything: lint, types, data validation, the whole pytest suite, test stories"
	@echo "make check   quick: lint, types and the unit tests (no model, browser or server)"
	@echo "make bench   this bot against Rasa's starter bot: latency, throughput, memory"
	@echo "make chaos   failover under load: kills a server, restarts its own PostgreSQL and Redis (docs/benchmarks.md)"
	@echo "make config  the effective configuration (environment variables), secrets masked"
	@echo "VERBOSE=1    show everything the stages print (it always goes to $(LOGS)/)"

# --- set-up ------------------------------------------------------------------------------

setup: install widget nlp

install: $(VENV)/.installed
$(VENV)/.installed: requirements/lock.txt
	@[ -x $(PY) ] || { py=$$(tools/find-python310) && "$$py" -m venv $(VENV); } || exit 1
	@$(STEP) $(LOGS)/install.log "Installing the pinned Python packages (first time: a few minutes)" \
	    $(PIP) install --disable-pip-version-check -r requirements/lock.txt
	@touch $@

nlp: $(SPACY_DIR)/.built
$(SPACY_DIR)/.built: $(VENV)/.installed bot/nlp/patterns.yml bot/nlp/builder.py
	@$(STEP) $(LOGS)/nlp.log "Building the language pipeline (spaCy, blank English + patterns)" \
	    $(PY) -m bot build-nlp $(SPACY_DIR)
	@touch $@

# The chat widget's bundle, built from web/src with the exact packages of web/package-lock.json.
widget: $(WIDGET)
$(WIDGET): web/package-lock.json web/package.json $(wildcard web/src/* web/src/dashboard/*)
	@tools/prerequisites npm
	@$(STEP) $(LOGS)/widget.log "Building the chat widget (npm ci, esbuild)" \
	    sh -c 'cd web && npm ci --ignore-scripts --no-audit --no-fund && npm run build'

model: $(MODEL)
$(MODEL): $(SPACY_DIR)/.built config.yml domain.yml $(DATA) $(wildcard rasa_addons/nlu/*.py) $(wildcard bot/understanding/*.py) $(wildcard bot/understanding/*.yml)
	@$(STEP) $(LOGS)/train.log "Training the Rasa model (a few minutes)" \
	    $(RASA) train --fixed-model-name recovery-bot --out models
	@touch $@

# The ticket database (TICKETS_DB_URL) at the newest Alembic migration (the action server
# also does this when it starts).
tickets-db: $(VENV)/.installed
	@$(PY) -m bot db upgrade

# The effective configuration (bot/settings.py), secrets masked; a bad variable is named.
config: $(VENV)/.installed
	@$(PY) -m bot config

# What the machine itself must give: checked first, so a missing piece stops the run at once.
system:
	@tools/prerequisites browser services npm
store:
	@$(if $(filter postgres,$(STORE)),tools/prerequisites services)

# --- the two commands --------------------------------------------------------------------

run: store setup $(MODEL)
	@$(PY) -m tools.stack run

shell: setup $(MODEL)
	@$(PY) -m tools.chat

test: system setup $(MODEL) lint validate pytest stories
	@echo "==> All checks passed"

check: lint unit
	@echo "==> Quick checks passed (make test runs everything)"

# --- the stages of test and check --------------------------------------------------------

lint: $(VENV)/.installed
	@$(STEP) $(LOGS)/lint.log "ruff and mypy" \
	    sh -c '$(PY) -m ruff check bot actions rasa_addons tools tests && $(PY) -m mypy bot actions rasa_addons'

validate: $(VENV)/.installed
	@$(STEP) $(LOGS)/validate.log "rasa data validate" $(RASA) data validate

# Tests that need no trained model, no browser and no server (markers in pyproject.toml), on
# both cores (pytest-xdist, a file's tests in one worker), with fewer hypothesis examples, and
# with the compiled modules kept in var/pycache between runs.
unit: $(VENV)/.installed
	@HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-check} PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/var/pycache \
	    $(STEP) $(LOGS)/unit.log "Unit tests" --summary \
	    $(PY) -m pytest -q -n $(UNIT_WORKERS) --dist loadfile -m "not servers and not browser and not slow"

pytest: setup $(MODEL)
	@$(STEP) $(LOGS)/pytest.log "pytest: the whole suite, with real servers and Chromium (the longest stage)" \
	    --summary $(PY) -m pytest -q

stories: setup $(MODEL)
	@$(STEP) $(LOGS)/stories.log "Rasa test stories against the model and a real action server" \
	    $(PY) -m tools.stack test-stories $(if $(ACTION_TEST_PORT),--action-port $(ACTION_TEST_PORT))

# --- measurements (not part of make test) ------------------------------------------------

# The held-out evaluation (tests/evaluation): a benchmark of a few minutes.
evaluate: setup $(MODEL)
	@echo "==> Evaluating understanding on tests/evaluation and ../shared/data/dev_messages.jsonl (real bot, then rasa test nlu cross-validation)"
	@$(PY) -m tools.evaluate

# What each NLU component costs (training s, ms per message) and earns (docs/understanding.md);
# ABLATION_ARGS="--only 0,4" measures a few variants. Trains one model per variant.
ablation: setup
	@$(PY) -m tools.ablation $(ABLATION_ARGS)

# This bot against Rasa's starter bot; needs the local PostgreSQL and Redis. Both models are
# trained (and timed) once and cached in var/bench/models.
bench: setup
	@tools/prerequisites services
	@echo "==> Benchmark: this bot (two servers) against Rasa's starter bot; several minutes"
	@$(PY) -m tools.bench $(BENCH_ARGS)

# Failover under load (docs/benchmarks.md): 50 people for 3 minutes while a Rasa server is
# killed and the run's own PostgreSQL and Redis (tools/services.py, under var/chaos/) are
# restarted; the machine's shared services are left alone. Not part of `make test`.
chaos: setup $(MODEL)
	@echo "==> Chaos: two servers under load; restarts its own PostgreSQL and Redis; about 6 minutes"
	@$(PY) -m tools.chaos $(CHAOS_ARGS)

# What a message costs PostgreSQL and Redis, and what they sustain here (docs/operations.md,
# "Capacity"); needs pgbench, redis-benchmark and redis-server. About two minutes.
capacity: setup $(MODEL)
	@$(PY) -m tools.capacity

# --- maintenance -------------------------------------------------------------------------

lock: $(VENV)/.installed
	@$(PIP) install -q -r requirements/dev.in
	@$(PIP) freeze --exclude-editable > requirements/lock.txt
	@echo "requirements/lock.txt rewritten from requirements/dev.in"

clean:
	rm -rf models results var/spacy
