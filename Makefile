# Two commands: `make run` and `make test`. Everything else is a step they take.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DB     ?= data/crm.duckdb
PORT   ?= 8501

.PHONY: run test bench demo venv browser postgres java clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(DB): | venv
	$(PY) -m crm_core demo --db $(DB)

demo: venv
	$(PY) -m crm_core demo --db $(DB)

run: venv $(DB)
	CRM_DB=$(DB) $(PY) -m streamlit run dashboard.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# Debian's Chromium (and CJK fonts for its screenshots) for the browser tests; Playwright's own
# browser download cannot work here.
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; } || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; }

# Debian's PostgreSQL server programs for the hosted-store tests (the tests start their own server on
# 127.0.0.1; nothing is started here).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO apt-get install -y -qq postgresql >/dev/null; }

# Java for the Spark tests (pyspark in local mode).
java:
	@command -v java >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO apt-get install -y -qq default-jre-headless >/dev/null; }

# The whole suite on the DuckDB file (every report on Spark too), then the metric and import suites again
# with PostgreSQL as the store, then the metric suite with Spark reading a copy of every test's data.
test: venv browser postgres java
	$(PY) -m pytest -q
	$(PY) -m pytest -q -m postgres
	$(PY) -m pytest -q -m spark

# Every report, page and the import at M (and XL when built: `$(PY) -m benchmarks.run --build-xl`); writes
# benchmarks/results.md and ends with the one summary line.
bench: venv
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache
