# The two commands: `make demo` (the main job) and `make test`. Both set themselves up.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install bench clean

# Python caches what it compiles (the project's modules, and the ones a library compiles at import):
# a shell that sets PYTHONDONTWRITEBYTECODE would make every process of the tests and the demo
# compile them again (measured: +0.4 s of CPU for each process that imports Prefect and the flows).
unexport PYTHONDONTWRITEBYTECODE

# uv installs the same pinned versions as pip would, compiled to bytecode as pip does, in ~20 s
# instead of ~50 s (measured on a fresh clone of the 2-core machine); pip only installs uv itself.
$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ion-sync demo

# Lint and format, then the types (mypy) alongside the tests on four workers (xdist; each worker
# runs one Prefect API that its `ion-sync run` children share): on two cores, the tests wait on
# simulators' latency, timeouts and child processes much of the time (measured warm: three workers
# 242 s, four 202-213 s; README "make test"), and a cold mypy (a fresh clone has no .mypy_cache)
# fills the rest.
# mypy's findings print after the tests; either failing fails the target. The tests' temporary
# files (their ledgers, the simulators' and the Prefect servers' SQLite databases) go to a RAM-backed
# directory where the machine has one: on disk every commit waits on the disk, and the tests make
# tens of thousands. Leaves nothing running.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@scratch=$$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d); types_log=$$(mktemp); \
	$(BIN)/mypy >$$types_log 2>&1 & types=$$!; \
	TMPDIR=$$scratch $(BIN)/pytest -n 4 --dist worksteal; tests_status=$$?; \
	wait $$types; types_status=$$?; \
	echo "--- mypy (exit $$types_status)"; cat $$types_log; rm -rf $$types_log $$scratch; \
	test $$tests_status -eq 0 -a $$types_status -eq 0

bench: $(STAMP)
	$(BIN)/python benchmarks/consumption.py
	$(BIN)/python benchmarks/reconciliation.py
	$(BIN)/python benchmarks/three_way_match.py
	$(BIN)/python benchmarks/noop.py
	$(BIN)/python benchmarks/erp_budget.py
	$(BIN)/python benchmarks/shared_budget.py

clean:
	rm -rf $(VENV) .demo .sandbox
