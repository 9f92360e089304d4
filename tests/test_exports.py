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
