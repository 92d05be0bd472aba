# Improvement Coach — the two commands a newcomer needs:
#   make run    create .venv, install, index knowledge/ if needed, start the web app
#   make test   install the dev extras into the same .venv and run lint + the whole test suite
#   make docs   build the documentation site (docs/, mkdocs.yml) into site/; docs-serve serves it
#   make check  the inner loop: lint and the tests not marked slow, on every core (pytest-xdist);
#               52-58 s on the reference machine's two cores with warm caches

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
# torch is pinned here (not in the library's dependencies): 2.13.0 CPU installs without a
# multi-GB download on the reference machine.
CONSTRAINTS := -c constraints.txt

.PHONY: run test check install install-dev lint ingest bench clean browser postgres \
	docs docs-serve docs-settings docs-screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet $(CONSTRAINTS) -e .
	@touch $@

# llama-cpp-python (the `llm` extra) compiles from source: a native build crashes with a
# segmentation fault on the reference CPU, so build it portable. pip caches the built wheel.
$(VENV)/.installed-dev: export CMAKE_ARGS := -DGGML_NATIVE=OFF
$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet $(CONSTRAINTS) -e '.[dev,llm]'
	@touch $(VENV)/.installed-app $@

install: $(VENV)/.installed-app
install-dev: $(VENV)/.installed-dev

ingest: install
	$(BIN)/coach ingest --if-needed

run: ingest
	$(BIN)/coach serve

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

# The browser smoke test drives Debian's chromium. As root (CI) it is installed when missing;
# otherwise that test is skipped and says why.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = "0" ]; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y chromium || (apt-get update && apt-get install -y chromium); \
	fi

# The database tests start their own PostgreSQL server from Debian's postgresql package; as
# root (CI) it is installed when missing, like chromium.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && [ "$$(id -u)" = "0" ]; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y postgresql || (apt-get update && apt-get install -y postgresql); \
	fi

# The tests' temporary folders go in RAM (/dev/shm, when it is writable with 2 GB free): each
# test makes its own SQLite database and Chroma store, and on the reference machine's disk
# their syncs cost about 0.1 s a test. `make check TEST_TMP=` keeps them under /tmp.
TEST_TMP ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && \
	df -Pk /dev/shm | awk 'NR == 2 && $$4 > 2097152 {print "/dev/shm"}')
# and bytecode is written even where the environment turns it off (PYTHONDONTWRITEBYTECODE):
# pytest otherwise re-rewrites every test module's assertions on each run
PYTEST := env -u PYTHONDONTWRITEBYTECODE PYTEST_DEBUG_TEMPROOT=$(TEST_TMP) $(BIN)/python -m pytest

test: lint browser postgres
	$(PYTEST) --durations=15

check: lint
	$(PYTEST) -m "not slow" -q -n auto --durations=5

bench: install-dev
	$(BIN)/python benchmarks/bench_foundation.py
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_retrieval.py
	$(BIN)/python benchmarks/bench_lexical.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_load.py

# The documentation site: MkDocs with the Material theme, built offline (no web fonts, no
# plugin that fetches). The settings page is written from coach.config.Settings
# (docs/settings_page.py; tests/test_docs.py fails when the committed page is stale).
docs: install-dev docs-settings
	$(BIN)/python -m mkdocs build --strict -d site

docs-serve: install-dev docs-settings
	$(BIN)/python -m mkdocs serve -a 127.0.0.1:8000

docs-settings: install-dev
	$(BIN)/python docs/settings_page.py

# The screenshots in docs/images/, taken from the running app in Debian's chromium over a
# private COACH_HOME with the shipped knowledge/ indexed. Look at each one before committing.
docs-screenshots: install-dev browser
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf .coach .pytest_cache .ruff_cache site
