"""Targets edited in the app (the Team page's targets section): the rows an editor shows, their problems, and
saving them. No Streamlit here.

The edited rows go through the importer's targets job, so they get exactly the checks a targets file gets
(period and metric words, exactly one of employee and department, by id or name and already loaded, a period
start inside its period moved to the period's first day, a target of 0 or more, one row per target), with
problems naming the editor's row (1 = its first row) and column. Saving is one transaction through
``Store.write`` (one writer at a time; data_version bumped, so every cached report refreshes): the edited rows
are written, a target of the same period, employee or department and metric being replaced, and the targets
the editor showed that its rows no longer hold are removed. Any problem: nothing is written.

    shown = editor_rows(attainment_rows)                    # what the editor starts from
    problems = check_edits(store, edited)                    # [] when it can be saved
    result = save_edits(store, shown, edited)               # ImportFailed (nothing written) on any problem
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa

from .importing.loading import review_together, save_targets
from .importing.mapping import Mapping
from .importing.problems import ImportResult, Problem
from .importing.reading import ROW, SourceFile

EDIT_COLUMNS = ["period_start", "period", "employee_id", "department_id", "metric", "target"]
KEY_COLUMNS = EDIT_COLUMNS[:-1]  # what identifies a target
FIELD = {"period_start": "period_start", "period": "period", "employee_id": "employee", "department_id": "department",
         "metric": "metric", "target": "target"}  # each column's field in a targets file


def editor_rows(targets: pd.DataFrame) -> pd.DataFrame:
    """The targets of a frame holding EDIT_COLUMNS (an attainment report's rows) as an editor's rows: period_start
    a date, an empty id None, the target a float; in the frame's order, numbered from 0."""
    rows = pd.DataFrame({c: targets[c].tolist() if c in targets else [] for c in EDIT_COLUMNS})
    rows["period_start"] = [None if _empty(v) else pd.Timestamp(v).date() for v in rows["period_start"]]
    for c in ("period", "employee_id", "department_id", "metric"):
        rows[c] = pd.Series([None if _empty(v) else str(v) for v in rows[c]], dtype=object)
    rows["target"] = pd.to_numeric(rows["target"], errors="coerce").astype("float64")
    return rows.reset_index(drop=True)


def _empty(v) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v)) or (isinstance(v, str) and not v.strip())


def _text(v) -> str | None:
    """A cell as the text a targets file would hold (None when empty)."""
    if _empty(v):
        return None
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.date().isoformat() if pd.Timestamp(v) == pd.Timestamp(v).normalize() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    return str(v).strip()


def edits_source(edited: pd.DataFrame, labels: dict[str, str] | None = None,
                 name: str = "targets") -> tuple[SourceFile, Mapping]:
    """The edited rows as a targets file the importer reads: one text column per EDIT_COLUMNS, headed by its
    label (what problems call the column; the column's name without one), rows numbered 1, 2, ..."""
    labels = labels or {}
    headers = [labels.get(c, c) for c in EDIT_COLUMNS]
    columns = {h: pa.array([_text(v) for v in (edited[c] if c in edited else [None] * len(edited))], pa.string())
               for c, h in zip(EDIT_COLUMNS, headers)}
    columns[ROW] = pa.array(range(1, len(edited) + 1), pa.int64())
    source = SourceFile(name, headers, pa.table(columns))
    return source, Mapping("targets", {h: FIELD[c] for c, h in zip(EDIT_COLUMNS, headers)})


def check_edits(store, edited: pd.DataFrame, labels: dict[str, str] | None = None,
                name: str = "targets") -> list[Problem]:
    """Every problem of the edited rows, as a targets file's (row: the editor's row, from 1; column: its label);
    nothing is written. No rows: nothing to check."""
    if len(edited) == 0:
        return []
    source, mapping = edits_source(edited, labels, name)
    return review_together(store, [(source, mapping)])[0].problems


def save_edits(store, shown: pd.DataFrame, edited: pd.DataFrame, labels: dict[str, str] | None = None,
               name: str = "targets") -> ImportResult:
    """Check the edited rows and write them in one transaction, removing the targets ``shown`` (the rows the
    editor started from) that the edited rows no longer hold. Raises ImportFailed (nothing written) when any
    row has a problem. The result: inserted (new targets), updated (targets already there, rewritten; of
    those, ``changes.count`` with another value), removed, notes (``period_start_aligned``)."""
    source, mapping = edits_source(edited, labels, name)
    return save_targets(store, source, mapping, editor_rows(shown)[KEY_COLUMNS])
