"""The Sales funnel and Segments & revenue pages under Streamlit's AppTest, on a copy of the demo company: they
render, switch, and every drill-down lists exactly the customers the page counts."""

import datetime as dt

from conftest import DEMO_END
from test_pages_statistics import list_count, run, sql

from crm_core.filters import Filters
from crm_core.reports import run_report
from crm_core.scope import Scope

START = dt.date(2026, 1, 1)
EMPTY = "没有符合条件的客户。"


def count_or_zero(at) -> int:
    return 0 if any(i.value == EMPTY for i in at.info) else list_count(at)


def numbers(df, col: int) -> list[int]:
    return [int(v) for v in df.iloc[:, col]]


def stage_customers(db, reached_at_least: int, exactly: bool = False) -> int:
    """Distinct customers of the deals created in the range whose furthest stage is (at least) the given index."""
    cmp = "=" if exactly else ">="
    return sql(db, f"""
        WITH d AS (SELECT deal_id, customer_id FROM deals
                   WHERE created_at >= '{START}' AND created_at < DATE '{DEMO_END}' + 1),
             h AS (SELECT deal_id, max(CASE stage WHEN 'lead' THEN 0 WHEN 'qualified' THEN 1 WHEN 'proposal' THEN 2
                                                  WHEN 'negotiation' THEN 3 WHEN 'won' THEN 4 END) AS furthest
                   FROM deal_stage_history WHERE deal_id IN (SELECT deal_id FROM d) GROUP BY deal_id)
        SELECT count(DISTINCT c.customer_id) FROM d JOIN h USING (deal_id) JOIN customers c USING (customer_id)
        WHERE h.furthest {cmp} {reached_at_least}""")[0][0]


def test_funnel_page_counts_and_drills_steps_and_stages(app_db, demo_path):
    at = run("funnel.py")
    assert at.title[0].value == "销售漏斗"
    assert len(at.get("plotly_chart")) == 3 and len(at.get("download_button")) == 4  # CSV and XLSX of both funnels
    steps = at.dataframe[0].value
    counts = numbers(steps, 1)
    created = sql(demo_path, f"SELECT count(*) FROM customers WHERE created_at >= '{START}' "
                             f"AND created_at < DATE '{DEMO_END}' + 1")[0][0]
    assert counts[0] == created and counts == sorted(counts, reverse=True) and counts[-1] > 0
    assert numbers(steps, 4) == [0] + [a - b for a, b in zip(counts, counts[1:])]  # dropped out at each step
    assert any("阶段历史" in c.value for c in at.caption)  # time in stage needs a stage history

    # Every step: the list holds exactly the customers the funnel counts, reached it or dropped out there.
    for i, step in enumerate(["created", "contacted", "opportunity", "won"]):
        at.selectbox(key="funnel_pick").set_value(step)
        at.button_group(key="funnel_which").set_value("reached").run()
        assert not at.exception and list_count(at) == counts[i]
        assert at.main.subheader[-1].value.startswith("客户名单：")
        at.button_group(key="funnel_which").set_value("dropped_out").run()
        assert count_or_zero(at) == (counts[i - 1] - counts[i] if i else 0)
    at.selectbox(key="funnel_pick").set_value(None).run()

    # Stages: the customers of the deals that reached the stage (a customer with two such deals once).
    stages = at.dataframe[1].value
    deals = numbers(stages, 1)
    assert deals == sorted(deals, reverse=True) and deals[0] > 0
    at.selectbox(key="deal_pick").set_value("negotiation")
    at.button_group(key="deal_which").set_value("reached").run()
    assert not at.exception and list_count(at) == stage_customers(demo_path, 3) <= deals[3]
    at.button_group(key="deal_which").set_value("dropped_out").run()
    assert count_or_zero(at) == stage_customers(demo_path, 2, exactly=True)
    assert len(at.warning) == 1 and "商务谈判" in at.warning[0].value  # the stage where the demo's deals stall


def test_funnel_page_side_by_side_per_department(app_db, demo_store):
    at = run("funnel.py")
    assert any("两个或以上" in c.value for c in at.caption)
    at.sidebar.multiselect(key="f_departments").set_value(["D120", "D130"]).run()
    assert not at.exception and len(at.get("plotly_chart")) == 5  # two funnels, median days, two comparisons
    teams = at.dataframe[2].value
    assert len(teams) == 2
    one = Filters(start=START, end=DEMO_END, departments=("D120",))
    won = int(run_report("funnel", Scope(demo_store.backend(), one)).set_index("step").loc["won", "customers"])
    assert int(teams.iloc[0]["成交"]) == won
    at.selectbox(key="funnel_pick").set_value("won")
    at.selectbox(key="funnel_team").set_value("d:D120").run()
    assert not at.exception and list_count(at) == won


def test_segments_page_dimensions_and_drill_down(app_db):
    at = run("segments.py")
    assert at.title[0].value == "客户细分与收入"
    table = at.dataframe[0].value
    assert table.columns[0] == "行业" and len(at.get("plotly_chart")) == 1 and at.get("download_button")
    at.button_group(key="seg_dim").set_value("source").run()
    table = at.dataframe[0].value
    assert not at.exception and table.columns[0] == "来源"
    value, customers, won = table.iloc[0, 0], int(table.iloc[0, 1]), int(table.iloc[0, 2])
    at.selectbox(key="seg_pick_source").set_value(value).run()
    assert not at.exception and list_count(at) == customers == len(at.dataframe[-1].value)
    at.button_group(key="seg_which").set_value("won_customers").run()
    assert count_or_zero(at) == won
    at.button_group(key="seg_measure").set_value("win_rate").run()
    assert not at.exception and len(at.get("plotly_chart")) == 1


def test_segments_page_pareto_rfm_revenue_products(app_db):
    at = run("segments.py")
    at.button_group(key="sales_section").set_value("pareto").run()
    buyers, key_customers = (int(m.value.replace(",", "")) for m in at.metric[:2])
    assert not at.exception and 0 < key_customers < buyers
    assert f"（{key_customers} / {buyers}）" in at.markdown[0].value and "80%" in at.markdown[0].value
    at.toggle(key="pareto_show").set_value(True).run()
    assert list_count(at) == key_customers

    at.button_group(key="sales_section").set_value("rfm").run()
    rfm = at.dataframe[0].value
    assert not at.exception and len(rfm) == 8 and sum(numbers(rfm, 1)) > 0
    n = int(rfm.set_index(rfm.columns[0]).loc["流失风险客户"].iloc[0])
    at.selectbox(key="rfm_pick").set_value("at risk").run()
    assert not at.exception and list_count(at) == n
    assert any("建议" in i.value for i in at.info)  # what the group means and what to do
    assert "距上次购买（天）" in at.dataframe[-1].value.columns

    at.button_group(key="sales_section").set_value("revenue").run()
    assert not at.exception and len(at.get("plotly_chart")) == 3
    history, products = at.dataframe[0].value, at.dataframe[1].value
    assert len(history) == 11 and history.iloc[:, 1].sum() > 0  # January to November
    assert abs(history.iloc[:, 1].sum() - products.iloc[:, 1].sum()) < 0.01  # every won deal has a product row
    product, new_buyers = products.iloc[0, 0], int(products.iloc[0, 2])
    at.selectbox(key="products_pick").set_value(product)
    at.button_group(key="products_which").set_value("new_buyers").run()
    assert not at.exception and count_or_zero(at) == new_buyers
