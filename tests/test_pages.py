"""The Overview and Customer growth pages under Streamlit's AppTest, on a copy of the demo company."""

import re

from conftest import run_page

RANGE_2026 = dict(range="custom", start="2026-01-01", end="2026-11-23")
CJK = re.compile(r"[\u4e00-\u9fff]")


def ui_texts(at) -> list[str]:
    """Every text the app itself writes (titles, labels, captions, headers), not the data in tables."""
    texts = [e.value for e in [*at.title, *at.subheader, *at.caption, *at.info]]
    texts += [m.label for m in at.metric]
    texts += [e.value for e in [*at.markdown, *at.header, *at.success, *at.warning, *at.error]]
    texts += [b.label for b in at.button]
    for widgets in (at.selectbox, at.multiselect, at.date_input, at.button_group, at.radio, at.text_input,
                    at.toggle, at.number_input, at.get("file_uploader")):
        texts += [w.label for w in widgets if w.key != "lang"]
    return [t for t in texts if t]


def test_overview_shows_the_kpis_and_revenue_for_the_range(app_db):
    at = run_page(**RANGE_2026)
    labels = [m.label for m in at.metric]
    assert labels == ["新增客户", "跟进客户", "下次联系客户", "成交客户", "流失客户", "净增长", "收入"]
    assert all(int(m.value.replace(",", "")) >= 0 for m in at.metric)
    assert int(at.metric[0].value.replace(",", "")) > 100
    # each card carries its trend (the period is the month): the new customers per month add up to the card's
    trends = [list(m.proto.chart_data) for m in at.metric]
    assert all(len(trend) == 11 for trend in trends[:6])  # January to November
    assert sum(trends[0]) == int(at.metric[0].value.replace(",", ""))


def test_overview_numbers_follow_the_filters(app_db):
    at = run_page(**RANGE_2026)
    before = [m.value for m in at.metric]
    at.sidebar.multiselect(key="f_departments").set_value(["D120"]).run()
    after = [m.value for m in at.metric]
    assert not at.exception and before != after
    assert int(after[0].replace(",", "")) < int(before[0].replace(",", ""))


def test_growth_page_draws_chart_table_and_download(app_db):
    at = run_page("app_pages/growth.py", **RANGE_2026)
    assert at.title[0].value == "客户增长"
    table = at.dataframe[0].value
    assert len(table) == 11  # January to November
    assert len(at.get("plotly_chart")) == 1
    assert at.get("download_button")


def test_growth_page_switches_metric_and_split(app_db):
    at = run_page("app_pages/growth.py", **RANGE_2026)
    new = at.dataframe[0].value.iloc[:, 1].tolist()
    at.button_group(key="growth_metric").set_value("won_customers").run()
    won = at.dataframe[0].value.iloc[:, 1].tolist()
    assert new != won and sum(won) < sum(new)
    at.button_group(key="growth_by").set_value("department").run()
    split = at.dataframe[0].value  # one row per month and a totals row; a column per department and a total
    assert len(split) == 12 and split.shape[1] > 3
    assert split.iloc[-1, 1:].tolist() == split.iloc[:-1, 1:].sum().tolist()


def test_growth_page_period_change_regroups(app_db):
    at = run_page("app_pages/growth.py", **RANGE_2026)
    at.sidebar.button_group(key="f_period").set_value("quarter").run()
    assert len(at.dataframe[0].value) == 4


PAGES = [None, "app_pages/growth.py", "app_pages/distributions.py", "app_pages/owners.py", "app_pages/regions.py", "app_pages/pool.py", "app_pages/funnel.py", "app_pages/segments.py",
         "app_pages/health.py", "app_pages/warning.py", "app_pages/team.py",
         "app_pages/import_data.py"]


def test_english_switches_every_visible_text(app_db):
    for page in PAGES:
        at = run_page(page, **RANGE_2026)
        assert any(CJK.search(t) for t in ui_texts(at)), "Chinese first"
        at.sidebar.radio(key="lang").set_value("en").run()
        assert not at.exception
        leftovers = [t for t in ui_texts(at) if CJK.search(t)]
        assert leftovers == [], (page, leftovers)


def test_language_from_the_url(app_db):
    at = run_page(lang="en", **RANGE_2026)
    assert at.title[0].value == "Sales overview"


def test_a_hosted_start_with_no_database_builds_the_demo_company(tmp_path, monkeypatch):
    db = tmp_path / "fresh" / "crm.duckdb"
    monkeypatch.setenv("CRM_DB", str(db))
    at = run_page(range="all_time")
    assert db.exists()
    assert int(at.metric[0].value.replace(",", "")) > 1000  # every customer of the demo company is new once
