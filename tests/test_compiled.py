"""A statement's SQL is compiled once per shape (crm_core.compiled): a statement that differs from a known one
only in its dates and strings writes them into the kept SQL, and gets the rows a fresh compile gets.

The suite runs with CRM_VERIFY_SQL=1 (conftest), so every kept statement of every test is also compared with a
fresh compile. These tests say what is kept, and check rows against values counted by hand.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import ibis
import pandas as pd
import pytest

from crm_core import backend as B
from crm_core import compiled
from crm_core.filters import Filters, in_range
from crm_core.metrics import team
from crm_core.scope import Scope

D = dt.date


@pytest.fixture
def visits(tmp_path):
    """A DuckDB file with five visits: (seen, who)."""
    path = tmp_path / "visits.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE visits (seen TIMESTAMP, who VARCHAR)")
        con.execute("INSERT INTO visits VALUES ('2026-01-01 09:00', 'ann'), ('2026-01-02 10:00', 'bob'), "
                    "('2026-01-02 23:59', 'O''Neil'), ('2026-01-03 00:00', 'ann'), ('2026-01-05 12:00', 'bob')")
    backend = ibis.duckdb.connect(str(path))
    yield backend.table("visits")
    backend.disconnect()


def counts():
    return dict(compiled.STATS)


def visits_between(t, start: D, end: D, who: list[str]) -> int:
    return B.scalar(t.filter(in_range(t.seen, start, end), t.who.isin(who)).count())


def test_other_dates_and_names_reuse_the_sql_and_count_their_own_rows(visits):
    assert visits_between(visits, D(2026, 1, 1), D(2026, 1, 2), ["ann", "bob"]) == 2
    before = counts()
    assert visits_between(visits, D(2026, 1, 2), D(2026, 1, 5), ["bob", "O'Neil"]) == 3
    assert visits_between(visits, D(2026, 1, 3), D(2026, 1, 3), ["ann", "carl"]) == 1
    after = counts()
    assert after["compiled"] == before["compiled"]  # not compiled again (bar the check CRM_VERIFY_SQL adds)
    assert after["kept"] == before["kept"] + 2


def test_equal_literals_share_a_slot_and_a_later_difference_is_another_shape(visits):
    """An empty range, whose start and end are one literal, and then a range where they differ: the second
    must not write one value into both places."""
    def between(start, end):
        return B.scalar(visits.filter(visits.seen >= ibis.timestamp(start), visits.seen < ibis.timestamp(end)).count())

    assert between("2026-01-02 00:00:00", "2026-01-02 00:00:00") == 0
    before = counts()
    assert between("2026-01-02 00:00:00", "2026-01-03 00:00:00") == 2
    assert counts()["compiled"] > before["compiled"]
    assert between("2026-01-01 00:00:00", "2026-01-06 00:00:00") == 5


def test_a_list_of_another_length_is_another_shape(visits):
    assert B.scalar(visits.filter(visits.who.isin(["ann"])).count()) == 2
    before = counts()
    assert B.scalar(visits.filter(visits.who.isin(["ann", "bob"])).count()) == 4
    assert counts()["compiled"] > before["compiled"]


def test_a_string_the_compiler_rewrites_stays_part_of_the_shape(visits):
    """A unit is a string literal that Ibis writes in capitals: each unit has SQL of its own."""
    start = ibis.timestamp("2025-12-31 00:00:00")

    def since(unit):
        return visits.select(d=visits.seen.delta(start, unit=unit)).order_by("d")

    assert B.run(since("day"))["d"].tolist() == [1, 2, 2, 3, 5]
    assert B.run(since("hour"))["d"].tolist() == [33, 58, 71, 72, 132]
    before = counts()
    assert B.run(since("day"))["d"].tolist() == [1, 2, 2, 3, 5]
    assert counts()["kept"] == before["kept"] + 1 and counts()["compiled"] == before["compiled"]


def test_an_in_memory_table_is_compiled_every_time(visits):
    names = ibis.memtable(pd.DataFrame({"who": ["ann"]}))
    before = counts()
    assert B.scalar(visits.filter(visits.who.isin(names.who)).count()) == 2
    assert counts()["compiled"] == before["compiled"] + 1 and counts()["kept"] == before["kept"]


def test_a_report_for_another_department_and_range_is_a_kept_shape(demo_store):
    """The leaderboard's one statement for two regions and two ranges: compiled for the first only, and each
    result equals the one a fresh compile of the same expression gives."""
    be = demo_store.backend()
    # Both ranges end before the latest follow-up, so both read next_contacts (a range up to it sums the
    # store's follow-ups per employee and day instead: another shape).
    runs = [(("D110",), D(2026, 1, 1), D(2026, 6, 30)), (("D120",), D(2025, 12, 1), D(2026, 10, 31))]
    for i, (departments, start, end) in enumerate(runs):
        expr = team.leaderboard_rows(Scope(be, Filters(start=start, end=end, departments=departments)), start, end,
                                     "employee")
        before = counts()
        got = B.run(expr)
        fresh = be.con.execute(be.compile(expr)).df()
        pd.testing.assert_frame_equal(got, fresh)
        assert got["new_customers"].sum() > 0
        assert counts()["kept"] == before["kept"] + 1
    assert counts()["compiled"] == before["compiled"]  # the second region: no compile


def test_outside_the_suite_a_new_shape_is_compiled_once(visits, monkeypatch):
    """Without CRM_VERIFY_SQL a new shape costs one compile (with made-up values), and the SQL written from it
    counts the rows."""
    monkeypatch.setattr(compiled, "VERIFY", False)
    before = counts()
    assert visits_between(visits, D(2026, 1, 2), D(2026, 1, 2), ["ann", "bob", "carl", "O'Neil"]) == 2
    assert counts()["compiled"] == before["compiled"] + 1 and counts()["kept"] == before["kept"] + 1
    assert visits_between(visits, D(2026, 1, 1), D(2026, 1, 5), ["ann", "bob", "dan", "O'Neil"]) == 5
    assert counts()["compiled"] == before["compiled"] + 1


def test_a_value_the_sql_shows_in_two_forms_is_not_kept(visits, monkeypatch):
    """'day' as a column's value and as the unit of a difference is one slot; the compiler writes the unit in
    capitals, so the made-up value shows both as written and upper-cased: the statement is compiled every time
    (with or without the check)."""
    monkeypatch.setattr(compiled, "VERIFY", False)
    start = ibis.timestamp("2025-12-31 00:00:00")

    def since(unit):
        return visits.select(u=ibis.literal(unit), d=visits.seen.delta(start, unit=unit)).order_by("d")

    before = counts()
    for _ in range(2):
        got = B.run(since("day"))
        assert got["d"].tolist() == [1, 2, 2, 3, 5] and set(got["u"]) == {"day"}
    # The made-up compile once, then each run's own.
    assert counts()["kept"] == before["kept"] and counts()["compiled"] == before["compiled"] + 3
