# Qunsheng: `make run` (demo on the sample community) and `make test` (the whole suite).
VENV   ?= .venv
PY     := $(VENV)/bin/python
QS     := $(VENV)/bin/qunsheng
PYTHON ?= python3
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test bench sample clean

install: $(VENV)/.installed

# torch first, pinned: its CPU build is a local file here; any other torch pulls GBs of CUDA.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

run: install
	$(QS) ingest data/sample/*.csv --community sample
	$(QS) staff add --community sample --file data/sample/staff.txt
	$(QS) run --community sample
	$(QS) serve --host $(HOST) --port $(PORT)

# two workers: each PostgreSQL test makes its own database and each worker its own data folder
test: install
	$(PY) -m pytest -n 2

bench: install
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	$(PY) benchmarks/run.py
	$(PY) benchmarks/ingest.py
	$(PY) benchmarks/segment.py
	$(PY) benchmarks/demand.py
	$(PY) benchmarks/sentiment.py
	$(PY) benchmarks/themes.py
	$(PY) benchmarks/chat.py
	$(PY) benchmarks/scale.py
	$(PY) benchmarks/crm.py

sample:
	$(PYTHON) data/sample/generate.py

clean:
	rm -rf var .pytest_cache
