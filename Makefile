# One command to run the main job, one to run the tests; both install what they need.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= ./data

.PHONY: install install-test run test demo bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q -U pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test,redis]'

run: install  ## crawl every configured site into ./data (or STORE=...)
	$(BIN)/govwire crawl --all --store $(STORE)

demo: install  ## offline: serve the bundled sample sites on 127.0.0.1 and crawl them
	$(BIN)/govwire demo

test: install-test  ## the whole suite
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/dataset.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
