# One command to run the main job, one to run the tests; both install what they need.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# pywb and wacz, the standard replay tools the tests check our output with, get a venv of their
# own: pywb 2.10 pins redis==2.10.6 and werkzeug==3.1.7, which clash with scrapy-redis and Flask.
REPLAY_VENV ?= .venv-replay
RWP ?= .cache/replaywebpage
RWP_VERSION ?= 2.5.3
STORE ?= ./data

.PHONY: install install-test run test lint demo bench fuzz clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q -U pip "setuptools>=77"  # 77+: scrapyd-deploy builds eggs with it

install: $(BIN)/python
	$(BIN)/pip install -q -e '.[ui]'

install-test: $(BIN)/python $(REPLAY_VENV)/bin/wacz $(RWP)/package/sw.js
	$(BIN)/pip install -q -e '.[test,redis,lint]'

# ReplayWeb.page's static UI (ui.js + sw.js) from npm, for the WACZ replay test; skipped
# (and that test skips, saying why) where npm is missing
$(RWP)/package/sw.js:
	@if command -v npm >/dev/null; then mkdir -p $(RWP) && cd $(RWP) && \
	  npm pack --silent replaywebpage@$(RWP_VERSION) >/dev/null && tar xzf replaywebpage-$(RWP_VERSION).tgz; \
	else echo "npm not found: the ReplayWeb.page test will be skipped"; fi

$(REPLAY_VENV)/bin/wacz:
	$(PY) -m venv $(REPLAY_VENV) || python3 -m venv $(REPLAY_VENV)
	$(REPLAY_VENV)/bin/pip install -q -U pip
	$(REPLAY_VENV)/bin/pip install -q 'pywb==2.10.*' 'wacz==0.6.*'

run: install  ## crawl every configured site into ./data (or STORE=...)
	$(BIN)/govwire crawl --all --store $(STORE)

demo: install  ## offline: serve the bundled sample sites on 127.0.0.1 and crawl them
	$(BIN)/govwire demo

test: install-test  ## the whole suite
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: install-test  ## ruff and mypy as CI runs them (configured in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install-test
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/dataset.py

clean:
	rm -rf $(VENV) $(REPLAY_VENV) .cache build *.egg-info .pytest_cache

FUZZ_SECONDS ?= 300
fuzz: install-test  ## coverage-guided fuzzing of clean() and the feed parsers (atheris); crashes land in fuzz/crashes/
	mkdir -p fuzz/corpus/clean fuzz/corpus/feeds fuzz/crashes
	$(BIN)/python fuzz/fuzz_clean.py -max_total_time=$(FUZZ_SECONDS) -timeout=30 -artifact_prefix=fuzz/crashes/ fuzz/corpus/clean fuzz/seeds/clean tests/fuzz_regressions/clean
	$(BIN)/python fuzz/fuzz_feeds.py -max_total_time=$(FUZZ_SECONDS) -timeout=30 -artifact_prefix=fuzz/crashes/ fuzz/corpus/feeds fuzz/seeds/feeds tests/fuzz_regressions/feeds
