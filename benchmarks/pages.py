"""The dashboard's own numbers, in a process of their own (so its memory is the app's alone):

    python -m benchmarks.pages --db PATH --start 2025-12-01 --end 2026-11-23 [--sessions 5]

Prints one JSON object: ``first_chart_s`` (a fresh process opening the store and drawing the Customer growth
page), ``redraw_s`` (per page: the times to redraw after two department filter changes, D120 then D130, each a
cache miss, under AppTest, once the process has drawn the Overview for D110) and ``rss_mb`` (the peak memory of
the process, after five more sessions have each drawn every page for a department of their own).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (label, page file, growth metric to switch to first). Every page of the dashboard but the import.
PAGES = (("Overview", "overview.py", None),
         ("Customer growth: new customers", "growth.py", None),
         ("Customer growth: contacted customers", "growth.py", "contacted_customers"),
         ("Sales funnel", "funnel.py", None),
         ("Segments & revenue", "segments.py", None),
         ("Team", "team.py", None),
         ("Customer health", "health.py", None),
         ("Warning & care", "warning.py", None),
         ("Customer distribution", "distributions.py", None),
         ("Customers per owner", "owners.py", None),
         ("Regions map", "regions.py", None),
         ("Public pool & follow-ups", "pool.py", None))
DEPARTMENTS = ("D120", "D130")  # the filter changes timed on each page: one region's department subtree, then another's
WARM_UP = "D110"


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: the high-water mark of its own address space). Not
    getrusage's ru_maxrss: Linux carries that across exec, so a process started by a larger one (the bench
    runner, 2.4 GB at M with its pandas frames) reports the starter's peak as its own."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def _open(page: str, start: str, end: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=600)
    at.query_params.update(range="custom", start=start, end=end)
    return at


def _compile_pages_once() -> None:
    """`streamlit run` compiles each page once per process (one ScriptCache per runtime); AppTest compiles it
    again on every run (10-40 ms of Streamlit's magic and Python's compile per page, which no user waits for).
    The harness shares one cache, as the server does."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import local_script_runner

    shared = ScriptCache()
    local_script_runner.ScriptCache = lambda: shared


def _timed_change(at, departments: list[str]) -> float:
    t0 = time.perf_counter()
    at.sidebar.multiselect(key="f_departments").set_value(departments).run()
    return time.perf_counter() - t0


def measure(start: str, end: str, sessions: int = 5) -> dict:
    _compile_pages_once()
    _open("growth.py", start, end).run()
    first_chart = time.perf_counter() - T0  # from the process's start: imports, opening the store, the page
    # A server that has drawn a page for a department before: the first query of a fresh process that reads the
    # departments' columns waits for the disk (0.5 to 3 s at M, whichever page came first), a running server does not.
    _timed_change(_open("overview.py", start, end).run(), [WARM_UP])
    redraw = {}
    for label, page, metric in PAGES:
        at = _open(page, start, end)
        at.run()
        if metric:
            at.button_group(key="growth_metric").set_value(metric).run()
        redraw[label] = [_timed_change(at, [department]) for department in DEPARTMENTS]
        assert not at.exception, (label, at.exception)
    # Five (``sessions``) people with the app open: each draws every page for a department of their own (cache misses).
    for department in ("D110", "D130", "D140", "D150", "D160")[:sessions]:
        for label, page, _ in PAGES:
            at = _open(page, start, end)
            at.run()
            at.sidebar.multiselect(key="f_departments").set_value([department]).run()
    return {"first_chart_s": first_chart, "redraw_s": redraw, "rss_mb": peak_rss_mb()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--start", required=True)
    ap.add_argument("--end", required=True)
    ap.add_argument("--sessions", type=int, default=5, help="sessions opened after the timings, for the memory")
    args = ap.parse_args()
    os.environ["CRM_DB"] = str(args.db)
    os.environ["CRM_USERS"] = ""
    import logging

    logging.disable(logging.WARNING)  # AppTest outside `streamlit run` warns once per element
    print(json.dumps(measure(args.start, args.end, args.sessions)))


if __name__ == "__main__":
    main()
