"""What the Import page shows and lets the manager change, as plain data (no Streamlit here)."""

from __future__ import annotations

import pandas as pd

from .fields import CUSTOM, FIELDS, IGNORE, LOAD_ORDER
from .mapping import Mapping
from .reading import SourceFile


def field_options(table: str) -> list[str]:
    """The fields a column of a ``table`` file can be imported as, then custom field / leave out."""
    return [f.key for f in FIELDS[table]] + ([CUSTOM] if table == "customers" else []) + [IGNORE]


def mapping_rows(source: SourceFile, mapping: Mapping) -> pd.DataFrame:
    """One row per column of the file: its header, its first non-empty value, the field it fills."""
    samples = []
    for header in source.headers:
        values = source.data.column(header).to_pylist()[:50]
        samples.append(next((v.strip() for v in values if v and v.strip()), ""))
    return pd.DataFrame({"column": source.headers, "sample": samples,
                         "field": [mapping.columns.get(h, IGNORE) for h in source.headers]})


def mapping_from_rows(table: str, rows: pd.DataFrame, day_first: bool = False, created_today: bool = False) -> Mapping:
    """The mapping the (edited) rows describe; a field chosen twice keeps its first column."""
    columns, used = {}, set()
    for header, key in zip(rows["column"], rows["field"]):
        key = key if key in field_options(table) else IGNORE
        if key not in (CUSTOM, IGNORE) and key in used:
            key = IGNORE
        used.add(key)
        columns[header] = key
    return Mapping(table, columns, day_first, created_today=created_today)


def load_order(tables: list[str]) -> list[int]:
    """Positions of files in the order to import them: what the others refer to first."""
    return sorted(range(len(tables)), key=lambda i: LOAD_ORDER.index(tables[i]))


def mapping_notes(source: SourceFile, mapping: Mapping) -> list[tuple[str, dict]]:
    """What the review must warn about before importing, as (code, values) for the page's texts:

    - ``same_header``: several columns have the same header; they are told apart as "name (2)", and
      only one of them can fill a field (values: header, columns);
    - ``same_field``: two differently named columns name the same field (客户名称 and Customer Name): one
      fills it, the other is a custom field or left out (values: field, used, other, what).
    """
    from .fields import match_header

    notes: list[tuple[str, dict]] = []
    written = source.raw_headers or source.headers
    repeated = set()
    for header in dict.fromkeys(written):
        columns = [shown for raw, shown in zip(written, source.headers) if raw == header]
        if header and len(columns) > 1:
            repeated.update(columns[1:])
            notes.append(("same_header", {"header": header, "columns": columns,
                                          "fields": [mapping.columns.get(c, IGNORE) for c in columns]}))
    for header in source.headers:
        key = match_header(mapping.table, header)
        used = mapping.header_for(key) if key else None
        if header in repeated or not used or used == header or mapping.columns.get(header) == key:
            continue
        notes.append(("same_field", {"field": key, "used": used, "other": header,
                                     "what": mapping.columns.get(header, IGNORE)}))
    return notes
