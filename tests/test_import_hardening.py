"""Issue 9, the importer's part: no traceback, no silent loss, no surprise. Real files in real encodings,
written to tmp_path; each test names the class of inputs it covers."""

import codecs
import datetime as dt
import subprocess
import sys
import time

import pytest

from crm_core.importing import (ImportFailed, can_skip, load, mapping_notes, propose_mapping, read_file, read_files,
                                review_together)
from crm_core.importing import reading
from files import crm_exports
from files.checks import rows, snapshot

ROOT = crm_exports.Path(__file__).resolve().parent.parent


def cli(*args):
    return subprocess.run([sys.executable, "-m", "crm_core", "import", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT)


def refused(store, path, table=None, **options):
    """The problems importing ``path`` gets, after checking that nothing was written."""
    before = snapshot(store)
    with pytest.raises(ImportFailed) as failed:
        source = read_file(path)
        mapping = propose_mapping(source.headers, table, file=source.name)
        for k, v in options.items():
            setattr(mapping, k, v)
        load(store, source, mapping)
    assert snapshot(store) == before
    return failed.value.problems


# -- 3: a database held by another process; rows and headers too long to read --------------------------
@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "reader"])
def test_import_while_another_process_holds_the_database_says_so_in_one_sentence(tmp_path, read_only):
    db = tmp_path / "crm.duckdb"
    assert cli(crm_exports.scrm_customers_gbk(tmp_path), "--db", db).returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(db)!r}, read_only={read_only})\n"
                               "print('ready', flush=True)\ntime.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        run = cli(crm_exports.follow_ups_utf8_bom(tmp_path), "--db", db)
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        f"error: the database {db} is in use by another program (the dashboard?); stop it, or copy the file and "
        "give the copy as --db, then try again"]


def test_a_row_longer_than_a_read_block_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "BLOCK_BYTES", 4096)  # the 8 MB block, small: the same Arrow failure
    path = tmp_path / "客户.csv"
    path.write_bytes(("客户名称,备注\r\n甲公司,短\r\n乙公司," + "长" * 3000 + "\r\n丙公司,短\r\n").encode("gbk"))
    with pytest.raises(ImportFailed) as failed:
        read_file(path)
    (p,) = failed.value.problems
    assert (p.row, p.code) == (3, "long_row")
    assert "line 3 is" in p.message and "ArrowInvalid" not in p.message


def test_an_unclosed_quote_running_past_a_block_is_said_so(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "BLOCK_BYTES", 4096)
    path = tmp_path / "customers.csv"
    path.write_text('Customer Name,Note\nAcme,"never closed\n' + "Beta,short\n" * 1000, encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        read_file(path)
    assert failed.value.problems[0].code == "long_row"
    assert "never closed" in failed.value.problems[0].message


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-16"])
def test_a_header_over_64_kb_is_the_headers_problem_not_a_data_rows(tmp_path, encoding):
    path = tmp_path / "客户.csv"
    header = ",".join(f"列{i}" for i in range(12000))  # about 90 KB of column names
    path.write_bytes(f"{header}\r\n" .encode(encoding) + "甲公司\r\n".encode(encoding).lstrip(codecs.BOM_UTF16))
    with pytest.raises(ImportFailed) as failed:
        read_file(path)
    (p,) = failed.value.problems
    assert (p.row, p.code) == (1, "header_too_long")
    assert "the header row" in p.message


def test_a_single_line_file_is_refused_as_a_header_problem(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_bytes(b"a," * 200_000)  # one 400 KB line, no line break
    with pytest.raises(ImportFailed) as failed:
        read_file(path)
    assert [(p.row, p.code) for p in failed.value.problems] == [(1, "header_too_long")]


# -- 5: the right byte offset ------------------------------------------------------------------------------
def test_a_bom_with_gbk_text_names_the_first_bad_byte_from_the_files_start(tmp_path):
    path = tmp_path / "客户.csv"
    body = "客户名称,创建时间\r\n".encode("utf-8") + "甲公司,2024-05-03\r\n".encode("gbk")
    path.write_bytes(codecs.BOM_UTF8 + body)
    with pytest.raises(ImportFailed) as failed:
        read_file(path)
    (p,) = failed.value.problems
    offset = 3 + len("客户名称,创建时间\r\n".encode("utf-8"))
    assert path.read_bytes()[offset:offset + 2] == "甲".encode("gbk")
    assert f"at byte {offset} (line 2)" in p.message and p.row == 2
    assert "looks like GBK" in p.message


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_bad_byte_after_a_chunk_boundary_inside_a_character_is_named_exactly(tmp_path, monkeypatch, encoding):
    monkeypatch.setattr(reading, "CHUNK", 7)  # chunks end inside multi-byte characters
    good = "客户名称\n甲乙丙丁戊\n".encode(encoding)
    raw = good + b"\xff" + "己\n".encode(encoding)
    with pytest.raises(ImportFailed) as failed:
        reading.to_utf8(raw, encoding, "x.csv")
    assert f"at byte {len(good)} (line 3)" in failed.value.problems[0].message


# -- 4: dates and numbers a database should never hold ----------------------------------------------------
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01", "1899/12/31 23:59",
                                   "2101年1月1日", "31/12/1899"])
def test_timestamps_outside_1900_to_2100_are_refused_with_row_and_column(store, tmp_path, value):
    path = tmp_path / "客户.csv"
    path.write_bytes(f"客户名称,创建时间\r\n甲公司,2024-05-03\r\n乙公司,{value}\r\n".encode("gbk"))
    problems = refused(store, path, day_first=True)
    assert [(p.row, p.column, p.value, p.code) for p in problems] == [(3, "创建时间", value, "date_out_of_range")]


def test_the_first_and_last_day_of_the_range_import(store, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("Deal ID,Stage,Engage Date,Close Date,Amount\nO1,Won,1900-01-01,2100-12-31 23:59,5\n",
                    encoding="utf-8")
    load(store, read_file(path))
    assert rows(store, "SELECT created_at, closed_at FROM deals") == [
        (dt.datetime(1900, 1, 1), dt.datetime(2100, 12, 31, 23, 59))]


@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "1e309", "-1E400", "¥1e309"])
def test_amounts_that_are_not_finite_numbers_are_refused(store, tmp_path, value):
    path = tmp_path / "deals.csv"
    path.write_text(f"Deal ID,Stage,Amount\nO1,Prospecting,100\nO2,Prospecting,{value}\n", encoding="utf-8")
    problems = refused(store, path)
    assert [(p.row, p.column, p.value, p.code) for p in problems] == [(3, "Amount", value, "not_finite")]


def test_a_non_finite_coordinate_is_refused_too(store, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("Customer Name,Created Date,Latitude,Longitude\nAcme,2024-05-03,inf,120\n", encoding="utf-8")
    assert [(p.column, p.code) for p in refused(store, path)] == [("Latitude", "not_finite")]


# -- 5: workbooks with several sheets, formulas without results, repeated headers ------------------------------
def workbook(path, sheets: dict[str, list[list]]):
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, sheet_rows in sheets.items():
        ws = book.create_sheet(name)
        for row in sheet_rows:
            ws.append(row)
    book.save(path)
    return path


def two_sheet_book(tmp_path):
    return workbook(tmp_path / "导出.xlsx", {
        "说明": [["本文件由 CRM 导出"], ["请勿修改表头"]],  # a notes sheet: no table
        "跟进记录": [["客户名称", "跟进时间", "跟进方式"], ["甲公司", "2024-05-06", "电话"]],
        "客户": [["客户编号", "客户名称", "创建时间"], ["KH1", "甲公司", "2024-05-03"], ["KH2", "乙公司", "2024-05-04"]],
    })


def test_every_sheet_with_a_table_is_read_as_its_own_file_and_the_others_are_named(tmp_path):
    sources = read_files(two_sheet_book(tmp_path))
    assert [(s.name, s.sheet, s.rows) for s in sources] == [("导出.xlsx [跟进记录]", "跟进记录", 1),
                                                           ("导出.xlsx [客户]", "客户", 2)]
    assert sources[0].notes == ["sheet_left_out:说明"]
    with pytest.raises(ImportFailed, match="several sheets \\(跟进记录, 客户\\)"):
        read_file(two_sheet_book(tmp_path))  # one table expected: refused, naming the sheets


def test_the_cli_imports_every_sheet_in_load_order_in_one_go(tmp_path):
    db = tmp_path / "crm.duckdb"
    run = cli(two_sheet_book(tmp_path), "--db", db)
    assert run.returncode == 0, run.stderr
    assert "sheet '说明' holds no table and was left out" in run.stderr
    assert "导出.xlsx [客户]: 2 of 2 rows loaded into customers" in run.stderr
    assert "导出.xlsx [跟进记录]: 1 of 1 rows loaded into follow_ups" in run.stderr
    run = cli(two_sheet_book(tmp_path), "--db", db, "--table", "customers")
    assert run.returncode == 2 and "several sheets (跟进记录, 客户)" in run.stderr


def test_a_bad_sheet_keeps_every_sheet_out(tmp_path):
    db = tmp_path / "crm.duckdb"
    book = workbook(tmp_path / "b.xlsx", {"客户": [["客户名称", "创建时间"], ["甲公司", "2024-05-03"]],
                                          "跟进": [["客户名称", "跟进时间"], ["甲公司", "昨天"]]})
    run = cli(book, "--db", db)
    assert run.returncode == 2 and "b.xlsx [跟进], row 2, column '跟进时间'" in run.stderr
    import duckdb
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM customers").fetchall() == [(0,)]


def test_formula_cells_without_a_saved_result_are_said_to_be_formulas(store, tmp_path):
    path = workbook(tmp_path / "客户.xlsx", {"客户": [
        ["客户编号", "客户名称", "创建时间", "备注"],
        ["KH1", "甲公司", "2024-05-03", "=1+1"],          # a custom field from a formula
        ["KH2", '=A2&"分公司"', "2024-05-04", ""],        # a required value from a formula
        ["KH3", "丙公司", "=DATE(2024,5,5)", ""],
    ]})
    problems = refused(store, path)
    assert [(p.row, p.column, p.code) for p in problems] == [(2, "备注", "formula"), (3, "客户名称", "formula"),
                                                             (4, "创建时间", "formula")]
    assert "formula whose result is not saved" in problems[0].message


@pytest.mark.parametrize("headers, note", [
    (["客户名称", "创建时间", "客户名称"], ("same_header", "客户名称")),
    (["客户名称", "创建时间", "Customer Name"], ("same_field", "Customer Name")),
    (["Customer", "Created Date", "Account Name"], ("same_field", "Account Name")),
])
def test_two_columns_for_one_field_are_warned_about_in_the_review(tmp_path, headers, note):
    path = tmp_path / "客户.csv"
    path.write_bytes((",".join(headers) + "\r\n甲公司,2024-05-03,乙公司\r\n").encode("gbk"))
    source = read_file(path)
    notes = mapping_notes(source, propose_mapping(source.headers))
    assert [(code, v.get("header") or v.get("other")) for code, v in notes] == [note]
    if note[0] == "same_header":
        assert notes[0][1]["columns"] == ["客户名称", "客户名称 (2)"]
        assert notes[0][1]["fields"] == ["name", "custom"]


def test_distinct_headers_get_no_warning(tmp_path):
    source = read_file(crm_exports.scrm_customers_gbk(tmp_path))
    assert mapping_notes(source, propose_mapping(source.headers)) == []


# -- 6: what a re-import will change, before it runs ----------------------------------------------------------
def test_the_review_counts_the_loaded_rows_a_file_changes_with_examples(store, tmp_path):
    load(store, read_file(crm_exports.scrm_customers_gbk(tmp_path)))
    before = snapshot(store)
    changed = [row[:] for row in crm_exports.SCRM_CUSTOMERS]
    changed[2][2] = "王芳"  # KH002 handed over
    changed[4][8] = "普通客户"  # KH004's level
    changed.append(["KH005", "南京新锐软件有限公司", "王芳", "华东大区", "2024-06-15", "江苏", "南京", "展会", "", "", "", "", ""])
    path = crm_exports.write_text(tmp_path / "客户列表2.csv", changed, "gbk")
    (review,) = review_together(store, [(read_file(path), None)])
    assert (review.problems, review.inserted, review.updated) == ([], 1, 4)
    assert (review.changes.count, review.changes.examples) == (2, ["KH002", "KH004"])
    assert snapshot(store) == before  # nothing written
    same = crm_exports.scrm_customers_gbk(tmp_path)
    assert review_together(store, [(read_file(same), None)])[0].changes.count == 0


def test_the_review_of_a_file_with_bad_rows_still_counts_what_its_good_rows_change(store, tmp_path):
    load(store, read_file("客户编号,客户名称,创建时间\nKH1,甲,2024-05-03\nKH2,乙,2024-05-03\n".encode(), "a.csv"))
    source = read_file("客户编号,客户名称,创建时间\nKH1,甲甲,2024-05-03\nKH2,乙,昨天\n".encode(), "a.csv")
    (review,) = review_together(store, [(source, None)])
    assert [(p.row, p.code) for p in review.problems] == [(3, "bad_date")] and can_skip(review.problems)
    assert (review.changes.count, review.changes.examples) == (1, ["KH1"])


# -- 12: a customer list without dates; counts -----------------------------------------------------------------
def test_new_customers_without_a_creation_date_are_refused_unless_confirmed(store, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("Account Name,Sector\nAcme,tech\nBeta,medical\n", encoding="utf-8")
    problems = refused(store, path)
    assert [(p.row, p.column, p.code) for p in problems] == [(None, None, "no_created_at")]
    assert "2 new customers have no date" in problems[0].message and not can_skip(problems)
    with pytest.raises(ImportFailed):  # skipping rows does not get round it
        load(store, read_file(path), skip_bad_rows=True)
    source = read_file(path)
    mapping = propose_mapping(source.headers)
    mapping.created_today = True
    result = load(store, source, mapping)
    assert (result.inserted, result.notes) == (2, ["no_created_at"])
    assert rows(store, "SELECT DISTINCT CAST(created_at AS DATE) FROM customers") == [(dt.date.today(),)]
    again = load(store, read_file(path))  # only known customers now: nothing to date, nothing asked
    assert (again.updated, again.notes) == (2, [])


def test_the_cli_dates_undated_customers_only_when_told(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("Account Name,Sector\nAcme,tech\n", encoding="utf-8")
    db = tmp_path / "crm.duckdb"
    run = cli(path, "--db", db)
    assert run.returncode == 2 and "--created-today" in run.stderr and "Traceback" not in run.stderr
    run = cli(path, "--db", db, "--created-today")
    assert run.returncode == 0, run.stderr
    assert "1 of 1 rows loaded into customers (1 new, 0 updated)" in run.stderr


def test_a_team_list_counts_its_new_people_as_new_employees(store, tmp_path):
    path = tmp_path / "team.csv"
    path.write_text("Sales Agent,Manager,Regional Office\nAnna,Dustin,Central\nBen,Dustin,Central\n"
                    "Cara,Melvin,West\n", encoding="utf-8")
    result = load(store, read_file(path))
    assert (result.inserted, result.new_employees, result.new_departments) == (3, 3, 4)
    assert result.summary().endswith("(3 new, 0 updated); 3 new employees, 4 new departments")
    one = tmp_path / "one.csv"
    one.write_text("Sales Agent,Manager\nDora,Dustin\n", encoding="utf-8")
    assert load(store, read_file(one)).summary().endswith("; 1 new employee")
