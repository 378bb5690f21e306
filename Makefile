# make run: set everything up and serve the site; make test: the whole suite.
PYTHON ?= python3
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

# Also in .flaskenv, for the flask command on its own.
export FLASK_APP := wsgi.py
export APP_ENV ?= development

.PHONY: language run test install translations translation-status chromium fonts pg-client nginx production migrate data demo extract constraints audit

# constraints.txt pins the whole tree (what `pip freeze` gave when the suite last passed), so a
# fresh machine installs exactly what the tests ran with; `make constraints` writes it anew.
$(BIN)/.installed: pyproject.toml constraints.txt
	@# PyICU (collation) compiles against ICU: Debian's libicu-dev, with pkg-config to find it.
	@pkg-config --exists icu-i18n 2>/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libicu-dev pkg-config >/dev/null; } || { echo "PyICU needs ICU's headers: apt-get install libicu-dev pkg-config"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(BIN)/.installed

translations: install
	$(BIN)/pybabel -q compile -d translations
	$(BIN)/pybabel -q compile -d translations -D data

migrate: install
	$(BIN)/flask db upgrade

data: migrate
	$(BIN)/flask data load

# An example petition and made-up legislators, so that a fresh checkout has something to
# sign and someone to write to (development only: their addresses are at example.org).
demo: data
	$(BIN)/flask legislators import examples/legislators-se.csv
	$(BIN)/flask drives update --file examples/drive-sweden.yaml 2>/dev/null || $(BIN)/flask drives create --file examples/drive-sweden.yaml

run: translations demo
	PUBLIC_URL=$${PUBLIC_URL:-http://$(HOST):$(PORT)} $(BIN)/flask run --host $(HOST) --port $(PORT)

# Debian's Chromium drives the browser tests; Playwright's own download does not work here.
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || echo "chromium not installed: browser tests will skip (and fail under CI=true)"

# Debian's nginx (the proxy) and redis-server: the production shape's (`make production`, tests/test_production.py).
nginx:
	@{ test -x /usr/sbin/nginx && test -x /usr/bin/redis-server; } || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx redis-server >/dev/null; } || echo "nginx or redis-server not installed: the production-shape tests will skip (and fail under CI=true)"

# The production shape on one machine (docs/operators.md): nginx before two uWSGI instances, outbox
# workers, the retention job, PostgreSQL and Redis, run together by honcho. The first run makes
# deploy/production.env (not in git) from the sample, with a secret key of its own.
PRODUCTION_ENV ?= deploy/production.env
production: translations nginx
	@# The new secret key is made and written inside Python: never on a command line, where ps shows it.
	@test -f $(PRODUCTION_ENV) || { umask 077; $(BIN)/python -c 'import re, secrets, sys; \
	  sample = open("deploy/production.env.sample").read(); \
	  open(sys.argv[1], "w").write(re.sub(r"(?m)^SECRET_KEY=$$", "SECRET_KEY=" + secrets.token_hex(32), sample))' \
	  $(PRODUCTION_ENV); echo "made $(PRODUCTION_ENV) from the sample: read it, set MAIL_SERVER"; }
	set -a && . $(abspath $(PRODUCTION_ENV)) && set +a && exec $(BIN)/python deploy/run

# Debian's Noto fonts, for tests/test_fonts.py: every script the site is read in, drawn with no
# missing glyph (Noto Sans, Arabic, Thai...; Noto Sans CJK's Simplified, Traditional and Korean faces).
FONTS := fonts-noto-core fonts-noto-cjk
fonts:
	@[ "$$(dpkg-query -W -f '$${db:Status-Status}\n' $(FONTS) 2>/dev/null | grep -cx installed)" = $(words $(FONTS)) ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(FONTS) >/dev/null; } || echo "$(FONTS) not installed: the font tests will skip (and fail under CI=true)"

# pg_dump and pg_restore, for tests/test_backup.py (Debian's client; it must be of the test server's major version).
pg-client:
	@command -v pg_dump >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; } || echo "pg_dump not installed: the backup test will skip (and fail under CI=true)"

# axe-core, injected into pages by the accessibility tests; nothing from npm is served.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent || echo "npm ci failed: accessibility tests will skip (and fail under CI=true)"

# The two suites run at once, one per core: SQLite with the browser tests, PostgreSQL without them;
# each line says which it comes from, and both must pass.
test: translations chromium fonts pg-client nginx node_modules/.package-lock.json
	$(BIN)/ruff check app tests bench scripts
	@set -o pipefail; \
	{ APP_ENV=testing $(BIN)/pytest -q -p no:cacheprovider -m "not production" 2>&1 | sed -u 's/^/sqlite     | /'; } & sqlite=$$!; \
	{ APP_ENV=testing TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -q -p no:cacheprovider -m "not browser" 2>&1 \
	  | sed -u 's/^/postgresql | /'; }; postgresql=$$?; \
	wait $$sqlite; sqlite=$$?; \
	echo "make test: SQLite exit $$sqlite, PostgreSQL exit $$postgresql"; [ $$sqlite = 0 ] && [ $$postgresql = 0 ]

# Refresh the catalogs after changing user-facing strings or the data's public texts. The data
# catalogs (data.po) keep a translation whose English changed, marked fuzzy for its translator.
extract: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l --project=Moratorium --copyright-holder="Moratorium contributors" -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel -q extract -F data.cfg --no-default-keywords -k pgettext:1c,2 --project=Moratorium --copyright-holder="Moratorium contributors" -o translations/data.pot .
	$(BIN)/flask data catalogs translations/data.pot

# For translators: refresh the catalogs, then list per language what is untranslated, fuzzy (its
# English changed) or has a placeholder wrong; `make translation-status LOCALE=sv` for one language.
translation-status: extract
	$(BIN)/python scripts/translation_status.py $(LOCALE)

# A new language: `make language LOCALE=nl` (a Babel identifier: nl, pt_PT, zh_Hant...), then
# translate translations/$(LOCALE)/LC_MESSAGES/messages.po; the site serves it at /nl/.
language: extract
	@test -n "$(LOCALE)" || { echo "usage: make language LOCALE=nl"; exit 2; }
	$(BIN)/pybabel init -i translations/messages.pot -d translations -l $(LOCALE)
	$(BIN)/pybabel init -i translations/data.pot -d translations -l $(LOCALE) -D data

# After changing a dependency in pyproject.toml: install it, run make test, then pin the tree.
# (A venv of its own, so that tools installed by hand in .venv stay out of the pins.)
constraints:
	rm -rf .venv-pins && $(PYTHON) -m venv .venv-pins
	.venv-pins/bin/pip install --quiet -e '.[dev]'
	.venv-pins/bin/pip freeze --exclude-editable > constraints.txt
	rm -rf .venv-pins

# Known vulnerabilities in the pinned tree (pip-audit asks PyPI's advisory data, so it needs to reach pypi.org).
audit: install
	$(BIN)/pip install --quiet pip-audit==2.10.1
	$(BIN)/pip-audit --requirement constraints.txt --no-deps --disable-pip
