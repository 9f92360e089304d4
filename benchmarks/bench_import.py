"""Importing a 1,000,000-row GBK customer export end to end, against a bare read of the same file into DuckDB.

    .venv/bin/python -m benchmarks.bench_import [--rows N]

End to end = read (detect encoding, transcode GB18030 -> UTF-8 in chunks, parse), map, validate,
resolve owners (new employees and departments), normalise regions, load in one transaction; then the
same file again, which updates every customer by id. The bare read: DuckDB cannot decode GBK itself
(its `encodings` extension needs a download), so it is the transcode plus `CREATE TABLE AS SELECT * FROM
read_csv(...)` of the result; DuckDB's read of a UTF-8 copy alone is shown as well. Goal: within 3x.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm_core.importing import load, read_file  # noqa: E402
from crm_core.store import Store  # noqa: E402

CITIES = [("广东", "深圳"), ("广东", "广州"), ("北京", ""), ("上海", ""), ("浙江", "杭州"), ("江苏", "南京"),
          ("四川", "成都"), ("", "重庆"), ("湖北", "武汉"), ("山东", "青岛"), ("California", "Los Angeles")]
SOURCES = ["官网咨询", "电话营销", "展会", "客户转介绍", "百度推广", "微信公众号", "抖音"]
LEVELS = ["重点客户", "普通客户", "潜在客户"]
TAGS = ["", "VIP", "制造业、老客户", "高意向;展会客户", "互联网"]


def make_export(path: Path, rows: int, seed: int = 1) -> None:
    """A Chinese SCRM customer list: GBK, CRLF, Chinese headers, 300 owners in 12 departments."""
    rng = np.random.default_rng(seed)
    owner = rng.integers(0, 300, rows)
    place = rng.integers(0, len(CITIES), rows)
    created = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, rows), unit="s")
    frame = pd.DataFrame({
        "客户编号": [f"KH{i:07d}" for i in range(rows)],
        "客户名称": [f"客户{i}科技有限公司" for i in range(rows)],
        "负责人": [f"销售{o:03d}" for o in owner],
        "所属部门": [f"销售{o % 12 + 1}部" for o in owner],
        "创建时间": created.strftime("%Y/%m/%d %H:%M"),
        "省份": [CITIES[p][0] for p in place],
        "城市": [CITIES[p][1] for p in place],
        "客户来源": np.array(SOURCES)[rng.integers(0, len(SOURCES), rows)],
        "客户级别": np.array(LEVELS)[rng.integers(0, len(LEVELS), rows)],
        "客户标签": np.array(TAGS)[rng.integers(0, len(TAGS), rows)],
        "备注": np.where(rng.random(rows) < 0.2, "老客户介绍，需重点跟进", ""),
    })
    path.write_bytes(frame.to_csv(index=False, lineterminator="\r\n").encode("gbk"))


def bare_read(path: Path, folder: Path) -> tuple[float, float]:
    """(transcode + DuckDB read, DuckDB read of the UTF-8 copy alone) in seconds."""
    start = time.perf_counter()
    utf8 = folder / "utf8.csv"
    utf8.write_bytes(path.read_bytes().decode("gb18030").encode("utf-8"))
    read_start = time.perf_counter()
    con = duckdb.connect(str(folder / "bare.duckdb"))
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{utf8}', all_varchar = true)")
    con.close()
    end = time.perf_counter()
    return end - start, end - read_start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    cache = ROOT / "benchmarks" / "data"  # not committed
    cache.mkdir(exist_ok=True)
    export = cache / f"import_customers_gbk_{args.rows}.csv"
    if not export.exists():
        make_export(export, args.rows)
    size = export.stat().st_size / 2**20
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare, duck_only = bare_read(export, folder)
        store = Store(folder / "crm.duckdb")
        timings = {}
        for label in ("first import", "re-import (update)"):
            start = time.perf_counter()
            source = read_file(export)
            read = time.perf_counter() - start
            result = load(store, source)
            timings[label] = (read, time.perf_counter() - start, result)
        store.close()
    print(f"{args.rows:,} rows, {size:.0f} MB GBK with CRLF\n")
    print(f"{'step':<44}{'seconds':>9}{'vs bare':>9}")
    print(f"{'bare: DuckDB read_csv of a UTF-8 copy':<44}{duck_only:>9.2f}{duck_only / bare:>9.2f}")
    print(f"{'bare: transcode GBK + DuckDB read_csv':<44}{bare:>9.2f}{1:>9.2f}")
    for label, (read, total, result) in timings.items():
        print(f"{'import, ' + label + ': read the file':<44}{read:>9.2f}{read / bare:>9.2f}")
        print(f"{'import, ' + label + ': end to end':<44}{total:>9.2f}{total / bare:>9.2f}")
    print("\n" + result.summary())


if __name__ == "__main__":
    main()
