"""Roles from team lists and employee exports (issue 8): role words in Chinese and English onto admin,
manager and rep, an unknown word refused with where and what, and the managers a team list names."""

import pytest

from crm_core.importing import ImportFailed, load, propose_mapping, read_file
from files import crm_exports
from files.checks import rows, snapshot


def write(path, text: str, encoding: str):
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def roles(store) -> list[tuple]:
    return rows(store, "SELECT name, role FROM employees ORDER BY name")


@pytest.mark.parametrize("header", ["角色", "权限", "职位类型", "Role", "User Role", "Access", "access level"])
def test_role_headers_are_recognised(header):
    assert propose_mapping(["姓名", "部门", header], "employees").columns[header] == "role"


def test_chinese_role_words_in_a_gbk_team_list(store, tmp_path):
    path = write(tmp_path / "员工.csv", "工号,姓名,部门,角色\nE1,张伟,华南大区,超级管理员\nE2,李娜,华南大区,管理员\n"
                 "E3,王芳,华东大区,销售总监\nE4,赵磊,华东大区,主管\nE5,刘洋,华东大区,业务员\nE6,陈静,华东大区,销售代表\n"
                 "E7,杨帆,华东大区,\n", "gbk")
    result = load(store, read_file(path))
    assert (result.table, result.rows_loaded) == ("employees", 7)
    assert rows(store, "SELECT employee_id, role FROM employees ORDER BY 1") == [
        ("E1", "admin"), ("E2", "admin"), ("E3", "manager"), ("E4", "manager"), ("E5", "rep"), ("E6", "rep"),
        ("E7", None)]  # empty: a rep by default, left empty as the file has it


def test_english_role_words_in_a_utf8_user_export(store, tmp_path):
    path = write(tmp_path / "users.csv", "User ID,Full Name,Team,User Role\nU1,Anna Smith,Central,Administrator\n"
                 "U2,Ben Ortiz,Central,Team Lead\nU3,Cara Losch,West, sales rep \nU4,Dan Wu,West,MEMBER\n"
                 "U5,Eva Lee,West,\n", "utf-8")
    load(store, read_file(path))
    assert roles(store) == [("Anna Smith", "admin"), ("Ben Ortiz", "manager"), ("Cara Losch", "rep"),
                            ("Dan Wu", "rep"), ("Eva Lee", None)]


def test_an_unknown_role_is_refused_naming_row_column_and_the_words_allowed(store, tmp_path):
    load(store, read_file(crm_exports.scrm_customers_gbk(tmp_path)))
    before = snapshot(store)
    path = write(tmp_path / "员工.csv", "姓名,部门,权限\n张伟,华南大区,经理\n李娜,华北大区,实习生\n王芳,华东大区,销售\n", "gbk")
    with pytest.raises(ImportFailed) as failed:
        load(store, read_file(path))
    [problem] = failed.value.problems
    assert (problem.file, problem.row, problem.column, problem.value, problem.code) == (
        "员工.csv", 3, "权限", "实习生", "unknown_role")
    assert "use admin, manager or rep" in problem.message and "管理员" in problem.message
    assert "员工.csv, row 3, column '权限', value '实习生': unknown role" in str(failed.value)
    assert snapshot(store) == before


def test_a_team_list_leaves_its_managers_teams_and_makes_those_with_a_row_managers(store, tmp_path):
    teams = [row[:] for row in crm_exports.SALES_TEAMS] + [["Dustin Brinkmann", "", "Central"]]
    result = load(store, read_file(crm_exports.write_text(tmp_path / "sales_teams.csv", teams, "utf-8", newline="\n")))
    assert (result.rows_loaded, result.inserted) == (4, 4)  # Melvin Marxen has no row: a team, not an employee
    assert rows(store, """SELECT e.name, e.role, d.name, p.name FROM employees e
                          JOIN departments d ON d.department_id = e.department_id
                          LEFT JOIN departments p ON p.department_id = d.parent_id ORDER BY 1""") == [
        ("Anna Smith", None, "Dustin Brinkmann", "Central"),
        ("Ben Ortiz", None, "Dustin Brinkmann", "Central"),
        ("Cara Losch", None, "Melvin Marxen", "West"),
        ("Dustin Brinkmann", "manager", "Dustin Brinkmann", "Central"),  # in the team he leads
    ]


def test_a_role_in_the_team_list_wins_over_leading_a_team(store, tmp_path):
    path = write(tmp_path / "团队.csv", "销售,经理,大区,角色\n张伟,王总,华南,\n李娜,王总,华南,经理\n王总,,华南,管理员\n"
                 "赵磊,,华南,\n", "gbk")
    load(store, read_file(path))
    assert roles(store) == sorted([("张伟", None), ("李娜", "manager"), ("王总", "admin"), ("赵磊", None)])


def test_reimporting_a_team_list_keeps_an_admin_an_admin_and_makes_a_new_lead_a_manager(store, tmp_path):
    load(store, read_file(write(tmp_path / "roles.csv", "姓名,角色\n王总,admin\n李娜,rep\n", "utf-8")))
    teams = write(tmp_path / "teams.csv", "sales_agent,manager,regional_office\n张伟,王总,华南\n刘洋,李娜,华南\n"
                  "王总,,华南\n李娜,王总,华南\n", "utf-8")
    load(store, read_file(teams))
    assert roles(store) == sorted([("张伟", None), ("刘洋", None), ("王总", "admin"), ("李娜", "manager")])
