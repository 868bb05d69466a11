# Huzhu: `make demo` runs the app with demo data; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export HUZHU_ENV ?= development

.PHONY: install translations demo test bench lint clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

translations: install
	$(BIN)/pybabel compile -q -f -d app/translations

demo: translations
	mkdir -p instance
	$(BIN)/huzhu db upgrade
	$(BIN)/huzhu demo
	@echo "Huzhu is running at http://127.0.0.1:5000 (Ctrl-C stops it)"
	$(BIN)/huzhu run --host 127.0.0.1 --port 5000

test: translations
	HUZHU_ENV=testing $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: translations
	$(BIN)/python bench/http.py

lint: install
	$(BIN)/ruff check app tenants jobs tests bench

clean:
	rm -rf $(VENV) instance/huzhu.db
