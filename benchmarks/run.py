"""Performance harness (`make bench`): the growth reports at 1,000,000 customers / ~10,000,000 follow-ups,
against the same reports written by hand in DuckDB SQL and in plain pandas. Prints medians and ratios.

    python -m benchmarks.run [--customers N] [--repeat R]

The demo company is built once into benchmarks/data/bench-N.duckdb and reused. Not a test: nothing here
asserts a time; it checks that the three ways agree, and prints the numbers. The funnel, distribution, owner,
pool and customer-health reports are written again by hand in DuckDB SQL only (benchmarks/hand_sql.py) and
compared the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm_core.demo import build_demo  # noqa: E402
from crm_core.filters import Filters  # noqa: E402
from crm_core.reports import declared as declared_reports  # noqa: E402
from crm_core.scope import Scope  # noqa: E402
from crm_core.store import Store  # noqa: E402

from benchmarks import hand_sql  # noqa: E402

END = dt.date(2026, 11, 23)
START = dt.date(2025, 12, 1)
FILTER_SETS = {
    "company, 12 months by month": Filters(start=START, end=END, period="month"),
    "one region (D110 subtree), by week": Filters(start=START, end=END, period="week", departments=("D110",)),
}
# The reports written again by hand: name -> (table, date column, attributed to, distinct column). Every
# declared report (page-internal ones too) is timed; those here are also compared with hand-written SQL and pandas, those of
# hand_sql.REPORTS with hand-written SQL.
HAND_WRITTEN = {
    "new-customers": ("customers", "created_at", "owner_id", None),
    "contacted-customers": ("follow_ups", "contacted_at", "employee_id", "customer_id"),
    "next-contact": ("customers", "next_contact_at", "owner_id", None),
    "won-customers": ("customers", "won_at", "owner_id", None),
    "net-growth": (None, None, None, None),
}
OPTIONS = {"pool-risk": {"as_of": END}, "follow-up-hygiene": {"as_of": END}, "custom-field": {"field": "客户级别"},
           "segments": {"dimension": "industry"}, "clv-by-segment": {"dimension": "industry"}, "care": {"days": 30}}


# -- the same reports, by hand ----------------------------------------------------------------------------
def _sql_counts(table, date_col, emp_col, distinct, f: Filters, deps: list[str] | None, alias: str) -> str:
    people = ""
    if deps is not None:
        people = f" AND {emp_col} IN (SELECT employee_id FROM employees WHERE department_id IN ({', '.join(repr(d) for d in deps)}))"
    measure = f"count(DISTINCT {distinct})" if distinct else "count(*)"
    return (f"SELECT CAST(date_trunc('{f.period}', {date_col}) AS DATE) AS period, {measure} AS {alias} FROM {table} "
            f"WHERE {date_col} >= TIMESTAMP '{f.start}' AND {date_col} < TIMESTAMP '{f.end + dt.timedelta(days=1)}'{people} GROUP BY 1")


def by_sql(cur, name: str, f: Filters, deps) -> pd.DataFrame:
    grid = (f"SELECT CAST(p AS DATE) AS period FROM generate_series(CAST(date_trunc('{f.period}', DATE '{f.start}') AS DATE), "
            f"DATE '{f.end}', INTERVAL 1 {f.period}) t(p)")
    if name == "net-growth":
        new = _sql_counts("customers", "created_at", "owner_id", None, f, deps, "n")
        lost = _sql_counts("customers", "lost_at", "owner_id", None, f, deps, "c")
        sql = (f"WITH g AS ({grid}), n AS ({new}), c AS ({lost}) SELECT g.period, coalesce(n.n, 0) AS new_customers, "
               f"coalesce(c.c, 0) AS churned_customers, coalesce(n.n, 0) - coalesce(c.c, 0) AS net_growth "
               f"FROM g LEFT JOIN n USING (period) LEFT JOIN c USING (period) ORDER BY 1")
    else:
        table, date_col, emp_col, distinct = HAND_WRITTEN[name]
        counts = _sql_counts(table, date_col, emp_col, distinct, f, deps, "v")
        sql = f"WITH g AS ({grid}), v AS ({counts}) SELECT g.period, coalesce(v.v, 0) AS value FROM g LEFT JOIN v USING (period) ORDER BY 1"
    return cur.execute(sql).df()


def _pandas_counts(frames, table, date_col, emp_col, distinct, f: Filters, people) -> pd.Series:
    df = frames[table]
    df = df[(df[date_col] >= pd.Timestamp(f.start)) & (df[date_col] < pd.Timestamp(f.end) + pd.Timedelta(days=1))]
    if people is not None:
        df = df[df[emp_col].isin(people)]
    day = df[date_col].dt.normalize()
    if f.period == "week":
        period = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    else:
        period = day.dt.to_period({"month": "M", "quarter": "Q", "year": "Y", "day": "D"}[f.period]).dt.start_time
    g = df.groupby(period)
    return g[distinct].nunique() if distinct else g.size()


def by_pandas(frames, name: str, f: Filters, people) -> pd.DataFrame:
    freq = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}[f.period]
    first = pd.Timestamp(f.start) - (pd.Timedelta(days=f.start.weekday()) if f.period == "week" else pd.Timedelta(0))
    first = first.to_period({"week": "D", "day": "D", "month": "M", "quarter": "Q", "year": "Y"}[f.period]).start_time
    grid = pd.date_range(first, pd.Timestamp(f.end), freq=freq)
    if name == "net-growth":
        new = _pandas_counts(frames, "customers", "created_at", "owner_id", None, f, people).reindex(grid, fill_value=0)
        lost = _pandas_counts(frames, "customers", "lost_at", "owner_id", None, f, people).reindex(grid, fill_value=0)
        return pd.DataFrame({"period": grid, "new_customers": new.values, "churned_customers": lost.values,
                             "net_growth": new.values - lost.values})
    table, date_col, emp_col, distinct = HAND_WRITTEN[name]
    s = _pandas_counts(frames, table, date_col, emp_col, distinct, f, people).reindex(grid, fill_value=0)
    return pd.DataFrame({"period": grid, "value": s.values})


# -- measuring ------------------------------------------------------------------------------------------
def medians_ms(fns: list, repeat: int) -> list[tuple[float, object]]:
    """Median wall time of each function, run in turns (so load from elsewhere hits all alike)."""
    results = [fn() for fn in fns]  # warm-up
    times = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            results[i] = fn()
            times[i].append((time.perf_counter() - t0) * 1000)
    return [(statistics.median(t), r) for t, r in zip(times, results)]


def ensure_db(customers: int) -> Path:
    path = ROOT / "benchmarks" / "data" / f"bench-{customers}.duckdb"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        store = Store(path)
        size = build_demo(store, customers=customers, seed=1, end=END)
        store.close()
        print(f"built {path.name}: {size.customers:,} customers, {size.follow_ups:,} follow-ups "
              f"in {time.perf_counter() - t0:.1f} s")
    return path


def page_redraw_ms(path: Path) -> dict[str, float]:
    """Time for pages to redraw after a department filter change (a cache miss), under AppTest."""
    from streamlit.testing.v1 import AppTest

    os.environ["CRM_DB"] = str(path)
    out = {}
    for label, page, metric in (("Customer growth, new customers", "growth.py", None),
                                ("Customer growth, contacted customers", "growth.py", "contacted_customers"),
                                ("Overview (7 KPIs, previous range, trends)", "overview.py", None),
                                ("Customer distribution", "distributions.py", None),
                                ("Customers per owner", "owners.py", None),
                                ("Regions map", "regions.py", None),
                                ("Public pool & follow-ups", "pool.py", None),
                                ("Sales funnel", "funnel.py", None), ("Segments & revenue", "segments.py", None),
                                ("Customer health (lifecycle)", "health.py", None),
                                ("Warning & care (at risk)", "warning.py", None)):
        at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=300)
        at.query_params.update(range="custom", start=str(START), end=str(END))
        at.run()
        if metric:
            at.button_group(key="growth_metric").set_value(metric).run()
        t0 = time.perf_counter()
        at.sidebar.multiselect(key="f_departments").set_value(["D120"]).run()
        out[label] = (time.perf_counter() - t0) * 1000
        assert not at.exception, at.exception
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--reports", nargs="*", help="only these reports (default: every declared one)")
    ap.add_argument("--no-pages", action="store_true", help="skip the page redraw timings")
    args = ap.parse_args()
    path = ensure_db(args.customers)
    store = Store(path, read_only=True)
    backend, cur = store.backend(), store.cursor()
    n_cust, n_fu = cur.execute("SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM follow_ups)").fetchall()[0]
    frames = {
        "customers": cur.execute("SELECT owner_id, created_at, won_at, lost_at, next_contact_at FROM customers").df(),
        "follow_ups": cur.execute("SELECT customer_id, employee_id, contacted_at FROM follow_ups").df(),
    }
    print(f"\n{n_cust:,} customers, {n_fu:,} follow-ups; medians of {args.repeat} runs after a warm-up (ms)\n")
    rows, disagree = [], []
    for label, f in FILTER_SETS.items():
        deps = sorted(r[0] for r in cur.execute(
            "SELECT descendant_id FROM department_tree WHERE list_contains(?, ancestor_id)", [list(f.departments)]
        ).fetchall()) if f.departments else None
        people = (set(cur.execute(f"SELECT employee_id FROM employees WHERE department_id IN ({', '.join(repr(d) for d in deps)})").df().employee_id)
                  if deps else None)
        for name, declared in sorted(declared_reports().items()):  # the page-internal ones (cli=False) too
            if args.reports and name not in args.reports:
                continue
            opts = OPTIONS.get(name, {})
            ours_only = lambda: declared.run(Scope(backend, f), **opts)
            if name in hand_sql.REPORTS:
                (ours, got), (sql, want) = medians_ms([ours_only, lambda: hand_sql.REPORTS[name](cur, f, **opts)],
                                                      args.repeat)
                diff = hand_sql.same(got, want)
                if diff:
                    disagree.append(f"{name} ({label}): {diff}")
                rows.append((label, name, ours, sql, None, ours / sql, None))
                continue
            if name not in HAND_WRITTEN:
                (ours, _), = medians_ms([ours_only], args.repeat)
                rows.append((label, name, ours, None, None, None, None))
                continue
            (ours, got), (sql, want_sql), (pds, want_pd) = medians_ms(
                [ours_only, lambda: by_sql(cur, name, f, deps), lambda: by_pandas(frames, name, f, people)],
                args.repeat)
            value_cols = [c for c in got.columns if c != "period"]
            assert got[value_cols].to_numpy().tolist() == want_sql.iloc[:, 1:].to_numpy().tolist(), (name, label, "sql")
            assert got[value_cols].to_numpy().tolist() == want_pd.iloc[:, 1:].to_numpy().tolist(), (name, label, "pandas")
            rows.append((label, name, ours, sql, pds, ours / sql, pds / ours))
    table = pd.DataFrame(rows, columns=["filters", "report", "crm_core ms", "DuckDB SQL ms", "pandas ms",
                                        "crm_core / SQL", "pandas / crm_core"])
    # DESIGN.md's bar: within 1.3x of the SQL, or within 10 ms of it where the SQL takes under 30 ms.
    sql_ms, ours_ms = table["DuckDB SQL ms"].astype("float64"), table["crm_core ms"]
    table["bar"] = [("" if pd.isna(q) else "ok" if o <= 1.3 * q or (q < 30 and o <= q + 10) else "MISS")
                    for o, q in zip(ours_ms, sql_ms)]
    with pd.option_context("display.width", 200, "display.float_format", "{:,.1f}".format):
        print(table.to_string(index=False))
    store.close()
    assert not disagree, "crm_core and the hand-written SQL disagree:\n  " + "\n  ".join(disagree)
    if args.no_pages:
        return
    print("\nPage redraw after a department filter change (AppTest, cache miss):")
    for label, ms in page_redraw_ms(path).items():
        print(f"  {label}: {ms:,.0f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process (with pandas copies of the tables): {rss:,.0f} MB")


if __name__ == "__main__":
    main()
