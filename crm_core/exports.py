"""Writing reports out (CLI output, app downloads): CSV, XLSX or JSON, safe to open in a spreadsheet.

One rule for every format (``safe_frame``): a text cell, or a column name, whose first character after any
leading white space or control characters is = + - or @ gets a leading apostrophe, so a spreadsheet shows
it as text and never runs it as a formula. Numbers (negative ones included) and dates are never altered."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import math
import re
import unicodedata
import zipfile

import numpy as np
import pandas as pd

_FORMULA_START = ("=", "+", "-", "@")
# A formula start, after any white space (space, tab, newline, ideographic space...) or control characters:
# spreadsheets skip those before deciding a cell is a formula, and XLSX drops the control characters.
_FORMULA_LIKE = re.compile(r"[\s\x00-\x1f\x7f]*[" + re.escape("".join(_FORMULA_START)) + "]")


def neutralise(value):
    """A text cell starting with = + - @ (also after leading spaces, a tab or control characters) gets a
    leading apostrophe so spreadsheets do not run it; anything else is returned as it is."""
    if isinstance(value, str) and _FORMULA_LIKE.match(value):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and column names are neutralised; numbers and dates are never altered."""
    out = df.copy()
    out.columns = [neutralise(c) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out.isetitem(i, col.map(neutralise))
    return out


def with_names(df: pd.DataFrame, employees: dict, departments: dict) -> pd.DataFrame:
    """``df`` with employee_name after employee_id and department_name after department_id (from the
    given id -> name maps; empty where unknown), so a spreadsheet reads without a lookup."""
    out = df.copy()
    for col, names in (("employee_id", employees), ("department_id", departments)):
        if col in out.columns:
            out.insert(out.columns.get_loc(col) + 1, col.replace("_id", "_name"),
                       out[col].map(lambda k: names.get(k) if isinstance(k, str) else None))
    return out


def to_csv(df: pd.DataFrame) -> str:
    """CSV with a header row, ISO dates, no index; numbers at full precision."""
    return safe_frame(df).to_csv(index=False, lineterminator="\n", )


def to_json(df: pd.DataFrame) -> str:
    """A JSON list of records, ISO dates."""
    def default(v):
        if isinstance(v, (dt.date, dt.datetime, pd.Timestamp)):
            return v.isoformat()
        raise TypeError(type(v))
    safe = safe_frame(df)
    records = safe.astype(object).where(safe.notna(), None).to_dict(orient="records")
    return json.dumps(records, ensure_ascii=False, default=default)


# -- XLSX -------------------------------------------------------------------------------------------------

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ILLEGAL_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 cannot hold these
_MAX_CELL_TEXT = 32767  # Excel's limit for one cell
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_NOW_IN_PROPERTIES = re.compile(rb"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>")


def sheet_title(name: str) -> str:
    """``name`` as an Excel sheet title: no []:*?/\\ , no apostrophe at either end, at most 31 characters,
    never empty nor Excel's reserved "History"."""
    title = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'")[:31].strip("'") or "Sheet1"
    return title + "_" if title.lower() == "history" else title


def _text(value: str) -> str:
    """Text as a worksheet can hold it."""
    return _ILLEGAL_IN_XLSX.sub("", value)[:_MAX_CELL_TEXT]


def _cell(value, as_date: bool = False):
    """One value of a ``safe_frame`` as openpyxl takes it: a number stays a number, a date a date; text
    loses the control characters XML cannot hold (and is cut at Excel's 32,767 characters a cell); missing
    values and infinities (Excel has neither) are empty cells."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return value if value.is_finite() else None
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
        if value is pd.NaT:
            return None
    if isinstance(value, pd.Timestamp):
        value = value.tz_localize(None) if value.tzinfo else value
        return value.date() if as_date else value.to_pydatetime(warn=False)
    if isinstance(value, (dt.datetime, dt.time)):
        return value.replace(tzinfo=None)  # Excel has no time zones: the wall-clock time, as CSV shows it
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (pd.Timedelta, np.timedelta64)):
        value = pd.Timedelta(value)
        return None if value is pd.NaT else value.to_pytimedelta()
    if isinstance(value, dt.timedelta):
        return value
    return _text(neutralise(str(value)))  # anything else: its text, as CSV writes it, made safe the same way


def _width(value) -> int:
    """Rough display width of a cell (CJK characters count twice), for the column widths."""
    if isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, dt.datetime):
        text = "2026-01-01 00:00:00"
    else:
        text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text[:60])


def _midnight_only(col: pd.Series) -> bool:
    """A date-time column whose values are all at midnight: CSV writes it as dates, so XLSX does too."""
    if not pd.api.types.is_datetime64_any_dtype(col):
        return False
    values = col.dropna()
    return bool((values == values.dt.normalize()).all())


def _stable(raw: bytes) -> bytes:
    """The same package with every zip entry dated alike and no creation or change time in its properties,
    so the same frame always gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = _NOW_IN_PROPERTIES.sub(b"", data)
            dst.writestr(info, data)
    return out.getvalue()


def to_xlsx(df: pd.DataFrame, sheet_name: str = "Sheet1") -> bytes:
    """An Excel workbook of one worksheet ``sheet_name`` (made a valid title): a bold, frozen header row,
    then the rows; no index.

    Text goes through the same ``safe_frame`` as CSV, so a neutralised cell reads exactly as in the CSV, and
    is a text cell, never a formula. Numbers are numeric cells at full precision, negatives included; dates
    are date cells, date-times date-time cells (a date-time column at midnight throughout is written as
    dates, as CSV does). The bytes depend only on the frame and the title (no timestamps inside)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    safe = safe_frame(df)
    as_date = [_midnight_only(safe.iloc[:, i]) for i in range(safe.shape[1])]
    header = [_cell(c) for c in safe.columns]
    rows = [[_cell(v, as_date[i]) for i, v in enumerate(row)] for row in safe.itertuples(index=False, name=None)]

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(sheet_name))
    sheet.freeze_panes = "A2"
    for i, name in enumerate(header):
        widest = max([_width(name), *(_width(row[i]) for row in rows[:1000])])
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(max(widest + 2, 8), 60)

    def text_cell(value: str, **style):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, even should it start with = (neutralised text never does)
        for k, v in style.items():
            setattr(cell, k, v)
        return cell

    bold = Font(bold=True)
    sheet.append([text_cell(h, font=bold) if isinstance(h, str) else h for h in header])
    for row in rows:
        sheet.append([text_cell(v) if isinstance(v, str) and v.startswith("=") else v for v in row])
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    return _stable(raw.getvalue())
