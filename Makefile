# The two commands of README.md: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-heavy install install-dev lint translations clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

demo: install
	$(BIN)/yorisou demo

test: install-dev
	$(BIN)/ruff check service jobs tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q -n auto

# The fault-injection runs with real worker processes, killed and cut off, and the property
# tests with ten times the examples (tests/reliability/).
test-heavy: install-dev
	$(BIN)/pytest -q -m heavy
	$(BIN)/pytest -q -n auto --hypothesis-profile=thorough tests/reliability/test_bad_input.py \
		tests/reliability/test_api_schema.py

lint: install-dev
	$(BIN)/ruff check service jobs tests bench
	$(BIN)/ruff format --check service jobs tests bench
	$(BIN)/mypy

# Extract the strings, merge them into the catalogues, compile. Commit the .po and .mo files.
translations: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header \
		-o service/translations/messages.pot .
	$(BIN)/pybabel update -i service/translations/messages.pot -d service/translations --no-fuzzy-matching
	$(BIN)/pybabel update -D easy -l ja -i service/translations/messages.pot -d service/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d service/translations --statistics
	$(BIN)/pybabel compile -D easy -d service/translations --statistics

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
