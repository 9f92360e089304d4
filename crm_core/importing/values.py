"""Turning exported text into typed values, as SQL over the whole column (no Python per row).

Dates: ISO (2024-05-03, 2024-05-03T14:02), slashes and dots (2024/5/3 14:02), Chinese (2024年5月3日
14时02分), day/month/year or month/day/year as the manager states, and Excel serial numbers (45415).
Numbers: thousands separators, currency signs and 万 / 亿. Deal stages: the words of Salesforce, HubSpot,
Zoho and Chinese SCRMs, onto the ordered stages and the open / won / lost status.
"""

from __future__ import annotations

from ..schema import DEFAULT_DEAL_STAGES


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def clean(col: str) -> str:
    """The cell without surrounding spaces, NULL when blank."""
    return f"NULLIF(trim({col}), '')"


_YMD = ["%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y.%m.%d",
        "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y年%m月%d日 %H时%M分", "%Y年%m月%d日",
        "%Y年%m月", "%Y%m%d"]
_DMY = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d-%m-%Y"]
_MDY = ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%m-%d-%Y"]


def timestamp(x: str, day_first: bool = False) -> str:
    """SQL for a cleaned text value ``x`` read as a TIMESTAMP, NULL when it is no date."""
    formats = _YMD + (_DMY if day_first else _MDY)
    fmt = "[" + ", ".join(lit(f) for f in formats) + "]"
    serial = (f"CASE WHEN regexp_full_match({x}, '[1-9][0-9]{{4}}(\\.[0-9]+)?') "
              f"AND TRY_CAST({x} AS DOUBLE) BETWEEN 20000 AND 80000 THEN TIMESTAMP '1899-12-30' "
              f"+ to_microseconds(CAST(round(TRY_CAST({x} AS DOUBLE) * 86400e6) AS BIGINT)) END")
    iso = f"CASE WHEN substr({x}, 5, 1) IN ('-', '/') THEN TRY_CAST({x} AS TIMESTAMP) END"  # year first
    return f"COALESCE({iso}, try_strptime({x}, {fmt}), {serial})"


def number(x: str) -> str:
    """SQL for a cleaned text value read as a DOUBLE: '¥1,200.50', '$3,000', '1.2万', '(500)'."""
    bare = f"regexp_replace({x}, '[,，\\s¥￥$€£元]|RMB|CNY|USD', '', 'g')"
    scale = (f"CASE WHEN suffix({bare}, '亿') THEN 1e8 WHEN suffix({bare}, '万') THEN 1e4 "
             f"WHEN suffix(lower({bare}), 'k') THEN 1e3 ELSE 1 END")
    digits = f"regexp_replace({bare}, '[万亿kK]$', '')"
    neg = f"regexp_full_match({digits}, '\\(.*\\)')"
    value = f"TRY_CAST(trim({digits}, '()') AS DOUBLE)"
    return f"(CASE WHEN {neg} THEN -1 ELSE 1 END * {value} * {scale})"


_TRUE = ("1", "true", "yes", "y", "是", "在职", "启用", "正常", "active", "enabled", "t")
_FALSE = ("0", "false", "no", "n", "否", "离职", "停用", "禁用", "inactive", "disabled", "f", "已离职")


def boolean(x: str) -> str:
    return (f"CASE WHEN lower({x}) IN ({', '.join(map(lit, _TRUE))}) THEN TRUE "
            f"WHEN lower({x}) IN ({', '.join(map(lit, _FALSE))}) THEN FALSE END")


# Stage words, normalised (lower case, no spaces or punctuation) -> (stage or None, status).
STAGE_WORDS: dict[str, tuple[str | None, str]] = {}


def _stages(words: str, stage: str | None, status: str) -> None:
    for w in words.split("|"):
        STAGE_WORDS[_word(w)] = (stage, status)


def _word(text: str) -> str:
    import re

    return re.sub(r"[\s\-_/.:：,()（）]", "", text.lower())


_stages("lead|prospecting|prospect|new|open|appointment scheduled|初步接洽|初步沟通|初次接触|线索|潜在|"
        "验证客户|新建|接洽|意向客户|attempted to contact|connected", "lead", "open")
_stages("qualified|qualification|engaging|discovery|needs analysis|qualified to buy|需求确定|需求确认|需求分析|确认需求|有意向|"
        "意向明确|value proposition|id decision makers|perception analysis|presentation scheduled", "qualified", "open")
_stages("proposal|proposal/price quote|proposal price quote|quote|方案报价|方案|报价|方案制定|提交方案|"
        "decision maker bought in|contract sent|proposal sent|demo", "proposal", "open")
_stages("negotiation|negotiation/review|negotiation review|谈判|商务谈判|谈判审核|合同谈判|谈判中|签约中|"
        "review|commit|closing", "negotiation", "open")
_stages("won|closed won|closedwon|赢单|成交|已成交|签约|已签约|赢得|win|deal won|closed - won", "won", "won")
_stages("lost|closed lost|closedlost|输单|丢单|失败|已输单|无效|closed - lost|dead|deal lost|"
        "disqualified", None, "lost")

STATUS_WORDS = {_word(w): s for s, ws in {
    "open": "open|进行中|跟进中|未成交|active|in progress|pending",
    "won": "won|赢单|成交|已成交|赢|closed won|win",
    "lost": "lost|输单|丢单|失败|已输单|closed lost|lose",
}.items() for w in ws.split("|")}

CHANNEL_WORDS = {_word(w): c for c, ws in {
    "phone": "电话|打电话|电话沟通|电话拜访|phone|call|phone call|calls|telephone",
    "wechat": "微信|企业微信|企微|wechat|weixin",
    "visit": "拜访|上门拜访|上门|面谈|当面|visit|meeting|in person|onsite",
    "email": "邮件|电子邮件|邮箱|email|e-mail|mail",
    "sms": "短信|sms|text|text message",
}.items() for w in ws.split("|")}


ROLE_WORDS = {_word(w): r for r, ws in {
    "admin": "admin|administrator|super admin|superadmin|sysadmin|管理员|超级管理员|系统管理员",
    "manager": "manager|team lead|team leader|lead|supervisor|director|sales manager|经理|主管|总监|销售经理|"
               "销售主管|销售总监|部门经理|团队负责人|组长",
    "rep": "rep|sales rep|sales representative|salesperson|sales|agent|sales agent|member|user|销售|业务员|"
           "销售代表|普通用户|普通员工|员工|成员",
}.items() for w in ws.split("|")}
ROLE_HINT = ("use admin, manager or rep (管理员 / 超级管理员 / administrator; 经理 / 主管 / 总监 / team lead; "
             "销售 / 业务员 / 销售代表 / sales rep / member), or leave it empty for rep")


def word_key(x: str) -> str:
    """SQL giving the same normalised form of a word as ``_word`` does in Python."""
    return f"regexp_replace(lower({x}), '[\\s\\-_/.:：,()（）]', '', 'g')"


def stage_order() -> tuple[str, ...]:
    return DEFAULT_DEAL_STAGES


# -- targets ---------------------------------------------------------------------------------------
TARGET_PERIODS = ("month", "quarter", "year")
PERIOD_WORDS = {_word(w): p for p, ws in {
    "month": "month|monthly|months|mo|m|月|月度|按月|每月|月份",
    "quarter": "quarter|quarterly|quarters|qtr|q|季|季度|按季|按季度|每季|每季度",
    "year": "year|yearly|annual|annually|years|fy|y|年|年度|按年|每年|全年",
}.items() for w in ws.split("|")}
PERIOD_HINT = "use month, quarter or year (月 / 季度 / 年, 月度 / 年度)"

METRIC_WORDS = {_word(w): m for m, ws in {
    "new_customers": "new_customers|new customers|new customer|new accounts|new|新增客户|新增客户数|新客户|新客户数|新增|"
                     "新建客户|新增客户数量",
    "won_customers": "won_customers|won customers|won customer|customers won|won|wins|成交客户|成交客户数|成交客户数量|"
                     "赢单客户|签约客户|新签客户|成交数",
    "revenue": "revenue|sales|sales amount|won revenue|bookings|amount|成交金额|成交额|销售额|销售金额|业绩|业绩金额|营收|"
               "收入|签约金额|合同金额|金额",
    "follow_ups": "follow_ups|follow-ups|follow ups|followups|follow up|activities|contacts|跟进次数|跟进|跟进数|跟进量|"
                  "跟进数量|跟进记录",
}.items() for w in ws.split("|")}
METRIC_HINT = ("use new_customers, won_customers, revenue or follow_ups (新增客户 / 成交客户 / 成交金额 / 跟进次数; "
               "new customers / won customers / revenue / follow-ups)")

# A period start written as the period itself: (pattern, period, year group, month or quarter group).
_PERIOD_FORMS = [
    (r"(\d{4})\s*(年度?|年份)?", "year", 1, None),
    (r"(\d{4})\s*(年度?)?\s*[-/.\s]?\s*[Qq]\s*([1-4])", "quarter", 1, 3),
    (r"[Qq]\s*([1-4])\s*[-/.\s,]?\s*(\d{4})", "quarter", 2, 1),
    (r"(\d{4})\s*(年度?)?\s*(第\s*)?([1-4一二三四])\s*季度?", "quarter", 1, 4),
    (r"(\d{4})\s*[-/.]\s*(\d{1,2})", "month", 1, 2),
    (r"(\d{4})\s*年\s*(\d{1,2})\s*月份?", "month", 1, 2),
    (r"(\d{4})(\d{2})", "month", 1, 2),
]


def period_form(x: str, day_first: bool = False) -> tuple[str, str]:
    """SQL for a cleaned period start ``x``: (its first day, the period its form names or NULL). A month, quarter
    or year written as such (2024-05, 2024年5月, 2024Q2, 2024年第二季度, Q2 2024, 2024, 2024年) gives its first day
    and its period; any date (2024-05-15, 2024/5/15) gives that day and no period."""
    days, periods = [], []
    for pattern, period, y, n in _PERIOD_FORMS:
        match = f"regexp_full_match({x}, {lit(pattern)})"
        year = f"TRY_CAST(regexp_extract({x}, {lit(pattern)}, {y}) AS INTEGER)"
        if period == "year":
            first = f"CASE WHEN {year} >= 1 THEN make_date({year}, 1, 1) END"
        else:
            part = f"TRY_CAST(translate(regexp_extract({x}, {lit(pattern)}, {n}), '一二三四', '1234') AS INTEGER)"
            month = f"({part} * 3 - 2)" if period == "quarter" else part
            first = f"CASE WHEN {year} >= 1 AND {month} BETWEEN 1 AND 12 THEN make_date({year}, {month}, 1) END"
        days.append(f"WHEN {match} THEN {first}")
        periods.append(f"WHEN {match} THEN '{period}'")
    day = f"(CASE {' '.join(days)} ELSE CAST({timestamp(x, day_first)} AS DATE) END)"
    return day, f"(CASE {' '.join(periods)} END)"
