"""``python -m crm_core import FILE --db PATH [--table T] [--mapping M.json]``: the same import as the page."""

from __future__ import annotations

import sys
from pathlib import Path

from .loading import load
from .mapping import load_mapping_file, propose_mapping, saved_mapping
from .problems import NOTES, ImportFailed
from .reading import read_file


def cli_import(args) -> int:
    """Import one file; problems go to stderr (one per line, file/row/column/value) with exit status 2."""
    from ..store import default_db_path, open_store

    try:
        source = read_file(args.file)
        if args.mapping:
            mapping = load_mapping_file(args.mapping)
            if args.table and args.table != mapping.table:
                print(f"error: --table {args.table} but the mapping is for {mapping.table}", file=sys.stderr)
                return 2
        else:
            mapping = (saved_mapping(source.headers) if not args.table else None) \
                or propose_mapping(source.headers, args.table, file=source.name)
        if args.day_first:
            mapping.day_first = True
        store = open_store(args.db or default_db_path())
        try:
            result = load(store, source, mapping, skip_bad_rows=args.skip_bad_rows)
        finally:
            store.close()
    except ImportFailed as e:
        print(f"error: {Path(args.file).name} was not imported ({e.total} problem"
              f"{'s' if e.total != 1 else ''}); the database is unchanged:", file=sys.stderr)
        for p in e.problems:
            print(f"  {p}", file=sys.stderr)
        if e.total > len(e.problems):
            print(f"  ... and {e.total - len(e.problems)} more", file=sys.stderr)
        return 2
    for p in result.skipped:
        print(f"skipped: {p}", file=sys.stderr)
    for note in result.notes:
        print(f"note: {NOTES[note]}", file=sys.stderr)
    print(result.summary(), file=sys.stderr)
    return 0
