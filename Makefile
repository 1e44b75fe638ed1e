# Two entry points for a fresh machine: `make run` and `make test`.
PY ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser run test lint bench mutation clean

$(STAMP): pyproject.toml .python-version
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Debian's Chromium, driven by Playwright in the interactive page's browser test (as root).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

setup: $(STAMP) browser

## Set up, then run the default experiment (seed_baseline) and print its headline table.
run: $(STAMP)
	$(BIN)/python -m sim $(ARGS)

## Set up, then run the whole test suite.
test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check sim tests tools benchmarks notebooks hatch_build.py
	$(BIN)/ruff format --check sim tests tools benchmarks notebooks hatch_build.py

## Mutation testing of the core, module by module (slow; not part of CI): docs/testing.md.
## ARGS picks modules, e.g. `make mutation ARGS="rules stats"`.
mutation: $(STAMP)
	$(BIN)/python tools/mutation.py $(ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache build dist mutants
