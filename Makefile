# Handoff — commands of ../shared/design/contract.md
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH ?=

.PHONY: install demo test bench reliability chromium migrate clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $(STAMP)

# Static files collected for WhiteNoise (production serving, and no warnings in tests).
staticfiles/.collected: $(STAMP) $(shell find static -type f 2>/dev/null)
	$(PY) manage.py collectstatic --noinput -v0
	touch $@

install: $(STAMP)

# Debian's chromium for the Playwright browser tests (`playwright install` cannot download here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian chromium for browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "WARNING: chromium could not be installed; browser tests will be skipped"; }

demo: $(STAMP) staticfiles/.collected
	$(PY) manage.py migrate --noinput -v0
	SANDBOX_ENABLED=1 $(PY) manage.py seed_demo
	SANDBOX_ENABLED=1 $(PY) manage.py run_demo

test: $(STAMP) staticfiles/.collected chromium
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m benchmarks $(BENCH)

reliability: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m benchmarks reliability

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles
