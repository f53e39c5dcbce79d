# Two commands run everything: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test lint install serve migrate seed clean bench

$(STAMP): setup.cfg pyproject.toml constraints.txt example_site/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test,server]" -r example_site/requirements.txt
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's Chromium; as root it is installed here, otherwise they skip.
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
	  echo "No Chromium at $(CHROMIUM) (apt-get install chromium): browser tests will be skipped."; \
	fi

migrate: install
	$(BIN)/python example_site/manage.py migrate --noinput

seed: migrate
	$(BIN)/python example_site/manage.py livechat_demo

demo: seed
	@echo "Serving the example site on http://127.0.0.1:8000/ (Ctrl-C stops it)"
	$(BIN)/uvicorn --app-dir example_site config.asgi:application --host 127.0.0.1 --port 8000 --ws-max-size 65536

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check kitsune_livechat example_site tests bench

test: lint $(CHROMIUM)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache test-results
