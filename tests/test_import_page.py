"""The Import data page under AppTest: upload exports, see what was understood and what is wrong, import."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from crm_core.store import Store
from files import crm_exports
from files.checks import rows, snapshot

PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "import_data.py")


@pytest.fixture
def db(tmp_path, monkeypatch):
    """An empty database (the app is told not to build the demo company in it), named by $CRM_DB."""
    path = tmp_path / "app.duckdb"
    store = Store(path)
    with store.write() as cur:
        cur.execute("INSERT INTO settings VALUES ('demo', 'cleared')")
    store.close()
    monkeypatch.setenv("CRM_DB", str(path))
    return path


def open_page(lang="zh") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    return at


def upload(at: AppTest, *paths) -> AppTest:
    at.file_uploader(key="import_files").set_value([(p.name, p.read_bytes(), "text/csv") for p in paths]).run()
    assert not at.exception, at.exception
    return at


def database(db):
    store = Store(db)  # the app holds the file open in this process: same configuration
    try:
        return snapshot(store), rows(store, "SELECT count(*) FROM customers")[0][0], \
            rows(store, "SELECT count(*) FROM follow_ups")[0][0]
    finally:
        store.close()


def test_before_any_upload_the_page_explains_what_to_do(db):
    at = open_page()
    assert at.title[0].value == "导入数据"
    assert "data/samples/" in at.info[0].value
    assert not at.button


def test_files_are_shown_in_import_order_checked_together_and_imported(db, tmp_path):
    follow_ups = crm_exports.follow_ups_utf8_bom(tmp_path)
    customers = crm_exports.scrm_customers_gbk(tmp_path)
    at = upload(open_page(), follow_ups, customers)  # follow-ups first: they need the customers
    assert [h.value for h in at.subheader] == ["客户列表\\.csv", "跟进记录\\.csv"]  # names escaped, never markup
    assert [s.value for s in at.selectbox] == ["客户", "跟进记录"]
    assert any("GBK/GB18030" in c.value for c in at.caption)
    assert [s.value for s in at.success] == ["检查通过：4 行可以导入。", "检查通过：4 行可以导入。"]
    mapping = at.dataframe[0].value  # the editable mapping of the customer list
    assert mapping.iloc[:3].values.tolist() == [["客户编号", "KH001", "客户编号"], ["客户名称", "深圳华信科技有限公司", "名称"],
                                                ["负责人", "张伟", "负责人（姓名或编号）"]]
    assert at.button(key="import_run").disabled is False
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    assert any("导入 4/4 行到「客户」" in s.value for s in at.success)
    assert any("导入 4/4 行到「跟进记录」" in s.value for s in at.success)
    assert database(db)[1:] == (4, 4)


def test_a_bad_file_shows_its_problems_and_importing_is_refused_until_fixed(db, tmp_path):
    bad = tmp_path / "客户_有错.csv"
    bad.write_bytes("客户编号,客户名称,创建时间\r\nKH8,甲公司,2024-05-03\r\nKH9,乙公司,昨天\r\n".encode("gbk"))
    before = database(db)
    at = upload(open_page("en"), bad)
    assert at.error[0].value.startswith("1 problem found:")  # one problem, not "1 problems"
    table = at.dataframe[-1].value  # after the mapping editor
    assert table.iloc[0].tolist() == ["客户_有错.csv", "3", "创建时间", "昨天",
                                      "not a date; write it like 2024-05-03, 2024/5/3 14:02 or 2024年5月3日"]
    assert at.button(key="import_run").disabled
    assert database(db) == before
    at.button(key="import_run_skip").click().run()
    assert any("1 of 2 rows into Customers" in s.value for s in at.success)
    assert database(db)[1] == 1


def test_an_unreadable_file_says_why(db, tmp_path):
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    at = upload(open_page(), empty)
    assert at.dataframe[-1].value.iloc[0].tolist()[-1] == "文件是空的"


def test_the_demo_company_can_be_cleared_before_importing(app_db):
    at = open_page()
    assert at.info and at.button(key="import_clear_demo")
    at.button(key="import_clear_demo").click().run()
    assert not at.exception
    store = Store(app_db)
    try:
        assert store.query("SELECT count(*) FROM customers")[0][0] == 0
        assert store.query("SELECT count(*) FROM employees")[0][0] == 0
    finally:
        store.close()


def test_skipping_bad_rows_is_not_offered_when_nothing_could_load(db, tmp_path):
    binary = tmp_path / "客户.csv"  # a program file renamed: it reads as text, but nothing in it is a table
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x03>\x01\x10@\n@8\n\x0b@\x1e\x1d\x06\x04\n")
    at = upload(open_page("en"), binary)
    assert at.error[0].value.startswith("1 problem found")
    assert at.button(key="import_run").disabled and at.button(key="import_run_skip").disabled
    table = at.dataframe[-1].value
    assert table.iloc[0, 1] == "1"


def test_file_level_problems_leave_the_row_empty_and_messages_are_shown_whole(db, tmp_path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("Account Name,Sector\nAcme,tech\nBeta,medical\n", encoding="utf-8")
    at = upload(open_page("en"), accounts)
    table = at.dataframe[-1].value
    assert table.iloc[0, 1] == ""  # not "None"
    message = table.iloc[0, -1]
    assert "2 new customers have no date" in message
    assert any(message in m.value.replace("\\", "").replace("\u200b", "") for m in at.markdown)  # in full above the table
    assert at.button(key="import_run_skip").disabled  # skipping rows cannot help
    at.checkbox(key=[c.key for c in at.checkbox][0]).check().run()  # the manager confirms: dated today
    assert not at.error and at.button(key="import_run").disabled is False
    at.button(key="import_run").click().run()
    assert any("2 of 2 rows into Customers" in s.value for s in at.success)
    assert any("dated with the import time" in i.value for i in at.info)


def test_a_team_list_says_how_many_new_employees_it_brought(db, tmp_path):
    teams = tmp_path / "teams.csv"
    teams.write_text("Sales Agent,Manager\nAnna,Dustin\nBen,Dustin\nCara,Melvin\n", encoding="utf-8")
    at = upload(open_page("en"), teams)
    at.button(key="import_run").click().run()
    done = next(s.value for s in at.success if "rows into" in s.value)
    assert "(3 new, 0 updated); 2 new departments" in done and "0 new employees" not in done


def test_the_review_says_how_many_loaded_records_a_reimport_changes(db, tmp_path):
    first = tmp_path / "客户.csv"
    first.write_bytes("客户编号,客户名称,创建时间\r\nKH1,甲公司,2024-05-03\r\nKH2,乙公司,2024-05-04\r\n".encode("gbk"))
    at = upload(open_page("en"), first)
    at.button(key="import_run").click().run()
    second = tmp_path / "客户2.csv"
    second.write_bytes("客户编号,客户名称,创建时间\r\nKH1,甲公司,2024-05-03\r\nKH2,乙公司_新,2024-05-04\r\n"
                       "KH3,丙公司,2024-05-05\r\n".encode("gbk"))
    at = upload(open_page("en"), second)
    warning = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "2 rows of this file have IDs that are already loaded" in warning
    assert "1 of those records changes (KH2)" in warning


def test_a_workbook_with_two_sheets_shows_both_and_duplicate_headers_are_warned(db, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "客户"
    for row in (["客户名称", "创建时间", "客户名称"], ["甲公司", "2024-05-03", "乙"]):
        book.active.append(row)
    follow = book.create_sheet("跟进")
    for row in (["客户名称", "跟进时间"], ["甲公司", "2024-05-06"]):
        follow.append(row)
    path = tmp_path / "导出.xlsx"
    book.save(path)
    at = upload(open_page(), path)
    assert [h.value.replace("\\", "") for h in at.subheader] == ["导出.xlsx [客户]", "导出.xlsx [跟进]"]
    assert any("有多列的表头都是「客户名称」" in w.value for w in at.warning)


def test_the_sample_files_are_offered_as_downloads(db):
    at = open_page()
    names = [b.proto.label for b in at.get("download_button")]
    assert {"accounts.csv", "客户列表.csv", "companies.xlsx"} <= set(names)
    assert "README.md" not in names


def test_a_targets_file_uploaded_with_the_customer_list_loads_after_it(db, tmp_path):
    targets = crm_exports.targets_gbk(tmp_path)
    customers = crm_exports.scrm_customers_gbk(tmp_path)
    at = upload(open_page(), targets, customers)  # targets first: they name the customer list's people
    assert [s.value for s in at.selectbox] == ["客户", "业绩目标"]
    assert [s.value for s in at.success] == ["检查通过：4 行可以导入。", "检查通过：6 行可以导入。"]
    mapping = at.dataframe[1].value  # the targets' mapping, with its own words for employee and department
    assert mapping.values.tolist() == [
        ["周期开始", "2024-05-01", "周期开始（日期，或 2024-05 / 2024Q2 / 2024）"], ["期间", "月", "期间（月/季度/年）"],
        ["员工", "张伟", "员工（姓名或编号，须已导入）"], ["部门", "华南大区", "部门（名称或编号，须已导入）"],
        ["指标", "新增客户", "指标（新增客户/成交客户/成交金额/跟进次数）"], ["目标", "3", "目标值"]]
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    assert any("导入 6/6 行到「业绩目标」" in s.value for s in at.success)
    assert any("已改为所在月/季度/年的第一天" in i.value for i in at.info)
    store = Store(db)
    try:
        assert rows(store, "SELECT count(*) FROM targets")[0][0] == 6
    finally:
        store.close()
