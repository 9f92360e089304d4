"""Which table a file holds and which field each column fills: detected, proposed, corrected, saved.

A mapping is saved as JSON (``{"table": ..., "columns": {header: field}, "day_first": ...}``) under
data/mappings/, named by a hash of the file's headers, so the next export with the same headers gets the
manager's corrected mapping without asking again. The CLI takes the same file with --mapping.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .fields import CUSTOM, FIELDS, IGNORE, TELLING, match_header, normalise
from .problems import file_problem

MAPPINGS_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "mappings"


@dataclass
class Mapping:
    """The table a file goes to, the field each header fills (or CUSTOM / IGNORE), and date order."""

    table: str
    columns: dict[str, str]
    day_first: bool = False
    extra: dict = field(default_factory=dict)
    created_today: bool = False  # the manager confirmed: new customers without a creation date are dated today

    def header_for(self, key: str) -> str | None:
        return next((h for h, k in self.columns.items() if k == key), None)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


def table_scores(headers: list[str]) -> dict[str, int]:
    """How well the headers fit each table; a table whose required fields are missing scores 0."""
    scores = {}
    for table, fs in FIELDS.items():
        found = {match_header(table, h) for h in headers} - {None}
        if any(f.required and f.key not in found for f in fs) or not found:
            scores[table] = 0
        else:
            scores[table] = sum(3 if k in TELLING else 1 for k in found)
    return scores


def detect_table(headers: list[str], file: str = "file") -> str:
    """The table the headers describe best; an ImportFailed naming what is missing when none fits."""
    scores = table_scores(headers)
    best = max(scores, key=lambda t: scores[t])
    if scores[best] == 0:
        raise file_problem(file, "unknown_table",
                           "cannot tell what this file holds from its headers ("
                           + ", ".join(headers[:8]) + "); it needs at least a customer name (客户名称 / Customer "
                           "Name), or a follow-up date (跟进时间), a deal stage (销售阶段 / Stage) or an employee "
                           "name (姓名 / Sales Agent). Choose the table, or rename the columns")
    return best


def propose_mapping(headers: list[str], table: str | None = None, day_first: bool = False,
                    file: str = "file") -> Mapping:
    """The field each header most likely fills; unmatched customer columns become custom fields."""
    if table is not None and table not in FIELDS:
        raise file_problem(file, "bad_mapping", f"unknown table {table!r}; one of: {', '.join(FIELDS)}")
    table = table or detect_table(headers, file)
    columns, used = {}, set()
    for h in headers:
        key = match_header(table, h)
        if key and key not in used:
            used.add(key)
            columns[h] = key
        else:
            columns[h] = CUSTOM if table == "customers" and h else IGNORE
    return Mapping(table, columns, day_first)


def headers_key(headers: list[str]) -> str:
    """A short hash of the headers: files with the same headers share a saved mapping."""
    return hashlib.sha1("\x1f".join(normalise(h) or h for h in headers).encode("utf-8")).hexdigest()[:16]


def save_mapping(mapping: Mapping, headers: list[str], folder: Path | str = MAPPINGS_DIR) -> Path:
    """Keep a corrected mapping for the next file with the same headers."""
    path = Path(folder) / f"{headers_key(headers)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(mapping.to_json(), encoding="utf-8")
    return path


def saved_mapping(headers: list[str], folder: Path | str = MAPPINGS_DIR) -> Mapping | None:
    """The mapping saved earlier for these headers, if any."""
    path = Path(folder) / f"{headers_key(headers)}.json"
    if not path.is_file():
        return None
    mapping = load_mapping_file(path)
    mapping.created_today = False  # dating new customers today is confirmed per import, never remembered
    return mapping


def load_mapping_file(path: Path | str) -> Mapping:
    """Read a mapping JSON file (as saved by the page, or written by hand)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        mapping = Mapping(data["table"], dict(data["columns"]), bool(data.get("day_first", False)),
                          dict(data.get("extra", {})), bool(data.get("created_today", False)))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise file_problem(path.name, "bad_mapping", f"not a mapping file ({e}); it needs "
                           '{"table": "customers", "columns": {"客户名称": "name", ...}}')
    check_mapping(mapping, path.name)
    return mapping


def check_mapping(mapping: Mapping, file: str = "mapping") -> None:
    """Refuse a mapping naming an unknown table or field."""
    if mapping.table not in FIELDS:
        raise file_problem(file, "bad_mapping", f"unknown table {mapping.table!r}; one of: {', '.join(FIELDS)}")
    keys = {f.key for f in FIELDS[mapping.table]} | {CUSTOM, IGNORE}
    for header, key in mapping.columns.items():
        if key not in keys:
            raise file_problem(file, "bad_mapping", f"column {header!r} maps to {key!r}, which is not a field of "
                               f"{mapping.table}; fields: {', '.join(sorted(keys))}")
        if key not in (CUSTOM, IGNORE) and list(mapping.columns.values()).count(key) > 1:
            raise file_problem(file, "bad_mapping", f"two columns map to {key!r}; keep one")
