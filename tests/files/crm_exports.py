"""Exports as managers get them from their CRMs, written in the encodings and layouts those CRMs use.

Each function writes one file into a folder and returns its path. The content is small and fixed, so
tests can state exactly what the database must hold afterwards. ``python tests/files/crm_exports.py DIR``
writes them all (data/samples/ holds a copy for managers to try).
"""

from __future__ import annotations

import codecs
import datetime as dt
import sys
from pathlib import Path

# A Chinese SCRM's customer list: GBK, CRLF, Chinese headers, dates in three forms, tags with 、 and ;
SCRM_CUSTOMERS = [
    ["客户编号", "客户名称", "负责人", "所属部门", "创建时间", "省份", "城市", "客户来源", "客户级别", "客户标签", "下次联系时间", "成交时间", "公司规模"],
    ["KH001", "深圳华信科技有限公司", "张伟", "华南大区", "2024-05-03 09:30", "广东", "深圳", "官网咨询", "重点客户", "制造业、老客户", "2024/6/1", "2024年5月20日", "50-199人"],
    ["KH002", "北京瑞泰商贸有限公司", "李娜", "华北大区", "2024/5/3 14:02", "北京", "", "展会", "普通客户", "VIP;展会客户", "", "", "1-49人"],
    ["KH003", "成都鼎盛餐饮管理有限公司", "张伟", "华南大区", "2024年5月18日", "", "成都", "客户转介绍", "潜在客户", "", "2024-06-10", "", ""],
    ["KH004", "杭州云帆网络科技有限公司", "王芳", "华东大区", "2024-06-02", "浙江省", "杭州市", "百度推广", "重点客户", "互联网、高意向、互联网", "", "2024-06-28", "200-999人"],
]


def write_text(path: Path, rows: list[list[str]], encoding: str, delimiter: str = ",", newline: str = "\r\n",
               bom: bytes = b"") -> Path:
    """Rows as delimited text; values with a delimiter, quote or line break are quoted."""
    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in (delimiter, '"', "\n")) else v
    text = newline.join(delimiter.join(cell(str(v)) for v in row) for row in rows) + newline
    path.write_bytes(bom + text.encode(encoding))
    return path


def scrm_customers_gbk(folder: Path) -> Path:
    """客户列表.csv as a Chinese SCRM exports it: GBK with CRLF line ends."""
    return write_text(folder / "客户列表.csv", SCRM_CUSTOMERS, "gbk")


# Follow-up log, saved by Excel as "CSV UTF-8": a BOM, and a note with a line break and a comma in it.
FOLLOW_UPS = [
    ["客户名称", "跟进人", "跟进时间", "跟进方式", "跟进内容", "下次联系时间"],
    ["深圳华信科技有限公司", "张伟", "2024-05-06 10:00", "电话", "电话沟通需求，客户有采购意向", "2024-05-13"],
    ["深圳华信科技有限公司", "张伟", "2024/5/13 15:30", "上门拜访", "演示系统功能\n客户满意，准备报价", ""],
    ["北京瑞泰商贸有限公司", "李娜", "2024年5月8日", "微信", "发送产品资料", "2024-05-20"],
    ["KH003", "赵磊", "2024-05-20", "邮件", "发送报价单", ""],
]


def follow_ups_utf8_bom(folder: Path) -> Path:
    return write_text(folder / "跟进记录.csv", FOLLOW_UPS, "utf-8", bom=codecs.BOM_UTF8)


# Opportunities from a Chinese SCRM, saved by Excel as "Unicode text": UTF-16 with BOM, tab separated.
SCRM_DEALS = [
    ["商机编号", "客户名称", "负责人", "产品", "销售阶段", "商机金额", "创建时间", "预计成交日期", "成交时间"],
    ["SJ01", "深圳华信科技有限公司", "张伟", "CRM旗舰版", "赢单", "¥128,000.00", "2024-05-06", "2024-05-31", "2024-05-20"],
    ["SJ02", "北京瑞泰商贸有限公司", "李娜", "CRM标准版", "方案报价", "36,000", "2024-05-08", "2024-07-15", ""],
    ["SJ03", "杭州云帆网络科技有限公司", "王芳", "CRM旗舰版", "输单", "0", "2024-06-03", "", "2024-06-20"],
    ["SJ04", "", "王芳", "数据服务", "初步接洽", "", "2024-06-10", "", ""],
    ["SJ05", "杭州云帆网络科技有限公司", "王芳", "数据服务", "谈判", "5.5万", "2024-06-05", "2024-07-01", ""],
]


def scrm_deals_utf16(folder: Path) -> Path:
    return write_text(folder / "商机.txt", SCRM_DEALS, "utf-16-le", delimiter="\t", bom=codecs.BOM_UTF16_LE)


# An English CRM's company list as .xlsx: a title line above the header, real date cells and a serial.
XLSX_TITLE = "Companies export (generated 2024-07-01)"
XLSX_COMPANIES = [
    ["Record ID", "Company name", "Company owner", "Create Date", "State/Region", "City", "Lead Source", "Industry", "Annual Revenue"],
    ["H-1", "Northwind Trading LLC", "Anna Smith", dt.datetime(2024, 3, 4, 9, 15), "California", "San Francisco", "Trade show", "Retail", 1200000],
    ["H-2", "Contoso Robotics Inc.", "Ben Ortiz", dt.date(2024, 3, 5), "Texas", "Austin", "Website", "Manufacturing", 350000.5],
    ["H-3", "Globex Foods GmbH", "Anna Smith", 45390, "", "", "Referral", "Food", None],
]


def companies_xlsx(folder: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Companies"
    sheet.append([XLSX_TITLE])
    for row in XLSX_COMPANIES:
        sheet.append(row)
    path = folder / "companies.xlsx"
    book.save(path)
    return path


# An English opportunity pipeline (one deal per row) with its team list and its accounts, as CSV.
SALES_TEAMS = [
    ["sales_agent", "manager", "regional_office"],
    ["Anna Smith", "Dustin Brinkmann", "Central"],
    ["Ben Ortiz", "Dustin Brinkmann", "Central"],
    ["Cara Losch", "Melvin Marxen", "West"],
]
ACCOUNTS = [
    ["account", "sector", "year_established", "revenue", "employees", "office_location", "subsidiary_of"],
    ["Acme Corporation", "technolgy", "1996", "1100.04", "2822", "United States", ""],
    ["Betasoloin", "medical", "1999", "251.41", "495", "United States", ""],
    ["Cheers", "entertainment", "1993", "4269.9", "6472", "United States", "Massive Dynamic"],
]
PIPELINE = [
    ["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date", "close_date", "close_value"],
    ["1C1I7A6R", "Anna Smith", "GTX Plus Basic", "Cheers", "Won", "2016-10-20", "2017-03-01", "1054"],
    ["Z063OYW0", "Ben Ortiz", "GTXPro", "Acme Corporation", "Won", "2016-10-25", "2017-03-11", "4514"],
    ["EC4QE1BX", "Cara Losch", "MG Special", "Cheers", "Lost", "2016-10-25", "2017-03-07", "0"],
    ["MV1LWRNH", "Anna Smith", "GTX Pro", "Betasoloin", "Engaging", "2017-02-01", "", ""],
    ["PE84CX4O", "Cara Losch", "GTXPro", "", "Prospecting", "", "", ""],
]


def pipeline_files(folder: Path) -> dict[str, Path]:
    """sales_teams.csv, accounts.csv and sales_pipeline.csv (UTF-8, LF), the order to import them in."""
    return {"teams": write_text(folder / "sales_teams.csv", SALES_TEAMS, "utf-8", newline="\n"),
            "accounts": write_text(folder / "accounts.csv", ACCOUNTS, "utf-8", newline="\n"),
            "pipeline": write_text(folder / "sales_pipeline.csv", PIPELINE, "utf-8", newline="\n")}


# Targets for the SCRM's people (after 客户列表.csv): GBK, Chinese headers, employees and departments by name, the
# period start as a date, a date inside its month, a month, a quarter and a year, period and metric words in Chinese.
TARGETS = [
    ["周期开始", "期间", "员工", "部门", "指标", "目标"],
    ["2024-05-01", "月", "张伟", "", "新增客户", "3"],
    ["2024-05-01", "月", "张伟", "", "成交金额", "100,000"],
    ["2024-05-15", "月度", "李娜", "", "跟进次数", "5"],
    ["2024-06", "月", "王芳", "", "成交客户", "1"],
    ["2024Q2", "季度", "", "华南大区", "成交金额", "20万"],
    ["2024", "年度", "", "华东大区", "新增客户", "12"],
]


def targets_gbk(folder: Path) -> Path:
    """业绩目标.csv: the targets above, GBK with CRLF line ends."""
    return write_text(folder / "业绩目标.csv", TARGETS, "gbk")


# The same kind of file from an English spreadsheet, as .xlsx: real date cells, ids, a number cell.
TARGETS_XLSX = [
    ["Period Start", "Period", "Employee", "Department", "Metric", "Target"],
    [dt.date(2024, 5, 1), "Month", "E1", None, "Revenue", 50000],
    [dt.datetime(2024, 4, 1), "quarter", None, "D-SOUTH", "won customers", 4],
    ["2024-06-01", "monthly", "Li Na", None, "follow-ups", 12],
    [dt.date(2024, 1, 1), "Year", None, "D-SOUTH", "New Customers", 0],
]


def targets_xlsx(folder: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Targets"
    for row in TARGETS_XLSX:
        sheet.append(row)
    path = folder / "targets.xlsx"
    book.save(path)
    return path


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [scrm_customers_gbk(folder), follow_ups_utf8_bom(folder), scrm_deals_utf16(folder),
            companies_xlsx(folder), *pipeline_files(folder).values(), targets_gbk(folder)]


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "data/samples")):
        print(p)
