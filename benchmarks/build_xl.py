"""The XL company (10,000,000 customers, about 95,000,000 follow-ups), built in chunks so memory stays bounded:

    python -m benchmarks.build_xl [--chunks 10]

Each chunk is a 1,000,000-customer demo company of its own seed (crm_core.demo, deterministic) in a file of
its own under benchmarks/data/xl-chunks/; the chunks are then appended into benchmarks/data/bench-10000000.duckdb
with the chunk's number written into every customer, follow-up, deal, pool event and survey id (C0000001 of
chunk 3 becomes C30000001). Employees, departments, targets and settings are chunk 0's: every chunk's
employees have the same ids (the generator numbers them alike), so chunk k's records land on chunk 0's
people. Follow-ups are written in contacted_at order, as the demo writes them. The chunk files are removed
at the end. Prints the time each step took and the file's size.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm_core import schema  # noqa: E402
from crm_core.demo import build_demo  # noqa: E402
from crm_core.store import Store  # noqa: E402

PER_CHUNK = 1_000_000
# The id columns renumbered per chunk (their first letter, then the chunk's digit, then the chunk's id).
CHUNKED_IDS = {"customer_id", "follow_up_id", "deal_id", "event_id", "survey_id"}
ONCE = ("departments", "department_tree", "employees", "targets", "settings")  # chunk 0's only


def _columns(name: str, k: int) -> str:
    cols = []
    for c in schema.TABLES[name]:
        cols.append(f"CASE WHEN {c} IS NULL THEN NULL ELSE left({c}, 1) || '{k}' || substr({c}, 2) END"
                    if c in CHUNKED_IDS else f'"{c}"')
    return ", ".join(cols)


def build_xl(path: Path, chunks: int, end) -> None:
    folder = path.parent / "xl-chunks"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for k in range(chunks):
        chunk = folder / f"chunk-{k}.duckdb"
        if not chunk.exists():
            t0 = time.perf_counter()
            partial = chunk.with_suffix(".part")
            partial.unlink(missing_ok=True)
            store = Store(partial)
            build_demo(store, customers=PER_CHUNK, seed=100 + k, end=end)
            store.close()
            partial.rename(chunk)
            print(f"chunk {k}: {time.perf_counter() - t0:.0f} s", flush=True)
        files.append(chunk)
    t0 = time.perf_counter()
    partial = path.with_suffix(".part")
    partial.unlink(missing_ok=True)
    Store(partial).close()  # the schema
    con = duckdb.connect(str(partial))
    for k, chunk in enumerate(files):
        con.execute(f"ATTACH '{chunk}' AS c{k} (READ_ONLY)")
    for name in schema.TABLES:
        if name == "follow_ups":
            continue
        for k in range(1 if name in ONCE else chunks):
            if name in ONCE:
                con.execute(f"DELETE FROM {name}")
            con.execute(f"INSERT INTO {name} SELECT {_columns(name, k)} FROM c{k}.{name}")
    union = " UNION ALL ".join(f"SELECT {_columns('follow_ups', k)} FROM c{k}.follow_ups" for k in range(chunks))
    con.execute(f"INSERT INTO follow_ups {union} ORDER BY contacted_at")
    con.execute("CHECKPOINT")
    con.close()
    partial.rename(path)
    shutil.rmtree(folder)
    print(f"merged in {time.perf_counter() - t0:.0f} s; {path.name}: {path.stat().st_size / 2**30:.1f} GiB", flush=True)


def main() -> None:
    from benchmarks.run import END, SIZES, db_path

    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=SIZES["XL"] // PER_CHUNK)
    args = ap.parse_args()
    t0 = time.perf_counter()
    build_xl(db_path(args.chunks * PER_CHUNK), args.chunks, END)
    print(f"XL built in {(time.perf_counter() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
