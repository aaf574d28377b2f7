# Build and test plumbing of the vobiz.telephony collection.
#
#   make test      every gate below, in two lanes side by side, then a summary (CI: bash .ci/run)
#   make demo      the demo (scripts/demo.py) in .venv
#   make help      this list
#
# Each tool lives in a virtual environment inside the repo, (re)created when its
# requirements file changes (the venv's .stamp is older than the file):
#   .venv        python3.11, ansible-core 2.19, test tools   <- requirements-dev.txt
#   .venv-tools  python3.11, ansible-lint, antsibull-*, galaxy-importer <- requirements-tools.txt
#   .venv-2.21   python3.13 (or 3.12), ansible-core 2.21     <- requirements-2.21.txt
#
# ansible-test, the unit tests and antsibull-docs run from a copy of the tree at
# $(COLL) (scripts/stage.sh: tracked and untracked-not-ignored files), because
# they need the ansible_collections/<namespace>/<name> layout.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

# --- interpreters -------------------------------------------------------------
# Real paths under pyenv first (its shims may point at a version that is not
# installed), then whatever is on PATH. Override: make PYTHON311=/path/python3.11
PYENV_VERSIONS := $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions
find-python = $(firstword $(wildcard $(PYENV_VERSIONS)/$(1).*/bin/python$(1)) $(shell command -v python$(1) 2>/dev/null))
PYTHON311 ?= $(call find-python,3.11)
PYTHON_NEWEST ?= $(or $(call find-python,3.13),$(call find-python,3.12))

# --- layout -------------------------------------------------------------------
ROOT := $(CURDIR)
VENV := .venv
TOOLS := .venv-tools
V221 := .venv-2.21
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.stamp
TOOLS_STAMP := $(TOOLS)/.stamp
V221_STAMP := $(V221)/.stamp

NAMESPACE := $(shell sed -n 's/^namespace: *//p' galaxy.yml)
NAME := $(shell sed -n 's/^name: *//p' galaxy.yml)
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := build/$(NAMESPACE)-$(NAME)-$(VERSION).tar.gz
COLL_PARENT := build
COLL := $(COLL_PARENT)/ansible_collections/$(NAMESPACE)/$(NAME)
MODULES := $(basename $(notdir $(wildcard plugins/modules/*.py)))
EVENT_SOURCES := $(wildcard extensions/eda/plugins/event_source/*.py)

# ansible-test always names the Python; --local runs in the current venv.
# It keeps its sanity-test venvs and its pip bootstrap script under ~/.ansible/test:
# give it a HOME inside the repo, so that runs from other checkouts (or other
# people) cannot race on them and the user's own ~/.ansible is never touched.
# pip keeps using the user's cache.
ANSIBLE_TEST_HOME := $(ROOT)/.cache/ansible-test-home
PIP_CACHE := $(or $(PIP_CACHE_DIR),$(XDG_CACHE_HOME:%=%/pip),$(HOME)/.cache/pip)
ANSIBLE_TEST_ENV := HOME="$(ANSIBLE_TEST_HOME)" PIP_CACHE_DIR="$(PIP_CACHE)" PATH="$(ROOT)/$(VENV)/bin:$$PATH"
ANSIBLE_TEST := $(ANSIBLE_TEST_ENV) $(ROOT)/$(VENV)/bin/ansible-test
ANSIBLE_TEST_OPTS := --python 3.11 --local --color no

# `make test`: the setup gates in order, then two lanes side by side, each in order (scripts/run-gates.sh).
# The end-to-end tests lead the first lane: they are the longest gate, and the other lane's gates (single-threaded
# tools mostly) use the core that their configured waits leave idle. Every gate that reads the staged copy ($(COLL),
# which `stage` replaces) is in the second lane, so that no gate restages it under another; the first lane ends with
# three that do not (docs-lint and ansible-test-units stage copies of their own), and galaxy-import (which reads none)
# ends the second, which evens the lanes out. By the gate times of fresh-clone runs on 2026-12-03: at 54072ae, lanes
# ended at 526 s and 581 s with ansible-test-units (37 s) in the second lane; at 698b011, at 621 s and 591 s with
# galaxy-import (19 s) in the first.
SETUP_GATES := venvs lint
LANE_1 := e2e changelog docs-lint ansible-test-units
LANE_2 := sanity ansible-test-integration lint-ansible matrix galaxy-import
GATES := $(SETUP_GATES) $(LANE_1) $(LANE_2)

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help test venvs stage seed-get-pip lint units e2e sanity ansible-test-units \
        ansible-test-integration lint-ansible changelog changelog-release docs-lint docs galaxy-import \
        matrix matrix-units matrix-e2e demo bench stress mutants clean distclean

help:
	@echo "make test                      all gates, in order, with a summary (what CI runs)"
	@echo "make demo                      run scripts/demo.py in .venv"
	@echo "gates: $(GATES)"
	@echo "make docs                      regenerate docs/<module>_module.rst and docs/<source>_event_source.md from their docs"
	@echo "make changelog-release         once per release: changelog.yaml + CHANGELOG.md from the fragments"
	@echo "make bench                     benchmarks against the simulator (figures, not a gate; docs/benchmarks.md)"
	@echo "make stress                    every e2e test, 3 times over with every core busy and the hand-overs jittered (not a gate)"
	@echo "make mutants                   mutation testing of the rules in module_utils, per file (not a gate; tests/README.md)"
	@echo "make clean | distclean         remove build output | and the virtual environments"

test:
	@MAKE="$(MAKE)" scripts/run-gates.sh "$(SETUP_GATES)" "$(LANE_1)" "$(LANE_2)"

# --- virtual environments -------------------------------------------------------
$(VENV_STAMP): requirements-dev.txt requirements.txt
	scripts/mkvenv.sh "$(PYTHON311)" $(VENV) requirements-dev.txt

$(TOOLS_STAMP): requirements-tools.txt
	scripts/mkvenv.sh "$(PYTHON311)" $(TOOLS) requirements-tools.txt

$(V221_STAMP): requirements-2.21.txt requirements.txt
	scripts/mkvenv.sh "$(PYTHON_NEWEST)" $(V221) requirements-2.21.txt

# The three side by side (each make rebuilds only its own stamp, if stale): pip spends much of its time waiting.
venvs:
	@rc=0; pids=(); \
	for stamp in $(VENV_STAMP) $(TOOLS_STAMP) $(V221_STAMP); do \
	    $(MAKE) --no-print-directory "$$stamp" & pids+=($$!); \
	done; \
	for pid in "$${pids[@]}"; do wait "$$pid" || rc=1; done; \
	exit "$$rc"

# --- helpers ----------------------------------------------------------------------
stage:
	scripts/stage.sh $(COLL)

seed-get-pip: $(VENV_STAMP)
	mkdir -p "$(ANSIBLE_TEST_HOME)"
	$(ANSIBLE_TEST_ENV) $(PY) scripts/seed-get-pip.py

# --- 1. ruff, the marks of the tests that compare times, and the words of the glossary (docs/architecture.md) ----------
lint: $(VENV_STAMP)
	$(VENV)/bin/ruff check plugins extensions tests scripts/stress.py scripts/check-glossary.py scripts/mutants.py
	$(PY) scripts/stress.py --check-targets
	$(PY) scripts/check-glossary.py

# --- 2. unit tests (pytest, from the staged copy so that ansible_collections.* imports) --
# Not a gate of `make test`: ansible-test units runs the same tests with the same Python and ansible-core.
units: $(VENV_STAMP) stage
	cd $(COLL) && PYTHONPATH="$(ROOT)/$(COLL_PARENT)" $(ROOT)/$(PY) -m pytest tests/unit -q -p no:cacheprovider

# --- 3. end-to-end tests (they build and install the collection themselves) -------
# In parallel with pytest-xdist: each worker builds and installs the collection and runs its own simulator
# (tests/e2e/README.md says what a test must respect to run so). Two workers: CI and the reference machine
# have 2 cores, and the tests spend much of their time in configured waits. E2E_WORKERS=0 runs them in one process.
E2E_WORKERS ?= 2
E2E_PYTEST = PATH="$(ROOT)/$(1)/bin:$$PATH" $(1)/bin/python -m pytest tests/e2e -q -p no:cacheprovider \
    $(if $(filter-out 0,$(E2E_WORKERS)),-n $(E2E_WORKERS) --dist worksteal)

e2e: $(VENV_STAMP)
	$(call E2E_PYTEST,$(VENV))

# --- 4./5. ansible-test -------------------------------------------------------------
# Every sanity test but `changelog`: it runs `antsibull-changelog lint`, which the changelog gate (7.) runs on the same
# fragments; skipping it here spares a virtual environment built for it alone (about 10 s from a fresh clone).
sanity: $(VENV_STAMP) seed-get-pip stage
	cd $(COLL) && $(ANSIBLE_TEST) sanity --skip-test changelog $(ANSIBLE_TEST_OPTS)

# ansible-test exits 0 with "All targets skipped" when there is nothing to run: refuse that. It reads a staged copy of
# its own, so that it runs in the first lane while the second lane restages $(COLL).
UNITS_COLL := build/units/ansible_collections/$(NAMESPACE)/$(NAME)

ansible-test-units: $(VENV_STAMP) seed-get-pip
	@find tests/unit -name 'test_*.py' | grep -q . || { echo "no unit tests under tests/unit" >&2; exit 1; }
	scripts/stage.sh $(UNITS_COLL)
	cd $(UNITS_COLL) && $(ANSIBLE_TEST) units $(ANSIBLE_TEST_OPTS)

# One target per module, each run by name: a missing one fails here rather than being skipped.
ansible-test-integration: $(VENV_STAMP) seed-get-pip stage
	@for target in $(MODULES); do test -d tests/integration/targets/$$target || { echo "no integration target tests/integration/targets/$$target" >&2; exit 1; }; done
	cd $(COLL) && $(ANSIBLE_TEST) integration $(MODULES) $(ANSIBLE_TEST_OPTS)

# --- 6. ansible-lint ------------------------------------------------------------------
# The collection root (its example rulebooks too), then the EXAMPLES of every module
# and event source extracted into a small project (ansible-lint does not read plugin
# docs itself; an event source's EXAMPLES are a rulebook, checked against its schema). Offline, ansible-lint
# does not make the collection itself visible to ansible-playbook --syntax-check:
# the staged copy is put on ANSIBLE_COLLECTIONS_PATH instead. The end-to-end playbooks hand their results to the
# tests with e2e_dump, an action plugin of the tests (tests/e2e/action_plugins), put on ANSIBLE_ACTION_PLUGINS.
ANSIBLE_LINT := ANSIBLE_COLLECTIONS_PATH="$(ROOT)/$(COLL_PARENT)" ANSIBLE_ACTION_PLUGINS="$(ROOT)/tests/e2e/action_plugins" \
    PATH="$(ROOT)/$(TOOLS)/bin:$$PATH" \
    ansible-lint --profile production --offline --nocolor

lint-ansible: $(TOOLS_STAMP) stage
	$(ANSIBLE_LINT)
	rm -rf build/lint-examples
	$(TOOLS)/bin/python scripts/extract-examples.py build/lint-examples plugins/modules/*.py $(EVENT_SOURCES)
	cd build/lint-examples && $(ANSIBLE_LINT) *.yml tasks/*.yml rulebooks/*.yml

# --- 7. changelog -----------------------------------------------------------------------
changelog: $(TOOLS_STAMP)
	$(TOOLS)/bin/antsibull-changelog lint
	$(TOOLS)/bin/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	PATH="$(ROOT)/$(TOOLS)/bin:$$PATH" scripts/check-changelog.sh

# The one-off step of a release (0.1.0: once the module's docs are final):
# records the fragments in changelogs/changelog.yaml and writes CHANGELOG.md.
# Commit both; `make changelog` then checks them on every run.
changelog-release: $(TOOLS_STAMP)
	PATH="$(ROOT)/$(TOOLS)/bin:$$PATH" $(TOOLS)/bin/antsibull-changelog release --version $(VERSION)

# --- 8. docs --------------------------------------------------------------------------------
# docs-lint reads a staged copy of its own, so that it runs in the first lane while the second lane restages $(COLL).
DOCS_COLL_PARENT := build/docs-lint
DOCS_COLL := $(DOCS_COLL_PARENT)/ansible_collections/$(NAMESPACE)/$(NAME)

docs-lint: $(TOOLS_STAMP)
	scripts/stage.sh $(DOCS_COLL)
	cd $(DOCS_COLL) && PATH="$(ROOT)/$(TOOLS)/bin:$$PATH" antsibull-docs lint-collection-docs --plugin-docs .
	PATH="$(ROOT)/$(TOOLS)/bin:$$PATH" scripts/module-docs.sh check $(DOCS_COLL_PARENT) $(MODULES)
	$(TOOLS)/bin/python scripts/event-source-docs.py check $(EVENT_SOURCES)

docs: $(TOOLS_STAMP) stage
	PATH="$(ROOT)/$(TOOLS)/bin:$$PATH" scripts/module-docs.sh write $(COLL_PARENT) $(MODULES)
	$(TOOLS)/bin/python scripts/event-source-docs.py write $(EVENT_SOURCES)

# --- 9. galaxy-importer -------------------------------------------------------------------
galaxy-import: $(TOOLS_STAMP)
	rm -f build/$(NAMESPACE)-$(NAME)-*.tar.gz
	$(TOOLS)/bin/ansible-galaxy collection build --force --output-path build .
	$(TOOLS)/bin/python scripts/check-tarball.py $(TARBALL)
	PATH="$(ROOT)/$(TOOLS)/bin:$$PATH" GALAXY_IMPORTER_CONFIG="$(ROOT)/scripts/galaxy-importer.cfg" \
	    scripts/galaxy-import.sh $(TOOLS)/bin/python $(TARBALL)

# --- 10. ansible-core 2.21 ------------------------------------------------------------------
# The second version runs every unit test (seconds), and the e2e tests that MATRIX in tests/e2e/conftest.py names: for
# each module and event source, one of each way it meets ansible-core, then module_defaults, ansible-runner and TLS
# (tests/e2e/README.md, "The matrix"). It stops at once if a plugin has no entry there, or an entry names no test.
matrix: matrix-units matrix-e2e

matrix-units: $(V221_STAMP) stage
	cd $(COLL) && PYTHONPATH="$(ROOT)/$(COLL_PARENT)" $(ROOT)/$(V221)/bin/python -m pytest tests/unit -q -p no:cacheprovider

matrix-e2e: $(V221_STAMP)
	$(call E2E_PYTEST,$(V221)) -m matrix

# --- demo (scripts/demo.py is written elsewhere) --------------------------------------------
demo: $(VENV_STAMP)
	$(PY) scripts/demo.py

# --- benchmarks (figures, not pass/fail; docs/benchmarks.md) ---------------------------------
bench: $(VENV_STAMP)
	$(PY) -m tests.benchmarks

# --- stress (not a gate of `make test`): the e2e tests with every core kept busy and the tests' hand-overs jittered ------
# scripts/stress.py starts one busy loop per core, then runs STRESS_RUNS times over, on the first ansible-core version,
# - STRESS_SET=all (default): every e2e test;
# - STRESS_SET=timing: the e2e tests marked `timing` (tests/e2e/conftest.py keeps that set complete) and the integration
#   targets whose aliases say `timing` (the 10-run form: STRESS_SET=timing STRESS_RUNS=10);
# each pytest run with VOBIZ_TEST_JITTER=STRESS_JITTER (default 0.3 s, 0: off) under a seed of its own, which it prints
# (VOBIZ_TEST_JITTER_SEED=N make stress replays it). It prints how many runs of each test passed and fails unless all
# did. Run it before submitting a change to a test that compares times or waits for another thread, or to the code
# such a test checks (tests/e2e/README.md).
STRESS_RUNS ?= 3
STRESS_SET ?= all
STRESS_JITTER ?=
stress: $(VENV_STAMP) seed-get-pip stage
	PATH="$(ROOT)/$(VENV)/bin:$$PATH" $(PY) scripts/stress.py --runs $(STRESS_RUNS) --set $(STRESS_SET) \
	    $(if $(STRESS_JITTER),--jitter $(STRESS_JITTER)) \
	    --integration 'cd $(COLL) && $(ANSIBLE_TEST) integration {target} $(ANSIBLE_TEST_OPTS)'

# --- mutants (not a gate of `make test`): mutation testing with mutmut (tests/README.md) ------------------------------------
# scripts/mutants.py stages the collection under build/mutants, runs mutmut over the files of module_utils that hold the
# rules a user trusts (its TARGETS) with the unit tests that reach each mutated function, MUTANTS_WORKERS at a time, and
# prints per file the mutants killed, survived and timed out; it fails when a file catches less than 90% of its mutants
# that tests/unit/MUTANTS.md does not list as equivalent, or when an entry there is stale. MUTANTS_ARGS: more options
# (--only LABEL, --keep, --report).
MUTANTS_WORKERS ?= 2
MUTANTS_ARGS ?=
mutants: $(VENV_STAMP)
	$(PY) scripts/mutants.py --workers $(MUTANTS_WORKERS) $(MUTANTS_ARGS)

# --- cleaning -------------------------------------------------------------------------------
clean:
	rm -rf build tests/output .ansible

distclean: clean
	rm -rf $(VENV) $(TOOLS) $(V221) $(ANSIBLE_TEST_HOME)
