# Handoff — commands of ../shared/design/contract.md
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH ?=

.PHONY: install demo test bench reliability chromium ocr-tools bench-tools migrate clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $(STAMP)

# Static files collected for WhiteNoise (production serving, and no warnings in tests).
staticfiles/.collected: $(STAMP) $(shell find static -type f 2>/dev/null)
	$(PY) manage.py collectstatic --noinput -v0
	touch $@

install: $(STAMP) ocr-tools

# The bench extra (invoice2data, compared with our extractor in the extraction benchmark).
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(PIP) install -q -e '.[test,bench]'
	touch $(BENCH_STAMP)

# Debian's chromium for the Playwright browser tests (`playwright install` cannot download here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian chromium for browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "WARNING: chromium could not be installed; browser tests will be skipped"; }

# Debian's tesseract-ocr (images and scanned PDFs) and antiword (legacy .doc) for invoice extraction.
ocr-tools:
	@{ command -v tesseract >/dev/null 2>&1 && command -v antiword >/dev/null 2>&1; } || { \
		echo "installing Debian tesseract-ocr and antiword for invoice extraction"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr antiword >/dev/null) \
		|| echo "WARNING: tesseract-ocr/antiword could not be installed; OCR and .doc tests will be skipped"; }

# poppler's pdftotext: the text backend invoice2data's bundled templates were written for (extraction benchmark).
bench-tools:
	@command -v pdftotext >/dev/null 2>&1 || { \
		echo "installing Debian poppler-utils (pdftotext) for invoice2data in the extraction benchmark"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null) \
		|| echo "WARNING: poppler-utils could not be installed; invoice2data falls back to pdfium text"; }

demo: $(STAMP) staticfiles/.collected
	$(PY) manage.py migrate --noinput -v0
	SANDBOX_ENABLED=1 $(PY) manage.py seed_demo
	SANDBOX_ENABLED=1 $(PY) manage.py run_demo

test: $(STAMP) staticfiles/.collected chromium ocr-tools
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(BENCH_STAMP) ocr-tools bench-tools
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m benchmarks $(BENCH)

reliability: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m benchmarks reliability

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles

# pip-audit of the pinned, installed dependencies, from its own venv (not a project dependency). --strict fails when a
# dependency could not be checked (no advisory service reachable), so an unreachable service never reads as "clean".
AUDIT_VENV := var/auditenv
.PHONY: audit
audit: $(STAMP)
	test -x $(AUDIT_VENV)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install -q pip-audit==2.10.1; }
	$(PIP) freeze --exclude-editable | grep -v '^-e ' > $(AUDIT_VENV)/requirements.txt
	$(AUDIT_VENV)/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r $(AUDIT_VENV)/requirements.txt
