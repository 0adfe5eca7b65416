# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Test processes: the suite waits on real servers and multi-node processes, so two workers
# halve its wall time on a 2-core machine. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
# More pytest arguments: make test PYTEST_ARGS='tests/store -x' (or make pytest PYTEST_ARGS=...).
PYTEST_ARGS ?=
# The demo's port: `make run PORT=8001`. The public URL follows it, so WebFinger handles match.
PORT ?= 8000

.PHONY: run test lint typecheck pytest install clean bench fuzz messages

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "coopfed needs Python 3.11 or newer (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $@

install: $(INSTALLED)

# A demo co-op on SQLite at http://127.0.0.1:$(PORT) (created on first run, kept afterwards).
run: $(INSTALLED)
	@test -f coopfed.toml || $(BIN)/coopfed init --url http://127.0.0.1:$(PORT) --name "Demo Co-op" --handle demo --summary "A demonstration co-op running on coopfed."
	@echo "Demo mail (no SMTP server set): written to data/mail/*.eml, listed on http://127.0.0.1:$(PORT)/admin/mail"
	@echo "The CLI is $(BIN)/coopfed; an admin to sign in with: echo 'a long passphrase' | $(BIN)/coopfed admin create admin"
	$(BIN)/coopfed serve --port $(PORT) --url http://127.0.0.1:$(PORT)

lint: $(INSTALLED)
	$(BIN)/ruff check coopfed tests bench migrations
	$(BIN)/ruff format --check coopfed tests bench migrations

typecheck: $(INSTALLED)
	$(BIN)/mypy

# .ci/test-env installs Chromium when missing (as root, from Debian) and gives the run a fresh
# PostgreSQL database on 127.0.0.1:5432 (dropped afterwards); what it cannot have is skipped.
pytest: $(INSTALLED)
	.ci/test-env $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test: lint typecheck pytest

# The fuzz targets (inbox JSON and signature headers) at length: `make test` runs them briefly.
# FUZZ_EXAMPLES per target (default 5000; about a minute each on SQLite and PostgreSQL).
FUZZ_EXAMPLES ?= 5000
FUZZ_TESTS := tests/federation/test_inbox_fuzz.py tests/activitypub/httpsig/test_fuzz.py tests/activitypub/test_jsonbounds.py
fuzz: $(INSTALLED)
	HYPOTHESIS_PROFILE=fuzz COOPFED_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) .ci/test-env $(BIN)/pytest -q --hypothesis-show-statistics $(FUZZ_TESTS) $(PYTEST_ARGS)

bench: $(INSTALLED)
	@for b in bench/bench_*.py; do echo "== $$b"; .ci/test-env $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The pages' catalogue: extract every {% trans %} and _() from the templates, and the page text
# Python code in coopfed/web marks (tr.gettext, N_: babel.cfg), and
# merge the new ones into each language's messages.po; then translate the empty msgstr lines
# (tests/web/test_i18n.py fails while one is empty or fuzzy). No compile step: read at start-up.
messages: $(INSTALLED)
	$(BIN)/pybabel extract --no-location --no-wrap -F babel.cfg -o coopfed/locale/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --no-wrap -i coopfed/locale/messages.pot -d coopfed/locale -l fr
	rm coopfed/locale/messages.pot
