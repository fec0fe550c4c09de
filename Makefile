# Two commands for a fresh machine (Python 3.11+, Node 20 and npm):
#   make serve   install pinned deps, build the site, serve it on http://127.0.0.1:8000
#   make test    the same setup plus Debian Chromium if missing, then every test
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHROMIUM := /usr/bin/chromium
# Two pytest workers, each running whole test files (module fixtures stay in one process; tests/conftest.py
# counts the files that share the variant build as one file): much of a browser test is waiting
# on Chromium, so two workers on two cores finish in about two thirds of the time.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: setup build serve test test-fast lint chromium schema clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-test.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-test.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "installing Debian chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; \
	fi

build: setup
	$(PY) build.py

serve: setup
	$(PY) build.py --serve

lint: setup
	$(PY) -m ruff check .
	npx --no-install eslint .
	$(VENV)/bin/zoo validate

schema: setup
	$(VENV)/bin/zoo schema

# One BLAS thread: the kernels are small, and threads fighting over two cores make them many times slower.
test: export OPENBLAS_NUM_THREADS = 1
test: setup chromium lint
	node --test tests/js/
	$(PY) build.py --out test-output/site
	ZOO_SITE=$(CURDIR)/test-output/site $(PY) -m pytest $(PYTEST_ARGS)

# Everything but the browser: style, registry, JavaScript logic, a build, and the Python tests.
test-fast: export OPENBLAS_NUM_THREADS = 1
test-fast: setup lint
	node --test tests/js/
	$(PY) build.py --out test-output/site
	ZOO_SITE=$(CURDIR)/test-output/site $(PY) -m pytest $(PYTEST_ARGS) -m "not browser"

clean:
	rm -rf site test-output .pytest_cache .ruff_cache
