# Two commands for a newcomer:  `make demo`  and  `make test`  (in either order).
# Each creates .venv (Python 3.11+) beside this Makefile and installs the package if missing,
# then runs. Works from any folder: `make -C /path/to/earlywarn demo` or
# `make -f /path/to/earlywarn/Makefile demo`. Outputs go under ./runs of the folder make runs in.
ROOT   := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
PYTHON ?= python3
VENV   ?= $(ROOT)/.venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export MLFLOW_DISABLE_TELEMETRY := true

.PHONY: install demo demo-synthetic test test-fast lint bench finance-data finance-cycle

$(STAMP): $(ROOT)/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '$(ROOT)[dev,notebooks]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/earlywarn demo

demo-synthetic: $(STAMP)
	$(BIN)/earlywarn demo --synthetic

# Everything (what CI runs), spread over the machine's cores; a test file stays on one worker.
test: $(STAMP)
	cd $(ROOT) && $(BIN)/ruff check src tests benchmarks
	cd $(ROOT) && $(BIN)/ruff format --check src tests benchmarks
	cd $(ROOT) && $(BIN)/python -m pytest -n auto --dist loadfile --durations=15

lint: $(STAMP)
	cd $(ROOT) && $(BIN)/ruff check --fix src tests benchmarks
	cd $(ROOT) && $(BIN)/ruff format src tests benchmarks

bench: $(STAMP)
	cd $(ROOT) && $(BIN)/python benchmarks/bench_help.py
	cd $(ROOT) && $(BIN)/python benchmarks/bench_cycle.py
	cd $(ROOT) && $(BIN)/python benchmarks/bench_features.py
	cd $(ROOT) && $(BIN)/python benchmarks/bench_models.py
	cd $(ROOT) && $(BIN)/python benchmarks/bench_explain.py
	cd $(ROOT) && $(BIN)/python benchmarks/bench_pdf_parse.py

# Financial failure (issue 24): the public finance tables as the cycle's input files (once,
# ~2 min, git-ignored), then the cycle as of 31 March 2025 into $(OUT) (outside the repository).
FINANCE_DATA := $(ROOT)/experiments/real-2025/finance-data
OUT ?= /tmp/earlywarn-finance-2025
finance-data: $(FINANCE_DATA)/events.csv
$(FINANCE_DATA)/events.csv: $(STAMP)
	cd $(ROOT) && $(BIN)/python experiments/real-2025/build_finance_files.py

# Its MLflow store (named councils) goes under $(OUT) too, never into the checkout's runs/.
finance-cycle: $(FINANCE_DATA)/events.csv
	mkdir -p $(OUT)-mlflow
	cd $(ROOT) && MLFLOW_TRACKING_URI=$${MLFLOW_TRACKING_URI:-sqlite:///$(OUT)-mlflow/mlflow.db} \
		$(BIN)/earlywarn cycle experiments/real-2025/cycle-finance.toml --out $(OUT)

# The inner loop: no whole cycles, subprocesses, notebooks, real data or fuzzing (< 2 min).
test-fast: $(STAMP)
	cd $(ROOT) && $(BIN)/ruff check src tests benchmarks
	cd $(ROOT) && $(BIN)/python -m pytest -q -n auto --dist loadfile \
		-m "not (cycle or subprocess or notebook or real or fuzz or slow)"
