# `make run` and `make test` set everything up themselves on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# bench/ may not exist on every branch: lint only the folders that do.
LINT_DIRS := $(wildcard bot cogs tests bench)

# The browser test drives Debian's chromium through Playwright (never `playwright install`,
# which downloads a browser build): installed with apt-get only when it is absent.
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint typecheck unit bench clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot

lint: $(STAMP)
	$(PY) -m ruff check $(LINT_DIRS)
	$(PY) -m ruff format --check $(LINT_DIRS)

typecheck: $(STAMP)
	$(PY) -m mypy bot cogs bench

$(CHROMIUM):
	apt-get update
	apt-get install -y --no-install-recommends chromium

test: lint typecheck $(CHROMIUM)
	$(PY) -m pytest -q

# Languages (docs/languages.md): re-extract the messages of bot/ and cogs/ and the command tree into
# bot/locales/messages.pot and merge every .po (new ids arrive empty, dropped ids go). Not part of
# `make test`, which fails until the catalogs match the source. `make messages LANGS=fr` starts French.
messages: $(STAMP)
	$(PY) -m bot.catalogs $(LANGS)

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
