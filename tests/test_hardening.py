"""What bad input gets (DESIGN.md, issue 9): one sentence and exit code 2 instead of a traceback, bounded
dates and numbers, no silent replacement of imported data, every report and page on an empty database and
an empty range, text from data never live markup."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys

import pytest
from conftest import DEMO_END, ROOT, run_page

from crm_core.filters import Filters
from crm_core.markup import html, md
from crm_core.reports import declared
from crm_core.scope import Scope
from crm_core.texts import TEXTS

OPTIONS = {"custom-field": {"field": "级别"}, "pool-risk": {"as_of": DEMO_END}, "follow-up-hygiene": {"as_of": DEMO_END},
           "segments": {"dimension": "source"}, "clv-by-segment": {"dimension": "source"}}


def cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "crm_core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, **kw)


def one_sentence(run) -> str:
    assert run.returncode == 2, (run.returncode, run.stderr[-500:])
    assert "Traceback" not in run.stderr and run.stderr.startswith("error: ")
    assert len(run.stderr.strip().splitlines()) == 1
    return run.stderr


# -- --db that is not a database ---------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["report", "categories"], ["demo", "--customers", "50"]])
def test_a_db_that_is_a_folder_a_text_file_or_under_a_file_gets_a_sentence(tmp_path, command):
    (tmp_path / "notes.duckdb").write_text("not a database")
    (tmp_path / "plain").write_text("a file")
    said = {
        tmp_path: "is a folder",
        tmp_path / "notes.duckdb": "is not a CRM Insight database",
        tmp_path / "plain" / "x.duckdb": "no database at" if command[0] != "demo" else "a part of that path is a file",
    }
    for db, words in said.items():
        assert words in one_sentence(cli(*command, "--db", str(db))), db


def test_a_database_held_by_another_program_gets_a_sentence(demo_path, tmp_path):
    db = tmp_path / "held.duckdb"
    shutil.copyfile(demo_path, db)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(60)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert "in use by another program" in one_sentence(cli("report", "categories", "--db", str(db)))
        assert "in use by another program" in one_sentence(cli("demo", "--customers", "50", "--db", str(db)))
    finally:
        holder.kill()
        holder.wait()


# -- bounded dates and numbers ------------------------------------------------------------------------------
@pytest.mark.parametrize("flag, value", [("--end", "9999-12-31"), ("--start", "0001-01-01"), ("--as-of", "2200-01-01"),
                                         ("--rule-days", "100000"), ("--window-days", "0"), ("--end", "2024-02-30")])
def test_cli_dates_and_numbers_are_bounded(demo_path, flag, value):
    report = "pool-risk" if flag in ("--as-of", "--rule-days", "--window-days") else "new-customers"
    run = cli("report", report, "--db", str(demo_path), flag, value)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert value in run.stderr


def test_a_start_after_the_end_is_a_sentence(demo_path):
    said = one_sentence(cli("report", "new-customers", "--db", str(demo_path), "--start", "2026-03-01",
                            "--end", "2026-01-01"))
    assert "the start 2026-03-01 is after the end 2026-01-01" in said


def test_an_unknown_custom_field_lists_the_fields(demo_path):
    said = one_sentence(cli("report", "custom-field", "--db", str(demo_path), "--field", "颜色"))
    assert "no custom field '颜色'" in said and "客户级别" in said


# -- demo never replaces imported data unasked ------------------------------------------------------------
def test_demo_refuses_to_replace_imported_data_unless_told(tmp_path):
    from files import crm_exports

    db = tmp_path / "mine.duckdb"
    csv = crm_exports.scrm_customers_gbk(tmp_path)
    assert cli("import", str(csv), "--db", str(db)).returncode == 0
    said = one_sentence(cli("demo", "--customers", "50", "--db", str(db)))
    assert "holds imported data" in said and "4 customers" in said and "--replace" in said
    assert cli("demo", "--customers", "50", "--db", str(db), "--replace").returncode == 0
    assert cli("demo", "--customers", "60", "--db", str(db)).returncode == 0  # a demo replaces a demo


# -- empty databases and empty ranges ----------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(declared()))
def test_every_report_handles_an_empty_database_and_an_empty_range(store, demo_store, name):
    report = declared()[name]
    opts = OPTIONS.get(name, {})
    if name == "custom-field":
        opts = {"field": "客户级别"}
    for backend, f in ((demo_store.backend(), Filters(start=dt.date(2010, 1, 1), end=dt.date(2010, 3, 31))),
                       (demo_store.backend(), Filters(start=dt.date(2010, 1, 1), end=dt.date(2010, 1, 3), period="day")),
                       (store.backend(), Filters()), (store.backend(), Filters(start=dt.date(2026, 1, 1), end=DEMO_END))):
        if name == "custom-field" and backend is store.backend():
            with pytest.raises(Exception, match="none yet"):
                report.run(Scope(backend, f), **opts)
            continue
        df = report.run(Scope(backend, f), **opts)
        assert list(df.columns) == report.columns_for(), (name, f)


def test_regions_report_on_an_empty_range_from_the_cli(demo_path):
    run = cli("report", "regions", "--db", str(demo_path), "--start", "2010-01-01", "--end", "2010-03-31")
    assert run.returncode == 0 and run.stdout.strip() == "region,customers,lat,lon,top5"


PAGES = [None, "app_pages/growth.py", "app_pages/distributions.py", "app_pages/owners.py", "app_pages/regions.py", "app_pages/pool.py", "app_pages/funnel.py", "app_pages/segments.py", "app_pages/health.py", "app_pages/warning.py", "app_pages/team.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_on_an_emptied_database_prompts_to_import(tmp_path, monkeypatch, page):
    from crm_core.demo import clear_demo
    from crm_core.store import Store

    db = tmp_path / "empty.duckdb"
    s = Store(db)
    clear_demo(s)  # a manager cleared the demo: nothing is built again
    s.close()
    monkeypatch.setenv("CRM_DB", str(db))
    at = run_page(page)
    assert [i.value for i in at.info] == [TEXTS["app.no_data"]["zh"]]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_on_an_empty_range(app_db, page):
    at = run_page(page, range="custom", start="2010-01-01", end="2010-01-31")
    assert not at.exception


def test_a_link_whose_start_is_after_its_end_shows_the_default_range(app_db):
    at = run_page(None, range="custom", start="2026-05-01", end="2026-01-01")
    assert not at.exception
    assert [w.value for w in at.sidebar.warning] == [TEXTS["sidebar.bad_link"]["zh"]]


# -- text from data is never live -----------------------------------------------------------------------------
def test_md_makes_markdown_and_directives_literal():
    assert md("[Re-login](https://evil.example/login)") == "\\[Re\\-login\\]\\(https:\u200b//evil\\.example/login\\)"
    assert md("**x** $x^2$ :red[x]") == "\\*\\*x\\*\\* \\$x\\^2\\$ :\u200bred\\[x\\]"
    assert md("a\nb") == "a b"
    assert html("<a href='x'>y</a> & z") == "&lt;a href='x'&gt;y&lt;/a&gt; &amp; z"


def test_the_drilldown_heading_and_split_legends_carry_escaped_names(app_db):
    import duckdb

    with duckdb.connect(str(app_db)) as con:
        con.execute("UPDATE employees SET name = '**Bold** [x](https://evil.example) <a href=\"https://evil.example\">y</a>' "
                    "WHERE employee_id = 'E0002'")
    name = '**Bold** [x](https://evil.example) <a href="https://evil.example">y</a>'
    at = run_page("app_pages/owners.py", range="custom", start="2026-01-01", end=str(DEMO_END))
    at.selectbox(key="owners_pick").set_value("E0002").run()
    heading = [h.value for h in at.subheader if h.value.startswith("客户名单：")][0]
    assert heading == "客户名单：" + md(name)
    at = run_page("app_pages/growth.py", range="custom", start="2026-01-01", end=str(DEMO_END))
    at.button_group(key="growth_by").set_value("employee").run()
    names = {trace["name"] for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]}
    assert html(name) in names and name not in names  # plotly reads <a>: the legend gets the literal text


# -- charts of thousands of bars, names beside ids -------------------------------------------------------
def test_a_coarser_period_is_suggested_for_thousands_of_bars(app_db):
    from crm_core.periods import coarser_period

    assert coarser_period(dt.date(2024, 1, 1), dt.date(2026, 12, 31), "day", groups=17) == "month"
    assert coarser_period(dt.date(2026, 1, 1), dt.date(2026, 1, 31), "day", groups=17) == "day"
    at = run_page("app_pages/growth.py", range="all_time", period="day")
    at.button_group(key="growth_by").set_value("employee").run()
    assert [w.value for w in at.warning] and not at.get("plotly_chart")  # no chart of thousands of bars
    at.button(key="growth_coarser").click().run()
    assert not at.exception and at.get("plotly_chart") and not at.warning


def test_split_history_is_one_row_per_period_with_totals(app_db):
    at = run_page("app_pages/growth.py", range="custom", start="2026-01-01", end="2026-03-31")
    at.button_group(key="growth_by").set_value("department").run()
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == ["2026年1月", "2026年2月", "2026年3月", "合计"]
    assert table.columns[-1] == "合计"
    body = table.iloc[:-1, 1:-1]
    assert (body.sum(axis=1).tolist() == table.iloc[:-1, -1].tolist())
    assert table.iloc[-1, 1:].tolist() == table.iloc[:-1, 1:].sum().tolist()


def test_cli_names_beside_ids_on_request(demo_path):
    run = cli("report", "new-customers", "--db", str(demo_path), "--by", "employee", "--start", "2026-01-01",
              "--end", "2026-01-31", "--names")
    header, first = run.stdout.splitlines()[:2]
    assert header == "period,employee_id,employee_name,new_customers"
    plain = cli("report", "new-customers", "--db", str(demo_path), "--by", "employee", "--start", "2026-01-01",
                "--end", "2026-01-31")
    assert plain.stdout.splitlines()[0] == "period,employee_id,new_customers"  # DESIGN.md's columns by default


@pytest.mark.not_on_spark("Ibis hands Spark's rows to pandas as nanosecond timestamps: year 1 does not fit")
def test_a_database_holding_absurd_dates_still_reports(store):
    """Written before imports refused them: the span of the data stays within 1900 .. 2100."""
    with store.write() as cur:
        cur.execute("INSERT INTO customers (customer_id, name, created_at) VALUES ('C1', 'a', '0001-01-01'), "
                    "('C2', 'b', '9999-12-31 10:00'), ('C3', 'c', '2025-05-05')")
    df = declared()["new-customers"].run(Scope(store.backend(), Filters(period="year")))
    assert df.period.iloc[0] == dt.date(1900, 1, 1) and df.period.iloc[-1] == dt.date(2100, 1, 1)
    assert df.new_customers.sum() == 1  # only the customer inside the span is counted


def test_custom_range_starts_from_the_dates_shown(app_db):
    at = run_page(None, range="last_quarter")
    shown = at.sidebar.date_input(key="f_dates").value
    at.sidebar.selectbox(key="f_range").set_value("custom").run()
    assert not at.exception
    assert at.sidebar.date_input(key="f_dates").value == shown  # not reset to the whole span
