# The two commands of the README: `make run` and `make test`. Both set up everything they need.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STATE_DIR ?= .state
# Test workers: each starts its own stand-ins, PostgreSQL and service (tests/fixtures/).
TEST_WORKERS ?= 3

.PHONY: run test setup system-deps lint unit integration clean

run: setup
	@STATE_DIR=$(STATE_DIR) $(BIN)/python -m scripts.run

# ansible-lint runs inside the suite (tests/integration/lint), beside the other tests.
test: setup
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

setup: system-deps $(STAMP)

system-deps:
	@scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[sandbox,test]'
	@touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ansible-lint --profile production --offline playbooks roles awx/configure.yml execution-environment.yml requirements.yml

unit: setup
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest tests/integration

clean:
	rm -rf $(VENV) $(STATE_DIR)
