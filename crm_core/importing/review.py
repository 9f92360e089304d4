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


def mapping_from_rows(table: str, rows: pd.DataFrame, day_first: bool = False) -> Mapping:
    """The mapping the (edited) rows describe; a field chosen twice keeps its first column."""
    columns, used = {}, set()
    for header, key in zip(rows["column"], rows["field"]):
        key = key if key in field_options(table) else IGNORE
        if key not in (CUSTOM, IGNORE) and key in used:
            key = IGNORE
        used.add(key)
        columns[header] = key
    return Mapping(table, columns, day_first)


def load_order(tables: list[str]) -> list[int]:
    """Positions of files in the order to import them: what the others refer to first."""
    return sorted(range(len(tables)), key=lambda i: LOAD_ORDER.index(tables[i]))
