"""Real-looking exports in every encoding and layout load with no mapping given, and the database then
holds exactly what the files say (issue 5, "Done when")."""

import datetime as dt

import pytest

from crm_core.filters import Filters
from crm_core.scope import Scope
from crm_core.importing import load, propose_mapping, read_file, review_together
from crm_core.reports import run_report
from files import crm_exports
from files.checks import rows, snapshot

T = dt.datetime


def import_file(store, path, **mapping_options):
    source = read_file(path)
    mapping = propose_mapping(source.headers, file=source.name)
    for option, value in mapping_options.items():
        setattr(mapping, option, value)
    return load(store, source, mapping)


@pytest.fixture
def scrm(store, tmp_path):
    """The Chinese SCRM's customers (GBK), follow-ups (UTF-8 BOM) and deals (UTF-16), loaded in order."""
    results = [import_file(store, crm_exports.scrm_customers_gbk(tmp_path)),
               import_file(store, crm_exports.follow_ups_utf8_bom(tmp_path)),
               import_file(store, crm_exports.scrm_deals_utf16(tmp_path))]
    return store, results


def test_gbk_customer_list_with_crlf_and_chinese_headers(scrm, tmp_path):
    store, results = scrm
    assert read_file(tmp_path / "客户列表.csv").encoding == "GBK/GB18030"
    assert (results[0].table, results[0].rows_loaded, results[0].inserted) == ("customers", 4, 4)
    assert rows(store, """SELECT c.customer_id, c.name, e.name, d.name, c.created_at, c.region, c.city, c.source,
                                 c.category, c.size, c.next_contact_at, c.won_at
                          FROM customers c JOIN employees e ON e.employee_id = c.owner_id
                          JOIN departments d ON d.department_id = e.department_id ORDER BY 1""") == [
        ("KH001", "深圳华信科技有限公司", "张伟", "华南大区", T(2024, 5, 3, 9, 30), "广东省", "深圳市", "官网咨询", "重点客户",
         "50-199人", T(2024, 6, 1), T(2024, 5, 20)),
        ("KH002", "北京瑞泰商贸有限公司", "李娜", "华北大区", T(2024, 5, 3, 14, 2), "北京市", None, "展会", "普通客户",
         "1-49人", None, None),
        ("KH003", "成都鼎盛餐饮管理有限公司", "张伟", "华南大区", T(2024, 5, 18), "四川省", "成都市", "客户转介绍", "潜在客户",
         None, T(2024, 6, 10), None),
        ("KH004", "杭州云帆网络科技有限公司", "王芳", "华东大区", T(2024, 6, 2), "浙江省", "杭州市", "百度推广", "重点客户",
         "200-999人", None, T(2024, 6, 28)),
    ]


def test_tags_split_on_chinese_and_latin_separators_once_each(scrm):
    store, _ = scrm
    assert rows(store, "SELECT customer_id, tag FROM customer_tags ORDER BY 1, 2") == [
        ("KH001", "制造业"), ("KH001", "老客户"), ("KH002", "VIP"), ("KH002", "展会客户"),
        ("KH004", "互联网"), ("KH004", "高意向")]


def test_places_get_their_province_and_a_map_position(scrm):
    store, _ = scrm
    lat, lon = rows(store, "SELECT lat, lon FROM customers WHERE customer_id = 'KH001'")[0]
    assert 22 < lat < 23 and 113.5 < lon < 114.5  # Shenzhen


def test_new_customers_report_counts_what_the_file_says(scrm):
    store, _ = scrm
    report = run_report("new-customers", Scope(store.backend(), Filters(dt.date(2024, 5, 1), dt.date(2024, 6, 30))))
    assert report["new_customers"].tolist() == [3, 1]


def test_utf8_bom_follow_ups_resolve_customers_by_name_or_id(scrm):
    store, results = scrm
    assert results[1].rows_loaded == 4 and results[1].new_employees == 1  # 赵磊 was not in the customer list
    assert rows(store, """SELECT f.customer_id, e.name, f.contacted_at, f.channel, f.note, f.next_contact_at
                          FROM follow_ups f JOIN employees e USING (employee_id) ORDER BY 3""") == [
        ("KH001", "张伟", T(2024, 5, 6, 10), "phone", "电话沟通需求，客户有采购意向", T(2024, 5, 13)),
        ("KH002", "李娜", T(2024, 5, 8), "wechat", "发送产品资料", T(2024, 5, 20)),
        ("KH001", "张伟", T(2024, 5, 13, 15, 30), "visit", "演示系统功能\n客户满意，准备报价", None),
        ("KH003", "赵磊", T(2024, 5, 20), "email", "发送报价单", None),
    ]


def test_utf16_tab_separated_deals_map_chinese_stage_words(scrm):
    store, results = scrm
    assert results[2].rows_loaded == 5
    assert rows(store, """SELECT deal_id, customer_id, product, stage, status, amount, expected_close_at, closed_at
                          FROM deals ORDER BY 1""") == [
        ("SJ01", "KH001", "CRM旗舰版", "won", "won", 128000.0, T(2024, 5, 31), T(2024, 5, 20)),
        ("SJ02", "KH002", "CRM标准版", "proposal", "open", 36000.0, T(2024, 7, 15), None),
        ("SJ03", "KH004", "CRM旗舰版", None, "lost", 0.0, None, T(2024, 6, 20)),
        ("SJ04", None, "数据服务", "lead", "open", None, None, None),  # no account yet, no value yet
        ("SJ05", "KH004", "数据服务", "negotiation", "open", 55000.0, T(2024, 7, 1), None),
    ]
    assert rows(store, "SELECT stage, entered_at FROM deal_stage_history WHERE deal_id = 'SJ01' ORDER BY 2") == [
        ("lead", T(2024, 5, 6)), ("won", T(2024, 5, 20))]


def test_xlsx_with_a_title_line_date_cells_and_serial_numbers(store, tmp_path):
    result = import_file(store, crm_exports.companies_xlsx(tmp_path))
    assert (result.table, result.rows_loaded) == ("customers", 3)
    assert rows(store, """SELECT c.customer_id, c.name, e.name, c.created_at, c.region, c.city, c.source, c.industry
                          FROM customers c JOIN employees e ON e.employee_id = c.owner_id ORDER BY 1""") == [
        ("H-1", "Northwind Trading LLC", "Anna Smith", T(2024, 3, 4, 9, 15), "California", "San Francisco",
         "Trade show", "Retail"),
        ("H-2", "Contoso Robotics Inc.", "Ben Ortiz", T(2024, 3, 5), "Texas", "Austin", "Website", "Manufacturing"),
        ("H-3", "Globex Foods GmbH", "Anna Smith", T(2024, 4, 8), None, None, "Referral", "Food"),  # serial 45390
    ]
    assert rows(store, "SELECT * FROM customer_fields ORDER BY 1") == [
        ("H-1", "Annual Revenue", "1200000"), ("H-2", "Annual Revenue", "350000.5")]


@pytest.fixture
def pipeline(store, tmp_path):
    files = crm_exports.pipeline_files(tmp_path)
    # the account list has no creation dates: the manager confirms dating its new customers today
    return store, {name: import_file(store, path, created_today=name == "accounts") for name, path in files.items()}


def test_team_list_becomes_the_department_tree(pipeline):
    store, results = pipeline
    assert results["teams"].table == "employees"
    assert rows(store, """SELECT e.name, team.name, office.name, office.parent_id FROM employees e
                          JOIN departments team ON team.department_id = e.department_id
                          JOIN departments office ON office.department_id = team.parent_id ORDER BY 1""") == [
        ("Anna Smith", "Dustin Brinkmann", "Central", None),
        ("Ben Ortiz", "Dustin Brinkmann", "Central", None),
        ("Cara Losch", "Melvin Marxen", "West", None),
    ]


def test_accounts_file_loads_with_unmapped_columns_as_custom_fields(pipeline):
    store, results = pipeline
    assert results["accounts"].table == "customers"
    assert results["accounts"].notes == ["no_created_at"]  # dated with the import time, as confirmed
    assert rows(store, "SELECT name, industry, size, country FROM customers ORDER BY 1") == [
        ("Acme Corporation", "technolgy", "2822", "United States"),  # the sector as spelled in the file
        ("Betasoloin", "medical", "495", "United States"),
        ("Cheers", "entertainment", "6472", "United States"),
    ]
    assert rows(store, """SELECT c.name, f.field, f.value FROM customer_fields f JOIN customers c USING (customer_id)
                          WHERE c.name = 'Cheers' ORDER BY 2""") == [
        ("Cheers", "revenue", "4269.9"), ("Cheers", "subsidiary_of", "Massive Dynamic"),
        ("Cheers", "year_established", "1993")]


def test_pipeline_deals_link_agents_and_accounts_by_name(pipeline):
    store, results = pipeline
    assert (results["pipeline"].table, results["pipeline"].new_employees) == ("deals", 0)
    assert rows(store, """SELECT d.deal_id, e.name, c.name, d.product, d.stage, d.status, d.amount, d.created_at,
                                 d.closed_at
                          FROM deals d JOIN employees e ON e.employee_id = d.owner_id
                          LEFT JOIN customers c ON c.customer_id = d.customer_id ORDER BY 1""") == [
        ("1C1I7A6R", "Anna Smith", "Cheers", "GTX Plus Basic", "won", "won", 1054.0, T(2016, 10, 20), T(2017, 3, 1)),
        ("EC4QE1BX", "Cara Losch", "Cheers", "MG Special", None, "lost", 0.0, T(2016, 10, 25), T(2017, 3, 7)),
        ("MV1LWRNH", "Anna Smith", "Betasoloin", "GTX Pro", "qualified", "open", None, T(2017, 2, 1), None),
        ("PE84CX4O", "Cara Losch", None, "GTXPro", "lead", "open", None, None, None),
        ("Z063OYW0", "Ben Ortiz", "Acme Corporation", "GTXPro", "won", "won", 4514.0, T(2016, 10, 25), T(2017, 3, 11)),
    ]


def test_reimporting_the_same_exports_changes_nothing_but_the_version(pipeline, tmp_path):
    store, _ = pipeline
    before = snapshot(store)
    for path in crm_exports.pipeline_files(tmp_path).values():
        assert review_together(store, [(read_file(path), None)])[0].changes.count == 0  # the review says so
        result = import_file(store, path)  # no new customers: no creation date needed
        assert result.inserted == 0 and result.updated == result.rows_loaded
    after = snapshot(store)
    assert {t: r for t, r in after.items() if t != "settings"} == {t: r for t, r in before.items() if t != "settings"}


def test_an_updated_export_updates_records_by_id(scrm, tmp_path):
    store, _ = scrm
    changed = [row[:] for row in crm_exports.SCRM_CUSTOMERS]
    changed[2][2] = "王芳"  # KH002 handed over to 王芳
    changed.append(["KH005", "南京新锐软件有限公司", "王芳", "华东大区", "2024-06-15", "江苏", "南京", "展会", "普通客户", "", "", "", ""])
    result = import_file(store, crm_exports.write_text(tmp_path / "客户列表2.csv", changed, "gbk"))
    assert (result.inserted, result.updated) == (1, 4)
    assert rows(store, "SELECT count(*) FROM customers") == [(5,)]
    assert rows(store, """SELECT e.name FROM customers c JOIN employees e ON e.employee_id = c.owner_id
                          WHERE customer_id = 'KH002'""") == [("王芳",)]
    assert rows(store, "SELECT count(*) FROM follow_ups WHERE customer_id = 'KH002'") == [(1,)]  # kept
