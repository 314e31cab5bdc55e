# Two commands for a fresh machine:  `make run` (the navigation map for 秦皇岛 from the real data)
# and `make test` (the whole test suite). Each creates the virtual environment it needs.
#
# Data: MATCHER_DATA names the raw-data directory (default: data/raw, git-ignored). When files are
# missing there, `make run` fetches them from their public origins, or from MATCHER_MIRROR (a folder
# or an http(s) URL holding the same tree) on machines without internet.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
MATCHER := $(VENV)/bin/matcher
MATCHER_DATA ?= data/raw
WORKDIR ?= work
OUT ?= out
CITY ?= 秦皇岛
export MATCHER_DATA

.PHONY: run test venv lint clean check-install fuzz

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

run: venv
	$(MATCHER) data check --data "$(MATCHER_DATA)" --quiet || \
	  $(MATCHER) data fetch --to "$(MATCHER_DATA)" $(if $(MATCHER_MIRROR),--mirror "$(MATCHER_MIRROR)",)
	$(MATCHER) build --data "$(MATCHER_DATA)" --workdir "$(WORKDIR)"
	$(MATCHER) navmap --city "$(CITY)" --data "$(MATCHER_DATA)" --workdir "$(WORKDIR)" --out "$(OUT)/$(CITY)"

test: venv
	$(VENV)/bin/ruff check matcher tests notebooks
	.ci/with-postgres.sh $(PY) -m pytest -q

# the package installed (not editable) into a fresh environment, used from another directory
check-install:
	rm -rf /tmp/matcher-install && python3 -m venv /tmp/matcher-install/venv
	/tmp/matcher-install/venv/bin/pip install --quiet .
	cd /tmp/matcher-install && ./venv/bin/matcher data check --data "$(abspath $(MATCHER_DATA))" --quiet
	cd /tmp/matcher-install && ./venv/bin/matcher navmap --city 秦皇岛 --top 20 --data "$(abspath $(MATCHER_DATA))" \
	  --workdir /tmp/matcher-install/work --out /tmp/matcher-install/out
	test -s /tmp/matcher-install/out/targets.csv && test -s /tmp/matcher-install/out/navmap.xlsx

# the fuzz suite with many more generated examples than CI runs (tests/test_faults_fuzz.py)
fuzz: venv
	HYPOTHESIS_PROFILE=deep $(PY) -m pytest -q tests/test_faults_fuzz.py

lint: venv
	$(VENV)/bin/ruff check matcher tests notebooks
	$(VENV)/bin/mypy matcher   # configured; not yet clean (pandas-stubs), so not part of `make test`

# --- workbench (issue 17): the planners' web app over the work directory of `make run` ---
.PHONY: serve
serve: venv
	$(MATCHER) serve --workdir "$(WORKDIR)" --data "$(MATCHER_DATA)" --city "$(CITY)"
# --- end workbench ---

clean:
	rm -rf $(VENV) $(WORKDIR) $(OUT)
