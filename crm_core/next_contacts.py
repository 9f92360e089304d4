"""What the store keeps for counting contacted customers fast: every follow-up with the day its customer is
next contacted, within each group of employees a report can count over.

"Distinct customers contacted in a range" is a hash of every (customer) pair the range holds: the costliest
query of the dashboard (a year is ~3M follow-ups at 1M customers). With the next contact kept, it is a plain
count: of a customer's follow-ups in the range, exactly one has its next contact after the range's end (or
none), so counting those rows counts each customer once. Per period the same holds with "after the end of
the period, or of the range": bit ``GRAIN_BIT[period]`` of ``last_<level>`` says the next contact falls in a
later period (or there is none), ``next_<level>`` (a DATE; NEVER when there is none) covers the cut-off
of the range's end.

The next contact is taken within a group, so that it is one of the follow-ups the report counts:

- ``company``: every follow-up (the admin's unfiltered view, unowned follow-ups included);
- ``employee``: the same employee's (any set of employees is a union of these; per-employee counts);
- ``depth0`` .. ``depth3``: the same department at that depth of the tree (0: a top department) above the
  employee's department: the employees of one department's subtree, a manager's or a department filter's;
- each of those again within one channel (``company_channel``, ...), for customers per channel. ``channel``
  is kept cleaned as contact-frequency shows it.

At the levels without a channel each row also has ``seq_<level>`` (its place among the customer's follow-ups
in the group, from 1) and ``first_<level>`` (the day of the first of them): on the customer's last follow-up
up to a day, they are how many follow-ups the customer had by then and since when (early warning's
contact_gap, without a group-by).

Scope.next_contacts picks the level whose group is exactly the employees it counts, or none (then reports
count distinct values on follow_ups, with the same numbers), from the departments' depths the store hands
its backends (``depths``; None: the store keeps nothing, as PostgreSQL and Spark stores). The table is
stored by quarter, then customer: a range skips the quarters outside it, and looking up customers' rows
(each one's last or first follow-up) reads their ids from runs of neighbours (at M, hygiene's lookup took
138 ms against 215 ms stored by time alone, and a year's counts 69 against 66 ms). It is
rebuilt inside the transaction of any write that changes follow-ups, employees or departments
(``bring_up_to_date``, called by Store.write); a fingerprint of those tables, kept in settings, tells.
"""

from __future__ import annotations

import datetime as dt

TABLE = "next_contacts"
SUMMARY = "customer_contacts"  # each customer's follow-ups in one row (see build_summary)
DAYS = "contact_days"  # the company's and each department's kept rows counted per day (see build_days)
DEPTHS = 4  # departments deeper than this are counted the distinct way
GRAIN_BIT = {"day": 1, "week": 2, "month": 4, "quarter": 8, "year": 16}
SOURCES = ("follow_ups", "employees", "departments")  # what it is built from
FINGERPRINT = "next_contacts_fingerprint"
NEVER = "9999-12-31"  # next_<level> of a customer's last follow-up: after any range
BUILD = 4  # part of the fingerprint: a new way of building it rebuilds every kept table

_GROUP = {"company": "", "employee": ", employee_id", **{f"depth{d}": f", g{d}" for d in range(DEPTHS)}}
# Every level again within one channel (contact-frequency counts customers per channel): "<level>_channel".
_PARTITION = {**_GROUP, **{f"{lv}_channel": f"{g}, channel" for lv, g in _GROUP.items()}}


def _channel_sql() -> str:
    """The channel as contact-frequency names it (behaviour._channel: trimmed, "(none)" when empty), in DuckDB's
    SQL over a table aliased t0: compiled from the report's own expression, so the two cannot drift apart."""
    import ibis
    import sqlglot

    from .metrics.behaviour import _channel

    t = ibis.table({"channel": "string"}, name="follow_ups")
    select = sqlglot.parse_one(ibis.to_sql(t.select(channel=_channel(t.channel)), dialect="duckdb"), read="duckdb")
    return select.expressions[0].this.sql("duckdb")


def groups_sql() -> str:
    """CTEs top, a, g: each employee's department at each depth of the tree above theirs (g0 .. g3)."""
    groups = ",\n".join(f"min(a.ancestor_id) FILTER (WHERE a.level = {d}) AS g{d}" for d in range(DEPTHS))
    return f"""top AS (SELECT descendant_id AS department_id, max(depth) AS level FROM department_tree GROUP BY 1),
a AS (SELECT t.descendant_id AS department_id, top.level, t.ancestor_id
      FROM department_tree t JOIN top ON top.department_id = t.ancestor_id WHERE top.level < {DEPTHS}),
g AS (SELECT e.employee_id, {groups}
      FROM employees e LEFT JOIN a ON a.department_id = e.department_id GROUP BY 1)"""


def _build_sql() -> str:
    window = {lv: f"OVER (PARTITION BY customer_id{part} ORDER BY contacted_at, follow_up_id)"
              for lv, part in _PARTITION.items()}
    nexts = ",\n".join(f"lead(contacted_at) {window[lv]}::DATE AS n_{lv}" for lv in _PARTITION)
    seqs = ",\n".join(f"row_number() {window[lv]}::UINTEGER AS seq_{lv}, "
                      f"first_value(contacted_at) {window[lv]}::DATE AS first_{lv}" for lv in _GROUP)
    lasts = ",\n".join(
        "(" + " + ".join(f"CASE WHEN n_{lv} IS NULL OR date_trunc('{g}', n_{lv}) <> date_trunc('{g}', day) "
                         f"THEN {bit} ELSE 0 END" for g, bit in GRAIN_BIT.items()) + f")::UTINYINT AS last_{lv}"
        for lv in _PARTITION)
    return f"""
CREATE OR REPLACE TABLE {TABLE} AS
WITH {groups_sql()},
n AS (SELECT f.customer_id, f.employee_id, f.contacted_at, f.channel, f.contacted_at::DATE AS day, {nexts},
       {seqs}
      FROM (SELECT t0.follow_up_id, t0.customer_id, t0.employee_id, t0.contacted_at, {_channel_sql()} AS channel,
                   g.* EXCLUDE (employee_id)
            FROM follow_ups t0 LEFT JOIN g ON g.employee_id = t0.employee_id) f)
SELECT customer_id, employee_id, contacted_at, channel,
{", ".join(f"coalesce(n_{lv}, DATE '{NEVER}') AS next_{lv}" for lv in _PARTITION)},
{lasts},
{", ".join(f"seq_{lv}, first_{lv}" for lv in _GROUP)}
FROM n ORDER BY date_trunc('quarter', contacted_at), customer_id, contacted_at"""


def fingerprint(cur) -> str:
    """A digest of what the kept table is built from: follow-ups, employees' departments, the tree."""
    row = cur.execute("""SELECT
        (SELECT count(*) || ':' || coalesce(sum(hash(follow_up_id, customer_id, employee_id, contacted_at, channel)), 0)
         FROM follow_ups),
        (SELECT coalesce(sum(hash(employee_id, department_id)), 0) FROM employees),
        (SELECT coalesce(sum(hash(department_id, parent_id)), 0) FROM departments)""").fetchone()
    return "/".join(str(v) for v in (BUILD, *row))


def _exists(cur, table: str = TABLE) -> bool:
    return bool(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()[0])


def _current(cur, now: str) -> bool:
    """Whether the kept table exists and was built from data whose fingerprint is ``now``."""
    kept = cur.execute("SELECT value FROM settings WHERE key = ?", [FINGERPRINT]).fetchall()
    return _exists(cur) and bool(kept) and kept[0][0] == now


def build_summary(cur) -> None:
    """SUMMARY: per customer, their follow-ups by anyone (the company level): n (how many), first_day (the first
    one's day) and last_at (the last one's moment): the kept rows with no next contact. As of the latest
    follow-up's day (contacts_until), and any day after it, these are what "as of the day" counts; reports
    read it only then (Scope.contact_summary): 1M rows instead of the 10M kept rows at M."""
    cur.execute(f"""CREATE OR REPLACE TABLE {SUMMARY} AS
        SELECT customer_id, seq_company::BIGINT AS n, first_company AS first_day, contacted_at AS last_at
        FROM {TABLE} WHERE next_company = DATE '{NEVER}' ORDER BY customer_id""")


def build_days(cur) -> None:
    """DAYS: the kept rows of the company level and of each department level counted per day: level, grp (the
    department whose subtree the group is; NULL for the company), day, next and last (the level's next_ and
    last_ columns) and n (how many rows). Counting contacted customers of one group is then a sum over its rows in
    the range instead of a count over its follow-ups: rows per (day, next, last), so the company has 277,398 at
    M over the data's whole span and 419,021 at XL, against 100M follow-ups (12M for one region's year). Rows of employees outside every department at a depth are in no group of that depth."""
    parts = ["SELECT 'company' AS level, NULL::VARCHAR AS grp, day, next_company AS next, last_company AS last, "
             "count(*) AS n FROM r GROUP BY ALL"]
    parts += [f"SELECT 'depth{d}', g{d}, day, next_depth{d}, last_depth{d}, count(*) FROM r "
              f"WHERE g{d} IS NOT NULL GROUP BY ALL" for d in range(DEPTHS)]
    cur.execute(f"""CREATE OR REPLACE TABLE {DAYS} AS
        WITH {groups_sql()},
        r AS (SELECT k.*, k.contacted_at::DATE AS day, g.* EXCLUDE (employee_id)
              FROM {TABLE} k LEFT JOIN g ON g.employee_id = k.employee_id)
        SELECT * FROM ({" UNION ALL ".join(parts)}) ORDER BY level, grp, day""")


def contacts_kept(cur) -> bool:
    """Whether the summary is kept (it is rebuilt with the table, whenever the follow-ups change)."""
    return _exists(cur, SUMMARY)


def contacts_until(cur) -> dt.date | None:
    """The day of the latest follow-up the summary counts (None: no summary, or no follow-up)."""
    if not _exists(cur, SUMMARY):
        return None
    return cur.execute(f"SELECT max(last_at)::DATE FROM {SUMMARY}").fetchone()[0]


def bring_up_to_date(cur) -> bool:
    """Rebuild the kept table (and its summary) when what it is built from changed since it was built (or it is
    missing); whether it was rebuilt. Runs inside the caller's transaction."""
    now = fingerprint(cur)
    if _current(cur, now):
        if not _exists(cur, SUMMARY):  # kept by an older version, without the summary
            build_summary(cur)
        if not _exists(cur, DAYS):  # or without the days
            build_days(cur)
        return False
    cur.execute(_build_sql())
    build_summary(cur)
    build_days(cur)
    cur.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [FINGERPRINT, now])
    return True


def depths(cur, check: bool = False) -> dict[str, int] | None:
    """Every department's depth in the tree (0: a top department), what Scope.next_contacts picks a level by;
    None when the table is not kept (or, with ``check``, no longer matches what it was built from)."""
    if not (_current(cur, fingerprint(cur)) if check else _exists(cur)):
        return None
    return dict(cur.execute("SELECT descendant_id, max(depth) FROM department_tree GROUP BY 1").fetchall())


def drop(cur) -> None:
    """Keep nothing: reports count the distinct way."""
    cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
    cur.execute(f"DROP TABLE IF EXISTS {SUMMARY}")
    cur.execute(f"DROP TABLE IF EXISTS {DAYS}")
    cur.execute("DELETE FROM settings WHERE key = ?", [FINGERPRINT])
