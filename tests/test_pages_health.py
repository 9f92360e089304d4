"""The Customer health and Warning & care pages under Streamlit's AppTest, on a copy of the demo company: every
section renders, and the lists behind a bar hold exactly the customers plain SQL counts from DESIGN.md's words."""

import datetime as dt

from conftest import DEMO_END
from test_pages_statistics import list_count, run, sql

START = dt.date(2026, 1, 1)
NEXT = f"DATE '{DEMO_END}' + 1"  # the first moment after the range


def table(at, first_column: str):
    """The page's table whose first column is ``first_column``."""
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column)


def test_health_page_lifecycle_counts_and_drills(app_db, demo_path):
    at = run("health.py")
    assert at.title[0].value == "客户健康：我们留住客户了吗"
    # Lost as of E: lost_at on or before E (the first rule), among customers created by E.
    lost = sql(demo_path, f"SELECT count(*) FROM customers WHERE created_at < {NEXT} AND lost_at < {NEXT}")[0][0]
    prospects = sql(demo_path, f"""SELECT count(*) FROM customers c WHERE created_at < {NEXT}
        AND (lost_at IS NULL OR lost_at >= {NEXT})
        AND NOT EXISTS (SELECT 1 FROM deals d WHERE d.customer_id = c.customer_id AND d.status = 'won'
                        AND d.closed_at < {NEXT})
        AND (won_at IS NULL OR won_at >= {NEXT} OR EXISTS (
             SELECT 1 FROM deals d WHERE d.customer_id = c.customer_id AND d.status = 'won'))""")[0][0]
    at.selectbox(key="life_pick").set_value("lost").run()
    assert not at.exception and list_count(at) == lost > 0
    at.selectbox(key="life_pick").set_value("prospect").run()
    assert list_count(at) == prospects > 0
    # Movement: somebody moved from new to repeat over 2026, and the list holds as many as the table says.
    moves = table(at, "原阶段")
    assert "复购" in set(moves.iloc[:, 1]) and (moves.iloc[:, 2] > 0).all()
    at.selectbox(key="moves_pick").set_value("new>repeat").run()
    row = moves[(moves.iloc[:, 0] == "新客（90 天内首购）") & (moves.iloc[:, 1] == "复购")]
    assert list_count(at) == int(row.iloc[0, 2])


def test_health_page_churn_value_retention_nps(app_db, demo_path):
    at = run("health.py")
    at.segmented_control(key="health_section").set_value("churn").run()
    assert not at.exception and len(at.get("plotly_chart")) == 1
    periods = table(at, "周期")
    churned = sql(demo_path, f"SELECT count(*) FROM customers WHERE lost_at >= '{START}' AND lost_at < {NEXT}")[0][0]
    assert int(periods.iloc[:, 1].sum()) == churned > 0
    at.selectbox(key="churn_pick").set_value("2026-03-01").run()
    in_march = sql(demo_path, "SELECT count(*) FROM customers WHERE lost_at >= '2026-03-01' AND lost_at < '2026-04-01'")[0][0]
    assert list_count(at) == in_march

    at.segmented_control(key="health_section").set_value("value").run()
    assert not at.exception and len(at.metric) == 5
    buyers = table(at, "行业")
    at.selectbox(key="clv_pick_industry").set_value("制造业").run()
    made = sql(demo_path, f"""SELECT count(DISTINCT c.customer_id) FROM customers c JOIN deals d USING (customer_id)
        WHERE trim(c.industry) = '制造业' AND d.status = 'won' AND d.closed_at >= '{START}' AND d.closed_at < {NEXT}""")[0][0]
    assert list_count(at) == made == int(buyers[buyers.iloc[:, 0] == "制造业"].iloc[0, 1])

    at.segmented_control(key="health_section").set_value("retention").run()
    assert not at.exception and len(at.get("plotly_chart")) == 1
    # The March cohort (first purchase ever in March 2026) and those of them who bought again in May.
    first = f"""WITH p AS (SELECT customer_id, closed_at AS bought_at FROM deals WHERE status = 'won' AND customer_id IS NOT NULL
                              AND closed_at IS NOT NULL
                          UNION ALL SELECT customer_id, won_at FROM customers c WHERE won_at IS NOT NULL AND NOT EXISTS (
                              SELECT 1 FROM deals d WHERE d.customer_id = c.customer_id AND d.status = 'won')),
                 f AS (SELECT customer_id FROM p GROUP BY 1 HAVING min(bought_at) >= '2026-03-01' AND min(bought_at) < '2026-04-01')"""
    march = sql(demo_path, first + " SELECT count(*) FROM f")[0][0]
    again = sql(demo_path, first + """ SELECT count(DISTINCT customer_id) FROM p WHERE customer_id IN (SELECT * FROM f)
                                       AND bought_at >= '2026-05-01' AND bought_at < '2026-06-01'""")[0][0]
    at.selectbox(key="retention_cohort").set_value(dt.date(2026, 3, 1)).run()
    assert list_count(at) == march > 0
    at.selectbox(key="retention_month").set_value(2).run()
    assert list_count(at) == again > 0

    at.segmented_control(key="health_section").set_value("nps").run()
    assert not at.exception
    answered = sql(demo_path, f"SELECT count(*) FROM surveys WHERE responded_at >= '{START}' AND responded_at < {NEXT}")[0][0]
    assert int(table(at, "周期").iloc[:, 4].sum()) == answered > 0


def test_warning_page_at_risk_per_owner_and_care(app_db, demo_path):
    at = run("warning.py")
    assert at.title[0].value == "预警与关怀"
    assert "购买中断" in at.markdown[0].value
    listed = table(at, "客户")
    reasons, kinds = listed.iloc[:, 3], listed.iloc[:, 2]
    assert reasons.str.contains("天").all()  # every reason in words, the words of its kind
    assert reasons[kinds == "购买中断"].str.fullmatch(r"平均 [\d,]+ 天购买一次；距上次下单已 [\d,]+ 天").all()
    assert reasons[kinds != "购买中断"].str.contains("距上次下单").sum() == 0 and (kinds == "购买中断").any()
    owners = [o for o in at.selectbox(key="risk_owner_pick").options if o != "无"]
    at.selectbox(key="risk_owner_pick").set_value(at.selectbox(key="risk_owner_pick").options[1]).run()
    assert not at.exception and list_count(at) > 0

    at.segmented_control(key="warning_section").set_value("care").run()
    assert not at.exception and at.get("download_button")
    rep = "E0003"
    at.selectbox(key="care_rep").set_value(rep).run()
    shown = table(at, "日期")
    birthdays = sql(demo_path, f"""SELECT count(*) FROM customers, range(0, 30) r(k)
        WHERE owner_id = '{rep}' AND birthday IS NOT NULL AND month(birthday) = month(DATE '{DEMO_END}' + 1 + r.k::INT)
          AND day(birthday) = day(DATE '{DEMO_END}' + 1 + r.k::INT)""")[0][0]
    assert (shown.iloc[:, 1] == "生日").sum() == birthdays > 0  # no 29 February in this window
    assert set(shown.iloc[:, 3]) == {shown.iloc[0, 3]}  # one rep's list
    assert list_count(at) == shown.iloc[:, 2].nunique()  # the list below: that rep's customers
    assert owners


# Every section in English: tests/test_health_browser.py (AppTest formats a selectbox's value outside the
# session, in the default language, so it cannot switch languages and then pick).
SECTIONS = (("health.py", ["lifecycle", "churn", "value", "retention", "nps", "behaviour"]),
            ("warning.py", ["at_risk", "churned", "care"]))


def every_section() -> None:
    for page, sections in SECTIONS:
        at = run(page)
        for section in sections:
            at.segmented_control(key=page.replace(".py", "_section")).set_value(section).run()
            assert not at.exception, (page, section, at.exception)


def test_health_pages_with_an_empty_database(store, monkeypatch):
    monkeypatch.setenv("CRM_DB", str(store.path))
    every_section()


def test_health_page_behaviour(app_db, demo_path):
    at = run("health.py")
    at.segmented_control(key="health_section").set_value("behaviour").run()
    assert not at.exception
    # Repurchase as of E: customers with 2+ purchases / with 1+ (won deals with a date; won_at alone is one).
    buyers, repeat = sql(demo_path, f"""WITH p AS (
            SELECT customer_id FROM deals WHERE status = 'won' AND customer_id IS NOT NULL AND closed_at < {NEXT}
            UNION ALL SELECT customer_id FROM customers c WHERE won_at < {NEXT} AND NOT EXISTS (
                SELECT 1 FROM deals d WHERE d.customer_id = c.customer_id AND d.status = 'won'))
        SELECT count(*), count(*) FILTER (WHERE n >= 2) FROM (SELECT customer_id, count(*) n FROM p GROUP BY 1)""")[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["成交客户"] == f"{buyers:,}" and metrics["复购客户"] == f"{repeat:,}"
    clusters = table(at, "分群")
    assert int(clusters.iloc[:, 2].sum()) == buyers
    at.selectbox(key="cluster_pick").set_value(1).run()
    assert list_count(at) == int(clusters.iloc[0, 2])


def test_warning_page_churned_against_stayed(app_db, demo_path):
    at = run("warning.py")
    at.segmented_control(key="warning_section").set_value("churned").run()
    assert not at.exception
    sentences = at.markdown[0].value
    assert "流失客户在流失前 90 天平均每" in sentences and "NPS" in sentences
    churned = sql(demo_path, f"SELECT count(*) FROM customers WHERE lost_at >= '{START}' AND lost_at < {NEXT}")[0][0]
    groups = table(at, "客户")
    assert int(groups.iloc[0, 1]) == churned > 0
    retail = sql(demo_path, f"""SELECT count(*) FROM customers WHERE lost_at >= '{START}' AND lost_at < {NEXT}
        AND trim(industry) = '零售'""")[0][0]
    at.selectbox(key="profile_pick_industry").set_value("零售").run()
    assert list_count(at) == retail > 0
