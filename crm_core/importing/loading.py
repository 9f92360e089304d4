"""Checking and loading one file, all in SQL inside one transaction: stage, resolve, validate, upsert.

1. stage: the file's text columns, trimmed and typed (dates, numbers, stage words), one row per record;
2. resolve: people, departments and accounts named in the file are matched to the ones loaded (by id,
   then by name); new people and departments get ids derived from their names, so a re-import finds them;
3. validate: every problem (file, row, column, value, message) is collected; any problem stops the
   import and rolls the transaction back, unless the manager asked to skip the bad rows;
4. upsert: rows whose id is already loaded are replaced (columns the file does not have keep their
   value), new ones inserted; then tags, custom fields, deal stage history and map coordinates.

_Job does these steps for every table; a subclass per table (JOBS) adds only what is its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from .. import schema
from .fields import CUSTOM, FIELDS, IGNORE, Field
from .mapping import Mapping, check_mapping, propose_mapping
from .problems import FILE_CODES, Changes, ImportFailed, ImportResult, Problem
from .reading import ROW, SourceFile
from .values import (CHANNEL_WORDS, METRIC_HINT, METRIC_WORDS, PERIOD_HINT, PERIOD_WORDS, ROLE_HINT, ROLE_WORDS,
                     STAGE_WORDS, STATUS_WORDS, boolean, clean, lit, number, period_form, q, timestamp, word_key)

MAX_PROBLEMS = 1000  # problems listed in full; the total is always counted
EARLIEST, LATEST = "1900-01-01", "2101-01-01"  # timestamps a database holds: 1900-01-01 .. 2100-12-31
EXAMPLES = 5  # ids shown of the existing rows a file changes
ID_PREFIX = {"customers": "C-", "follow_ups": "F-", "deals": "O-", "employees": "E-", "departments": "D-"}
KEY = {t: next(iter(schema.TABLES[t])) for t in ID_PREFIX}
TAG_SEPARATORS = "[、,，;；|\n]"
Progress = Callable[[float, str], None]


class _DryRun(Exception):
    """Raised after validation to roll the transaction back when only checking."""


def check(store, source: SourceFile, mapping: Mapping | None = None) -> list[Problem]:
    """Every problem the file has, without writing anything (the import runs and is rolled back)."""
    return check_together(store, [(source, mapping)])[0]


def check_together(store, files: list[tuple[SourceFile, Mapping | None]]) -> list[list[Problem]]:
    """The problems of files to be imported one after the other (customers, then their follow-ups...):
    each is checked as if the ones before it were loaded, and then all of it is rolled back."""
    return [r.problems for r in review_together(store, files)]


def review_together(store, files: list[tuple[SourceFile, Mapping | None]]) -> list[ImportResult]:
    """What importing the files one after the other would do, without writing anything: per file, its
    problems (``problems``, ``problems_total``; a file that cannot load at all has rows_loaded 0), and
    what loading its good rows would do (inserted, updated, ``changes``: existing rows whose values would
    change, with example ids). Each file is checked as if the good rows of the ones before it were
    loaded; then all of it is rolled back."""
    found: list[ImportResult] = []
    try:
        with store.write() as cur:
            for source, mapping in files:
                try:
                    result = _import(cur, source, mapping, skip_bad_rows=True, say=lambda f, s: None,
                                     count_changes=True)
                except ImportFailed as e:
                    result = ImportResult(source.name, (mapping.table if mapping else ""), source.rows, 0,
                                          skipped=e.problems, skipped_total=e.total, loadable=False)
                found.append(result)
            raise _DryRun()
    except _DryRun:
        pass
    return found


def load(store, source: SourceFile, mapping: Mapping | None = None, *, skip_bad_rows: bool = False,
         progress: Progress | None = None) -> ImportResult:
    """Import one file in one transaction. Raises ImportFailed (nothing written) when it has problems,
    unless ``skip_bad_rows``: then the good rows load and the result lists the skipped problems."""
    say = progress or (lambda fraction, step: None)
    with store.write() as cur:
        result = _import(cur, source, mapping, skip_bad_rows, say)
        cur.execute("INSERT INTO settings VALUES ('imported', 'true') ON CONFLICT (key) DO UPDATE SET value = 'true'")
        return result


def load_together(store, files: list[tuple[SourceFile, Mapping | None]], *, skip_bad_rows: bool = False,
                  progress: Progress | None = None) -> list[ImportResult]:
    """Import several files (the sheets of one workbook) one after the other in one transaction: all of
    them or none. Raises the first file's ImportFailed."""
    say = progress or (lambda fraction, step: None)
    with store.write() as cur:
        return [_import(cur, source, mapping, skip_bad_rows, say) for source, mapping in load_order_of(files)]


def load_order_of(files):
    """Files in the order to load them: what the others refer to first (teams, then customers, ...)."""
    from .fields import LOAD_ORDER

    def table(item):
        source, mapping = item
        if mapping is not None:
            return mapping.table
        try:
            return propose_mapping(source.headers, file=source.name).table
        except ImportFailed:
            return "customers"
    return sorted(files, key=lambda item: LOAD_ORDER.index(table(item)))


def save_targets(store, source: SourceFile, mapping: Mapping, shown) -> ImportResult:
    """Targets edited in the app, in one transaction: the editor's rows (``source``, as text, mapped to the
    targets' fields) are checked exactly as a targets file is and written (a target of the same period,
    employee or department and metric is replaced), and the targets the editor showed (``shown``: a frame
    of period_start, period, employee_id, department_id, metric) that its rows no longer hold are removed
    (``result.removed``). Raises ImportFailed, nothing written, when any row has a problem."""
    with store.write(changes=("targets",)) as cur:
        if source.rows == 0:  # every row deleted: only the removal
            removed = _remove_targets(cur, shown, keep=None)
            return ImportResult(source.name, "targets", 0, 0, removed=removed)
        return _import(cur, source, mapping, False, lambda f, s: None, count_changes=True, replacing=shown)


def _remove_targets(cur, shown, keep: str | None) -> int:
    """Delete the targets ``shown`` names, but for those the table ``keep`` holds; how many went."""
    if shown is None or len(shown) == 0:
        return 0
    import pandas as pd

    frame = pd.DataFrame({"period_start": pd.to_datetime(shown["period_start"]).dt.date,
                          **{c: [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
                                 for v in shown[c]] for c in ("period", "employee_id", "department_id", "metric")}})
    cur.register("imp_shown_df", frame)
    try:
        cur.execute("""CREATE TEMP TABLE imp_shown AS SELECT CAST(period_start AS DATE) period_start,
                       CAST(period AS VARCHAR) period, CAST(employee_id AS VARCHAR) employee_id,
                       CAST(department_id AS VARCHAR) department_id, CAST(metric AS VARCHAR) metric FROM imp_shown_df""")
    finally:
        cur.unregister("imp_shown_df")
    kept = f"AND NOT EXISTS (SELECT 1 FROM {keep} f WHERE {_same_target('s', 'f')})" if keep else ""
    removed = cur.execute(f"DELETE FROM targets t USING imp_shown s WHERE {_same_target('t', 's')} {kept}").fetchone()[0]
    cur.execute("DROP TABLE imp_shown")
    return int(removed)


def _same_target(a: str, b: str) -> str:
    """SQL: the targets ``a`` and ``b`` are the same target (period, employee or department, metric)."""
    return (f"{a}.period_start = {b}.period_start AND {a}.period = {b}.period AND {a}.metric = {b}.metric "
            f"AND {a}.employee_id IS NOT DISTINCT FROM {b}.employee_id "
            f"AND {a}.department_id IS NOT DISTINCT FROM {b}.department_id")


def _import(cur, source: SourceFile, mapping: Mapping | None, skip_bad_rows: bool, say: Progress,
            count_changes: bool = False, replacing=None) -> ImportResult:
    mapping = mapping or propose_mapping(source.headers, file=source.name)
    check_mapping(mapping, source.name)
    _require_columns(source, mapping)
    job = JOBS[mapping.table](cur, source, mapping)
    job.count_changes = count_changes  # only the review says which loaded rows change: an import need not pay for it
    job.replacing = replacing  # targets edited in the app: the ones the editor showed
    try:
        say(0.1, "stage")
        job.stage()
        say(0.35, "resolve")
        job.resolve()
        say(0.5, "validate")
        problems, total = job.problems()
        if problems and (not skip_bad_rows or any(p.code in FILE_CODES for p in problems)):
            raise ImportFailed(problems, total)
        job.drop_bad_rows()
        say(0.6, "write")
        result = job.write()
        result.skipped, result.skipped_total = problems, total
        result.notes = list(source.notes) + result.notes
        say(1.0, "done")
        return result
    finally:
        job.clean_up()


def _require_columns(source: SourceFile, mapping: Mapping) -> None:
    mapped = set(mapping.columns.values())
    missing = [f for f in FIELDS[mapping.table] if f.required and f.key not in mapped]
    if missing:
        names = "; ".join(f"{f.key} ({' / '.join(f.aliases[:3])})" for f in missing)
        raise ImportFailed([Problem(source.name, 1, None, None, "missing_column",
                                    f"no column for {names}, which a {mapping.table} file needs; "
                                    f"the columns are: {', '.join(source.headers)}")])
    one_of = [f for f in FIELDS[mapping.table] if f.key in JOBS[mapping.table].one_of]
    if one_of and not any(f.key in mapped for f in one_of):
        names = " or ".join(f"{f.key} ({' / '.join(f.aliases[:3])})" for f in one_of)
        raise ImportFailed([Problem(source.name, 1, None, None, "missing_column",
                                    f"no column for {names}, which a {mapping.table} file needs (one of them); "
                                    f"the columns are: {', '.join(source.headers)}")])
    if source.rows == 0:
        raise ImportFailed([Problem(source.name, 2, None, None, "no_rows",
                                    "the file has a header row but no data rows")])


class _Job:
    """One import of one table on one cursor: what every table shares. A subclass per table adds what
    is special to it. Temp tables: imp_s (the staged rows), imp_p (problems), imp_emp, imp_dep, imp_cust
    (names resolved to ids)."""

    table: str
    typed = frozenset({"timestamp", "date", "number", "bool"})  # kinds whose text is converted
    by_name = False  # records told apart by name: a repeated name is a problem, not a repeated record
    required_if_present: tuple[str, ...] = ()  # fields whose column may be missing, but not a cell of it
    one_of: tuple[str, ...] = ()  # fields of which the file must have at least one column
    count_changes = False  # work out which loaded rows the file changes (the review), before writing

    def __init__(self, cur, source: SourceFile, mapping: Mapping):
        self.cur, self.source, self.mapping = cur, source, mapping
        self.key, self.prefix = KEY.get(self.table), ID_PREFIX.get(self.table)  # targets have no id
        self.fields: dict[str, tuple[Field, str]] = {}  # key -> (field, header)
        for header, key in mapping.columns.items():
            if key not in (CUSTOM, IGNORE) and header in source.headers:
                self.fields[key] = (next(f for f in FIELDS[self.table] if f.key == key), header)
        self.custom: list[str] = []  # headers kept as custom fields
        self.now = dt.datetime.now().replace(microsecond=0)
        self.notes: list[str] = []

    def clean_up(self) -> None:
        """Drop this import's temp tables, so the next file on the same cursor starts afresh."""
        for (name,) in self.x("SELECT table_name FROM duckdb_tables() WHERE temporary AND "
                              "table_name LIKE 'imp\\_%' ESCAPE '\\'").fetchall():
            self.x(f"DROP TABLE {q(name)}")
        try:
            self.cur.unregister("imp_raw")
        except Exception:  # noqa: BLE001 - already gone
            pass

    def raw(self, key: str) -> str:
        """The column holding a field's text as the file has it (trimmed)."""
        return f"r_{key}" if self.fields[key][0].kind in self.typed else f"v_{key}"

    def has(self, key: str) -> bool:
        return key in self.fields

    def x(self, sql: str, params=None):
        return self.cur.execute(sql, params or [])

    # -- 1. stage --------------------------------------------------------------------------------
    def stage(self) -> None:
        self.cur.register("imp_raw", self.source.data)
        cols, raws = [f"{q(ROW)} AS row"], []
        for key, (f, header) in self.fields.items():
            raw = clean(q(header))
            raws.append(raw)
            if f.kind in self.typed:  # text kinds are their own raw value: r_key is v_key
                cols.append(f"{raw} AS {q('r_' + key)}")
            cols.append(f"{self._typed(f, raw)} AS {q('v_' + key)}")
        for i, header in enumerate(self.custom):
            raw = clean(q(header))
            raws.append(raw)
            cols.append(f"{raw} AS c_{i}")
        blank = " AND ".join(f"{r} IS NULL" for r in raws) or "FALSE"
        self.x(f"CREATE TEMP TABLE imp_s AS SELECT {', '.join(cols)} FROM imp_raw WHERE NOT ({blank})")
        self.cur.unregister("imp_raw")

    def _typed(self, f: Field, raw: str) -> str:
        """SQL for a field's value from its cleaned text."""
        if f.kind == "timestamp":
            return timestamp(raw, self.mapping.day_first)
        if f.kind == "date":
            return f"CAST({timestamp(raw, self.mapping.day_first)} AS DATE)"
        if f.kind == "number":
            return number(raw)
        if f.kind == "bool":
            return boolean(raw)
        return raw

    # -- 2. resolve ------------------------------------------------------------------------------
    def resolve(self) -> None:
        self._derive()
        people = [k for k in ("owner", "employee") if self.has(k)]
        if people:
            dept = "v_department" if self.has("department") else "NULL"
            self._resolve_people(f"SELECT v_{people[0]} AS value, {dept} AS dept FROM imp_s")
        if self.has("customer"):
            self._resolve_customers()
        self._resolve_departments()
        self._make_ids()

    def _derive(self) -> None:
        """Columns worked out from the staged ones before anything is resolved (none by default)."""

    def _resolve_people(self, values: str) -> None:
        self.x(f"""CREATE TEMP TABLE imp_emp AS
            WITH v AS (SELECT value, any_value(dept) AS dept FROM ({values}) WHERE value IS NOT NULL GROUP BY value),
                 n AS (SELECT name, min(employee_id) AS employee_id FROM employees GROUP BY name)
            SELECT v.value, v.dept, COALESCE(i.employee_id, n.employee_id,
                       'E-' || substr(md5(v.value), 1, 10)) AS employee_id,
                   i.employee_id IS NULL AND n.employee_id IS NULL AS is_new
            FROM v LEFT JOIN employees i ON i.employee_id = v.value LEFT JOIN n ON n.name = v.value""")

    def _resolve_customers(self) -> None:
        self.x("""CREATE TEMP TABLE imp_cust AS
            WITH v AS (SELECT DISTINCT v_customer AS value FROM imp_s WHERE v_customer IS NOT NULL),
                 n AS (SELECT name, min(customer_id) AS customer_id FROM customers GROUP BY name)
            SELECT v.value, COALESCE(i.customer_id, n.customer_id) AS customer_id
            FROM v LEFT JOIN customers i ON i.customer_id = v.value LEFT JOIN n ON n.name = v.value""")

    def _department_names(self) -> list[str]:
        """SELECTs of (department name or id, its parent's) the file names; none by default."""
        return []

    def _own_departments(self) -> str:
        """SELECT of (value, department_id) for departments the file itself defines; none by default."""
        return "SELECT NULL, NULL WHERE FALSE"

    def _resolve_departments(self) -> None:
        """Departments named in the file, with the parent each one has in the file (teams, offices)."""
        parts = self._department_names()
        if not parts:
            self.x("CREATE TEMP TABLE imp_dep (value VARCHAR, parent VARCHAR, department_id VARCHAR, is_new BOOLEAN)")
            return
        own = self._own_departments()
        self.x(f"""CREATE TEMP TABLE imp_dep AS
            WITH v AS (SELECT value, any_value(parent) AS parent FROM ({' UNION ALL '.join(parts)}) p(value, parent)
                       WHERE value IS NOT NULL GROUP BY value),
                 n AS (SELECT name, min(department_id) AS department_id FROM departments GROUP BY name),
                 f AS (SELECT value, any_value(department_id) AS department_id FROM ({own}) o(value, department_id)
                       GROUP BY value)
            SELECT v.value, v.parent, COALESCE(i.department_id, f.department_id, n.department_id,
                       'D-' || substr(md5(v.value), 1, 10)) AS department_id,
                   i.department_id IS NULL AND n.department_id IS NULL AND f.department_id IS NULL AS is_new
            FROM v LEFT JOIN departments i ON i.department_id = v.value LEFT JOIN n ON n.name = v.value
                   LEFT JOIN f ON f.value = v.value""")

    def _derived_id(self) -> str:
        """SQL for the id of a row the file gives none: a hash of what identifies the record, so
        re-importing the same export finds the same records."""
        parts = [f"COALESCE(CAST(v_{k} AS VARCHAR), '')" for k in
                 ("customer", "owner", "employee", "product", "created_at", "contacted_at", "note") if self.has(k)]
        parts = parts or [f"COALESCE(CAST(v_{k} AS VARCHAR), '')" for k in self.fields]
        return f"'{self.prefix}' || substr(md5(concat_ws('|', {', '.join(parts)})), 1, 16)"

    def _id_by_name(self, width: int) -> str:
        """The loaded record with the row's name, else an id derived from the name."""
        return (f"(SELECT min({self.key}) FROM {self.table} x WHERE x.name = imp_s.v_name), "
                f"'{self.prefix}' || substr(md5(v_name), 1, {width})")

    def _make_ids(self) -> None:
        """Each row's id: the file's own, else the loaded record with the same name, else a derived one."""
        self.x("ALTER TABLE imp_s ADD COLUMN id VARCHAR DEFAULT NULL")
        if self.has(self.key):
            self.x(f"UPDATE imp_s SET id = v_{self.key}")
        self.x(f"UPDATE imp_s SET id = COALESCE({self._derived_id()}) WHERE id IS NULL")

    # -- 3. validate -----------------------------------------------------------------------------
    def problems(self) -> tuple[list[Problem], int]:
        checks = []

        def add(key: str, where: str, code: str, message: str, value: str | None = None) -> None:
            header = self.fields[key][1] if key in self.fields else None
            value = value or (self.raw(key) if key in self.fields else "NULL")
            checks.append(f"SELECT row, {lit(header) if header else 'NULL'}, {value}, '{code}', {lit(message)} "
                          f"FROM imp_s WHERE {where}")

        for key, (f, header) in self.fields.items():
            if f.required or key in self.required_if_present:
                add(key, f"{self.raw(key)} IS NULL", "missing", f"{header} is empty; every row needs it")
            self._check(add, key, f)
        self._duplicates(add)
        checks += self._file_checks()
        self.x(f"CREATE TEMP TABLE imp_p AS SELECT * FROM ({' UNION ALL '.join(checks)}) p(row, col, value, code, message)")
        self._formula_problems()
        total = self.x("SELECT count(*) FROM imp_p").fetchone()[0]
        rows = self.x(f"SELECT * FROM imp_p ORDER BY 1, 2 LIMIT {MAX_PROBLEMS}").fetchall()
        return [Problem(self.source.name, r[0], r[1], r[2], r[3], r[4]) for r in rows], total

    def _file_checks(self) -> list[str]:
        """SELECTs of (row, column, value, code, message) for problems of the file as a whole (none by default)."""
        return []

    def _formula_problems(self) -> None:
        """Excel cells holding a formula whose result the file does not keep: said as such (replacing the
        'empty' problem such a cell would otherwise get), in the columns that are imported."""
        used = {header for _, header in self.fields.values()} | set(self.custom)
        cells = [(row, header) for row, header in self.source.formula_cells if header in used]
        if not cells:
            return
        import pyarrow as pa

        self.cur.register("imp_formula_cells", pa.table({"row": [r for r, _ in cells], "col": [h for _, h in cells]}))
        self.x("CREATE TEMP TABLE imp_formulas AS SELECT row, col FROM imp_formula_cells")
        self.cur.unregister("imp_formula_cells")
        self.x("DELETE FROM imp_p p USING imp_formulas f WHERE p.row = f.row AND p.col = f.col")
        self.x(f"""INSERT INTO imp_p SELECT row, col, NULL, 'formula', {lit(
            "a formula whose result is not saved in the file (a program that does not calculate formulas wrote "
            "it); open the file in Excel or WPS, save it, and upload it again")} FROM imp_formulas""")

    def _check(self, add, key: str, f: Field) -> None:
        """The problems a field's values can have, by its kind."""
        r, v = self.raw(key), f"v_{key}"
        if f.kind in ("timestamp", "date"):
            add(key, f"{r} IS NOT NULL AND {v} IS NULL", "bad_date",
                "not a date; write it like 2024-05-03, 2024/5/3 14:02 or 2024年5月3日")
            add(key, f"{v} IS NOT NULL AND ({v} < DATE '{EARLIEST}' OR {v} >= DATE '{LATEST}')", "date_out_of_range",
                "a date outside 1900-01-01 .. 2100-12-31; correct it or leave the cell empty")
        elif f.kind == "number":
            add(key, f"{r} IS NOT NULL AND {v} IS NULL", "bad_number", "not a number")
            add(key, f"{v} IS NOT NULL AND NOT isfinite({v})", "not_finite",
                "not a finite number (NaN, infinity or too large); write an ordinary number")
        elif f.kind == "bool":
            add(key, f"{r} IS NOT NULL AND {v} IS NULL", "bad_value", "not yes/no (是/否, true/false, 1/0)")
        elif f.kind == "customer":
            add(key, f"{r} IS NOT NULL AND v_customer NOT IN (SELECT value FROM imp_cust WHERE customer_id IS NOT NULL)",
                "unknown_customer", "no customer with this name or id is loaded; import the customer list first")
        elif f.kind == "employee_id":
            add(key, f"{r} IS NOT NULL AND {r} NOT IN (SELECT employee_id FROM employees)", "unknown_employee",
                "no employee with this id is loaded; import the team list first, or use the owner's name")

    def _duplicates(self, add) -> None:
        self.x("""CREATE TEMP TABLE imp_first AS SELECT row, first FROM (
                      SELECT row, min(row) OVER (PARTITION BY id) AS first FROM imp_s
                      WHERE id IN (SELECT id FROM imp_s GROUP BY id HAVING count(*) > 1)) WHERE row > first""")
        if self.has(self.key):
            add(self.key, "row IN (SELECT row FROM imp_first)", "duplicate_id", "the same id is on an "
                "earlier row; each id may appear once")
        elif self.by_name:
            add("name", "row IN (SELECT row FROM imp_first)", "duplicate_name",
                "the same name is on an earlier row; add an id column to tell them apart")
        else:  # the same record exported twice: keep the first
            self.x("DELETE FROM imp_s WHERE row IN (SELECT row FROM imp_first)")

    def drop_bad_rows(self) -> None:
        self.x("DELETE FROM imp_s WHERE row IN (SELECT row FROM imp_p)")

    # -- 4. write --------------------------------------------------------------------------------
    def write(self) -> ImportResult:
        rows_read = self.source.rows
        new_deps = self._write_departments()
        new_emps = self._write_employees()
        columns = self._final_columns()
        key, t = self.key, self.table
        select = ", ".join(f"{expr} AS {q(col)}" for col, expr in columns.items())
        self.x(f"""CREATE TEMP TABLE imp_final AS SELECT {select}, e.{q(key)} IS NOT NULL AS existed
                   FROM imp_s s LEFT JOIN {t} e ON e.{q(key)} = s.id {' '.join(self._joins())}""")
        updated, loaded = self.x("SELECT count(*) FILTER (existed), count(*) FROM imp_final").fetchone()
        changes = self._changes(columns) if updated and self.count_changes else Changes()
        if updated:  # an UPDATE leaves the key's index alone: much cheaper than delete + insert
            sets = ", ".join(f"{q(c)} = f.{q(c)}" for c in columns if c != key)
            self.x(f"UPDATE {t} SET {sets} FROM imp_final f WHERE f.existed AND {t}.{q(key)} = f.{q(key)}")
        cols = ", ".join(q(c) for c in columns)
        self.x(f"INSERT INTO {t} ({cols}) SELECT {cols} FROM imp_final WHERE NOT existed")
        self._write_tags_and_fields()
        return ImportResult(self.source.name, t, rows_read, loaded, loaded - updated, updated,
                            new_emps, new_deps, notes=self.notes, changes=changes)

    def _changes(self, columns: dict[str, str]) -> Changes:
        """The loaded rows this import would change (a value of theirs differs from the file's), before writing."""
        key, t = self.key, self.table
        differ = " OR ".join(f"f.{q(c)} IS DISTINCT FROM e.{q(c)}" for c in columns if c != key) or "FALSE"
        count, examples = self.x(f"""SELECT count(*), list(f.{q(key)} ORDER BY f.{q(key)})[1:{EXAMPLES}]
            FROM imp_final f JOIN {t} e ON e.{q(key)} = f.{q(key)} WHERE f.existed AND ({differ})""").fetchone()
        return Changes(count, list(examples or []))

    def _write_tags_and_fields(self) -> None:
        """The side tables of the rows just written (customer tags and fields, deal stage history).
        One method of the base class, so that a test can cut any import off between the two."""
        self._write_side_tables()

    def _write_side_tables(self) -> None:
        """Nothing by default."""

    def _write_departments(self) -> int:
        used = self.x("SELECT count(*) FROM imp_dep WHERE is_new").fetchone()[0]
        self.x("""INSERT INTO departments SELECT d.department_id, d.value,
                      (SELECT p.department_id FROM imp_dep p WHERE p.value = d.parent)
                  FROM imp_dep d WHERE is_new""")
        return used

    def _write_employees(self) -> int:
        if not (self.has("owner") or self.has("employee")):
            return 0
        person = "v_owner" if self.has("owner") else "v_employee"
        self.x(f"""INSERT INTO employees (employee_id, name, department_id, active)
                   SELECT employee_id, value, (SELECT department_id FROM imp_dep d WHERE d.value = imp_emp.dept), TRUE
                   FROM imp_emp WHERE is_new AND value IN (SELECT {person} FROM imp_s)""")
        return self.x(f"SELECT count(*) FROM imp_emp WHERE is_new AND value IN (SELECT {person} FROM imp_s)").fetchone()[0]

    def _joins(self) -> list[str]:
        """The joins of imp_s (as s) that _final_columns reads from."""
        joins = []
        for k in ("owner", "employee"):
            if self.has(k):
                joins.append(f"LEFT JOIN imp_emp em ON em.value = s.v_{k}")
        if self.has("customer"):
            joins.append("LEFT JOIN imp_cust cu ON cu.value = s.v_customer")
        return joins

    def _final_columns(self) -> dict[str, str]:
        """Each canonical column's value: from the file when it has the field, else the loaded value."""
        cols = {c: f"e.{q(c)}" for c in schema.TABLES[self.table]}
        cols[self.key] = "s.id"
        for key, (f, _) in self.fields.items():
            if f.target in cols and f.kind not in ("employee", "customer", "department", "stage", "status", "id"):
                cols[f.target] = f"s.v_{key}"
        if self.has("owner_id"):
            cols["owner_id"] = "s.v_owner_id"
        for k, col in (("owner", "owner_id"), ("employee", "employee_id")):
            if self.has(k):
                cols[col] = "em.employee_id"
        if self.has("customer"):
            cols["customer_id"] = "cu.customer_id"
        return cols


class _Customers(_Job):
    """Customers: unmapped columns kept as custom fields, tags, places normalised and put on the map,
    and a creation date (the import's time when the file has none)."""

    table = "customers"
    by_name = True
    required_if_present = ("created_at",)

    def __init__(self, cur, source: SourceFile, mapping: Mapping):
        super().__init__(cur, source, mapping)
        self.custom = [h for h, k in mapping.columns.items() if k == CUSTOM and h in source.headers]
        if "address" in self.fields:
            self.custom.append(self.fields["address"][1])

    def _department_names(self) -> list[str]:
        if self.has("owner") and self.has("department"):
            return ["SELECT dept AS value, NULL AS parent FROM imp_emp WHERE is_new"]
        return []

    def _derived_id(self) -> str:
        return self._id_by_name(12)

    def _joins(self) -> list[str]:
        joins = super()._joins()
        if any(self.has(k) for k in ("region", "city", "address")):
            self._places()
            joins.append("LEFT JOIN imp_places pl ON pl.region IS NOT DISTINCT FROM s.v_region "
                         "AND pl.city IS NOT DISTINCT FROM s.v_city AND pl.address IS NOT DISTINCT FROM s.v_address")
        return joins

    def _file_checks(self) -> list[str]:
        """A file without creation dates must not date new customers with today unless the manager said so
        (Mapping.created_today): they would all count as today's new customers."""
        if self.has("created_at") or self.mapping.created_today:
            return []
        new = f"SELECT count(*) FROM imp_s WHERE id NOT IN (SELECT {self.key} FROM customers)"
        return [f"""SELECT NULL, NULL, NULL, 'no_created_at', 'no creation date column, so the ' || n ||
                   ' new customers have no date they were created on. Map a column to created_at, or confirm
 dating them with today (tick the box on the Import page; --created-today on the command line): they then
 count as new customers of today' FROM ({new}) c(n) WHERE n > 0""".replace("\n", "")]

    def _final_columns(self) -> dict[str, str]:
        cols = super()._final_columns()
        if not self.has("created_at"):
            cols["created_at"] = f"COALESCE(e.created_at, TIMESTAMP '{self.now}')"
            if self.x("SELECT count(*) FROM imp_s WHERE id NOT IN (SELECT customer_id FROM customers)").fetchone()[0]:
                self.notes.append("no_created_at")
        if self.has("region") or self.has("city") or self.has("address"):
            # A column the file has is taken as normalised; one it lacks is filled from the others.
            for col in ("region", "city"):
                cols[col] = f"pl.{col}_out" if self.has(col) else f"COALESCE(pl.{col}_out, e.{col})"
            lat = "s.v_lat" if self.has("lat") else "NULL"
            lon = "s.v_lon" if self.has("lon") else "NULL"
            cols["lat"] = f"CASE WHEN {lat} IS NOT NULL AND {lon} IS NOT NULL THEN {lat} ELSE COALESCE(pl.lat, e.lat) END"
            cols["lon"] = f"CASE WHEN {lat} IS NOT NULL AND {lon} IS NOT NULL THEN {lon} ELSE COALESCE(pl.lon, e.lon) END"
        return cols

    def _places(self) -> None:
        import pandas as pd

        from ..regions import normalise_places

        exprs = [f"v_{k}" if self.has(k) else "NULL" for k in ("region", "city", "address")]
        for k in ("region", "city", "address"):
            if not self.has(k):
                self.x(f"ALTER TABLE imp_s ADD COLUMN v_{k} VARCHAR")
        distinct = self.x(f"SELECT DISTINCT {', '.join(exprs)} FROM imp_s").df()
        distinct.columns = ["region", "city", "address"]
        places = normalise_places(distinct) if len(distinct) else distinct.assign(
            region_out=None, city_out=None, lat=None, lon=None)
        frame = pd.DataFrame({"region": places["region"].astype(object), "city": places["city"].astype(object),
                              "address": places["address"].astype(object),
                              "region_out": places["region_out"].astype(object),
                              "city_out": places["city_out"].astype(object),
                              "lat": pd.to_numeric(places["lat"]), "lon": pd.to_numeric(places["lon"])})
        self.cur.register("imp_places_df", frame)
        self.x("""CREATE TEMP TABLE imp_places AS SELECT CAST(region AS VARCHAR) region, CAST(city AS VARCHAR) city,
                  CAST(address AS VARCHAR) address, CAST(region_out AS VARCHAR) region_out,
                  CAST(city_out AS VARCHAR) city_out, CAST(lat AS DOUBLE) lat, CAST(lon AS DOUBLE) lon
                  FROM imp_places_df""")
        self.cur.unregister("imp_places_df")

    def _write_side_tables(self) -> None:
        if self.has("tags"):
            self.x("DELETE FROM customer_tags WHERE customer_id IN (SELECT id FROM imp_s)")
            self.x(f"""INSERT INTO customer_tags SELECT DISTINCT id, tag FROM (
                       SELECT id, trim(unnest(regexp_split_to_array(v_tags, '{TAG_SEPARATORS}'))) AS tag
                       FROM imp_s WHERE v_tags IS NOT NULL) WHERE tag <> ''""")
        if self.custom:
            names = ", ".join(lit(h) for h in self.custom)
            self.x(f"DELETE FROM customer_fields WHERE customer_id IN (SELECT id FROM imp_s) AND field IN ({names})")
            values = " UNION ALL ".join(f"SELECT id, {lit(h)}, c_{i} FROM imp_s WHERE c_{i} IS NOT NULL"
                                        for i, h in enumerate(self.custom))
            self.x(f"INSERT INTO customer_fields {values}")


class _FollowUps(_Job):
    """Follow-ups: the channel word (电话, WeChat, visit...) onto a few channels, others kept lower-cased."""

    table = "follow_ups"
    typed = _Job.typed | {"channel"}

    def _typed(self, f: Field, raw: str) -> str:
        if f.kind == "channel":
            return f"COALESCE({_case(word_key(raw), CHANNEL_WORDS)}, lower({raw}))"
        return super()._typed(f, raw)


class _Deals(_Job):
    """Deals: stage and status words (a stage word may also say won or lost), the stage history the
    export implies, and an open deal's close date read as its expected close."""

    table = "deals"
    typed = _Job.typed | {"stage", "status"}

    def _typed(self, f: Field, raw: str) -> str:
        if f.kind == "stage":
            return _case(word_key(raw), {w: s for w, (s, _) in STAGE_WORDS.items() if s})
        if f.kind == "status":
            return _case(word_key(raw), STATUS_WORDS)
        return super()._typed(f, raw)

    def _derive(self) -> None:
        if self.has("stage"):  # a stage word also says won / lost
            statuses = {w: s for w, (_, s) in STAGE_WORDS.items()}
            self.x("ALTER TABLE imp_s ADD COLUMN stage_status VARCHAR")
            self.x(f"UPDATE imp_s SET stage_status = {_case(word_key(self.raw('stage')), statuses)}")

    def _check(self, add, key: str, f: Field) -> None:
        r, v = self.raw(key), f"v_{key}"
        if f.kind == "stage":
            add(key, f"{r} IS NOT NULL AND stage_status IS NULL", "unknown_stage",
                "unknown deal stage; use lead, qualified, proposal, negotiation, won or lost "
                "(初步接洽, 需求确定, 方案报价, 谈判, 赢单, 输单; Prospecting ... Closed Won / Closed Lost)")
        elif f.kind == "status":
            add(key, f"{r} IS NOT NULL AND {v} IS NULL", "unknown_status", "unknown status; use open, won or lost")
        else:
            super()._check(add, key, f)

    def _final_columns(self) -> dict[str, str]:
        cols = super()._final_columns()
        status = "COALESCE(s.v_status, s.stage_status, 'open')" if self.has("status") else "COALESCE(s.stage_status, 'open')"
        cols["status"] = status
        cols["stage"] = f"CASE WHEN {status} = 'won' THEN 'won' ELSE COALESCE(s.v_stage, e.stage) END"
        if self.has("closed_at") and not self.has("expected_close_at"):
            # An open deal's "Close Date" is when it is expected to close (Salesforce, the pipeline exports).
            cols["expected_close_at"] = f"CASE WHEN {status} = 'open' THEN s.v_closed_at ELSE e.expected_close_at END"
            cols["closed_at"] = f"CASE WHEN {status} = 'open' THEN NULL ELSE s.v_closed_at END"
        return cols

    def _write_side_tables(self) -> None:
        """What the export tells of each deal's path: it entered the first stage when created, and its
        current stage when closed (or when created, for open deals). Rows already recorded stay."""
        first = schema.DEFAULT_DEAL_STAGES[0]
        self.x(f"""INSERT INTO deal_stage_history
            WITH f AS (SELECT deal_id, stage, created_at, closed_at, status FROM imp_final),
            h AS (SELECT deal_id, '{first}' AS stage, created_at AS entered_at FROM f WHERE created_at IS NOT NULL
                  UNION ALL
                  SELECT deal_id, stage, CASE WHEN status <> 'open' THEN COALESCE(closed_at, created_at)
                                              ELSE created_at END
                  FROM f WHERE stage IS NOT NULL AND stage <> '{first}')
            SELECT DISTINCT h.deal_id, h.stage, h.entered_at FROM h
            WHERE h.entered_at IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM deal_stage_history x WHERE x.deal_id = h.deal_id AND x.stage = h.stage)""")


class _Employees(_Job):
    """Employees (team lists): the department from the department, manager or office column (the
    manager's team inside the office), whether they are active, and their role.

    A person the manager column names leads that team: when they have a row of their own, they are
    placed in their team (unless the row names a department) and are a manager unless the row gives a
    role (an admin stays one). Managers without a row of their own stay teams only, as before."""

    table = "employees"
    typed = _Job.typed | {"role"}
    by_name = True
    department_columns = ("department", "manager", "office")  # each names a department; most specific first

    def _typed(self, f: Field, raw: str) -> str:
        if f.kind == "role":
            return _case(word_key(raw), ROLE_WORDS)
        return super()._typed(f, raw)

    def _check(self, add, key: str, f: Field) -> None:
        if f.kind == "role":
            add(key, f"{self.raw(key)} IS NOT NULL AND v_{key} IS NULL", "unknown_role", f"unknown role; {ROLE_HINT}")
        else:
            super()._check(add, key, f)

    def _department_names(self) -> list[str]:
        parts = []
        office = "v_office" if self.has("office") else "NULL"
        manager = "v_manager" if self.has("manager") else "NULL"
        if self.has("office"):
            parts.append("SELECT v_office AS value, NULL AS parent FROM imp_s")
        if self.has("manager"):
            parts.append(f"SELECT v_manager, {office} FROM imp_s")
        if self.has("department"):
            parts.append(f"SELECT v_department, COALESCE({manager}, {office}) FROM imp_s")
        return parts

    def _derived_id(self) -> str:
        return self._id_by_name(10)

    def write(self) -> ImportResult:
        result = super().write()
        result.new_employees += result.inserted  # the new rows of a team list are new employees
        return result

    def _joins(self) -> list[str]:
        joins = super()._joins() + [f"LEFT JOIN imp_dep d_{k} ON d_{k}.value = s.v_{k}"
                                    for k in self.department_columns if self.has(k)]
        if self.has("manager"):
            joins.append("LEFT JOIN imp_dep d_team ON d_team.value = s.v_name "
                         "AND d_team.value IN (SELECT v_manager FROM imp_s)")
        return joins

    def _final_columns(self) -> dict[str, str]:
        cols = super()._final_columns()
        places = [f"d_{k}.department_id" for k in self.department_columns if self.has(k)]
        if self.has("manager"):
            places.insert(1 if self.has("department") else 0, "d_team.department_id")
        cols["department_id"] = "COALESCE(" + ", ".join(places + ["e.department_id"]) + ")"
        cols["active"] = "COALESCE(s.v_active, e.active, TRUE)" if self.has("active") else "COALESCE(e.active, TRUE)"
        if self.has("manager"):
            leads = "(s.v_name IN (SELECT v_manager FROM imp_s) OR s.id IN (SELECT v_manager FROM imp_s))"
            role = f"CASE WHEN {leads} THEN (CASE WHEN e.role = 'admin' THEN 'admin' ELSE 'manager' END) END"
            cols["role"] = f"COALESCE(s.v_role, {role})" if self.has("role") else f"COALESCE({role}, e.role)"
        return cols


class _Departments(_Job):
    """Departments: ids from the file or the name, and the parent, which may be a department of the
    same file (by id or name), a loaded one, or a new one."""

    table = "departments"
    by_name = True

    def _department_names(self) -> list[str]:
        return ["SELECT v_parent, NULL FROM imp_s" if self.has("parent") else "SELECT NULL, NULL"]

    def _own_departments(self) -> str:
        key = "v_department_id" if self.has("department_id") else "NULL"
        self.x(f"""CREATE TEMP TABLE imp_s_ids AS SELECT row, v_name, COALESCE({key},
            (SELECT min(department_id) FROM departments d WHERE d.name = imp_s.v_name),
            'D-' || substr(md5(v_name), 1, 10)) AS department_id FROM imp_s""")
        return ("SELECT department_id AS value, department_id FROM imp_s_ids UNION ALL "
                "SELECT v_name, department_id FROM imp_s_ids")

    def _derived_id(self) -> str:
        return "(SELECT department_id FROM imp_s_ids WHERE imp_s_ids.row = imp_s.row)"

    def write(self) -> ImportResult:
        result = super().write()
        result.new_departments += result.inserted  # the new rows of a department list are new departments
        return result

    def _joins(self) -> list[str]:
        return super()._joins() + (["LEFT JOIN imp_dep d_parent ON d_parent.value = s.v_parent"]
                                   if self.has("parent") else [])

    def _final_columns(self) -> dict[str, str]:
        cols = super()._final_columns()
        if self.has("parent"):
            cols["parent_id"] = "d_parent.department_id"
        return cols


class _Targets(_Job):
    """Targets: one row per (period_start, period, employee or department, metric) and its target. The period
    start is a date or the period itself (2024-05, 2024Q2, 2024年第二季度, 2024), and a date inside its period is
    moved to the period's first day (2024-05-15 of a month target is May's; the result notes it); the period
    may be left out when the period start is written as one. Period and metric words in Chinese or English.
    Exactly one of employee and department, each by id, else by name, and already loaded: a target names
    nobody new, and a name two employees share must be given as an id. A target is 0 or more. Importing a
    target again replaces it; two rows for one target are a problem."""

    table = "targets"
    typed = _Job.typed | {"period_start", "period", "metric"}
    one_of = ("employee", "department")
    replacing = None  # set by save_targets: the targets the app's editor showed (removed unless kept)

    def _typed(self, f: Field, raw: str) -> str:
        if f.kind == "period_start":
            return period_form(raw, self.mapping.day_first)[0]
        if f.kind == "period":
            return _case(word_key(raw), PERIOD_WORDS)
        if f.kind == "metric":
            return _case(word_key(raw), METRIC_WORDS)
        return super()._typed(f, raw)

    # -- resolve: the period's first day, and the employee or department each row names ----------------------
    def resolve(self) -> None:
        form = period_form("r_period_start")[1]
        period = "v_period" if self.has("period") else "NULL"
        self.x("ALTER TABLE imp_s ADD COLUMN form_period VARCHAR")
        self.x("ALTER TABLE imp_s ADD COLUMN t_period VARCHAR")
        self.x("ALTER TABLE imp_s ADD COLUMN t_start DATE")
        self.x(f"UPDATE imp_s SET form_period = {form}")
        self.x(f"UPDATE imp_s SET t_period = COALESCE({period}, form_period)")
        self.x("""UPDATE imp_s SET t_start = CAST(CASE t_period WHEN 'month' THEN date_trunc('month', v_period_start)
                  WHEN 'quarter' THEN date_trunc('quarter', v_period_start)
                  WHEN 'year' THEN date_trunc('year', v_period_start) END AS DATE)""")
        for key, table, temp in (("employee", "employees", "imp_emp"), ("department", "departments", "imp_dep")):
            col = f"{key}_id"
            values = f"SELECT DISTINCT v_{key} FROM imp_s WHERE v_{key} IS NOT NULL" if self.has(key) else \
                "SELECT NULL WHERE FALSE"
            self.x(f"""CREATE TEMP TABLE {temp} AS
                WITH v(value) AS ({values}),
                     n AS (SELECT name, min({col}) AS id, count(*) AS named FROM {table} GROUP BY name)
                SELECT CAST(v.value AS VARCHAR) AS value, COALESCE(i.{col}, n.id) AS id,
                       i.{col} IS NULL AND COALESCE(n.named, 0) > 1 AS ambiguous
                FROM v LEFT JOIN {table} i ON i.{col} = v.value LEFT JOIN n ON n.name = v.value""")
            self.x(f"ALTER TABLE imp_s ADD COLUMN t_{key} VARCHAR")
            if self.has(key):
                self.x(f"UPDATE imp_s SET t_{key} = w.id FROM {temp} w WHERE w.value = imp_s.v_{key}")

    # -- validate ----------------------------------------------------------------------------------------------
    def _check(self, add, key: str, f: Field) -> None:
        r, v = self.raw(key), f"v_{key}"
        if f.kind == "period_start":
            add(key, f"{r} IS NOT NULL AND {v} IS NULL", "bad_period_start",
                "not a date or a period; write the period's first day (2024-05-01) or the period itself "
                "(2024-05, 2024Q2, 2024年第二季度, 2024)")
            add(key, f"{v} IS NOT NULL AND ({v} < DATE '{EARLIEST}' OR {v} >= DATE '{LATEST}')", "date_out_of_range",
                "a date outside 1900-01-01 .. 2100-12-31; correct it")
        elif f.kind == "period":
            add(key, f"{r} IS NOT NULL AND {v} IS NULL", "unknown_period", f"unknown period; {PERIOD_HINT}")
            add(key, f"{v} IS NOT NULL AND v_period_start IS NOT NULL AND form_period IS NOT NULL AND {v} <> form_period",
                "period_mismatch", "the period start is written as another period (2024-05 is a month, 2024Q2 a "
                "quarter, 2024 a year); make the two agree, or write the period start as a date (2024-04-01)")
        elif f.kind == "metric":
            add(key, f"{r} IS NOT NULL AND {v} IS NULL", "unknown_metric", f"unknown metric; {METRIC_HINT}")
        elif f.kind in ("target_employee", "target_department"):
            who = "employee" if f.kind == "target_employee" else "department"
            first = "the team list" if who == "employee" else "the team or department list"
            add(key, f"{v} IS NOT NULL AND t_{key} IS NULL", f"unknown_{who}",
                f"no {who} with this id or name is loaded; correct it, or import {first} first")
            add(key, f"{v} IN (SELECT value FROM {'imp_emp' if who == 'employee' else 'imp_dep'} WHERE ambiguous)",
                f"ambiguous_{who}", f"several {who}s have this name; write the {who}'s id instead")
        else:
            super()._check(add, key, f)
            if key == "target":
                add(key, f"{v} < 0", "negative_target", "a target cannot be negative; write 0 or more")

    def _duplicates(self, add) -> None:
        """Two rows for one target: see _file_checks (the message names the earlier row)."""

    def _file_checks(self) -> list[str]:
        def check(key: str | None, where: str, code: str, message: str, value: str = "NULL") -> str:
            header = lit(self.fields[key][1]) if key in self.fields else "NULL"
            return f"SELECT row, {header}, {value}, '{code}', {message} FROM imp_s WHERE {where}"

        def header(key: str) -> str:
            return self.fields[key][1] if key in self.fields else key

        checks = []
        where = "period" if self.has("period") else "period_start"
        checks.append(check(where, "t_period IS NULL AND v_period_start IS NOT NULL"
                            + (" AND r_period IS NULL" if self.has("period") else ""), "missing_period", lit(
                                "no period: write month, quarter or year (月 / 季度 / 年) in a period column "
                                "(期间 / Period), or write the period start as the period itself (2024-05, 2024Q2, 2024)")))
        people = [k for k in ("employee", "department") if self.has(k)]
        if len(people) == 2:
            checks.append(check("employee", "v_employee IS NOT NULL AND v_department IS NOT NULL", "both_employee_and_department",
                                lit(f"a target is for an employee or for a department, not both: empty the "
                                    f"{header('employee')} or the {header('department')} cell"), "v_employee"))
        checks.append(check(people[0], " AND ".join(f"v_{k} IS NULL" for k in people), "no_employee_or_department",
                            lit("a target is for an employee or a department: fill in "
                                + " or ".join(header(k) for k in ("employee", "department")))))
        who = " AND ".join(["t_start IS NOT NULL", "t_period IS NOT NULL", "v_metric IS NOT NULL",
                            "(t_employee IS NOT NULL OR t_department IS NOT NULL)"])
        self.x(f"""CREATE TEMP TABLE imp_first AS SELECT row, first FROM (
                   SELECT row, min(row) OVER (PARTITION BY t_start, t_period, t_employee, t_department, v_metric) AS first
                   FROM imp_s WHERE {who}) WHERE row > first""")
        checks.append(check("metric", "row IN (SELECT row FROM imp_first)", "duplicate_target",
                            "'the same target (period, employee or department, metric) is on row ' || "
                            "(SELECT first FROM imp_first f WHERE f.row = imp_s.row) || '; keep one of the two rows'",
                            "r_metric"))
        return checks

    # -- write: replace the targets the file names (and those the editor dropped) -------------------------------
    def write(self) -> ImportResult:
        self.x(f"""CREATE TEMP TABLE imp_final AS SELECT f.*, EXISTS (SELECT 1 FROM targets t WHERE {_same_target('t', 'f')})
                       AS existed, EXISTS (SELECT 1 FROM targets t WHERE {_same_target('t', 'f')}
                                           AND t.target IS DISTINCT FROM f.target) AS changed
                   FROM (SELECT t_start AS period_start, t_period AS period, t_employee AS employee_id,
                                t_department AS department_id, v_metric AS metric, v_target AS target,
                                v_period_start <> t_start AS aligned FROM imp_s) f""")
        updated, loaded, aligned, changed, examples = self.x(f"""SELECT count(*) FILTER (existed), count(*),
            count(*) FILTER (aligned), count(*) FILTER (changed),
            list(concat_ws(' ', period_start, period, COALESCE(employee_id, department_id), metric)
                 ORDER BY period_start, COALESCE(employee_id, department_id), metric) FILTER (changed)[1:{EXAMPLES}]
            FROM imp_final""").fetchone()
        if aligned:
            self.notes.append("period_start_aligned")
        self.x(f"DELETE FROM targets t USING imp_final f WHERE {_same_target('t', 'f')}")
        self.x("""INSERT INTO targets (period_start, period, employee_id, department_id, metric, target)
                  SELECT period_start, period, employee_id, department_id, metric, target FROM imp_final""")
        removed = _remove_targets(self.cur, self.replacing, keep="imp_final") if self.replacing is not None else 0
        changes = Changes(changed, list(examples or [])) if self.count_changes else Changes()
        return ImportResult(self.source.name, self.table, self.source.rows, loaded, loaded - updated, updated,
                            notes=self.notes, changes=changes, removed=removed)


JOBS: dict[str, type[_Job]] = {job.table: job for job in (_Customers, _FollowUps, _Deals, _Employees, _Departments,
                                                          _Targets)}


def _case(expr: str, words: dict[str, str]) -> str:
    """SQL looking a normalised word up in a small dictionary (NULL when absent)."""
    if not words:
        return "NULL"
    return f"(CASE {expr} " + " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in words.items()) + " END)"
