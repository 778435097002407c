# Two commands for a newcomer: `make run` and `make test`. Both create or refresh
# the project virtualenv (.venv) from pyproject.toml by themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench chaos lint protos check-protos lint-protos venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> installing the project and its dev tools into $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/pmaas dev

test: $(STAMP) lint check-protos lint-protos
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run $(BENCH_ARGS)
	$(BIN)/python -m tests.bench.skeleton $(SKELETON_BENCH_ARGS)
	$(BIN)/python -m tests.bench.billing
	$(BIN)/python -m tests.bench.governance $(GOV_BENCH_ARGS)
	$(BIN)/python -m tests.bench.escalations $(ESC_BENCH_ARGS)
	$(BIN)/python -m tests.bench.gateway $(GW_BENCH_ARGS)
	$(BIN)/python -m tests.bench.scaleout $(SCALE_BENCH_ARGS)

# Faults survived: every scenario in tests/chaos at a larger scale (make test runs each at scale 1), with the
# counts of each printed at the end. CHAOS_SCALE=N multiplies the work in flight and the faults.
CHAOS_SCALE ?= 5
chaos: $(STAMP)
	PMAAS_CHAOS_SCALE=$(CHAOS_SCALE) $(BIN)/python -m pytest tests/chaos -p no:cacheprovider -q --timeout 1800 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Generated code is committed; `check-protos` fails when it is stale.
protos: $(STAMP)
	$(BIN)/python scripts/protos.py generate
	$(BIN)/python scripts/protos.py snapshot

check-protos: $(STAMP)
	$(BIN)/python scripts/protos.py check

lint-protos: $(STAMP)
	$(BIN)/python scripts/protos.py lint

clean:
	rm -rf $(VENV) .pytest_cache
