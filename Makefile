# Huzhu: `make demo` runs the app with demo data; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export HUZHU_ENV ?= development

.PHONY: install translations translations-update demo test bench lint clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# The catalogue is compiled only when the .po changed, so two `make test` runs side by side (CI) never write
# the .mo while the other reads it.
CATALOGUE := app/translations/zh_CN/LC_MESSAGES/messages
translations: install $(CATALOGUE).mo

$(CATALOGUE).mo: $(CATALOGUE).po
	$(BIN)/pybabel -q compile -f -d app/translations

# After adding or changing interface strings: re-extract them, then translate the new entries in
# app/translations/zh_CN/LC_MESSAGES/messages.po (tests/test_i18n.py fails while one is missing).
translations-update: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k gettext -k ngettext -k lazy_gettext -k _l \
		--no-wrap --project=Huzhu --version=0.1 -o app/translations/messages.pot .
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations -l zh_CN \
		--no-fuzzy-matching --no-wrap

# `make demo PORT=5061` (or HOST=0.0.0.0) serves elsewhere; the printout and e-mail links follow.
HOST ?= 127.0.0.1
PORT ?= 5000
demo: translations
	mkdir -p instance
	$(BIN)/huzhu db upgrade
	PUBLIC_BASE_URL=http://$(HOST):$(PORT) $(BIN)/huzhu demo
	@echo "Huzhu is running at http://$(HOST):$(PORT) (Ctrl-C stops it)"
	PUBLIC_BASE_URL=http://$(HOST):$(PORT) $(BIN)/huzhu run --host $(HOST) --port $(PORT)

test: translations
	HUZHU_ENV=testing $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: translations
	$(BIN)/python bench/http.py

# An announcement to 10,000 members fanned out by 2 RQ workers, against no-op jobs (bench/README.md, "notify").
.PHONY: bench-notify
bench-notify: translations
	$(BIN)/python bench/notify.py

# Proposals among 100,000 offers against the raw SQL, and the optimal batch beside greedy (bench/README.md, "matching").
.PHONY: bench-matching
bench-matching: translations
	$(BIN)/python bench/matching.py

# A week of meal orders for 2,400 plans against a raw bulk insert; a manifest and a month's statement against
# their raw SQL (bench/README.md, "meals").
.PHONY: bench-meals
bench-meals: translations
	$(BIN)/python bench/meals.py

# A ballot with 10,000 voters: votes through the API on gunicorn, then the closing job against one raw GROUP BY
# (bench/README.md, "ballots").
.PHONY: bench-ballots
bench-ballots: translations
	$(BIN)/python bench/ballots.py

# 1,000 venues, 100,000 booking dates, 5,000 activities: a year's weekly request checked against a busy venue
# beside its raw SQL, a week view, sign-ups (bench/README.md, "venues").
.PHONY: bench-venues
bench-venues: translations
	$(BIN)/python bench/venues.py

# The year's account at 100x the demo: the yearly report beside the raw SQL of its figures, a street of 10 communities
# compared, the fund's balances over 100,000 lines, a campaign's snapshot (bench/README.md, "year").
.PHONY: bench-year
bench-year: translations
	$(BIN)/python bench/year.py

# Style (ruff) and the layers of the code (import-linter contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check app tenants jobs tests bench
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) instance/huzhu.db
