# The two commands a newcomer needs: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
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
	env -u DATABASE_URL $(BIN)/pytest -n 2 -q

# Runs only when a PostgreSQL server answers (at DATABASE_URL, or on localhost): production's database.
test-postgres: $(STAMP)
	@url=$$($(BIN)/python tools/postgres_url.py) && { \
		echo "PostgreSQL: running the suite again on $$url"; \
		DATABASE_URL="$$url" $(BIN)/pytest -n 2 -q; \
	} || echo "PostgreSQL: no server answers; skipping the PostgreSQL run."

test: lint test-sqlite test-postgres

# Refresh the vendored front-end files (proxvps/web/static/vendor, tests/web/static) from the npm registry at the
# versions pinned in tools/vendor.sh, each package's licence beside its files.
vendor:
	bash tools/vendor.sh

clean:
	rm -rf $(VENV) .proxvps .mypy_cache .ruff_cache .pytest_cache
