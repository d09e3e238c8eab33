# eventapp: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app eventapp
PYTEST_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CATALOGS := $(wildcard eventapp/translations/*/LC_MESSAGES/messages.po)

.PHONY: run test install install-test translations extract-messages browser tools java lint clean

run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo --upcoming --seats-left 1
	$(FLASK) first-admin
	@echo "Serving http://127.0.0.1:5000 (Ctrl+C stops it)"
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:5000 --access-logfile - 'eventapp:create_app()'

test: install-test translations browser tools java node_modules/vnu-jar
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# Catalogues are compiled at install time; only the .po files are in git.
translations: $(CATALOGS:.po=.mo)

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing user-facing text: extract it and merge it into every catalogue.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o eventapp/translations/messages.pot .
	$(BIN)/pybabel update -i eventapp/translations/messages.pot -d eventapp/translations

# The browser tests drive Debian's Chromium (no browser download works on our machines).
browser:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium fonts-liberation; }

# Tools the tests check results with that we did not write: poppler's pdfinfo (tagged PDFs).
tools:
	@command -v pdfinfo >/dev/null || { $(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y poppler-utils; }

# The Nu HTML Checker (vnu) the suite validates every page with: a jar from npm, run by Java.
java:
	@command -v java >/dev/null || { $(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y default-jre-headless; }

node_modules/vnu-jar: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lint: install
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/ruff check eventapp tests bench

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache node_modules
