"""The Team page under Streamlit's AppTest, on a copy of the demo company: the leaderboard ranks and lists what
SQL counts, targets show their attainment, the forecast sums the open deals of the coming months."""

import datetime as dt

import pytest

from conftest import DEMO_END
from test_pages_health import table
from test_pages_statistics import list_count, run, sql

START = dt.date(2026, 1, 1)
NEXT = f"DATE '{DEMO_END}' + 1"


def test_leaderboard_ranks_by_revenue_and_drills_to_customers(app_db, demo_path):
    at = run("team.py")
    assert at.title[0].value == "团队业绩"
    board = table(at, "名次")
    revenue = dict(sql(demo_path, f"""SELECT owner_id, sum(coalesce(amount, 0)) FROM deals WHERE status = 'won'
        AND closed_at >= '{START}' AND closed_at < {NEXT} GROUP BY 1"""))
    top = max(revenue, key=revenue.get)
    assert board.iloc[0, 0] == 1 and abs(board.iloc[0, 7] - revenue[top]) < 1e-6
    at.selectbox(key="team_pick_employee").set_value(top).run()
    created = sql(demo_path, f"""SELECT count(*) FROM customers WHERE owner_id = '{top}'
        AND created_at >= '{START}' AND created_at < {NEXT}""")[0][0]
    assert list_count(at) == created == int(board.iloc[0, 3])


def test_targets_and_forecast(app_db, demo_path):
    at = run("team.py")
    at.segmented_control(key="team_section").set_value("targets").run()
    assert not at.exception
    rows = table(at, "周期")
    targets = sql(demo_path, f"""SELECT count(*) FROM targets WHERE metric = 'revenue'
        AND period_start >= '{START}' AND period_start <= DATE '{DEMO_END}'""")[0][0]
    assert len(rows) == targets > 0
    at.segmented_control(key="team_section").set_value("forecast").run()
    assert not at.exception
    months = table(at, "月份")
    open_deals = sql(demo_path, f"""SELECT count(*) FROM deals WHERE status = 'open'
        AND expected_close_at >= {NEXT} AND expected_close_at < {NEXT} + 183""")[0][0]
    assert int(months.iloc[:, 1].sum()) == open_deals > 0


def test_team_page_with_an_empty_database(store, monkeypatch):
    monkeypatch.setenv("CRM_DB", str(store.path))
    at = run("team.py")
    for section in ("leaderboard", "targets", "forecast"):
        at.segmented_control(key="team_section").set_value(section).run()
        assert not at.exception


def test_an_admin_changes_a_stage_probability_and_the_forecast_follows(store):
    import pytest

    from crm_core.errors import UserError
    from crm_core.filters import Filters
    from crm_core.metrics.team import save_stage_probability
    from crm_core.reports import get
    from crm_core.scope import Scope

    with store.write() as cur:
        cur.execute("INSERT INTO employees (employee_id, name) VALUES ('A', 'A')")
        cur.execute("""INSERT INTO deals (deal_id, owner_id, stage, amount, status, created_at, expected_close_at)
                       VALUES ('d1', 'A', 'proposal', 1000, 'open', '2026-01-01', '2026-02-10'),
                              ('d2', 'A', 'lead', 500, 'open', '2026-01-01', '2026-02-20')""")
    f = Filters(start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28))
    weighted = lambda: float(get("forecast").run(Scope(store.backend(), f)).weighted_amount.iloc[0])
    assert weighted() == 1000 * 0.5 + 500 * 0.1  # DESIGN.md's defaults
    save_stage_probability(store, {"lead": 0.2, "qualified": 0.25, "proposal": 0.6, "negotiation": 0.75})
    assert weighted() == 1000 * 0.6 + 500 * 0.2
    table = get("stage-probability").run(Scope(store.backend(), f))
    assert dict(zip(table.stage, table.probability))["proposal"] == 0.6
    with pytest.raises(UserError, match="'lead'.*outside 0 .. 1"):
        save_stage_probability(store, {"lead": 40, "proposal": 0.1})
    with pytest.raises(UserError, match="not a number"):
        save_stage_probability(store, {"lead": "viel"})
    assert weighted() == 1000 * 0.6 + 500 * 0.2  # a refused edit leaves the settings as they were


def test_an_admin_edits_a_target_and_the_attainment_follows(app_db, demo_path):
    """The targets editor on the Team page: a bad row is refused with its row and column and nothing is saved;
    then a revenue target is changed and saved, and the attainment table shows the actual (the employee's won
    deals over the target's month, counted in SQL) over the new target."""
    at = run("team.py")
    at.segmented_control(key="team_section").set_value("targets").run()
    [editor] = at.data_editor
    shown = editor.value
    assert list(shown.columns) == ["period_start", "period", "employee_id", "department_id", "metric", "target"]
    targets = sql(demo_path, f"""SELECT count(*) FROM targets WHERE period_start >= '{START}'
                                 AND period_start <= DATE '{DEMO_END}'""")[0][0]
    assert len(shown) == targets > 0
    i = next(n for n, r in enumerate(shown.itertuples()) if r.metric == "revenue" and isinstance(r.employee_id, str))
    employee, start, old = shown.employee_id[i], shown.period_start[i], float(shown.target[i])
    name = sql(demo_path, f"SELECT name FROM employees WHERE employee_id = '{employee}'")[0][0]
    actual = sql(demo_path, f"""SELECT coalesce(sum(coalesce(amount, 0)), 0) FROM deals WHERE owner_id = '{employee}'
        AND status = 'won' AND closed_at >= DATE '{start}' AND closed_at < DATE '{start}' + INTERVAL 1 MONTH""")[0][0]
    new = old * 2 + 1000

    def attainment_of(target: float):
        board = table(at, "周期")
        month = f"{start.year}年{start.month}月"
        mine = board[(board["周期"] == month) & (board["员工或部门"] == name) & (board["目标"] == target)]
        assert len(mine) == 1, board
        return float(mine["实际"].iloc[0]), float(mine["完成率"].iloc[0])

    # A row for nobody: refused, named by its row (the last) and column, and nothing is written.
    at.session_state[editor.key] = {"edited_rows": {i: {"target": new}}, "deleted_rows": [],
                                    "added_rows": [{"period_start": str(start), "period": "month",
                                                    "metric": "revenue", "target": 5.0}]}
    at.run()
    at.button(key="targets_save").click().run()
    assert not at.exception
    assert "目标未保存" in at.error[0].value
    problems = next(d.value for d in at.dataframe if d.value.columns[0] == "行号")
    assert problems.iloc[:, :2].values.tolist() == [[str(len(shown) + 1), "员工"]]
    assert attainment_of(old)[0] == pytest.approx(actual)

    # The same change without the bad row: saved, and the attainment is the actual over the new target.
    at.session_state[editor.key] = {"edited_rows": {i: {"target": new}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="targets_save").click().run()
    assert not at.exception
    assert "目标已保存：新增 0，修改 1，删除 0" in at.success[0].value
    got_actual, got_attainment = attainment_of(new)
    assert got_actual == pytest.approx(actual)
    assert got_attainment == pytest.approx(actual / new)
    [editor] = at.data_editor  # a fresh editor over the saved targets
    assert float(editor.value.target[i]) == new and len(editor.value) == len(shown)


def test_a_non_admin_sees_the_targets_read_only(app_db, monkeypatch):
    import ui.state
    from crm_core.scope import Viewer

    monkeypatch.setattr(ui.state, "current_viewer", lambda: Viewer(employee_id="E0002", role="manager",
                                                                   department_id="D110"))
    at = run("team.py")
    at.segmented_control(key="team_section").set_value("targets").run()
    assert not at.exception
    assert not at.data_editor
    assert "只有管理员可以修改目标。" in [c.value for c in at.caption]
    assert table(at, "周期开始").shape[0] > 0
