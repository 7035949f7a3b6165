# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FGDM_INSTANCE_DIR ?= $(CURDIR)/instance

.PHONY: run test lint format messages bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.run-installed

## Set up, migrate a SQLite database in ./instance, load the demo, serve on :8000.
run: $(VENV)/.run-installed
	$(BIN)/fgdm migrate
	FGDM_DEMO=1 $(BIN)/fgdm demo
	$(BIN)/fgdm serve --host 127.0.0.1 --port 8000

## Set up and run every test: lint, the suite on SQLite, and again on PostgreSQL when
## FGDM_TEST_DATABASE_URL is set. Browser tests need Debian's chromium at /usr/bin/chromium;
## they check what a person sees and does on a page, through the same routes and services
## the other tests run on both databases, so they run once, on SQLite.
test: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations
	$(BIN)/bandit -c pyproject.toml -r src -q
	FGDM_TEST_DATABASE_URL= $(BIN)/pytest -n auto -p no:cacheprovider
	@if [ -n "$$FGDM_TEST_DATABASE_URL" ]; then \
		echo "== The same suite on PostgreSQL (all but the browser tests)"; \
		$(BIN)/pytest -n auto -p no:cacheprovider --ignore=tests/browser; \
	else \
		echo "== FGDM_TEST_DATABASE_URL is not set: the PostgreSQL run was not made"; \
	fi

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench migrations

format: $(VENV)/.dev-installed
	$(BIN)/ruff format src tests bench migrations
	$(BIN)/ruff check --fix src tests bench migrations

## Extract translatable strings into the catalogue template, then bring every language's
## catalogue up to date with it (translations are kept; changed strings come back fuzzy).
messages: $(VENV)/.dev-installed
	$(BIN)/pybabel extract -F babel.cfg -o src/fgdm/i18n/messages.pot .
	$(BIN)/pybabel update -i src/fgdm/i18n/messages.pot -d src/fgdm/i18n/locales -D messages

bench: $(VENV)/.dev-installed
	for f in bench/*.py; do $(BIN)/python $$f || exit 1; done

## The README's pictures: the browser tests that show the main pages (a family member on a
## phone, a practitioner on a tablet) keep screenshots in docs/screenshots, then shrunk.
screenshots: $(VENV)/.dev-installed
	rm -f docs/screenshots/*.png
	FGDM_SCREENSHOTS=$(CURDIR)/docs/screenshots FGDM_TEST_DATABASE_URL= $(BIN)/pytest -q \
		-p no:cacheprovider tests/browser/test_what_it_looks_like.py
	$(BIN)/python scripts/shrink_screenshots.py docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
