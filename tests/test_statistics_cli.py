"""`python -m crm_core report NAME` for the statistics reports: the documented columns, the same numbers."""

import datetime as dt
import io
import subprocess
import sys

import pandas as pd
import pytest
from conftest import DEMO_END, ROOT

from crm_core.scope import Scope
from crm_core.filters import Filters
from crm_core.reports import run_report

RANGE = ["--start", "2025-01-01", "--end", "2025-06-30", "--department", "D110"]
FILTERS = Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30), departments=("D110",))


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crm_core", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("name, extra, columns, opts", [
    ("categories", [], ["category", "customers"], {}),
    ("tags", [], ["tag", "customers"], {}),
    ("custom-field", ["--field", "客户级别"], ["value", "customers"], {"field": "客户级别"}),
    ("customers-per-owner", [], ["employee_id", "contacted", "not_contacted"], {}),
    ("regions", [], ["region", "customers", "lat", "lon", "top5"], {}),
    ("pool-risk", ["--as-of", str(DEMO_END), "--rule-days", "20", "--window-days", "5"], ["employee_id", "customers"],
     {"as_of": DEMO_END, "rule_days": 20, "window_days": 5}),
    ("pool-claims", ["--period", "quarter"], ["period", "employee_id", "pool", "claims"], {}),
])
def test_cli_prints_the_documented_columns(demo_path, demo_store, name, extra, columns, opts):
    r = cli("report", name, "--db", str(demo_path), *RANGE, *extra)
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(io.StringIO(r.stdout), dtype=str, keep_default_na=False)
    assert list(out.columns) == columns
    assert len(out) > 0
    filters = Filters(start=FILTERS.start, end=FILTERS.end, departments=FILTERS.departments,
                      period="quarter" if name == "pool-claims" else "month")
    direct = run_report(name, Scope(demo_store.backend(), filters), **opts)
    value = {"customers-per-owner": "not_contacted", "pool-claims": "claims"}.get(name, "customers")
    assert out[value].astype(int).tolist() == direct[value].astype(int).tolist()
    assert out.iloc[:, 0].tolist() == direct.iloc[:, 0].astype(str).tolist()


def test_cli_custom_field_needs_a_field(demo_path):
    r = cli("report", "custom-field", "--db", str(demo_path))
    assert r.returncode == 2 and "--field" in r.stderr and "客户级别" in r.stderr
    assert "Traceback" not in r.stderr
