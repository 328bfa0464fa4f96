# Two commands: `make audit` runs the whole audit on the sample estate, `make test` runs the tests.
# Each creates .venv and installs the pinned dependencies when they are missing or changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark

.PHONY: audit test lint validate-map dagster bench clean lab

EXPORTS := $(or $(PRIVACY_AUDIT_EXPORTS_DIR),exports)

# the PDF needs chromium: installed when missing (as root), else the audit makes the HTML only
audit: $(STAMP)
	tools/system-packages.sh --optional browser
	@if [ -z "$$(find $(EXPORTS) -type f ! -name '.*' 2>/dev/null | head -n 1)" ]; then \
		echo "$(EXPORTS)/ is empty: generating the sample estate"; \
		$(BIN)/privacy-audit generate --out $(EXPORTS); \
	fi
	$(BIN)/privacy-audit run --exports $(EXPORTS)

# the browser tests need chromium, the Spark parity test Java 17 and the spark extra: installed
# when missing, else make stops saying what to run
test: $(SPARK_STAMP)
	tools/system-packages.sh browser spark
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check pipelines tests && $(BIN)/ruff format --check pipelines tests

# Dagster's UI on 127.0.0.1:3000, its instance in .dagster_home/ (telemetry off, one run at a time)
dagster: $(STAMP)
	mkdir -p .dagster_home
	cp pipelines/defs/dagster.yaml .dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

# audit 100,000 and 1,000,000-contact estates; figures to stdout and benchmarks/results.json
# (ARGS="--contacts 3000000 --repeat 1 --no-peer" adds the 3M measurement to the scaling table)
bench: $(SPARK_STAMP)
	tools/system-packages.sh spark
	$(BIN)/python benchmarks/run.py $(ARGS)

validate-map: $(STAMP)
	$(BIN)/privacy-audit validate-map

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# the Spark engine's packages (pyspark, sqlglot): the tests and --engine spark need them, make audit not
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,spark]'
	touch $(SPARK_STAMP)

clean:
	rm -rf exports warehouse reports/*/ .pytest_cache

# JupyterLab on 127.0.0.1 over notebooks/, keeping its token (open the URL it prints);
# the notebooks read warehouse/warehouse.duckdb read-only (or PRIVACY_AUDIT_DB_PATH)
lab: $(STAMP)
	$(BIN)/jupyter lab --ip 127.0.0.1 --no-browser --notebook-dir notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )
