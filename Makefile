# The README's commands: `make run` serves the app and runs a worker, with a demo organizer; `make test` runs every test.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install lock run test bench lint format clean messages vendor-altcha

PO_FILES := $(wildcard bwm/translations/*/LC_MESSAGES/messages.po)

# The exact versions in requirements.lock (pip first, then the rest), then bwm itself without
# resolving anything again: CI and every newcomer get the same versions.
$(STAMP): pyproject.toml requirements.lock $(PO_FILES)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q "$$(grep '^pip==' requirements.lock)"
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	$(VENV)/bin/pybabel -q compile -d bwm/translations
	touch $(STAMP)

install: $(STAMP)

# Refresh requirements.lock (pip-tools; pins for Python 3.11 on Linux) after changing the
# dependencies in pyproject.toml: `make lock` keeps the other pins, `make lock UPGRADE=1` takes the
# newest releases of everything. Commit the lock with the change; `make install` then installs it.
lock: install
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile -q --allow-unsafe --extra dev \
		--strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
		$(if $(UPGRADE),--upgrade) -o requirements.lock pyproject.toml

run: install
	$(VENV)/bin/flask --app bwm db upgrade
	BWM_BASE_URL=http://$(HOST):$(PORT) $(VENV)/bin/flask --app bwm demo
	@echo "bwm is serving on http://$(HOST):$(PORT)/ with a worker beside it (Ctrl-C stops both)"
	$(VENV)/bin/flask --app bwm dev --host $(HOST) --port $(PORT)

# The single sign-on tests' OpenID provider (npm oidc-provider, at tests/oidc/package-lock.json's
# version), installed again only when that lock changes; without npm those tests say why they skip.
OIDC_STAMP := tests/oidc/node_modules/.bwm-installed-lock

$(OIDC_STAMP): tests/oidc/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/oidc --no-audit --no-fund && cp tests/oidc/package-lock.json $(OIDC_STAMP); \
	else echo "npm not found: the single sign-on tests will be skipped (apt-get install npm)"; fi

LIGHTHOUSE_STAMP := tests/lighthouse/node_modules/.bwm-installed-lock

$(LIGHTHOUSE_STAMP): tests/lighthouse/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/lighthouse --no-audit --no-fund && cp tests/lighthouse/package-lock.json $(LIGHTHOUSE_STAMP); \
	else echo "npm not found: the Lighthouse scores will be skipped (apt-get install npm)"; fi

test: install $(OIDC_STAMP) $(LIGHTHOUSE_STAMP)
	bash scripts/test-all

bench: install $(LIGHTHOUSE_STAMP)
	$(PY) bench/bench_availability.py
	$(PY) bench/bench_booking.py
	$(PY) bench/bench_inprocess.py
	$(PY) bench/bench_http.py
	$(PY) bench/bench_pages.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Vendor the ALTCHA widget (the bot check) from npm, pinned, with its sums.
vendor-altcha:
	scripts/vendor-altcha 2.3.0

# Re-extract the strings and merge them into the sv, da and nl catalogues (then translate the new ones).
messages: install
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --sort-output --no-location \
		-o bwm/translations/messages.pot .
	$(VENV)/bin/pybabel -q update --no-fuzzy-matching -d bwm/translations -i bwm/translations/messages.pot

clean:
	rm -rf $(VENV) build *.egg-info
