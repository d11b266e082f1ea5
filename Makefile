# Swayam: `make run` and `make test` do all set-up on a fresh machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# mypy refuses a directory without Python files, so bench joins once it has some.
TYPED  := bot intents domain api migrations tests $(if $(wildcard bench/*.py),bench)

.DEFAULT_GOAL := help
.PHONY: help install run test lint fmt bench browser-deps clean distclean

help:
	@echo "make run           install, load the demo bank, serve on http://127.0.0.1:8080"
	@echo "make test          install, run the whole test suite"
	@echo "make lint          ruff check, ruff format --check, mypy"
	@echo "make fmt           format and autofix with ruff"
	@echo "make bench         run every benchmark script in bench/"
	@echo "make browser-deps  install Chromium for the browser tests (as root)"
	@echo "make clean         remove caches and build output (keeps .venv and var/)"
	@echo "make distclean     also remove .venv and var/ (the demo database)"

# Reinstalls only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	@touch $@

install: $(STAMP)

run: install
	$(BIN)/swayam demo
	$(BIN)/swayam serve

test: install browser-deps
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Every script in bench/ except helpers (names starting with "_"); each writes
# its results under bench/results/.
bench: install
	@set -e; for script in bench/*.py; do \
		case "$$(basename $$script)" in _*) continue ;; esac; \
		echo "== $$script"; \
		$(BIN)/python "$$script"; \
	done

# Debian's Chromium for the web chat's browser tests (never `playwright install`).
# Installs only when /usr/bin/chromium is missing; without root it warns, and
# the browser tests skip with the reason.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium for the browser tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	else \
		echo "warning: /usr/bin/chromium is missing, so the browser tests will be skipped;" \
			"run 'sudo make browser-deps'" >&2; \
	fi

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) var
