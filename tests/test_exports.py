"""Exports: CSV and XLSX of the same frame say the same thing. Text that a spreadsheet would run as a formula
(= + - @ first, also after leading spaces or a tab) is neutralised by one rule for both; numbers stay numbers
(negatives too, numeric cells in XLSX) and dates stay dates. Read back with openpyxl and pandas, compared
with values written out by hand here."""

import datetime as dt
import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from crm_core.exports import neutralise, sheet_title, to_csv, to_xlsx

FORMULAS = ["=1+1", "+x", "-x", "@x", " =x", "\t=x"]
HARMLESS = ["x=1", "a-b", "客户", "", "x", "1+1", "e@mail.example"]


def sheet(data: bytes):
    """The one worksheet of an XLSX, as openpyxl reads it back."""
    book = load_workbook(io.BytesIO(data))
    assert len(book.worksheets) == 1
    return book.worksheets[0]


def rows(data: bytes) -> list[list]:
    return [list(r) for r in sheet(data).iter_rows(values_only=True)]


def cells(data: bytes, column: int = 1) -> list:
    """The cells of one column below the header (1-based column)."""
    ws = sheet(data)
    return [ws.cell(row=r, column=column) for r in range(2, ws.max_row + 1)]


def test_formula_text_is_neutralised_in_xlsx_as_in_csv():
    df = pd.DataFrame({"text": FORMULAS + HARMLESS})
    got = cells(to_xlsx(df, "t"))
    expected = ["'=1+1", "'+x", "'-x", "'@x", "' =x", "'\t=x"] + HARMLESS[:3] + [None] + HARMLESS[4:]
    assert [c.value for c in got] == expected  # an empty text is an empty cell
    assert all(c.data_type == "s" for c in got if c.value is not None)  # text cells, never formulas ("f")
    from_csv = pd.read_csv(io.StringIO(to_csv(df)), dtype=str, keep_default_na=False)["text"].tolist()
    assert from_csv == [v if v is not None else "" for v in expected]


def test_neutralising_looks_past_any_leading_white_space_and_control_characters():
    assert [neutralise(v) for v in ["  =x", "\t\t+x", "\n-x", "\u3000@x", "\r=x", "\x01=x"]] == \
        ["'  =x", "'\t\t+x", "'\n-x", "'\u3000@x", "'\r=x", "'\x01=x"]
    # XLSX cannot hold \x01: it is dropped, and what is left still starts with the apostrophe, not with =
    assert [c.value for c in cells(to_xlsx(pd.DataFrame({"t": ["\x01=x", "a\x02b"]})))] == ["'=x", "ab"]


def test_column_names_are_neutralised_too():
    df = pd.DataFrame({"=name": ["a"], "ok": [1]})
    assert rows(to_xlsx(df))[0] == ["'=name", "ok"]
    assert to_csv(df).splitlines()[0] == "'=name,ok"


def test_numbers_are_never_altered_and_stay_numeric_cells():
    df = pd.DataFrame({"int": [-1, 0, 7, -12345678901],
                       "float": [-1.5, 0.1, 1e-9, -2.675],
                       "mixed": [-3, "-3", 2.5, "=2"]})  # an object column: numbers stay numbers, text is text
    ws = sheet(to_xlsx(df))
    ints = [ws.cell(row=r, column=1) for r in range(2, 6)]
    floats = [ws.cell(row=r, column=2) for r in range(2, 6)]
    mixed = [ws.cell(row=r, column=3) for r in range(2, 6)]
    assert [c.value for c in ints] == [-1, 0, 7, -12345678901] and all(c.data_type == "n" for c in ints)
    assert all(type(c.value) is int for c in ints)
    assert [c.value for c in floats] == [-1.5, 0.1, 1e-9, -2.675] and all(c.data_type == "n" for c in floats)
    assert [c.value for c in mixed] == [-3, "'-3", 2.5, "'=2"]
    assert [c.data_type for c in mixed] == ["n", "s", "n", "s"]
    back = pd.read_csv(io.StringIO(to_csv(df)))
    assert back["int"].tolist() == [-1, 0, 7, -12345678901] and back["float"].tolist() == [-1.5, 0.1, 1e-9, -2.675]


def test_missing_values_are_empty_cells():
    df = pd.DataFrame({"f": [1.5, np.nan, None], "i": pd.array([1, None, -2], dtype="Int64"),
                       "s": ["a", None, np.nan], "d": pd.to_datetime(["2026-01-02", None, "2026-03-04"])})
    assert rows(to_xlsx(df))[1:] == [[1.5, 1, "a", dt.datetime(2026, 1, 2)], [None] * 4,
                                     [None, -2, None, dt.datetime(2026, 3, 4)]]


def test_dates_stay_dates():
    df = pd.DataFrame({"day": [dt.date(2026, 1, 31), dt.date(1900, 3, 1)],
                       "at": pd.to_datetime(["2026-02-03 04:05:06", "2026-12-31 23:59:00"]),
                       "midnight": pd.to_datetime(["2026-02-03", "2026-02-04"]),
                       "when": [dt.datetime(2026, 5, 6, 7, 8), dt.datetime(2026, 5, 7)]})
    ws = sheet(to_xlsx(df))
    day, at, midnight, when = ([ws.cell(row=r, column=c) for r in (2, 3)] for c in (1, 2, 3, 4))
    assert all(c.is_date for c in day + at + midnight + when)
    assert [c.value.date() for c in day] == [dt.date(2026, 1, 31), dt.date(1900, 3, 1)]
    assert all(c.number_format == "yyyy-mm-dd" for c in day + midnight)  # as CSV writes them: a day, no time
    assert [c.value for c in at] == [dt.datetime(2026, 2, 3, 4, 5, 6), dt.datetime(2026, 12, 31, 23, 59)]
    assert all("h" in c.number_format for c in at + when)
    assert [c.value for c in midnight] == [dt.datetime(2026, 2, 3), dt.datetime(2026, 2, 4)]
    assert [c.value for c in when] == [dt.datetime(2026, 5, 6, 7, 8), dt.datetime(2026, 5, 7)]
    assert to_csv(df).splitlines()[1] == "2026-01-31,2026-02-03 04:05:06,2026-02-03,2026-05-06 07:08:00"


def test_an_empty_frame():
    assert rows(to_xlsx(pd.DataFrame(columns=["customer_id", "客户"]), "空")) == [["customer_id", "客户"]]
    assert rows(to_xlsx(pd.DataFrame())) == []
    assert to_csv(pd.DataFrame(columns=["customer_id", "客户"])) == "customer_id,客户\n"


def test_chinese_text_and_sheet_title():
    df = pd.DataFrame({"客户名称": ["深圳市腾飞科技有限公司", "北京·东方"], "负责人": ["张伟", "李娜"], "金额": [1200.5, -30]})
    data = to_xlsx(df, "客户名单")
    assert sheet(data).title == "客户名单"
    assert rows(data) == [["客户名称", "负责人", "金额"], ["深圳市腾飞科技有限公司", "张伟", 1200.5], ["北京·东方", "李娜", -30]]
    assert sheet(data).freeze_panes == "A2" and sheet(data).cell(row=1, column=1).font.b


def test_another_reader_reads_the_same_table():
    """calamine (the Rust reader the importer uses) reads the workbook as pandas holds the frame."""
    df = pd.DataFrame({"客户": ["=x", "张伟"], "amount": [-1.25, 2.5], "day": [dt.date(2026, 1, 2), dt.date(2026, 1, 3)],
                       "at": pd.to_datetime(["2026-01-01 10:00", None])})
    back = pd.read_excel(io.BytesIO(to_xlsx(df)), engine="calamine")
    assert back.columns.tolist() == ["客户", "amount", "day", "at"]
    assert back["客户"].tolist() == ["'=x", "张伟"] and back["amount"].tolist() == [-1.25, 2.5]
    assert back["day"].tolist() == [pd.Timestamp("2026-01-02"), pd.Timestamp("2026-01-03")]
    assert back["at"].iloc[0] == pd.Timestamp("2026-01-01 10:00") and pd.isna(back["at"].iloc[1])


@pytest.mark.parametrize("name, title", [("a/b:c*d?[e]\\f", "a_b_c_d__e__f"), ("x" * 40, "x" * 31),
                                         ("'quoted'", "quoted"), ("", "Sheet1"), ("History", "History_"),
                                         ("customers-new-customers", "customers-new-customers")])
def test_any_name_makes_a_valid_sheet_title(name, title):
    assert sheet_title(name) == title
    assert sheet(to_xlsx(pd.DataFrame({"a": [1]}), name)).title == title


def test_the_same_frame_gives_the_same_bytes():
    df = pd.DataFrame({"a": ["=x", "y"], "b": [1, -2], "c": [dt.date(2026, 1, 1)] * 2})
    first = to_xlsx(df, "s")
    assert to_xlsx(df.copy(), "s") == first
    # Nothing in the file says when it was written, so a later download of the same table is the same file.
    package = zipfile.ZipFile(io.BytesIO(first))
    assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert b"dcterms:created" not in package.read("docProps/core.xml")
    assert b"dcterms:modified" not in package.read("docProps/core.xml")


# -- the app: every table offers both, and both hold exactly the report's frame ---------------------------

START, END = dt.date(2026, 1, 1), dt.date(2026, 11, 23)  # conftest.DEMO_END


@pytest.fixture
def media(monkeypatch):
    """The media file managers of the AppTest runs (each run makes one), to read what a button downloads."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.media_file_manager import MediaFileManager

    made = []

    class Recorded(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recorded)
    return made


def downloaded(media, button) -> bytes:
    """The bytes a click on ``button`` downloads in the last run (an XLSX is built on the click)."""
    manager = media[-1]
    url = manager.execute_deferred(button.proto.deferred_file_id) if button.proto.deferred_file_id else button.proto.url
    return manager._storage.get_file(url.rsplit("/", 1)[1]).content


def run(page: str, **query):
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=120)
    for key, value in {"range": "custom", "start": str(START), "end": str(END), **query}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_table_downloads_as_csv_and_xlsx_holding_the_reports_frame(app_db, media):
    import duckdb

    from crm_core.filters import Filters
    from crm_core.reports import run_report
    from crm_core.scope import Scope
    from crm_core.store import Store

    con = duckdb.connect(str(app_db))  # categories a spreadsheet would run, as an import could bring them
    ids = [r[0] for r in con.execute("SELECT customer_id FROM customers WHERE created_at >= ? ORDER BY customer_id "
                                     "LIMIT 5", [START]).fetchall()]
    con.execute("UPDATE customers SET category = '=1+1' WHERE customer_id IN (?, ?, ?)", ids[:3])
    con.execute("UPDATE customers SET category = '-2' WHERE customer_id IN (?, ?)", ids[3:])
    con.close()
    store = Store(app_db)
    try:  # the report as the CLI runs it for the admin, who is every viewer of the app until sign-in exists
        frame = run_report("categories", Scope(store.backend(), Filters(start=START, end=END)))
    finally:
        store.close()

    at = run("distributions.py")
    buttons = {b.key: b for b in at.get("download_button")}
    assert set(buttons) == {"dist_download", "dist_download_xlsx"}
    assert [buttons[k].label for k in ("dist_download", "dist_download_xlsx")] == ["下载 CSV", "下载 Excel"]
    csv, xlsx = downloaded(media, buttons["dist_download"]), downloaded(media, buttons["dist_download_xlsx"])
    assert xlsx == to_xlsx(frame, "categories") and csv.decode() == to_csv(frame)
    got = dict(rows(xlsx)[1:])
    assert got["'=1+1"] == 3 and got["'-2"] == 2 and "=1+1" not in got and -2 not in got  # text stays text
    assert sum(got.values()) == frame["customers"].sum() and all(type(n) is int for n in got.values())


def test_an_export_holds_exactly_the_viewers_scope(app_db, media, monkeypatch):
    """Signed in as a manager (the app has no sign-in yet: the viewer is set here as sign-in would), both
    files hold the manager's report, which is less than the admin's."""
    import ui.data
    import ui.state
    from crm_core.filters import Filters
    from crm_core.reports import run_report
    from crm_core.scope import Scope, viewer_for
    from crm_core.store import Store

    store = Store(app_db)
    try:
        manager_id = store.backend().raw_sql("SELECT employee_id FROM employees WHERE role = 'manager' "
                                             "ORDER BY employee_id LIMIT 1").fetchall()[0][0]
        manager = viewer_for(store.backend(), manager_id)
        theirs = run_report("categories", Scope(store.backend(), Filters(start=START, end=END), manager))
        everyone = run_report("categories", Scope(store.backend(), Filters(start=START, end=END)))
    finally:
        store.close()
    assert manager.role == "manager" and 0 < theirs["customers"].sum() < everyone["customers"].sum()
    monkeypatch.setattr(ui.state, "current_viewer", lambda: manager)
    monkeypatch.setattr(ui.data, "current_viewer", lambda: manager)
    at = run("distributions.py")
    buttons = {b.key: b for b in at.get("download_button")}
    assert downloaded(media, buttons["dist_download_xlsx"]) == to_xlsx(theirs, "categories")
    assert downloaded(media, buttons["dist_download"]).decode() == to_csv(theirs)


PAGES = ["growth.py", "distributions.py", "owners.py", "regions.py", "pool.py", "funnel.py", "segments.py",
         "health.py", "warning.py", "team.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_table_offers_csv_and_xlsx_side_by_side(app_db, page):
    at = run(page)
    keys = [b.key for b in at.get("download_button")]
    assert keys and keys[1::2] == [k + "_xlsx" for k in keys[0::2]], keys  # each CSV button, then its XLSX
    labels = [b.label for b in at.get("download_button")]
    assert all("CSV" in a and "Excel" in b for a, b in zip(labels[0::2], labels[1::2])), labels


def test_a_customer_list_offers_both(app_db):
    at = run("distributions.py")
    value = at.selectbox(key="dist_pick_category").options[1]
    at.selectbox(key="dist_pick_category").set_value(value).run()
    keys = [b.key for b in at.get("download_button")]
    assert not at.exception and keys[2:] == ["dist_list_download", "dist_list_download_xlsx"], keys


def test_the_import_problem_list_offers_both(tmp_path, media, monkeypatch):
    from test_import_page import open_page, upload

    from crm_core.store import Store

    path = tmp_path / "app.duckdb"  # an empty database, as tests/test_import_page.py makes it
    store = Store(path)
    with store.write() as cur:
        cur.execute("INSERT INTO settings VALUES ('demo', 'cleared')")
    store.close()
    monkeypatch.setenv("CRM_DB", str(path))
    bad = tmp_path / "客户_有错.csv"
    bad.write_bytes("客户编号,客户名称,创建时间\r\nKH8,甲公司,2024-05-03\r\nKH9,乙公司,=1+1\r\n".encode("gbk"))
    at = upload(open_page(), bad)
    buttons = {b.key: b for b in at.get("download_button") if b.key.startswith("problems_")}
    assert [b.label for b in buttons.values()] == ["下载问题清单（CSV）", "下载问题清单（Excel）"]
    xlsx = downloaded(media, buttons["problems_客户_有错.csv_xlsx"])
    header, row = rows(xlsx)
    assert header == ["file", "row", "column", "value", "message"]
    assert row[:4] == ["客户_有错.csv", 3, "创建时间", "'=1+1"] and row[4].startswith("not a date")
    csv = downloaded(media, buttons["problems_客户_有错.csv"]).decode()
    assert csv.splitlines()[1].startswith("客户_有错.csv,3,创建时间,'=1+1,\"not a date")


# -- the command line ---------------------------------------------------------------------------------------

def cli(*args):
    import subprocess
    import sys

    from conftest import ROOT

    return subprocess.run([sys.executable, "-m", "crm_core", "report", *args], capture_output=True, cwd=ROOT,
                          timeout=300)


def test_the_cli_writes_xlsx_to_a_file(demo_path, demo_store, tmp_path):
    from crm_core.filters import Filters
    from crm_core.reports import run_report
    from crm_core.scope import Scope

    out = tmp_path / "regions.xlsx"
    run = cli("regions", "--db", str(demo_path), "--start", str(START), "--end", str(END), "--format", "xlsx",
              "--output", str(out))
    assert run.returncode == 0 and run.stdout == b"", run.stderr
    frame = run_report("regions", Scope(demo_store.backend(), Filters(start=START, end=END)))
    assert out.read_bytes() == to_xlsx(frame, "regions")
    assert rows(out.read_bytes())[0] == ["region", "customers", "lat", "lon", "top5"]
    printed = cli("regions", "--db", str(demo_path), "--start", str(START), "--end", str(END))
    as_file = tmp_path / "regions.csv"
    assert cli("regions", "--db", str(demo_path), "--start", str(START), "--end", str(END), "--output",
               str(as_file)).returncode == 0
    assert as_file.read_bytes() == printed.stdout == to_csv(frame).encode()


@pytest.mark.parametrize("args, said", [
    (["--format", "xlsx"], "give --output FILE"),
    (["--format", "xlsx", "--output", "{tmp}/no/such/folder/r.xlsx"], "its folder does not exist"),
    (["--output", "{tmp}"], "is a folder"),
])
def test_the_cli_says_what_to_do_when_it_cannot_write(demo_path, tmp_path, args, said):
    run = cli("categories", "--db", str(demo_path), *[a.format(tmp=tmp_path) for a in args])
    assert run.returncode == 2 and run.stdout == b""
    assert run.stderr.decode().startswith("error: ") and said in run.stderr.decode()
