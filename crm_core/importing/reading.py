"""Reading an export into an Arrow table of text: CSV in any common encoding and dialect, or Excel.

Encodings: a BOM decides (UTF-8, UTF-16 as Excel's "Unicode text" writes it); otherwise UTF-8 if the
bytes are valid UTF-8, else charset-normalizer's guess, where any GBK-family guess is decoded as
GB18030 (its superset, so rare characters in names survive). Non-UTF-8 files are transcoded in chunks;
Arrow then parses the CSV in parallel. Every value stays text here; typing happens in SQL later.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from .problems import file_problem

MAX_FILE_BYTES = 1024 * 1024 * 1024  # 1 GiB: a few million rows; larger exports should be split
CHUNK = 16 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024  # a header row longer than this is not a list of column names
BLOCK_BYTES = 8 << 20  # Arrow's read block: also the longest row a file may have
ROW = "__row"  # the column holding each record's row number as a spreadsheet shows it
GBK_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936", "hz_gb_2312", "iso2022_cn"}


@dataclass
class SourceFile:
    """One export, read: its headers (as written, made unique) and every record as text, with its row number."""

    name: str
    headers: list[str]
    data: pa.Table  # one string column per header (names made unique), plus ROW
    encoding: str | None = None  # None for Excel
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    raw_headers: list[str] | None = None  # the headers as written (before repeats were made unique)
    formula_cells: list[tuple[int, str]] = field(default_factory=list)  # (row, header): a formula with no saved result
    sheet: str | None = None  # the Excel sheet it came from

    @property
    def rows(self) -> int:
        return self.data.num_rows


def read_file(source: str | os.PathLike | bytes, name: str | None = None,
              max_bytes: int = MAX_FILE_BYTES) -> SourceFile:
    """Read a CSV or Excel export from a path or from bytes (an upload). ``name`` is what messages call it.
    A workbook with data on several sheets is refused here, naming them: use ``read_files`` for those."""
    sources = read_files(source, name, max_bytes)
    if len(sources) > 1:
        raise file_problem(sources[0].name.split(" [")[0], "several_sheets",
                           "the workbook has data on several sheets (" + ", ".join(s.sheet for s in sources)
                           + "); import them together (the Import page, or the CLI without --table/--mapping), "
                           "or save each sheet as its own file")
    return sources[0]


def read_files(source: str | os.PathLike | bytes, name: str | None = None,
               max_bytes: int = MAX_FILE_BYTES) -> list[SourceFile]:
    """Read an export: one SourceFile for a CSV, one per sheet that holds a table for a workbook
    (each named "book.xlsx [sheet]" when there are several), in the workbook's order."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
        name = name or "upload"
        if len(raw) > max_bytes:
            raise _too_large(name, len(raw), max_bytes)
    else:
        path = Path(source)
        name = name or path.name
        if not path.is_file():
            raise file_problem(name, "not_found", f"there is no file at {path}")
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_large(name, size, max_bytes)
        raw = path.read_bytes()
    if not raw.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise file_problem(name, "empty", "the file is empty")
    if raw[:4] == b"PK\x03\x04" or raw[:4] == b"\xd0\xcf\x11\xe0":
        return _read_excel(raw, name)
    return [_read_csv(raw, name)]


def _too_large(name: str, size: int, limit: int):
    return file_problem(name, "too_large", f"the file is {size / 2**20:.0f} MB; the limit is "
                        f"{limit / 2**20:.0f} MB: export fewer rows at a time (for example one year per file)")


# -- CSV -------------------------------------------------------------------------------------------
def detect_encoding(raw: bytes, name: str = "file") -> str:
    """The codec to decode ``raw`` with (a Python codec name)."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = raw[: 1 << 20]
    if b"\x00" in sample[:8192]:
        raise file_problem(name, "binary", "this is not a CSV or Excel export (it looks like a binary file); "
                           "export the data again as CSV or .xlsx")
    cut = sample if len(raw) == len(sample) else sample[: sample.rfind(b"\n") + 1] or sample
    try:
        cut.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(cut).best()
    guess = best.encoding.lower().replace("-", "_") if best else None
    if guess in ("big5", "big5hkscs", "cp950"):
        return best.encoding
    # GBK-family, or read best as GBK: short Chinese files are often taken for Korean, Japanese or even
    # Cyrillic, and a damaged byte defeats the detector; the strict decoding that follows names its row.
    if guess in GBK_FAMILY or _reads_as_chinese(cut):
        return "gb18030"
    if best is None:
        raise file_problem(name, "encoding", "cannot tell which text encoding this file uses; "
                           "save it again as CSV UTF-8")
    return best.encoding


def _reads_as_chinese(raw: bytes) -> bool:
    """True when the bytes decode as GB18030 (but for a damaged byte or two) into mostly Chinese and ASCII."""
    text = raw.decode("gb18030", errors="replace")
    wide = [c for c in text if ord(c) > 127 and c != "\ufffd"]
    if not wide or text.count("\ufffd") > max(2, len(wide) // 100):
        return False
    return sum("\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"
               for c in wide) >= 0.9 * len(wide)


def to_utf8(raw: bytes, encoding: str, name: str = "file") -> bytes:
    """The file's text as UTF-8 bytes, transcoded in chunks; undecodable bytes name their byte offset and row."""
    if encoding in ("utf-8", "utf-8-sig"):
        base = 3 if raw.startswith(codecs.BOM_UTF8) else 0  # offsets count from the file's first byte
        view = memoryview(raw)[base:]
        decoder = codecs.getincrementaldecoder("utf-8")()
        for start in range(0, len(view), CHUNK):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(view[start:start + CHUNK], final=start + CHUNK >= len(view))
            except UnicodeDecodeError as e:
                raise _bad_bytes(raw, base + start - pending + e.start, encoding, name)
        return raw[base:]
    decoder = codecs.getincrementaldecoder(encoding)()
    parts = []
    for start in range(0, len(raw), CHUNK):
        pending = len(decoder.getstate()[0])
        try:
            parts.append(decoder.decode(raw[start:start + CHUNK], final=start + CHUNK >= len(raw)).encode("utf-8"))
        except UnicodeDecodeError as e:
            raise _bad_bytes(raw, start - pending + e.start, encoding, name)
    out = b"".join(parts)
    return out[3:] if out.startswith(codecs.BOM_UTF8) else out


def _bad_bytes(raw: bytes, offset: int, encoding: str, name: str):
    if encoding.startswith("utf-16"):
        row = raw[:offset].decode(encoding, errors="replace").count("\n") + 1
    else:
        row = raw.count(b"\n", 0, offset) + 1
    shown = {"gb18030": "GBK/GB18030", "utf-8-sig": "UTF-8"}.get(encoding, encoding.upper())
    hint = ""
    if encoding in ("utf-8", "utf-8-sig") and _reads_as_chinese(raw[offset:offset + 4096]):
        hint = (" (the file starts with a UTF-8 mark but from there its text looks like GBK)"
                if encoding == "utf-8-sig" else " (from there the text looks like GBK)")
    return file_problem(name, "encoding", f"bytes {raw[offset:offset + 4].hex(' ')} at byte {offset} (line {row}) "
                        f"are not valid {shown} text{hint} (the file is damaged or mixes encodings); "
                        "save it again as CSV UTF-8", row=row)


def sniff_dialect(text: str) -> tuple[str, str, int]:
    """(delimiter, quote character, lines to skip) from the start of the file's text."""
    skip = 0
    first = text.split("\n", 1)[0].strip()
    if first.lower().startswith("sep=") and len(first) == 5:  # Excel's "sep=;" hint line
        return first[4], '"', 1
    sample = text[:65536]
    sample = sample[: sample.rfind("\n") + 1] or sample
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
        delimiter, quote = dialect.delimiter, dialect.quotechar or '"'
    except csv.Error:
        counts = {d: first.count(d) for d in ",\t;|"}
        delimiter, quote = max(counts, key=counts.get), '"'
    # The header line must split on it; the sniffer is sometimes fooled by commas inside values.
    if first.count(delimiter) == 0 and ("\t" in first or "," in first):
        delimiter = "\t" if first.count("\t") >= first.count(",") else ","
    return delimiter, quote, skip


def _read_csv(raw: bytes, name: str) -> SourceFile:
    encoding = detect_encoding(raw, name)
    data = to_utf8(raw, encoding, name)
    _check_header_length(data, name)
    head = data[:65536].decode("utf-8", errors="ignore")
    delimiter, quote, skip = sniff_dialect(head)
    lines = head.split("\n")[skip:]
    written = [h.strip().strip("\ufeff") for h in next(csv.reader(io.StringIO("\n".join(lines)),
                                                               delimiter=delimiter, quotechar=quote), [])]
    if not any(written):
        raise file_problem(name, "no_header", "the first row is empty; it must hold the column names")
    headers = names = unique_names(written)
    bad_rows = []

    def invalid(row):
        bad_rows.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1 + skip, block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=quote, newlines_in_values=True,
                                             invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid as e:
        raise _unreadable_rows(data, name, quote, e)
    if bad_rows:
        from .problems import ImportFailed, Problem

        raise ImportFailed([Problem(name, r.number or _line_of(data, r.text), None, None, "ragged",
                                    f"this row has {r.actual_columns} values but the header has "
                                    f"{r.expected_columns} columns (a value with an unquoted "
                                    f"{'comma' if delimiter == ',' else 'separator'}?)")
                            for r in bad_rows[:100]], total=len(bad_rows))
    import numpy as np

    table = table.append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64) + 2 + skip))
    label = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "gb18030": "GBK/GB18030", "utf-16": "UTF-16"}
    return SourceFile(name, headers, table, label.get(encoding, encoding), delimiter, raw_headers=written)


def _check_header_length(data: bytes, name: str) -> None:
    """A header row over MAX_HEADER_BYTES is the header's problem (not a data row's): refuse it as such."""
    end = data.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if end < 0 and len(data) > MAX_HEADER_BYTES:
        end = data.find(b"\n")
        size = (end if end >= 0 else len(data)) / 1024
        raise file_problem(name, "header_too_long", f"the first line (the header row) is {size:,.0f} KB long; a header "
                           f"holds the column names and may be at most {MAX_HEADER_BYTES // 1024} KB. Is this a CSV "
                           "export (with one record per line)? Export it again as CSV or .xlsx", row=1)


def _unreadable_rows(data: bytes, name: str, quote: str, error: Exception):
    """Arrow could not split the file into rows: say which line is too long, or that a quote is left open."""
    import numpy as np

    limit = BLOCK_BYTES
    if "straddl" not in str(error) and "block size" not in str(error):
        return file_problem(name, "unreadable", f"the file cannot be read as CSV ({error}); export it again as CSV or .xlsx")
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    starts = np.concatenate(([0], ends + 1))
    lengths = np.concatenate((ends, [len(data)])) - starts
    long = np.flatnonzero(lengths > limit)
    if len(long):
        line = int(long[0]) + 1
        return file_problem(name, "long_row", f"line {line} is {lengths[long[0]] / 2**20:,.1f} MB long; a row may be at "
                            f"most {limit / 2**20:,.0f} MB (is the file one long line, or not a CSV export?). "
                            "Export it again as CSV or .xlsx with one record per line", row=line)
    return file_problem(name, "long_row", f"a row is over {limit / 2**20:,.0f} MB long: probably a {quote} that "
                        "opens a value and is never closed, so the rest of the file reads as one value; "
                        "check the quotes, or export the file again")


def _line_of(data: bytes, text: str | None) -> int | None:
    """The line number where a row's text starts (Arrow does not always know it)."""
    at = data.find(text.encode("utf-8")) if text else -1
    return None if at < 0 else data.count(b"\n", 0, at) + 1


def unique_names(headers: list[str]) -> list[str]:
    """Headers made unique and non-empty (a blank header becomes 'column 3', a repeat 'name (2)')."""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers, start=1):
        base = h or f"column {i}"
        n = seen.get(base, 0) + 1
        seen[base] = n
        out.append(base if n == 1 else f"{base} ({n})")
    return out


# -- Excel -----------------------------------------------------------------------------------------
def _cell(value) -> str:
    """An Excel cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _read_excel(raw: bytes, name: str) -> list[SourceFile]:
    """Every sheet that holds a table (a header row of two or more columns and at least one row under it).
    Sheets without one (notes, empty sheets) are left out with a note on the first file."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
    except Exception as e:  # noqa: BLE001 - any reader error means the same to the manager
        raise file_problem(name, "bad_excel", f"this Excel file cannot be opened ({e}); save it again as .xlsx or CSV")
    formulas = _formulas_without_values(raw)
    found, left_out = [], []
    for sheet in book.sheet_names:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        source = _sheet_table(rows, name, sheet, formulas.get(sheet, set()))
        (found if source is not None else left_out).append(source or sheet)
    if not found:
        raise file_problem(name, "empty", "the workbook has no data (no sheet has a header row with rows under it)")
    if len(found) > 1:
        for source in found:
            source.name = f"{name} [{source.sheet}]"
    found[0].notes += [f"sheet_left_out:{s}" for s in left_out if s is not None]
    return found


def _sheet_table(rows: list[list], name: str, sheet: str, formulas: set[tuple[int, int]]) -> SourceFile | None:
    filled = [sum(c not in (None, "") for c in r) for r in rows[:20]]
    if not filled or max(filled) == 0:
        return None
    # Some exports put a title line above the header: the header is the first row nearly as wide as the widest.
    top = next(i for i, n in enumerate(filled) if n >= max(1, max(filled) // 2 + 1) or n == max(filled))
    written = [_cell(c).strip() for c in rows[top]]
    while written and not written[-1]:
        written.pop()
    body = [(top + 2 + i, r) for i, r in enumerate(rows[top + 1:])
            if any(c not in (None, "") for c in r) or any((top + 1 + i, j) in formulas for j in range(len(r)))]
    if not body or not written:
        return None
    if len([h for h in written if h]) < 2:  # one column: a table only when its header names a field (客户名称)
        from .mapping import table_scores

        if not any(table_scores(written).values()):
            return None
    headers = names = unique_names(written)
    columns = {n: pa.array([_cell(r[j]) if j < len(r) else "" for _, r in body], pa.string())
               for j, n in enumerate(names)}
    columns[ROW] = pa.array([n for n, _ in body], pa.int64())
    cells = sorted((i + 1, names[j]) for i, j in formulas if i > top and j < len(names))
    return SourceFile(name, headers, pa.table(columns), raw_headers=written, formula_cells=cells, sheet=sheet)


def _formulas_without_values(raw: bytes) -> dict[str, set[tuple[int, int]]]:
    """Per sheet, the (row, column) positions (0-based) of formula cells whose result the file does not hold
    (workbooks written by programs that do not calculate): calamine reads them as empty."""
    import zipfile

    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
        if not any(n.startswith("xl/worksheets/") and b"<f" in z.read(n) for n in z.namelist()):
            return {}
        import openpyxl

        formulas = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
        values = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - not an .xlsx (an old .xls): no formula check
        return {}
    out = {}
    for ws in formulas.worksheets:
        cached = values[ws.title]
        found = set()
        for row, row_values in zip(ws.iter_rows(), cached.iter_rows(values_only=True)):
            for j, cell in enumerate(row):
                if isinstance(cell.value, str) and cell.value.startswith("=") and \
                        (j >= len(row_values) or row_values[j] in (None, "")):
                    found.add((cell.row - 1, cell.column - 1))
        out[ws.title] = found
    return out
