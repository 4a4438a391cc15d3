# Kontrol: `make run` starts the app with demo data; `make test` passes the tests.
# Everything the project needs is installed by these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
DB ?= sqlite:///kontrol.db

.PHONY: install run test lint typecheck bench fuzz browser speech-tools fonts clean help

help:
	@echo "make run    - install, load demo data into $(DB) and serve http://$(HOST):$(PORT)/"
	@echo "make test   - install, lint, type-check and run the tests (SQLite and PostgreSQL)"
	@echo "make bench  - run the benchmarks in bench/ (results: docs/benchmarks.md)"
	@echo "make fuzz   - the fuzzers of make test with many more examples (docs/security.md)"

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP) fonts
	$(BIN)/python -m compileall -q -j 0 src > /dev/null
	$(BIN)/kontrol demo --if-empty --db '$(DB)'
	$(BIN)/kontrol serve --demo --db '$(DB)' --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads one).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "could not install chromium: run 'apt-get install chromium' as root"; exit 1; }; }

# espeak-ng speaks and sox mixes the calls the speech tests record (tests/speech/calls.py).
speech-tools:
	@{ command -v espeak-ng && command -v sox; } >/dev/null 2>&1 || { \
	  echo "installing Debian espeak-ng and sox for the speech tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng sox >/dev/null) \
	  || { echo "could not install espeak-ng and sox: run 'apt-get install espeak-ng sox' as root"; exit 1; }; }
# DejaVu fonts (Cyrillic) embedded in the PDF audit reports and the demo's evidence photo.
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || { \
	  echo "installing Debian fonts-dejavu-core for the PDF reports"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null) \
	  || { echo "could not install fonts-dejavu-core: run 'apt-get install fonts-dejavu-core' as root"; exit 1; }; }

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

typecheck: lint

# Bytecode written once: this machine sets PYTHONDONTWRITEBYTECODE, so without it every
# test worker and every `kontrol` process the tests start compiles the sources again.
test: $(STAMP) browser speech-tools fonts lint
	$(BIN)/python -m compileall -q -j 0 src tests bench > /dev/null
	$(BIN)/pytest -n 4 --dist loadfile -q

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

# The fuzzers of `make test` (schemathesis over the OpenAPI schema, hypothesis over
# every importer and the ingest API) with FUZZ_EXAMPLES times the examples' scale.
FUZZ_EXAMPLES ?= 40
fuzz: $(STAMP)
	KONTROL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -n 2 --dist loadfile -q -s \
	  -p no:cacheprovider tests/web/test_fuzz_api.py tests/ingest/test_fuzz_importers.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache test-artifacts
