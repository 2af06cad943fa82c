# The two quickstart commands (see README):
#   make preview   # the main job, offline: the sample issue's threads for X and Bluesky
#   make test      # mypy, then every test, with the local Bluesky network started for the integration tests
#   make fuzz      # the property-based fuzz tests, long: 3,000 examples each (FUZZ_EXAMPLES=N)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: preview test fuzz bench bench-reading bench-extractors clean-network

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,datasette]'
	touch $(STAMP)

preview: $(STAMP)
	$(BIN)/bot --config examples/bot.toml preview examples/ml4sci-33.txt

test: $(STAMP)
	tests/run.sh

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -m "not network" tests/test_fuzz_readers.py tests/test_fuzz_load.py

bench: $(STAMP)
	$(BIN)/python -m bench

# How well bot preview reads the real issues of tests/fixtures/newsletters/corpus/ (issue 9)
bench-reading: $(STAMP)
	$(BIN)/python -m bench.reading

bench-extractors: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.extractors

clean-network:
	tests/atproto_network/stop.sh || true
	rm -rf .atproto-network
