"""A corpus of bad files: each gets a message naming what is wrong and where, and the database stays
exactly as it was (every table's rows and data_version; for the CLI, the file's bytes)."""

import codecs
import hashlib
import subprocess
import sys

import pytest

from crm_core.importing import ImportFailed, load, propose_mapping, read_file
from files import crm_exports
from files.checks import snapshot

GOOD_HEADER = "客户编号,客户名称,负责人,创建时间\r\n"


def gbk(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("gbk")


# name: (file name, file bytes, table or None, expected (row, column, value, code), words the message has)
CORPUS = {
    "empty file": ("客户.csv", b"", None, (None, None, None, "empty"), "empty"),
    "only blank lines": ("客户.csv", b"\r\n\r\n", None, (None, None, None, "empty"), "empty"),
    "binary file": ("客户.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", None, (None, None, None, "binary"),
                    "not a CSV or Excel"),
    "header only": ("客户.csv", gbk("客户编号,客户名称,负责人,创建时间\n"), None, (2, None, None, "no_rows"),
                    "no data rows"),
    "unknown headers": ("data.csv", b"a,b\n1,2\n", None, (None, None, None, "unknown_table"),
                        "cannot tell what this file holds"),
    "missing required column": ("客户.csv", gbk("客户编号,负责人,创建时间\nKH9,张伟,2024-05-03\n"), "customers",
                                (1, None, None, "missing_column"), "no column for name"),
    "bad date at a known row": ("客户.csv", gbk("客户编号,客户名称,负责人,创建时间\nKH8,甲公司,张伟,2024-05-03\n"
                                               "KH9,乙公司,张伟,2024-05-04\nKH10,丙公司,张伟,2024-13-45\n"),
                                None, (4, "创建时间", "2024-13-45", "bad_date"), "not a date"),
    "missing required value": ("客户.csv", gbk("客户编号,客户名称,创建时间\nKH8,,2024-05-03\n"), None,
                               (2, "客户名称", None, "missing"), "客户名称 is empty"),
    "duplicate ids": ("客户.csv", gbk("客户编号,客户名称,创建时间\nKH8,甲公司,2024-05-03\nKH9,乙公司,2024-05-03\n"
                                     "KH8,丙公司,2024-05-03\n"), None, (4, "客户编号", "KH8", "duplicate_id"),
                      "same id is on an earlier row"),
    "broken encoding bytes": ("客户.csv", gbk("客户编号,客户名称,创建时间\nKH8,甲公司,2024-05-03\n")
                              + b"KH9,\xff\xfe\xb1\xb1,2024-05-04\r\n" + gbk("KH10,丙公司,2024-05-05\n"),
                              None, (3, None, None, "encoding"), "not valid GBK/GB18030"),
    "unknown customer reference": ("跟进.csv", "客户名称,跟进人,跟进时间\n深圳华信科技有限公司,张伟,2024-05-06\n"
                                   "不存在的公司,张伟,2024-05-07\n".encode(), None,
                                   (3, "客户名称", "不存在的公司", "unknown_customer"), "import the customer list first"),
    "bad amount": ("deals.csv", b"Deal ID,Account,Stage,Amount\nO1,KH001,Prospecting,12 apples\n", None,
                   (2, "Amount", "12 apples", "bad_number"), "not a number"),
    "unknown stage word": ("deals.csv", b"Deal ID,Account,Stage\nO1,KH001,Thinking about it\n", None,
                           (2, "Stage", "Thinking about it", "unknown_stage"), "unknown deal stage"),
    "row with too many values": ("客户.csv", gbk("客户编号,客户名称,创建时间\nKH8,甲公司,2024-05-03\n"
                                                "KH9,乙公司,北京,2024-05-03\n"), None, (3, None, None, "ragged"),
                                 "4 values but the header has 3"),
    "broken excel file": ("客户.xlsx", b"PK\x03\x04not really a zip", None, (None, None, None, "bad_excel"),
                          "cannot be opened"),
}


@pytest.fixture
def loaded(store, tmp_path):
    """A database already holding the SCRM customer list, so 'unchanged' has something to keep."""
    load(store, read_file(crm_exports.scrm_customers_gbk(tmp_path)))
    return store


@pytest.mark.parametrize("case", CORPUS, ids=list(CORPUS))
def test_bad_file_is_refused_with_where_and_what_and_nothing_changes(loaded, case):
    name, content, table, (row, column, value, code), words = CORPUS[case]
    before = snapshot(loaded)
    with pytest.raises(ImportFailed) as failed:
        source = read_file(content, name)
        mapping = propose_mapping(source.headers, table, file=name) if table else None
        load(loaded, source, mapping)
    first = failed.value.problems[0]
    assert (first.file, first.row, first.column, first.value, first.code) == (name, row, column, value, code)
    assert words in first.message and words in str(failed.value)
    assert snapshot(loaded) == before


def test_a_file_over_the_size_limit_is_refused_before_reading(loaded):
    before = snapshot(loaded)
    with pytest.raises(ImportFailed, match="the limit is 1 MB"):
        read_file(b"x" * (2 << 20), "big.csv", max_bytes=1 << 20)
    assert snapshot(loaded) == before


def test_every_problem_of_a_file_is_listed_not_just_the_first(loaded):
    content = gbk("客户编号,客户名称,创建时间\nKH8,,2024-05-03\nKH9,乙公司,昨天\nKH9,丙公司,2024-05-03\n")
    with pytest.raises(ImportFailed) as failed:
        load(loaded, read_file(content, "客户.csv"))
    assert [(p.row, p.code) for p in failed.value.problems] == [(2, "missing"), (3, "bad_date"), (4, "duplicate_id")]


def test_skipping_bad_rows_loads_the_good_ones_and_reports_the_rest(loaded):
    content = gbk("客户编号,客户名称,创建时间\nKH8,甲公司,2024-05-03\nKH9,乙公司,昨天\n")
    result = load(loaded, read_file(content, "客户.csv"), skip_bad_rows=True)
    assert (result.rows_read, result.rows_loaded) == (2, 1)
    assert [(p.row, p.column, p.value) for p in result.skipped] == [(3, "创建时间", "昨天")]
    ids = {r[0] for r in loaded.query("SELECT customer_id FROM customers")}
    assert "KH8" in ids and "KH9" not in ids


def test_cli_prints_each_problem_and_leaves_the_database_file_byte_for_byte(store, tmp_path):
    load(store, read_file(crm_exports.scrm_customers_gbk(tmp_path)))
    store.close()
    db = tmp_path / "crm.duckdb"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    bad = tmp_path / "客户_坏.csv"
    bad.write_bytes(codecs.BOM_UTF8 + "客户编号,客户名称,创建时间\nKH8,甲公司,2024-05-03\nKH9,乙公司,2024/02/30\n".encode())
    run = subprocess.run([sys.executable, "-m", "crm_core", "import", str(bad), "--db", str(db)],
                         capture_output=True, text=True, cwd=crm_exports.Path(__file__).parent.parent)
    assert run.returncode == 2
    assert "客户_坏.csv, row 3, column '创建时间', value '2024/02/30': not a date" in run.stderr
    assert "the database is unchanged" in run.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_a_crash_in_the_middle_of_writing_leaves_the_database_as_it_was(loaded, tmp_path, monkeypatch):
    from crm_core.importing import loading

    def crash(self):
        raise RuntimeError("power cut")  # after the customers rows are written, before their tags

    monkeypatch.setattr(loading._Job, "_write_tags_and_fields", crash)
    before = snapshot(loaded)
    changed = [row[:] for row in crm_exports.SCRM_CUSTOMERS] + [
        ["KH005", "南京新锐软件有限公司", "新同事", "新部门", "2024-06-15", "江苏", "南京", "展会", "普通客户", "", "", "", ""]]
    with pytest.raises(RuntimeError, match="power cut"):
        load(loaded, read_file(crm_exports.write_text(tmp_path / "客户列表2.csv", changed, "gbk")))
    assert snapshot(loaded) == before


KILLED_MID_IMPORT = """
import os, signal, sys
sys.path.insert(0, {root!r})
from crm_core.importing import loading, load, read_file
from crm_core.store import open_store

def killed(self):  # the customers rows are written, the transaction is not committed
    os.kill(os.getpid(), signal.SIGKILL)

loading._Job._write_tags_and_fields = killed
load(open_store({db!r}), read_file({export!r}))
"""


def test_a_killed_import_leaves_the_database_as_it_was(store, tmp_path):
    load(store, read_file(crm_exports.scrm_customers_gbk(tmp_path)))
    before = snapshot(store)
    store.close()
    changed = [row[:] for row in crm_exports.SCRM_CUSTOMERS]
    changed[1][1] = "改了名字的公司"
    export = crm_exports.write_text(tmp_path / "客户列表2.csv", changed, "gbk")
    db = getattr(store, "url", str(tmp_path / "crm.duckdb"))  # the file, or PostgreSQL under -m postgres
    script = KILLED_MID_IMPORT.format(root=str(crm_exports.Path(__file__).parent.parent), db=db, export=str(export))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == -9, run.stderr
    from crm_core.store import open_store
    reopened = open_store(db)
    try:
        assert snapshot(reopened) == before
    finally:
        reopened.close()
