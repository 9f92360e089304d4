"""Importing the exports managers have: CSV (any common encoding and dialect) or Excel, from any CRM.

    source = read_file("客户列表.csv")          # or read_file(uploaded_bytes, "客户列表.csv")
    mapping = propose_mapping(source.headers)   # table detected from the headers; editable
    problems = validate(store, source, mapping) # (file, row, column, value, message), nothing written
    result = load(store, source, mapping)       # one transaction: all rows or none (or skip_bad_rows=True)

The page (app_pages/import_data.py) and the CLI (``python -m crm_core import``) both go through these.
"""

from .command import cli_import
from .fields import CUSTOM, FIELDS, IGNORE, LOAD_ORDER
from .loading import check as validate
from .loading import check_together, review_together
from .loading import load, load_together
from .mapping import (Mapping, detect_table, load_mapping_file, propose_mapping, save_mapping, saved_mapping,
                      table_scores)
from .problems import (FILE_CODES, NOTES, Changes, ImportFailed, ImportResult, Problem, can_skip, problems_csv,
                       problems_frame)
from .reading import MAX_FILE_BYTES, SourceFile, read_file, read_files
from .review import field_options, load_order, mapping_from_rows, mapping_notes, mapping_rows

__all__ = ["cli_import", "read_file", "detect_table", "propose_mapping", "validate", "load", "Mapping",
           "SourceFile", "Problem", "ImportFailed", "ImportResult", "problems_csv", "problems_frame", "save_mapping",
           "saved_mapping", "load_mapping_file", "table_scores", "FIELDS", "CUSTOM", "IGNORE", "LOAD_ORDER",
           "MAX_FILE_BYTES", "NOTES", "check_together", "review_together", "read_files", "can_skip", "Changes",
           "FILE_CODES", "field_options", "load_order", "mapping_from_rows", "mapping_rows",
           "mapping_notes", "load_together", "sample_files"]


def sample_files() -> list:
    """The sample exports in data/samples/ (paths, in name order), offered for download on the Import page."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent.parent / "data" / "samples"
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != "README.md") if folder.is_dir() else []
