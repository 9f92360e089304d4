"""``python -m crm_core import FILE --db PATH [--table T] [--mapping M.json]``: the same import as the page."""

from __future__ import annotations

import sys
from pathlib import Path

from .loading import load, load_together
from .mapping import load_mapping_file, propose_mapping, saved_mapping
from .problems import NOTES, ImportFailed
from .reading import read_file, read_files


def cli_import(args) -> int:
    """Import one file (every sheet of a workbook that holds a table, in one transaction); problems go to
    stderr (one per line, file/row/column/value) with exit status 2. A database in use by another program
    is a UserError (one sentence, exit 2), as for reports."""
    from ..cli import _open
    from ..store import default_db_path

    try:
        if args.mapping or args.table:
            sources = [read_file(args.file)]  # one table named: a workbook with several is refused, naming them
        else:
            sources = read_files(args.file)
        mappings = []
        for source in sources:
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
            if getattr(args, "created_today", False):
                mapping.created_today = True
            mappings.append(mapping)
        store = _open(args.db or default_db_path())
        try:
            if len(sources) == 1:
                results = [load(store, sources[0], mappings[0], skip_bad_rows=args.skip_bad_rows)]
            else:
                results = load_together(store, list(zip(sources, mappings)), skip_bad_rows=args.skip_bad_rows)
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
    for result in results:
        for p in result.skipped:
            print(f"skipped: {p}", file=sys.stderr)
        for note in result.notes:
            print(f"note: {note_text(note)}", file=sys.stderr)
        print(result.summary(), file=sys.stderr)
    return 0


def note_text(note: str) -> str:
    """A note code as a sentence (``sheet_left_out:NAME`` carries the sheet's name)."""
    code, _, name = note.partition(":")
    if code == "sheet_left_out":
        return f"sheet {name!r} holds no table and was left out"
    return NOTES.get(code, code)
