# eventapp: `make run` serves the demo, `make test` runs the whole suite, `make test-fast`
# the suite without a browser (the edit-test loop), `make lint` the linters.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app eventapp
PYTEST_ARGS ?=
# Test processes of `make test` (pytest-xdist); 0 runs the suite in this one process.
TEST_WORKERS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CATALOGS := $(wildcard eventapp/translations/*/LC_MESSAGES/messages.po)

.PHONY: run venue test test-fast install install-test install-dev translations extract-messages \
	browser tools java lint clean

# Links in e-mails and on badges start with the address gunicorn serves below; by name,
# since passkeys are bound to a host name (127.0.0.1 is accepted too). A laptop demo asks
# no second factor (FLASK_SECOND_FACTOR_REQUIRED=admins make run to try the production rule).
run: export FLASK_PUBLIC_BASE_URL = http://localhost:5000
run: export FLASK_SECOND_FACTOR_REQUIRED ?= none
run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo --upcoming --seats-left 1
	$(FLASK) first-admin
	@echo "Serving http://127.0.0.1:5000 and http://localhost:5000 (Ctrl+C stops it)"
	@# The worker (e-mails, jobs) beside the web server, two processes that lay out a large
	@# badge run's parts side by side (at a lower CPU priority than gunicorn): a command
	@# started with & ignores Ctrl+C, so the shell's trap stops both, whichever ends first.
	trap 'kill 0' INT TERM; \
	$(FLASK) worker -k process -w 2 & \
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:5000 --access-logfile - 'eventapp:create_app()'; \
	kill 0

# The door over https on the laptop's address in the venue's network (README, "At the venue").
# serve-venue sets the public address to the one it serves; this one is for the steps before.
venue: export FLASK_PUBLIC_BASE_URL ?= https://127.0.0.1:8443
venue: install translations
	$(FLASK) db upgrade
	$(FLASK) demo --upcoming --seats-left 1
	$(FLASK) first-admin
	$(FLASK) serve-venue

test: install-test translations browser tools java node_modules/vnu-jar
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The edit-test loop: everything but the browser tests (no Chromium needed), on SQLite even
# when TEST_DATABASE_URL is set. The `slow` tests are all browser tests, so they are out too.
test-fast: install-test translations tools java node_modules/vnu-jar
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not browser" $(PYTEST_ARGS)

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# The dev extra includes the test one.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

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

# Tools the tests check results with that we did not write: poppler's pdfinfo (tagged
# PDFs) and SpamAssassin (e-mails, offline rules). And HarfBuzz's subsetter, which
# WeasyPrint uses to embed only the glyphs a PDF needs (it warns without it).
tools:
	@{ command -v pdfinfo && command -v spamassassin && ldconfig -p | grep -q libharfbuzz-subset; } \
		>/dev/null || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive \
		$(SUDO) apt-get install -y poppler-utils spamassassin libharfbuzz-subset0; }

# The Nu HTML Checker (vnu) the suite validates every page with: a jar from npm, run by Java.
java:
	@command -v java >/dev/null || { $(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y default-jre-headless; }

node_modules/vnu-jar: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Every check runs even when one before it fails, so one run lists all there is to fix.
# Settings: [tool.ruff], [tool.mypy] and [tool.importlinter] in pyproject.toml.
lint: install-dev
	@status=0; \
	echo "ruff check eventapp tests bench"; $(BIN)/ruff check eventapp tests bench || status=1; \
	echo "ruff format --check eventapp tests bench"; \
		$(BIN)/ruff format --check eventapp tests bench || status=1; \
	echo "mypy"; $(BIN)/mypy || status=1; \
	echo "lint-imports"; $(BIN)/lint-imports || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache node_modules
