"""The fields a file can fill, per table, and the header words (Chinese and English) that name them.

A field is not always a column: ``owner`` holds a person's name or id and becomes ``owner_id``;
``tags`` becomes rows of customer_tags; ``manager`` and ``office`` build the department tree.
Aliases cover the exports of the common CRMs (Chinese SCRMs, Salesforce, HubSpot, Zoho, spreadsheets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kinds: id (the table's key), text, timestamp, date, number, bool, employee (a name or id; new names
# become employees), employee_id (an id that must exist), department (name or id; created when new),
# customer (an existing customer's id or name), tags, stage, status, channel, manager, office,
# role (admin, manager or rep); for targets: period_start (a date, or a month, quarter or year written as
# such), period (month, quarter, year), metric (new_customers, won_customers, revenue, follow_ups), and
# employee / department naming someone already loaded (a target names nobody new).


@dataclass(frozen=True)
class Field:
    key: str
    kind: str
    aliases: tuple[str, ...]
    required: bool = False
    column: str | None = None  # the canonical column it fills, when that is not ``key``

    @property
    def target(self) -> str:
        return self.column or self.key


def _f(key, kind, aliases, required=False, column=None) -> Field:
    return Field(key, kind, tuple(a.strip() for a in aliases.split("|")), required, column)


FIELDS: dict[str, list[Field]] = {
    "customers": [
        _f("customer_id", "id", "客户编号|客户ID|客户编码|客户代码|Customer ID|Account ID|Customer Number|Customer No|Record ID"),
        _f("name", "text", "客户名称|客户|客户名|公司名称|企业名称|单位名称|名称|Customer Name|Customer|Account Name|"
           "Account|Company|Company Name|Organization", required=True),
        _f("owner", "employee", "负责人|客户负责人|归属人|所属销售|销售|销售代表|业务员|跟进人|Owner|Account Owner|"
           "Customer Owner|Sales Agent|Sales Rep|Salesperson|Owner Name|Contact Owner|Company Owner|HubSpot Owner", column="owner_id"),
        _f("owner_id", "employee_id", "负责人ID|负责人编号|负责人工号|Owner ID|Account Owner ID"),
        _f("department", "department", "所属部门|部门|负责人部门|归属部门|Department|Team|Sales Team|Owner Department"),
        _f("created_at", "timestamp", "创建时间|创建日期|录入时间|建档时间|添加时间|Created Date|Create Date|Created Time|"
           "Created At|Date Created|Created On|Create Time|Creation Date"),
        _f("source", "text", "客户来源|来源|线索来源|获客渠道|Lead Source|Source|Original Source|Original Source Type|Channel"),
        _f("category", "text", "客户类型|客户分类|客户级别|客户等级|类型|分类|Category|Type|Account Type|Customer Type|"
           "Customer Category|Rating|Tier"),
        _f("industry", "text", "行业|所属行业|客户行业|Industry|Sector"),
        _f("size", "text", "规模|人员规模|公司规模|企业规模|员工人数|员工数|Employees|Size|Company Size|"
           "Number of Employees|Headcount"),
        _f("country", "text", "国家|国家/地区|国家地区|Country|Country/Region|Billing Country|Office Location"),
        _f("region", "text", "省份|省|所在省份|省/直辖市|省市|地区|所在地区|区域|Province|State|Region|State/Province|"
           "Billing State|Billing State/Province|State/Region|省/市"),
        _f("city", "text", "城市|市|所在城市|City|Billing City"),
        _f("address", "text", "地址|详细地址|公司地址|联系地址|Address|Street|Billing Street|Billing Address"),
        _f("lat", "number", "纬度|Latitude|Lat"),
        _f("lon", "number", "经度|Longitude|Lon|Lng"),
        _f("assigned_at", "timestamp", "分配时间|领取时间|分配日期|转入时间|Assigned Date|Assigned At|Owner Assigned Date"),
        _f("won_at", "timestamp", "成交时间|成交日期|赢单时间|签约时间|首次成交时间|Won Date|Won At|Became Customer Date|"
           "Became a Customer Date|Conversion Date"),
        _f("lost_at", "timestamp", "流失时间|流失日期|丢失时间|Lost Date|Lost At|Churn Date|Churned Date"),
        _f("next_contact_at", "timestamp", "下次联系时间|下次跟进时间|下次联系日期|下次跟进日期|计划跟进时间|Next Contact|"
           "Next Contact Date|Next Follow-up|Next Follow Up Date|Next Activity Date"),
        _f("birthday", "date", "生日|出生日期|Birthday|Birth Date|Date of Birth"),
        _f("pool", "text", "公海|所属公海|公海名称|公海池|Pool|Lead Pool"),
        _f("tags", "tags", "客户标签|标签|Tags|Tag|Labels|Label"),
    ],
    "follow_ups": [
        _f("follow_up_id", "id", "跟进记录编号|跟进记录ID|跟进编号|跟进ID|记录编号|记录ID|Follow-up ID|Activity ID|Task ID|Call ID"),
        _f("customer", "customer", "客户名称|客户|客户编号|客户ID|公司名称|Customer|Customer Name|Customer ID|Account|"
           "Account Name|Account ID|Company|Related To|Regarding", required=True, column="customer_id"),
        _f("employee", "employee", "跟进人|跟进人员|负责人|销售|销售代表|业务员|拜访人|Owner|Assigned To|Sales Agent|"
           "Sales Rep|Activity Owner|Created By|Employee", column="employee_id"),
        _f("contacted_at", "timestamp", "跟进时间|跟进日期|联系时间|联系日期|拜访时间|沟通时间|Date|Activity Date|Contact Date|"
           "Contacted At|Follow-up Date|Call Date|Due Date|Completed Date", required=True),
        _f("channel", "channel", "跟进方式|联系方式|沟通方式|跟进类型|方式|Channel|Type|Activity Type|Contact Method|Method"),
        _f("next_contact_at", "timestamp", "下次联系时间|下次跟进时间|下次联系日期|下次跟进日期|Next Contact|"
           "Next Contact Date|Next Follow-up|Next Follow Up Date"),
        _f("note", "text", "跟进内容|跟进记录|沟通内容|内容|备注|记录|Note|Notes|Description|Comments|Comment|Subject|Summary"),
    ],
    "deals": [
        _f("deal_id", "id", "商机编号|商机ID|机会编号|机会ID|订单编号|Opportunity ID|Deal ID|Opportunity Number|Record ID"),
        _f("customer", "customer", "客户名称|客户|客户编号|客户ID|公司名称|Account|Account Name|Account ID|Customer|"
           "Customer Name|Company|Associated Company", column="customer_id"),
        _f("owner", "employee", "负责人|商机负责人|销售|销售代表|业务员|Owner|Opportunity Owner|Deal Owner|Sales Agent|"
           "Sales Rep|Salesperson", column="owner_id"),
        _f("owner_id", "employee_id", "负责人ID|负责人编号|Owner ID|Opportunity Owner ID"),
        _f("product", "text", "产品|产品名称|意向产品|Product|Product Name|Products"),
        _f("stage", "stage", "销售阶段|商机阶段|阶段|Stage|Deal Stage|Opportunity Stage|Sales Stage", required=True),
        _f("status", "status", "状态|商机状态|赢输状态|Status|Deal Status|Won/Lost"),
        _f("amount", "number", "金额|商机金额|预计金额|成交金额|销售金额|合同金额|Amount|Close Value|Value|Deal Value|"
           "Deal Amount|Opportunity Amount|Revenue Amount"),
        _f("created_at", "timestamp", "创建时间|创建日期|商机创建时间|发现时间|Engage Date|Created Date|Create Date|"
           "Created At|Date Created|Created On|Open Date"),
        _f("expected_close_at", "timestamp", "预计成交日期|预计成交时间|预计签单日期|预计结单日期|Expected Close Date|"
           "Expected Close|Estimated Close Date"),
        _f("closed_at", "timestamp", "成交时间|成交日期|结单时间|关闭时间|关闭日期|赢单时间|签单日期|Close Date|Closed Date|"
           "Closed At|Date Closed|Actual Close Date"),
    ],
    "employees": [
        _f("employee_id", "id", "员工编号|员工ID|工号|用户ID|Employee ID|User ID|Agent ID|Sales Agent ID"),
        _f("name", "text", "姓名|员工姓名|员工|销售|销售代表|业务员|用户名|Sales Agent|Agent|Name|Employee|Employee Name|"
           "Full Name|User|Sales Rep", required=True),
        _f("department", "department", "部门|所属部门|团队|小组|Department|Team|Sales Team|Group", column="department_id"),
        _f("manager", "manager", "上级|主管|经理|直属上级|销售经理|Manager|Reports To|Team Lead|Sales Manager|Supervisor"),
        _f("office", "office", "大区|区域|分公司|办事处|所属区域|Regional Office|Office|Region|Division|Branch"),
        _f("email", "text", "邮箱|电子邮箱|邮件|Email|E-mail|Email Address"),
        _f("active", "bool", "是否在职|在职状态|在职|状态|Active|Status|Is Active|Enabled"),
        _f("role", "role", "角色|权限|职位类型|用户角色|系统角色|权限角色|权限级别|账号类型|Role|User Role|Access|"
           "Access Level|Permission|Permissions|Account Type"),
    ],
    "departments": [
        _f("department_id", "id", "部门编号|部门ID|部门编码|Department ID|Team ID"),
        _f("name", "text", "部门名称|部门|名称|Department|Department Name|Team|Team Name|Name", required=True),
        _f("parent", "department", "上级部门|父部门|所属上级|Parent|Parent Department|Parent ID|Parent Team",
           column="parent_id"),
    ],
    "targets": [
        _f("period_start", "period_start", "周期开始|期间开始|开始日期|起始日期|周期开始日期|目标期间|目标周期|月份|年月|"
           "季度|年度|Period Start|Period Start Date|Start Date|Start|Period Beginning|Month|Quarter|Year", required=True),
        _f("period", "period", "期间|周期|期间类型|周期类型|考核周期|目标类型|Period|Period Type|Granularity|Frequency|"
           "Target Period"),
        _f("employee", "target_employee", "员工|员工姓名|姓名|员工编号|员工ID|工号|销售|销售代表|业务员|负责人|Employee|"
           "Employee ID|Employee Name|Sales Rep|Sales Agent|Salesperson|Owner|Rep", column="employee_id"),
        _f("department", "target_department", "部门|部门名称|部门编号|部门ID|团队|小组|Department|Department ID|"
           "Department Name|Team|Sales Team", column="department_id"),
        _f("metric", "metric", "指标|目标指标|考核指标|指标类型|指标名称|Metric|Measure|KPI|Target Metric|Goal Type",
           required=True),
        _f("target", "number", "目标|目标值|目标数|目标额|目标数值|指标值|Target|Target Value|Goal|Quota", required=True),
    ],
}

#: The order files are loaded in when several come at once: what others refer to comes first.
LOAD_ORDER = ("departments", "employees", "customers", "deals", "follow_ups", "targets")
#: Fields worth more when detecting a table, because other tables seldom have them.
TELLING = {"customer_id", "follow_up_id", "deal_id", "employee_id", "department_id", "stage", "contacted_at",
           "manager", "office", "tags", "region", "industry", "parent", "amount", "note", "period_start", "metric",
           "target"}
CUSTOM = "custom"  # an unmapped customers column: kept as a custom field
IGNORE = "ignore"  # a column left out


def normalise(header: str) -> str:
    """A header reduced to what matters for matching: no case, spaces, punctuation, units or marks."""
    text = re.sub(r"[(（\[【].*?[)）\]】]", "", str(header)).lower()
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", text)


def fields(table: str) -> list[Field]:
    return FIELDS[table]


def field(table: str, key: str) -> Field:
    return next(f for f in FIELDS[table] if f.key == key)


_ALIASES: dict[str, dict[str, str]] = {}
for _table, _fs in FIELDS.items():  # earlier fields win a shared word; a field's own key names it too
    _words = _ALIASES[_table] = {}
    for _fl in _fs:
        for _alias in _fl.aliases + (_fl.key, _fl.target):
            _words.setdefault(normalise(_alias), _fl.key)


def match_header(table: str, header: str) -> str | None:
    """The field a header names in ``table``, or None."""
    return _ALIASES[table].get(normalise(header))
