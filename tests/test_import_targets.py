"""Targets through the import path: a targets export (Chinese or English headers, CSV in GBK or .xlsx) is detected
and loaded with its period, metric, employee or department and target as the file says; bad rows are refused with
file, row, column and what to do, leaving the database as it was; importing a target again replaces it."""

import datetime as dt
import subprocess
import sys

import pytest

from crm_core.importing import ImportFailed, load, propose_mapping, read_file, review_together
from files import crm_exports
from files.checks import rows, snapshot

D = dt.date
TARGETS_BY_NAME = """SELECT t.period_start, t.period, e.name, d.name, t.metric, t.target FROM targets t
                     LEFT JOIN employees e ON e.employee_id = t.employee_id
                     LEFT JOIN departments d ON d.department_id = t.department_id
                     ORDER BY t.period_start, t.period, e.name NULLS LAST, d.name, t.metric"""
# crm_exports.TARGETS read by hand: 2024-05-15 of a month target is May's, 2024-06 is June, 2024Q2 starts in April,
# 2024 is the year; 100,000 and 20万 are numbers; the people are 客户列表.csv's owners and departments.
SAMPLE_ROWS = [
    (D(2024, 1, 1), "year", None, "华东大区", "new_customers", 12.0),
    (D(2024, 4, 1), "quarter", None, "华南大区", "revenue", 200000.0),
    (D(2024, 5, 1), "month", "张伟", None, "new_customers", 3.0),
    (D(2024, 5, 1), "month", "张伟", None, "revenue", 100000.0),
    (D(2024, 5, 1), "month", "李娜", None, "follow_ups", 5.0),
    (D(2024, 6, 1), "month", "王芳", None, "won_customers", 1.0),
]


def write(path, text: str, encoding: str = "gbk"):
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


@pytest.fixture
def people(store, tmp_path):
    """The SCRM customer list loaded: employees 张伟, 李娜, 王芳 in departments 华南大区, 华北大区, 华东大区."""
    load(store, read_file(crm_exports.scrm_customers_gbk(tmp_path)))
    return store


@pytest.fixture
def targets(people, tmp_path):
    """People, and the sample targets (业绩目标.csv) loaded."""
    load(people, read_file(crm_exports.targets_gbk(tmp_path)))
    return people


def employee_id(store, name: str) -> str:
    return rows(store, f"SELECT employee_id FROM employees WHERE name = '{name}'")[0][0]


@pytest.mark.parametrize("headers", [["周期开始", "期间", "员工", "部门", "指标", "目标"],
                                     ["period start", "period", "employee", "department", "metric", "target"],
                                     ["Period Start", "Period", "Employee ID", "Department ID", "KPI", "Quota"],
                                     ["月份", "员工", "指标", "目标值"]])
def test_a_targets_export_is_detected_from_its_headers(headers):
    mapping = propose_mapping(headers)
    assert mapping.table == "targets"
    assert {"period_start", "metric", "target"} <= set(mapping.columns.values())


def test_gbk_csv_with_chinese_headers_loads_what_the_file_says(people, tmp_path):
    path = crm_exports.targets_gbk(tmp_path)
    source = read_file(path)
    assert source.encoding == "GBK/GB18030"
    result = load(people, source)
    assert (result.table, result.rows_read, result.rows_loaded, result.inserted, result.updated) == (
        "targets", 6, 6, 6, 0)
    assert result.notes == ["period_start_aligned"]  # 2024-05-15 moved to 2024-05-01
    assert rows(people, TARGETS_BY_NAME) == SAMPLE_ROWS
    assert rows(people, "SELECT count(*) FROM employees")[0][0] == 3  # a target names nobody new


def test_xlsx_with_english_headers_ids_and_names(store, tmp_path):
    with store.write() as cur:
        cur.execute("INSERT INTO departments VALUES ('D-SOUTH', 'South', NULL)")
        cur.execute("INSERT INTO employees (employee_id, name, department_id) VALUES ('E1', 'Anna Smith', 'D-SOUTH'), "
                    "('E2', 'Li Na', 'D-SOUTH')")
    result = load(store, read_file(crm_exports.targets_xlsx(tmp_path)))
    assert (result.table, result.rows_loaded, result.notes) == ("targets", 4, [])
    # crm_exports.TARGETS_XLSX by hand: a date cell, a datetime cell, text, words in any case, Li Na by name.
    assert rows(store, "SELECT * FROM targets ORDER BY period_start, metric") == [
        (D(2024, 1, 1), "year", None, "D-SOUTH", "new_customers", 0.0),
        (D(2024, 4, 1), "quarter", None, "D-SOUTH", "won_customers", 4.0),
        (D(2024, 5, 1), "month", "E1", None, "revenue", 50000.0),
        (D(2024, 6, 1), "month", "E2", None, "follow_ups", 12.0),
    ]


@pytest.mark.parametrize("written, period, expected", [
    ("2024-05-01", "月", (D(2024, 5, 1), "month")),
    ("2024/5/31", "月度", (D(2024, 5, 1), "month")),
    ("2024年5月", "", (D(2024, 5, 1), "month")),
    ("2024-08-20", "季度", (D(2024, 7, 1), "quarter")),
    ("2024年第三季度", "", (D(2024, 7, 1), "quarter")),
    ("Q3 2024", "quarter", (D(2024, 7, 1), "quarter")),
    ("2024-12-31", "年", (D(2024, 1, 1), "year")),
    ("2024年", "年度", (D(2024, 1, 1), "year")),
])
def test_period_starts_are_the_first_day_of_their_period(people, tmp_path, written, period, expected):
    path = write(tmp_path / "目标.csv", f"周期开始,期间,员工,指标,目标\n{written},{period},张伟,成交金额,1000\n")
    load(people, read_file(path))
    assert rows(people, "SELECT period_start, period FROM targets") == [expected]


GOOD = "周期开始,期间,员工,部门,指标,目标\n2024-05-01,月,张伟,,新增客户,3\n"
# name: (the bad row, expected (row, column, value, code), words of what to do)
BAD_ROWS = {
    "unknown employee": ("2024-05-01,月,赵六,,新增客户,3", (3, "员工", "赵六", "unknown_employee"),
                         "no employee with this id or name is loaded; correct it, or import the team list first"),
    "unknown department": ("2024-05-01,月,,销售九部,新增客户,3", (3, "部门", "销售九部", "unknown_department"),
                           "no department with this id or name is loaded"),
    "unknown metric": ("2024-05-01,月,李娜,,利润,3", (3, "指标", "利润", "unknown_metric"),
                       "unknown metric; use new_customers, won_customers, revenue or follow_ups"),
    "bad period": ("2024-05-01,周,李娜,,新增客户,3", (3, "期间", "周", "unknown_period"),
                   "unknown period; use month, quarter or year"),
    "bad period start": ("2024-13-01,月,李娜,,新增客户,3", (3, "周期开始", "2024-13-01", "bad_period_start"),
                         "write the period's first day (2024-05-01)"),
    "period start of another period": ("2024Q2,月,李娜,,新增客户,3", (3, "期间", "月", "period_mismatch"),
                                       "make the two agree"),
    "negative target": ("2024-05-01,月,李娜,,新增客户,-3", (3, "目标", "-3", "negative_target"),
                        "cannot be negative; write 0 or more"),
    "target not a number": ("2024-05-01,月,李娜,,新增客户,很多", (3, "目标", "很多", "bad_number"), "not a number"),
    "both employee and department": ("2024-05-01,月,李娜,华北大区,新增客户,3",
                                     (3, "员工", "李娜", "both_employee_and_department"),
                                     "not both: empty the 员工 or the 部门 cell"),
    "neither employee nor department": ("2024-05-01,月,,,新增客户,3", (3, "员工", None, "no_employee_or_department"),
                                        "fill in 员工 or 部门"),
    "the same target twice": ("2024-05-20,月度,张伟,,新增客户,4", (3, "指标", "新增客户", "duplicate_target"),
                              "is on row 2; keep one of the two rows"),
    "no target": ("2024-05-01,月,李娜,,新增客户,", (3, "目标", None, "missing"), "目标 is empty"),
}


@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_a_bad_row_is_refused_with_where_and_what_and_nothing_changes(targets, tmp_path, case):
    line, (row, column, value, code), words = BAD_ROWS[case]
    before = snapshot(targets)
    path = write(tmp_path / "目标.csv", GOOD + line + "\n")
    with pytest.raises(ImportFailed) as failed:
        load(targets, read_file(path))
    [problem] = failed.value.problems
    assert (problem.file, problem.row, problem.column, problem.value, problem.code) == ("目标.csv", row, column, value, code)
    assert words in problem.message
    assert f"目标.csv, row {row}, column '{column}'" in str(failed.value)
    assert snapshot(targets) == before  # every table's rows and data_version


def test_every_bad_row_of_a_file_is_listed(targets, tmp_path):
    before = snapshot(targets)
    path = write(tmp_path / "目标.csv", GOOD + "\n".join(line for line, _, _ in BAD_ROWS.values()) + "\n")
    with pytest.raises(ImportFailed) as failed:
        load(targets, read_file(path))
    found = {(p.row, p.code) for p in failed.value.problems}
    assert found >= {(n + 3, code) for n, (_, (_, _, _, code), _) in enumerate(BAD_ROWS.values())}
    assert {row for row, _ in found} == set(range(3, len(BAD_ROWS) + 3))  # the good row 2 has none
    assert snapshot(targets) == before


def test_skipping_bad_rows_loads_the_good_ones(people, tmp_path):
    path = write(tmp_path / "目标.csv", GOOD + "2024-05-01,月,赵六,,新增客户,3\n2024-06-01,月,李娜,,跟进次数,8\n")
    result = load(people, read_file(path), skip_bad_rows=True)
    assert (result.rows_loaded, [(p.row, p.code) for p in result.skipped]) == (2, [(3, "unknown_employee")])
    assert rows(people, TARGETS_BY_NAME) == [(D(2024, 5, 1), "month", "张伟", None, "new_customers", 3.0),
                                             (D(2024, 6, 1), "month", "李娜", None, "follow_ups", 8.0)]


def test_a_file_without_employee_or_department_column_is_refused(people, tmp_path):
    path = write(tmp_path / "目标.csv", "周期开始,期间,指标,目标\n2024-05-01,月,新增客户,3\n")
    with pytest.raises(ImportFailed) as failed:
        load(people, read_file(path))
    [problem] = failed.value.problems
    assert (problem.row, problem.code) == (1, "missing_column")
    assert "no column for employee (员工" in problem.message and "or department (部门" in problem.message


def test_a_name_two_employees_share_must_be_given_as_an_id(people, tmp_path):
    with people.write() as cur:
        cur.execute("INSERT INTO employees (employee_id, name) VALUES ('E-OTHER', '张伟')")
    before = snapshot(people)
    with pytest.raises(ImportFailed) as failed:
        load(people, read_file(write(tmp_path / "目标.csv", GOOD)))
    assert [(p.row, p.column, p.code) for p in failed.value.problems] == [(2, "员工", "ambiguous_employee")]
    assert "write the employee's id instead" in failed.value.problems[0].message
    assert snapshot(people) == before
    load(people, read_file(write(tmp_path / "目标.csv", GOOD.replace("张伟", "E-OTHER"))))
    assert rows(people, "SELECT employee_id FROM targets") == [("E-OTHER",)]


def test_importing_a_target_again_replaces_it(targets, tmp_path):
    zhang = employee_id(targets, "张伟")
    again = read_file(crm_exports.targets_gbk(tmp_path))
    result = load(targets, again)
    assert (result.inserted, result.updated) == (0, 6)
    assert rows(targets, TARGETS_BY_NAME) == SAMPLE_ROWS  # no duplicates
    # The same two targets written another way (a day inside May, an id, English words), with new values.
    path = write(tmp_path / "targets.csv", "period start,period,employee,department,metric,target\n"
                 f"2024-05-31,month,张伟,,new customers,4\n2024-05,,{zhang},,Revenue,90000\n"
                 "2024-07-01,month,王芳,,won,2\n", "utf-8")
    [review] = review_together(targets, [(read_file(path), None)])
    assert (review.updated, review.changes.count) == (2, 2)
    assert review.changes.examples == [f"2024-05-01 month {zhang} new_customers", f"2024-05-01 month {zhang} revenue"]
    result = load(targets, read_file(path))
    assert (result.inserted, result.updated) == (1, 2)
    expected = [r for r in SAMPLE_ROWS if r[2] != "张伟"] + [
        (D(2024, 5, 1), "month", "张伟", None, "new_customers", 4.0),
        (D(2024, 5, 1), "month", "张伟", None, "revenue", 90000.0),
        (D(2024, 7, 1), "month", "王芳", None, "won_customers", 2.0)]
    assert rows(targets, TARGETS_BY_NAME) == sorted(expected, key=lambda r: (r[0], r[1], r[2] is None, r[2] or "",
                                                                             r[3] or "", r[4]))


def test_cli_imports_the_sample_and_refuses_a_bad_row(people, tmp_path):
    people.close()
    db = getattr(people, "url", tmp_path / "crm.duckdb")  # the file, or PostgreSQL under -m postgres
    root = crm_exports.Path(__file__).parent.parent

    def cli(path):
        return subprocess.run([sys.executable, "-m", "crm_core", "import", str(path), "--db", str(db)],
                              capture_output=True, text=True, cwd=root)

    ok = cli(root / "data" / "samples" / "业绩目标.csv")
    assert ok.returncode == 0, ok.stderr
    assert "业绩目标.csv: 6 of 6 rows loaded into targets (6 new, 0 updated)" in ok.stderr
    assert "moved to its first day" in ok.stderr
    bad = cli(write(tmp_path / "目标.csv", GOOD + "2024-05-01,月,张伟,,利润,3\n"))
    assert bad.returncode == 2
    assert "目标.csv, row 3, column '指标', value '利润': unknown metric" in bad.stderr
    assert "the database is unchanged" in bad.stderr
