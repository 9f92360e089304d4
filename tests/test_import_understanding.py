"""How a file is understood: its encoding and separator, which table it holds, which field each header
fills, how its dates, amounts and stage words read, and a corrected mapping kept for next time."""

import codecs
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from crm_core.importing import (CUSTOM, IGNORE, Mapping, check_together, detect_table, load, load_mapping_file, propose_mapping,
                                read_file, save_mapping, saved_mapping, validate)
from files import crm_exports
from files.checks import rows, snapshot

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("text, encoding, delimiter", [
    ("客户名称;创建时间\n甲公司;2024-05-03\n", "utf-8", ";"),
    ("客户名称\t创建时间\r\n甲公司\t2024-05-03\r\n", "gb18030", "\t"),
    ('sep=|\n客户名称|创建时间\n"甲,公司"|2024-05-03\n', "utf-8", "|"),
    ('客户名称,创建时间\n"甲公司, 深圳分公司",2024-05-03\n', "utf-8-sig", ","),
])
def test_separator_and_quoting_are_detected(text, encoding, delimiter):
    raw = text.encode(encoding if encoding != "utf-8-sig" else "utf-8")
    if encoding == "utf-8-sig":
        raw = codecs.BOM_UTF8 + raw
    source = read_file(raw, "客户.csv")
    assert (source.delimiter, source.headers, source.rows) == (delimiter, ["客户名称", "创建时间"], 1)
    assert source.data.column("客户名称")[0].as_py() in ("甲公司", "甲,公司", "甲公司, 深圳分公司")


def test_rare_characters_survive_because_gbk_is_read_as_gb18030():
    source = read_file("客户名称,负责人\n䶮昇科技,王䶮\n".encode("gb18030"), "客户.csv")
    assert source.encoding == "GBK/GB18030"
    assert source.data.column("负责人")[0].as_py() == "王䶮"


@pytest.mark.parametrize("headers, table", [
    (["客户名称", "负责人", "创建时间", "省份", "客户来源", "客户标签"], "customers"),
    (["Account Name", "Account Owner", "Created Date", "Billing State/Province", "Lead Source"], "customers"),
    (["客户名称", "跟进人", "跟进时间", "跟进方式", "跟进内容"], "follow_ups"),
    (["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date", "close_date",
      "close_value"], "deals"),
    (["Opportunity Name", "Account Name", "Stage", "Amount", "Close Date", "Opportunity Owner"], "deals"),
    (["sales_agent", "manager", "regional_office"], "employees"),
    (["工号", "姓名", "部门", "邮箱", "是否在职"], "employees"),
    (["部门编号", "部门名称", "上级部门"], "departments"),
])
def test_the_table_is_detected_from_the_headers(headers, table):
    assert detect_table(headers) == table


def test_headers_map_to_fields_and_the_rest_become_custom_fields():
    mapping = propose_mapping(["客户名称*", "负责人", "所属部门", "创建时间（北京时间）", "省份", "客户来源", "下次联系时间",
                               "成交时间", "客户标签", "微信号"])
    assert mapping.table == "customers"
    assert mapping.columns == {"客户名称*": "name", "负责人": "owner", "所属部门": "department",
                               "创建时间（北京时间）": "created_at", "省份": "region", "客户来源": "source",
                               "下次联系时间": "next_contact_at", "成交时间": "won_at", "客户标签": "tags",
                               "微信号": CUSTOM}


def test_unmapped_columns_of_other_tables_are_left_out():
    mapping = propose_mapping(["Opportunity Name", "Account Name", "Stage", "Amount"])
    assert mapping.columns["Opportunity Name"] == IGNORE


DATES = ["2024-05-03", "2024/5/3 14:02", "2024年5月3日", "45415", "2024.05.03", "03/05/2024"]


@pytest.mark.parametrize("day_first, last", [(True, dt.datetime(2024, 5, 3)), (False, dt.datetime(2024, 3, 5))])
def test_dates_in_the_forms_exports_use(store, day_first, last):
    text = "客户编号,客户名称,创建时间\n" + "".join(f"K{i},公司{i},{d}\n" for i, d in enumerate(DATES))
    source = read_file(text.encode(), "客户.csv")
    load(store, source, propose_mapping(source.headers, day_first=day_first))
    assert [r[0] for r in rows(store, "SELECT created_at FROM customers ORDER BY customer_id")] == [
        dt.datetime(2024, 5, 3), dt.datetime(2024, 5, 3, 14, 2), dt.datetime(2024, 5, 3), dt.datetime(2024, 5, 3),
        dt.datetime(2024, 5, 3), last]


def test_amounts_with_currency_signs_separators_and_wan(store, tmp_path):
    text = ("商机编号,销售阶段,金额\nA,初步接洽,\"￥1,200.50\"\nB,需求确定,3.5万\nC,方案报价,$800\nD,赢单,\"12,000\"\n"
            "E,输单,0\nF,Closed Won,1e3\n")
    load(store, read_file(text.encode("gbk"), "商机.csv"))
    assert rows(store, "SELECT deal_id, stage, status, amount FROM deals ORDER BY 1") == [
        ("A", "lead", "open", 1200.5), ("B", "qualified", "open", 35000.0), ("C", "proposal", "open", 800.0),
        ("D", "won", "won", 12000.0), ("E", None, "lost", 0.0), ("F", "won", "won", 1000.0)]


@pytest.mark.parametrize("word, stage, status", [
    ("Prospecting", "lead", "open"), ("Qualification", "qualified", "open"), ("Needs Analysis", "qualified", "open"),
    ("Proposal/Price Quote", "proposal", "open"), ("Negotiation/Review", "negotiation", "open"),
    ("Closed Won", "won", "won"), ("Closed Lost", None, "lost"), ("谈判", "negotiation", "open"),
    ("赢单", "won", "won"), ("输单", None, "lost"),
])
def test_stage_words_of_salesforce_and_chinese_scrms(store, word, stage, status):
    load(store, read_file(f"Deal ID,Stage\nO1,{word}\n".encode(), "deals.csv"))
    assert rows(store, "SELECT stage, status FROM deals") == [(stage, status)]


def test_a_corrected_mapping_is_saved_and_offered_for_the_same_headers(tmp_path):
    headers = ["公司", "业务员", "录入日期", "地区"]
    corrected = Mapping("customers", {"公司": "name", "业务员": "owner", "录入日期": "created_at", "地区": "city"})
    path = save_mapping(corrected, headers, tmp_path)
    assert saved_mapping(headers, tmp_path) == corrected == load_mapping_file(path)  # also what --mapping reads
    assert saved_mapping(headers + ["备注"], tmp_path) is None


def test_validate_reports_without_writing(store):
    before = snapshot(store)
    problems = validate(store, read_file("客户名称,创建时间\n甲公司,明天\n".encode(), "客户.csv"))
    assert [(p.row, p.column, p.value, p.code) for p in problems] == [(2, "创建时间", "明天", "bad_date")]
    assert validate(store, read_file("客户名称,创建时间\n甲公司,2024-05-03\n".encode(), "客户.csv")) == []
    assert snapshot(store) == before


def cli(*args):
    return subprocess.run([sys.executable, "-m", "crm_core", "import", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT)


def test_cli_imports_a_file_and_takes_a_mapping_file(tmp_path):
    db = tmp_path / "crm.duckdb"
    run = cli(crm_exports.scrm_customers_gbk(tmp_path), "--db", db)
    assert run.returncode == 0, run.stderr
    assert "4 of 4 rows loaded into customers (4 new, 0 updated)" in run.stderr
    export = tmp_path / "export.csv"
    export.write_text("公司,业务员,录入日期,地区\n甲公司,张伟,03/05/2024,深圳\n", encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"table": "customers", "columns": {"公司": "name", "业务员": "owner",
                                   "录入日期": "created_at", "地区": "city"}}, ensure_ascii=False), encoding="utf-8")
    run = cli(export, "--db", db, "--mapping", mapping, "--day-first")
    assert run.returncode == 0, run.stderr
    import duckdb
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT created_at, region, city FROM customers WHERE name = '甲公司'").fetchall() == [
            (dt.datetime(2024, 5, 3), "广东省", "深圳市")]


def test_cli_refuses_a_broken_mapping_file(tmp_path):
    mapping = tmp_path / "m.json"
    mapping.write_text('{"table": "customers", "columns": {"公司": "company_name"}}', encoding="utf-8")
    run = cli(crm_exports.scrm_customers_gbk(tmp_path), "--db", tmp_path / "crm.duckdb", "--mapping", mapping)
    assert run.returncode == 2
    assert "'company_name', which is not a field of customers" in run.stderr


def test_files_checked_together_see_the_customers_of_the_file_before_them(store, tmp_path):
    customers = read_file(crm_exports.scrm_customers_gbk(tmp_path))
    follow_ups = read_file(crm_exports.follow_ups_utf8_bom(tmp_path))
    assert [p.code for p in validate(store, follow_ups)] == ["unknown_customer"] * 4  # alone: no such customers
    assert check_together(store, [(customers, None), (follow_ups, None)]) == [[], []]
    assert rows(store, "SELECT count(*) FROM customers") == [(0,)]  # and nothing was written
