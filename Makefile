# Two entry points for a fresh machine: `make run` and `make test`.
# Both install from the lock files in requirements/ (every package pinned): `make run` only what
# the main job needs, `make test` the whole development set on top. `make lock` regenerates them.
PY ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: setup browser run test lint bench lock mutation clean python-check

## A clear message instead of a failed install on a missing or too old Python.
python-check:
	@$(PY) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' 2>/dev/null || { \
		echo "error: sim needs Python 3.12 or newer, and '$(PY)' is missing or older;" \
		"install 3.12 (pyenv install 3.12.1: .python-version selects it) or give one: make run PY=/path/to/python3.12" >&2; \
		exit 2; }

$(BIN)/python: | python-check
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements/run.txt pyproject.toml .python-version | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/run.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): requirements/dev.txt pyproject.toml .python-version | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(DEV_STAMP) $(RUN_STAMP)

## Debian's Chromium, driven by Playwright in the interactive page's browser test (as root).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

setup: $(DEV_STAMP) browser

## Set up the light set, then run the default experiment (seed_baseline) and print its table.
run: $(RUN_STAMP)
	$(BIN)/python -m sim $(ARGS)

## Set up the development set, then run the whole test suite.
test: $(DEV_STAMP) browser
	$(BIN)/python -m pytest -n 2 $(ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check sim tests tools benchmarks notebooks hatch_build.py
	$(BIN)/ruff format --check sim tests tools benchmarks notebooks hatch_build.py

## Mutation testing of the core, module by module (slow; not part of CI): docs/testing.md.
## ARGS picks modules, e.g. `make mutation ARGS="rules stats"`.
mutation: $(DEV_STAMP)
	$(BIN)/python tools/mutation.py $(ARGS)

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/throughput.py

## Re-pin requirements/*.txt after a change to the dependencies in pyproject.toml. uv keeps the
## versions already pinned where they still fit (needs the package index).
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.12 --quiet \
		--custom-compile-command "make lock" -o requirements/run.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.12 --quiet \
		--custom-compile-command "make lock" -o requirements/dev.txt

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache build dist mutants
