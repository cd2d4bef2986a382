# The two commands a newcomer needs: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Extra pytest arguments for both passes, e.g. `make test-postgres PYTEST_ARGS=tests/worker`.
PYTEST_ARGS ?=
STAMP := $(VENV)/.installed

.PHONY: demo test lint test-sqlite test-postgres clean vendor

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/proxvps demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy proxvps tests tools bench
	$(BIN)/lint-imports

test-sqlite: $(STAMP)
	env -u DATABASE_URL $(BIN)/pytest -n 2 -q $(PYTEST_ARGS)

# The suite again on PostgreSQL, production's database (at DATABASE_URL, or on localhost). A failing run fails
# `make test`. No server answering fails it too under CI; only a workstation without CI skips, and says so
# (tools/postgres_url.py: exit 0 = found, 2 = skip, anything else = fail).
test-postgres: $(STAMP)
	@status=0; url=$$($(BIN)/python tools/postgres_url.py) || status=$$?; \
	if [ $$status -eq 2 ]; then exit 0; fi; \
	if [ $$status -ne 0 ]; then exit $$status; fi; \
	echo "PostgreSQL: running the suite again on $$url"; \
	DATABASE_URL="$$url" $(BIN)/pytest -n 2 -q $(PYTEST_ARGS)

test: lint test-sqlite test-postgres

# Refresh the vendored front-end files (proxvps/web/static/vendor, tests/web/static) from the npm registry at the
# versions pinned in tools/vendor.sh, each package's licence beside its files.
vendor:
	bash tools/vendor.sh

clean:
	rm -rf $(VENV) .proxvps .mypy_cache .ruff_cache .pytest_cache
