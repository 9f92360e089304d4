"""Targets edited in the app (crm_core.targets): a hand-made editor frame is checked with the import's checks
(problems by editor row and column, nothing written) and saved in one transaction (changed, added and removed
targets; data_version bumped), and the attainment report follows."""

import datetime as dt

import pandas as pd
import pytest

from crm_core.filters import Filters
from crm_core.importing import ImportFailed
from crm_core.reports import get
from crm_core.scope import Scope
from crm_core.targets import EDIT_COLUMNS, check_edits, editor_rows, save_edits
from files.checks import rows, snapshot

D = dt.date
JAN = Filters(start=D(2026, 1, 1), end=D(2026, 3, 31))
LABELS = {"period_start": "周期开始", "period": "期间", "employee_id": "员工", "department_id": "部门", "metric": "指标",
          "target": "目标"}
TARGETS = "SELECT * FROM targets ORDER BY period_start, period, employee_id NULLS LAST, department_id, metric"


@pytest.fixture
def team(store):
    """Employees A (Ann) and B (Bea) in department D1; A won 600 in January 2026 and 250 in February; targets of
    January (A: revenue 1000 and new customers 5), of the first quarter (D1: revenue 9000), and of December 2025
    (A: revenue 700), which a range from January does not show."""
    with store.write() as cur:
        cur.execute("INSERT INTO departments VALUES ('D1', 'Sales', NULL)")
        cur.execute("INSERT INTO employees (employee_id, name, department_id) VALUES ('A', 'Ann', 'D1'), ('B', 'Bea', 'D1')")
        cur.execute("""INSERT INTO deals (deal_id, owner_id, amount, status, closed_at) VALUES
                       ('d1', 'A', 600, 'won', '2026-01-20 10:00'), ('d2', 'A', 250, 'won', '2026-02-03')""")
        cur.execute("""INSERT INTO targets VALUES ('2026-01-01', 'month', 'A', NULL, 'revenue', 1000),
                       ('2026-01-01', 'month', 'A', NULL, 'new_customers', 5),
                       ('2026-01-01', 'quarter', NULL, 'D1', 'revenue', 9000),
                       ('2025-12-01', 'month', 'A', NULL, 'revenue', 700)""")
    return store


def attainment(store) -> pd.DataFrame:
    return get("attainment").run(Scope(store.backend(), JAN))


def shown(store) -> pd.DataFrame:
    """What the Team page's editor shows for the range: the attainment report's targets."""
    return editor_rows(attainment(store))


def test_editor_rows_are_the_targets_of_the_range(team):
    assert [tuple(r) for r in shown(team).itertuples(index=False)] == [
        (D(2026, 1, 1), "month", "A", None, "new_customers", 5.0),
        (D(2026, 1, 1), "month", "A", None, "revenue", 1000.0),
        (D(2026, 1, 1), "quarter", None, "D1", "revenue", 9000.0)]  # the report's order: employees' first
    assert list(shown(team).columns) == EDIT_COLUMNS


def test_an_edit_changes_adds_and_removes_targets_in_one_write(team):
    before = shown(team)
    version = team.data_version()
    edited = before.copy()
    edited.loc[1, "target"] = 1500.0                                   # A's January revenue: 1000 -> 1500
    edited = edited.drop(index=0)                                      # A's new customers: deleted
    edited.loc[3] = [D(2026, 2, 15), "月度", "Bea", None, "跟进次数", 8.0]  # added: words, a name, a day inside February
    assert check_edits(team, edited, LABELS) == []
    result = save_edits(team, before, edited, LABELS)
    assert (result.inserted, result.updated, result.changes.count, result.removed) == (1, 2, 1, 1)
    assert result.notes == ["period_start_aligned"]
    assert team.data_version() == version + 1
    assert rows(team, TARGETS) == [
        (D(2025, 12, 1), "month", "A", None, "revenue", 700.0),        # not shown: untouched
        (D(2026, 1, 1), "month", "A", None, "revenue", 1500.0),
        (D(2026, 1, 1), "quarter", None, "D1", "revenue", 9000.0),
        (D(2026, 2, 1), "month", "B", None, "follow_ups", 8.0)]
    att = attainment(team).set_index(["period", "metric"])
    # A won 600 in January: 600 / 1500. D1's quarter: 600 + 250 of its employees: 850 / 9000. B made no follow-up.
    assert att.loc[("month", "revenue"), ["actual", "attainment"]].tolist() == [600.0, 600 / 1500]
    assert att.loc[("quarter", "revenue"), ["actual", "attainment"]].tolist() == [850.0, 850 / 9000]
    assert att.loc[("month", "follow_ups"), ["actual", "attainment"]].tolist() == [0.0, 0.0]


def test_a_target_moved_to_another_period_leaves_the_old_one(team):
    before = shown(team)
    edited = before.copy()
    edited.loc[1, "period_start"] = D(2026, 3, 1)  # A's revenue target: January -> March
    save_edits(team, before, edited, LABELS)
    assert rows(team, "SELECT period_start, target FROM targets WHERE employee_id = 'A' AND metric = 'revenue' "
                      "ORDER BY 1") == [(D(2025, 12, 1), 700.0), (D(2026, 3, 1), 1000.0)]


def test_an_added_row_for_a_target_already_there_replaces_it(team):
    before = shown(team)
    edited = pd.concat([before, pd.DataFrame([[D(2025, 12, 10), "month", "A", None, "revenue", 800.0]],
                                             columns=EDIT_COLUMNS)], ignore_index=True)
    result = save_edits(team, before, edited, LABELS)
    assert (result.inserted, result.updated, result.removed) == (0, 4, 0)
    assert rows(team, "SELECT target FROM targets WHERE period_start = '2025-12-01'") == [(800.0,)]
    assert rows(team, "SELECT count(*) FROM targets")[0][0] == 4


def test_deleting_every_row_removes_the_targets_shown(team):
    save_edits(team, shown(team), shown(team).iloc[0:0], LABELS)
    assert rows(team, TARGETS) == [(D(2025, 12, 1), "month", "A", None, "revenue", 700.0)]


BAD = [  # (the row, (column, value, code))
    ([D(2026, 1, 1), "month", "Zed", None, "revenue", 10.0], ("员工", "Zed", "unknown_employee")),
    ([D(2026, 1, 1), "month", "B", "D1", "revenue", 10.0], ("员工", "B", "both_employee_and_department")),
    ([D(2026, 1, 1), "month", None, None, "revenue", 10.0], ("员工", None, "no_employee_or_department")),
    ([D(2026, 1, 1), "month", "B", None, "profit", 10.0], ("指标", "profit", "unknown_metric")),
    ([D(2026, 1, 1), "week", "B", None, "revenue", 10.0], ("期间", "week", "unknown_period")),
    ([D(2026, 1, 1), "month", "B", None, "revenue", -1.0], ("目标", "-1.0", "negative_target")),
    ([None, "month", "B", None, "revenue", 10.0], ("周期开始", None, "missing")),
    ([D(2026, 1, 1), "month", "B", None, "revenue", float("nan")], ("目标", None, "missing")),
    ([D(2026, 1, 1), "month", "A", None, "revenue", 10.0], ("指标", "revenue", "duplicate_target")),
]


@pytest.mark.parametrize("row, problem", BAD, ids=[p[2] + f"-{n}" for n, (_, p) in enumerate(BAD)])
def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_written(team, row, problem):
    before_rows, before = shown(team), snapshot(team)
    edited = pd.concat([before_rows, pd.DataFrame([row], columns=EDIT_COLUMNS)], ignore_index=True)
    edited.loc[0, "target"] = 1.0  # a good change in the same edit is not written either
    [found] = check_edits(team, edited, LABELS, name="目标编辑")
    assert (found.file, found.row, found.column, found.value, found.code) == ("目标编辑", 4, *problem)
    with pytest.raises(ImportFailed) as failed:
        save_edits(team, before_rows, edited, LABELS, name="目标编辑")
    assert [(p.row, p.column, p.code) for p in failed.value.problems] == [(4, problem[0], problem[2])]
    assert snapshot(team) == before  # every table and data_version
