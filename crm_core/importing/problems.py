"""What can be wrong with an export, said so a manager can find it: file, row, column, value, message."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file. ``row`` is the row number a spreadsheet shows (the header is row 1);
    ``code`` names the kind of problem (the page translates it), ``message`` says it in English."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    code: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        if self.value not in (None, ""):
            where += f", value {self.value!r}"
        return f"{where}: {self.message}"


class ImportFailed(Exception):
    """The file cannot be imported as it is; nothing was written. Carries every problem found."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = list(problems)
        self.total = total if total is not None else len(self.problems)
        shown = "; ".join(str(p) for p in self.problems[:3])
        more = f" (and {self.total - 3} more)" if self.total > 3 else ""
        super().__init__(shown + more)


def file_problem(file: str, code: str, message: str, row: int | None = None) -> ImportFailed:
    """A problem with the file as a whole (empty, binary, too large, unreadable bytes...)."""
    return ImportFailed([Problem(file, row, None, None, code, message)])


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """The downloadable problem list: one problem per row (file, row, column, value, message); a problem of
    the whole file has no row number."""
    return pd.DataFrame({"file": pd.Series([p.file for p in problems], dtype=object),
                         "row": pd.array([p.row for p in problems], dtype="Int64"),
                         "column": pd.Series([p.column for p in problems], dtype=object),
                         "value": pd.Series([p.value for p in problems], dtype=object),
                         "message": pd.Series([p.message for p in problems], dtype=object)})


def problems_csv(problems: list[Problem]) -> str:
    """The downloadable error file as CSV, safe to open in a spreadsheet (crm_core.exports, like every export)."""
    from ..exports import to_csv

    return to_csv(problems_frame(problems))


NOTES = {"no_created_at": "no creation date column: new customers are dated with the import time, as confirmed",
         "period_start_aligned": "period starts inside their month, quarter or year were moved to its first day "
                                 "(2024-05-15 of a month target: 2024-05-01)"}

#: Problems of a file as a whole: skipping bad rows cannot help with these, so it is not offered.
FILE_CODES = frozenset({"empty", "binary", "too_large", "encoding", "bad_excel", "no_header", "no_rows", "unknown_table",
                        "missing_column", "bad_mapping", "not_found", "ragged", "header_too_long", "long_row",
                        "unreadable", "several_sheets", "no_created_at"})


def can_skip(problems: list[Problem]) -> bool:
    """True when skipping the bad rows would load something: the problems are all of single rows."""
    return bool(problems) and not any(p.code in FILE_CODES or p.row is None for p in problems)


@dataclass
class Changes:
    """Rows already loaded that an import changes (a value differs), with a few of their ids."""

    count: int = 0
    examples: list[str] = field(default_factory=list)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


@dataclass
class ImportResult:
    """What an import did."""

    file: str
    table: str
    rows_read: int
    rows_loaded: int
    inserted: int = 0
    updated: int = 0
    new_employees: int = 0
    new_departments: int = 0
    skipped: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # codes of NOTES
    changes: Changes = field(default_factory=Changes)
    skipped_total: int = 0
    loadable: bool = True  # False when the file cannot load at all (a problem of the whole file)
    removed: int = 0  # targets edited in the app: the ones the editor dropped

    @property
    def problems(self) -> list[Problem]:
        return self.skipped

    def summary(self) -> str:
        text = (f"{self.file}: {self.rows_loaded} of {self.rows_read} rows loaded into {self.table} "
                f"({self.inserted} new, {self.updated} updated)")
        extra = [_count(n, what) for n, what in ((self.new_employees, "new employee"),
                                                 (self.new_departments, "new department")) if n]
        if extra:
            text += "; " + ", ".join(extra)
        if self.skipped:
            text += "; " + _count(len({p.row for p in self.skipped}), "bad row") + " skipped"
        return text
