"""The pandas dashboard a user would otherwise write (benchmarks/pandas_app.py), timed the way
benchmarks/pages.py times ours, in a process of its own:

    python -m benchmarks.pandas_dashboard --db PATH --start 2025-12-01 --end 2026-11-23

Prints one JSON object: ``first_chart_s`` (process start to its page drawn), ``redraw_s`` (after a department
filter change to the first of benchmarks.pages.DEPARTMENTS, under AppTest) and ``rss_mb`` (peak memory of one session).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
from pathlib import Path  # noqa: E402

from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.pages import DEPARTMENTS, peak_rss_mb  # noqa: E402 - the same filter change as our first


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--start", required=True)
    ap.add_argument("--end", required=True)
    args = ap.parse_args()
    os.environ["CRM_DB"] = str(args.db)
    logging.disable(logging.WARNING)
    at = AppTest.from_file(str(Path(__file__).with_name("pandas_app.py")), default_timeout=1200)
    at.query_params.update(start=args.start, end=args.end)
    at.run()
    first_chart = time.perf_counter() - T0
    t1 = time.perf_counter()
    at.sidebar.multiselect(key="f_departments").set_value([DEPARTMENTS[0]]).run()
    redraw = time.perf_counter() - t1
    assert not at.exception, at.exception
    print(json.dumps({"first_chart_s": first_chart, "redraw_s": redraw,
                      "rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
