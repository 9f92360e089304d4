"""The benchmark's yardsticks hold on the demo company: every declared report has a hand-written version
(DuckDB SQL on the raw tables, written from DESIGN.md, and pandas for the growth reports) and it gives the
same rows as crm_core under the benchmark's filter sets. `make bench` times them at 1,000,000 customers;
here they are a second, independent computation of every report. Also the summary line's exact words."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from benchmarks import hand_sql
from benchmarks import run
from benchmarks.run import (FILTER_SETS, FOLLOW_UP_REPORTS, HAND_WRITTEN, OPTIONS, bar_ratio, by_pandas, by_sql,
                            medians_ms, selected_people, summary_line)
from benchmarks.pages import DEPARTMENTS, PAGES
from conftest import ROOT
from crm_core.reports import declared
from crm_core.scope import Scope

CASES = [(label, name) for label in FILTER_SETS for name in sorted(declared())]


def test_every_declared_report_has_a_hand_written_version():
    assert set(declared()) == set(hand_sql.REPORTS) | set(HAND_WRITTEN)
    assert set(FOLLOW_UP_REPORTS) <= set(declared())


@pytest.fixture(scope="module")
def tables(demo_store):
    cur = demo_store.cursor()
    return cur, {"customers": cur.execute("SELECT * FROM customers").df(),
                 "follow_ups": cur.execute("SELECT * FROM follow_ups").df()}


@pytest.mark.parametrize("label,name", CASES)
def test_the_hand_written_version_agrees(demo_store, tables, label, name):
    cur, frames = tables
    f = FILTER_SETS[label]
    got = declared()[name].run(Scope(demo_store.backend(), f), **OPTIONS.get(name, {}))
    if name in hand_sql.REPORTS:
        assert hand_sql.same(got, hand_sql.REPORTS[name](cur, f, **OPTIONS.get(name, {}))) is None
        return
    deps, people = selected_people(cur, f)
    values = got[[c for c in got.columns if c != "period"]].to_numpy().tolist()
    assert values == by_sql(cur, name, f, deps).iloc[:, 1:].to_numpy().tolist()
    assert values == by_pandas(frames, name, f, people).iloc[:, 1:].to_numpy().tolist()
    assert sum(map(sum, values)) != 0 or name == "net-growth"  # the demo has records in the range


def test_the_bar_counts_a_small_query_within_ten_ms_as_even():
    assert bar_ratio(25.0, 20.0) == 1.0  # SQL under 30 ms, within 10 ms of it
    assert bar_ratio(31.0, 20.0) == pytest.approx(1.55)
    assert bar_ratio(40.0, 30.0) == pytest.approx(4 / 3)  # SQL at 30 ms: the ratio counts
    assert bar_ratio(10.0, None) != bar_ratio(10.0, None)  # no SQL: NaN, left out of the worst


def test_a_quick_report_is_timed_five_times_even_where_one_run_is_asked_for(monkeypatch):
    calls = {"ours": 0, "sql": 0}

    def counted(side):
        def fn():
            calls[side] += 1
            return side
        return fn

    (_, ours), (_, sql) = medians_ms([counted("ours"), counted("sql")], repeat=1)
    assert (ours, sql) == ("ours", "sql") and calls == {"ours": 1 + 5, "sql": 1 + 5}  # a warm-up, then five
    monkeypatch.setattr(run, "QUICK_MS", 0)  # nothing is quick, but under MID_MS: three runs
    medians_ms([counted("ours")], repeat=1)
    assert calls["ours"] == 6 + 1 + 3
    monkeypatch.setattr(run, "MID_MS", 0)  # nor that: the one run asked for
    medians_ms([counted("ours")], repeat=1)
    assert calls["ours"] == 10 + 1 + 1


def test_where_one_run_is_asked_for_a_slow_function_s_warm_up_is_its_time(monkeypatch):
    calls = {"slow": 0, "fast": 0}
    clock = iter(range(0, 10**6, 1))  # seconds: each call of perf_counter one later

    def fn(side):
        def run_it():
            calls[side] += 1
            if side == "slow":  # three more ticks: 4 s from start to end, against 1 s for fast
                for _ in range(3):
                    next(clock)
            return side
        return run_it

    monkeypatch.setattr(run.time, "perf_counter", lambda: next(clock))
    monkeypatch.setattr(run, "SLOW_MS", 3000)
    (slow_ms, _), (fast_ms, _) = medians_ms([fn("slow"), fn("fast")], repeat=1)
    assert calls == {"slow": 1, "fast": 1 + 1} and (slow_ms, fast_ms) == (4000, 1000)
    medians_ms([fn("slow"), fn("fast")], repeat=3)  # asked for more: every function that many times
    assert calls == {"slow": 1 + 1 + 3, "fast": 2 + 1 + 3}


def test_in_a_close_race_every_side_is_timed_three_times_after_every_side_has_read_the_tables(monkeypatch):
    calls = {"first": 0, "second": 0}
    clock = iter(range(0, 10**6, 1))  # seconds, as above
    ticks = {"first": [5, 2], "second": [2, 2]}  # extra ticks per call: the first run of "first" is slow (cold)

    def fn(side):
        def run_it():
            for _ in range(ticks[side][min(calls[side], 1)]):
                next(clock)
            calls[side] += 1
            return side
        return run_it

    monkeypatch.setattr(run.time, "perf_counter", lambda: next(clock))
    monkeypatch.setattr(run, "SLOW_MS", 3000)
    (first_ms, _), (second_ms, _) = medians_ms([fn("first"), fn("second")], repeat=1)
    # warm-ups 6 s and 3 s (within CLOSE): both run again, three times, and are timed at 3 s each, not 6 against 3
    assert calls == {"first": 1 + 3, "second": 1 + 3} and (first_ms, second_ms) == (3000, 3000)


def test_the_summary_line_says_the_issue_s_words():
    line = summary_line(1.2345, 3.5, 0.2, None)
    assert line == ("bench: worst report vs SQL 1.23 x; follow-up reports vs SQL 3.50 x faster; "
                    "slowest redraw M 0.20 s; slowest redraw XL n/a s")
    assert re.fullmatch(r"bench: worst report vs SQL \S+ x; follow-up reports vs SQL \S+ x faster; "
                        r"slowest redraw M \S+ s; slowest redraw XL \S+ s", summary_line(2.0, 0.5, 1.0, 3.0))


def test_the_pandas_dashboard_draws_and_redraws(demo_path):
    done = subprocess.run([sys.executable, "-m", "benchmarks.pandas_dashboard", "--db", str(demo_path),
                           "--start", "2025-12-01", "--end", "2026-11-23"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["first_chart_s"] > 0 and got["redraw_s"] > 0 and got["rss_mb"] > 50


def test_the_memory_measured_is_the_process_s_own_not_that_of_the_larger_process_that_started_it():
    """Linux carries getrusage's peak across exec: a page-timing process started by the bench runner (2.4 GB at M,
    with its pandas frames) read the runner's peak as its own. The high-water mark of its own memory does not."""
    import resource

    ballast = bytearray(1024 * 2**20)
    ballast[::4096] = b"\1" * len(ballast[::4096])  # touched, so resident
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 > 1024  # the starter is large
    done = subprocess.run([sys.executable, "-c", "from benchmarks.pages import peak_rss_mb; print(peak_rss_mb())"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    del ballast
    assert 1 < float(done.stdout) < 200


def test_the_page_timings_redraw_every_page_twice_without_an_error(demo_path, tmp_path):
    db = tmp_path / "pages.duckdb"  # its own copy: the app opens it for writing, which demo_store's lock refuses
    shutil.copyfile(demo_path, db)
    done = subprocess.run([sys.executable, "-m", "benchmarks.pages", "--db", str(db), "--start", "2025-12-01",
                           "--end", "2026-11-23", "--sessions", "0"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert {label for label, _page, _metric in PAGES} == set(got["redraw_s"])
    assert all(len(times) == len(DEPARTMENTS) == 2 and min(times) > 0 for times in got["redraw_s"].values())
