"""How customers behave: how often the team contacts them, who buys again, behavioural clusters, and what
churned customers had in common against those who stayed (page-internal reports, ``cli=False``).

Customers are those in scope (by owner); their purchases are as crm_core.metrics.sales defines them (won
deals by anyone the viewer sees, or won_at alone at 0), and "their follow-ups" and surveys are those of
anyone the viewer may see. E, the day an as-of report is taken on, is the range's end (open: the span of
the dates it counts). Days are calendar days; "the N days up to D" are D-N+1 .. D, both included.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from ..filters import in_range, on_or_before
from ..periods import as_dates, bucket, periods_between
from ..reports import report
from .common import bucket_range, last_in
from .distributions import NONE, clean
from .sales import _as_of, purchases

NOTHING = ibis.literal(False)


def _customers(scope, ids: ir.Column) -> ir.Table:
    c = scope.visible("customers")
    return c.filter(c.customer_id.isin(ids))


# -- contact frequency -------------------------------------------------------------------------------------
FREQUENCY_COLUMNS = ["period", "channel", "follow_ups", "customers", "contacts_per_customer"]


def _channel(col: ir.StringValue) -> ir.StringValue:
    return ibis.coalesce(clean(col), NONE)


def _contact_frequency_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """The customers contacted (follow-ups in scope) in the row's period by the row's channel."""
    fu = scope.follow_ups
    channel = row.get("channel")
    if channel is None or pd.isna(channel):
        return _customers(scope, fu.filter(NOTHING).customer_id)
    fu = fu.filter(in_range(fu.contacted_at, *bucket_range(scope, row["period"])), _channel(fu.channel) == channel)
    return _customers(scope, fu.customer_id)


@report("contact-frequency", cli=False, columns=FREQUENCY_COLUMNS, drill=_contact_frequency_drill)
def contact_frequency(scope) -> pd.DataFrame:
    """Per period and channel ("(none)" when empty): follow_ups (follow-ups in scope in the part of the period
    inside the range), customers (distinct customers they were with) and contacts_per_customer = follow_ups /
    customers (empty when 0). Every channel with a follow-up in the range appears on every period, 0 where it
    had none; a range without follow-ups gives one row per period with an empty channel. Sorted by period, then
    channel ("(none)" last). Columns: period, channel, follow_ups, customers, contacts_per_customer."""
    rng = scope.date_range([("follow_ups", "contacted_at")])
    if rng is None:
        return pd.DataFrame({"period": [], "channel": pd.Series(dtype=object), "follow_ups": pd.Series(dtype="int64"),
                             "customers": pd.Series(dtype="int64"), "contacts_per_customer": pd.Series(dtype="float64")})
    period = scope.filters.period
    kept = scope.next_contacts(per_channel=True)
    if kept is not None:  # customers: each one's last follow-up of the period by the channel (common.last_in)
        fu, level = kept
        fu = fu.filter(in_range(fu.contacted_at, *rng))
        channel, customers = fu.channel, last_in(fu, level, rng[1], period).sum()
    else:
        fu = scope.follow_ups
        fu = fu.filter(in_range(fu.contacted_at, *rng))
        channel, customers = _channel(fu.channel), fu.customer_id.nunique()
    got = scope.run(fu.group_by(period=bucket(fu.contacted_at, period), channel=channel)
                    .aggregate(follow_ups=fu.count(), customers=customers))
    got["period"] = as_dates(got["period"])
    channels = sorted(set(got["channel"]), key=lambda v: (v == NONE, v)) or [None]
    grid = pd.MultiIndex.from_product([periods_between(*rng, scope.filters.period), channels],
                                      names=["period", "channel"]).to_frame(index=False)
    out = grid.merge(got, on=["period", "channel"], how="left")
    out["channel"] = out["channel"].astype(object).where(out["channel"].notna(), None)
    out = out.astype({"follow_ups": "float64", "customers": "float64"}).fillna({"follow_ups": 0, "customers": 0})
    out = out.astype({"follow_ups": "int64", "customers": "int64"})
    out["contacts_per_customer"] = (out.follow_ups / out.customers).where(out.customers > 0).astype("float64")
    return out[FREQUENCY_COLUMNS]


# -- purchases per customer as of E ----------------------------------------------------------------------------
def purchases_as_of(scope, end: dt.date) -> ir.Table:
    """The purchases on or before ``end`` of the customers in scope."""
    p = purchases(scope)
    return scope.of_customers(p.filter(on_or_before(p.at, end)))


def bought(scope, end: dt.date) -> ir.Table:
    """Per customer in scope with a purchase as of ``end``: customer_id, last_day (of the latest purchase),
    purchases (how many) and revenue (their amounts, summed exactly to the millionth: see ``exact_mean``)."""
    p = purchases_as_of(scope, end)
    return p.group_by("customer_id").aggregate(last_day=p.at.max().date(), purchases=p.count(),
                                                revenue=p.amount.cast("decimal(38, 6)").sum().cast("float64"))


def exact_mean(col: ir.NumericValue) -> ir.FloatingScalar:
    """The mean of ``col``, each value rounded to 12 decimals and summed exactly (as a decimal): a sum of
    floating-point numbers run in parallel may differ in its last digit from run to run, and the clusters must
    not (same data, same output)."""
    return col.cast("decimal(38, 12)").mean().cast("float64")


# -- repurchase --------------------------------------------------------------------------------------------
def _purchase_counts(scope, end: dt.date) -> ir.Table:
    """Per customer in scope with a purchase as of ``end``: customer_id, purchases (``bought`` without the
    last day and the revenue, which repurchase does not read)."""
    p = purchases_as_of(scope, end)
    return p.group_by("customer_id").aggregate(purchases=p.count())


def _repurchase_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """The repeat buyers (column repeat_buyers), else every buyer as of E."""
    end = _as_of(scope)
    if end is None:
        return scope.customers.filter(NOTHING)
    b = _purchase_counts(scope, end)
    if column == "repeat_buyers":
        b = b.filter(b.purchases >= 2)
    c = scope.customers
    return c.filter(c.customer_id.isin(b.customer_id))


@report("repurchase", cli=False, columns=["buyers", "repeat_buyers", "repurchase_rate"], drill=_repurchase_drill)
def repurchase(scope) -> pd.DataFrame:
    """As of E (the range's end), over the customers in scope: buyers (a purchase as of E), repeat_buyers (2+
    purchases as of E; two on one day are two) and repurchase_rate = repeat_buyers / buyers (empty when no
    buyer). One row. Columns: buyers, repeat_buyers, repurchase_rate."""
    end = _as_of(scope)
    buyers = repeat = 0
    if end is not None:
        b = _purchase_counts(scope, end)
        row = scope.run(b.aggregate(buyers=b.count(), repeat_buyers=(b.purchases >= 2).sum())).iloc[0]
        buyers, repeat = int(row.buyers), int(0 if pd.isna(row.repeat_buyers) else row.repeat_buyers)
    return pd.DataFrame({"buyers": [buyers], "repeat_buyers": [repeat],
                         "repurchase_rate": [repeat / buyers if buyers else float("nan")]}).astype(
        {"buyers": "int64", "repeat_buyers": "int64", "repurchase_rate": "float64"})


# -- behavioural clusters ------------------------------------------------------------------------------------
FEATURES = ("recency_days", "purchases", "revenue", "contact_every_days")
CLUSTER_COLUMNS = ["cluster", "customers", *FEATURES, "description"]
CLUSTERS = 4
SAMPLE_SIZE = 20_000
CONTACT_DAYS = 365
# The description's vocabulary: per feature, the word for a cluster below all buyers' average and above it.
WORDS = {
    "recency_days": ("recent", "lapsing"),
    "purchases": ("rare", "frequent"),
    "revenue": ("low_value", "high_value"),
    "contact_every_days": ("contacted_often", "contacted_seldom"),
}
TYPICAL = "typical"  # a cluster no feature sets apart (e.g. the only cluster of a few identical buyers)
SEPARATOR = " "  # between the words of a description (keys never hold a space)
DESCRIBED, THIRD_WORD = 0.1, 0.5  # deviations (in standard deviations): the least described; the least for a third word


def features(scope, end: dt.date, buyers: ir.Table | None = None) -> ir.Table:
    """Per customer in scope with a purchase as of ``end`` (or per row of ``buyers``, a ``bought`` table):
    customer_id, recency_days (end minus the latest purchase's day), purchases, revenue (their amounts as of
    end) and contact_every_days = 365 / max(their follow-ups, by anyone the viewer sees, on the 365 days up to
    end (end-364 .. end), 1)."""
    b = bought(scope, end) if buyers is None else buyers
    fu = scope.visible("follow_ups")
    fu = fu.filter(in_range(fu.contacted_at, end - dt.timedelta(days=CONTACT_DAYS - 1), end),
                   fu.customer_id.isin(b.customer_id))
    n = fu.group_by(contacted_id=fu.customer_id).aggregate(contacts=fu.count())
    j = b.left_join(n, b.customer_id == n.contacted_id)
    return j.select("customer_id", recency_days=ibis.date(end).delta(j.last_day, unit="day"), purchases=j.purchases,
                    revenue=j.revenue,
                    contact_every_days=CONTACT_DAYS / ibis.greatest(ibis.coalesce(j.contacts, 0), 1).cast("float64"))


def _log(col: ir.NumericValue) -> ir.FloatingValue:
    """log1p of a feature (a negative value, e.g. of refunds, as 0)."""
    return (ibis.greatest(col.cast("float64"), 0.0) + 1.0).ln()


class Model:
    """The clustering fitted on a sample: E, the standardisation (mean and scale of each log1p feature over the
    sample; a constant feature's scale is 1) and the centroids in the standardised space."""

    def __init__(self, end: dt.date, mean, scale, centroids):
        self.end, self.mean, self.scale = end, tuple(map(float, mean)), tuple(map(float, scale))
        self.centroids = tuple(tuple(map(float, c)) for c in centroids)


def _sample(scope, end: dt.date) -> pd.DataFrame:
    """The log1p features of every k-th buyer by customer_id (the 1st, the k+1-th, ...; k = ceil(buyers /
    20,000)), in one statement."""
    b = bought(scope, end)
    b = b.mutate(i=ibis.row_number().over(ibis.window(order_by=b.customer_id)), n=b.count().over(ibis.window()))
    b = b.filter(b.i % ((b.n + SAMPLE_SIZE - 1) // SAMPLE_SIZE) == 0).drop("i", "n")
    f = features(scope, end, b)
    return scope.run(f.select("customer_id", *[_log(f[name]).name(name) for name in FEATURES]).order_by("customer_id"))


def fit(scope) -> Model | None:
    """The model for the scope (see behaviour_clusters); None without buyers."""
    end = _as_of(scope)
    if end is None:
        return None
    x = _sample(scope, end)[list(FEATURES)].to_numpy(dtype="float64")
    if not len(x):
        return None
    from sklearn.cluster import KMeans  # imported when first used: the CLI does not need it
    from threadpoolctl import threadpool_limits

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    k = min(CLUSTERS, len(np.unique(z, axis=0)))
    # One thread: on 20,000 points it takes ~0.15 s, while OpenMP threads competing with the database's
    # (or on a 2-core container) made it seconds; and the result cannot depend on the thread count.
    with threadpool_limits(limits=1):
        km = KMeans(n_clusters=k, random_state=0, n_init=10).fit(z)
    return Model(end, mean, scale, km.cluster_centers_)


def assigned(scope, model: Model) -> ir.Table:
    """Every buyer's features with its standardised ones (z_*) and k, the index of its nearest centroid
    (squared Euclidean distance; a tie goes to the lower index), computed in the query."""
    f = features(scope, model.end)
    f = f.mutate(**{f"z_{name}": (_log(f[name]) - m) / s for name, m, s in zip(FEATURES, model.mean, model.scale)})
    d = [sum(((f[f"z_{name}"] - c) ** 2 for name, c in zip(FEATURES, centre)), ibis.literal(0.0))
         for centre in model.centroids]
    f = f.mutate(**{f"d_{i}": di for i, di in enumerate(d)})
    d = [f[f"d_{i}"] for i in range(len(d))]
    if len(d) == 1:
        nearest = ibis.literal(0)
    else:  # the first centroid at the least distance
        least = ibis.least(*d)
        nearest = ibis.cases(*[(d[i] == least, i) for i in range(len(d) - 1)], else_=len(d) - 1)
    return f.select(*[c for c in f.columns if not c.startswith("d_")], k=nearest.cast("int64"))


def _cluster_stats(scope, model: Model) -> pd.DataFrame:
    """Per centroid k, in one statement: cluster (1.. by mean revenue, highest first; ties by k), customers,
    the mean of each feature and of each standardised one."""
    a = assigned(scope, model)
    got = scope.run(a.group_by("k").aggregate(customers=a.count(), **{name: exact_mean(a[name]) for name in FEATURES},
                                              **{f"z_{name}": exact_mean(a[f"z_{name}"]) for name in FEATURES}))
    got = got.sort_values(["revenue", "k"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return got.assign(cluster=range(1, len(got) + 1))


def describe(deviations: dict[str, float]) -> str:
    """The words of the features that deviate most from all buyers' average (``deviations``: feature ->
    cluster mean minus all buyers' mean, in standard deviations): the two largest, a third when it is at least
    0.5, none under 0.1; "typical" when none is left. Joined by a space."""
    ranked = sorted(FEATURES, key=lambda name: -abs(deviations[name]))  # stable: ties in FEATURES' order
    words = [WORDS[name][int(deviations[name] > 0)] for i, name in enumerate(ranked[:3])
             if abs(deviations[name]) >= (THIRD_WORD if i == 2 else DESCRIBED)]
    return SEPARATOR.join(words) or TYPICAL


def _empty_clusters() -> pd.DataFrame:
    return pd.DataFrame({"cluster": pd.Series(dtype="int64"), "customers": pd.Series(dtype="int64"),
                         **{name: pd.Series(dtype="float64") for name in FEATURES},
                         "description": pd.Series(dtype=object)})


def _cluster_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """The customers of the row's cluster, with their features."""
    model = fit(scope)
    stats = _cluster_stats(scope, model) if model is not None else pd.DataFrame({"cluster": [], "k": []})
    k = stats.loc[stats.cluster == row.get("cluster"), "k"]
    c = scope.customers
    if k.empty:
        return c.filter(NOTHING)
    a = assigned(scope, model)
    a = a.filter(a.k == int(k.iloc[0])).select("customer_id", *FEATURES)
    return c.inner_join(a, c.customer_id == a.customer_id)


@report("behaviour-clusters", cli=False, columns=CLUSTER_COLUMNS, drill=_cluster_drill)
def behaviour_clusters(scope) -> pd.DataFrame:
    """Behavioural clusters (k-means, 4 clusters) of the customers in scope with a purchase as of E (the range's
    end), on four features: recency_days (E minus the latest purchase's day), purchases (how many as of E),
    revenue (their amounts as of E) and contact_every_days = 365 / max(N, 1), N being the customer's follow-ups
    (by anyone the viewer sees) dated on the 365 days E-364 .. E.

    Each feature is taken as log1p (a negative value as 0) and standardised (z-score: mean and population
    standard deviation over the fitting sample; a constant feature is divided by 1). KMeans(n_clusters=4,
    random_state=0, n_init=10) is fitted on a sample, every k-th buyer by customer_id (the 1st, the k+1-th,
    ...) with k = ceil(buyers / 20,000); then every buyer goes to its nearest centroid (ties to the lower one)
    in the query, which also averages (exactly: see ``exact_mean``). Fewer than 4 distinct buyers: as many
    clusters as distinct points; no buyer: no row.

    Clusters are numbered 1.. by mean revenue, highest first. Per cluster: customers, the mean of each raw
    feature, and description: the words (WORDS; e.g. "recent high_value") of the features on which the
    cluster's mean standardised value deviates most from all buyers' mean of it (see ``describe``).
    Columns: cluster, customers, recency_days, purchases, revenue, contact_every_days, description."""
    model = fit(scope)
    if model is None:
        return _empty_clusters()
    stats = _cluster_stats(scope, model)
    weights = stats.customers / stats.customers.sum()
    overall = {name: float((stats[f"z_{name}"] * weights).sum()) for name in FEATURES}
    stats["description"] = [describe({name: row[f"z_{name}"] - overall[name] for name in FEATURES})
                            for _, row in stats.iterrows()]
    return stats.astype({"cluster": "int64", "customers": "int64", **{name: "float64" for name in FEATURES}})[
        CLUSTER_COLUMNS]


# -- churned against stayed ------------------------------------------------------------------------------------
GROUPS = ("churned", "stayed")
ASPECTS = {"industry": "industry", "source": "source", "owner": "owner_id", "size": "size"}  # aspect: column
PROFILE_COLUMNS = ["aspect", "value", "churned", "stayed", "churned_share", "stayed_share"]
RHYTHM_COLUMNS = ["group", "customers", "follow_ups", "contact_every_days", "responses", "nps"]
RHYTHM_DAYS = 90


def churn_groups(scope) -> ir.Table:
    """The customers in scope that churned in the range (lost_at in it) or stayed (created on or before its
    end E and not lost by E), with group ("churned" / "stayed") and ref_day (lost_at's day for the churned, E
    for those who stayed). The range's open ends: the span of created_at and lost_at."""
    c = scope.customers
    rng = scope.date_range([("customers", "created_at"), ("customers", "lost_at")])
    if rng is None:
        return c.filter(NOTHING).mutate(group=ibis.literal("churned"), ref_day=ibis.null("date"))
    start, end = rng
    churned = c.lost_at.notnull() & in_range(c.lost_at, start, end)
    stayed = on_or_before(c.created_at, end) & (c.lost_at.isnull() | ~on_or_before(c.lost_at, end))
    c = c.mutate(group=ibis.cases((churned, "churned"), (stayed, "stayed"), else_=ibis.null("string")),
                 ref_day=ibis.ifelse(churned, c.lost_at.date(), ibis.date(end)))
    return c.filter(c.group.notnull())


def _aspect_value(c: ir.Table, aspect: str) -> ir.StringValue:
    return ibis.coalesce(clean(c[ASPECTS[aspect]]), NONE)


def _profile_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """The churned customers with the row's value of its aspect (column churned or churned_share), else the
    stayed ones with it."""
    g = churn_groups(scope)
    group = "churned" if column in ("churned", "churned_share") else "stayed"
    if row.get("aspect") not in ASPECTS:
        return g.filter(NOTHING).drop("group", "ref_day")
    return g.filter(g.group == group, _aspect_value(g, row["aspect"]) == str(row["value"])).drop("group", "ref_day")


@report("churn-profile", cli=False, columns=PROFILE_COLUMNS, drill=_profile_drill)
def churn_profile(scope) -> pd.DataFrame:
    """What churned customers had in common against those who stayed (see ``churn_groups``): per aspect
    (industry, source, owner = owner_id, size; "(none)" when missing, e.g. a customer in the pool) and value
    held by any of them: churned and stayed (how many), churned_share (of all churned; empty when none
    churned) and stayed_share (of all who stayed; empty when none). Aspects in that order, then by
    |churned_share - stayed_share| (largest first; an empty share as 0), then value.
    Columns: aspect, value, churned, stayed, churned_share, stayed_share."""
    g = churn_groups(scope)
    g = g.select("group", *ASPECTS.values())  # read four times: only what is needed
    parts = [g.select(aspect=ibis.literal(aspect), value=_aspect_value(g, aspect), group=g.group) for aspect in ASPECTS]
    long = ibis.union(*parts)
    got = scope.run(long.group_by("aspect", "value").aggregate(
        **{name: (long.group == name).sum() for name in GROUPS}))
    if got.empty:
        return pd.DataFrame({"aspect": pd.Series(dtype=object), "value": pd.Series(dtype=object),
                             **{k: pd.Series(dtype="int64") for k in GROUPS},
                             **{f"{k}_share": pd.Series(dtype="float64") for k in GROUPS}})
    got = got.astype({k: "int64" for k in GROUPS})
    for name in GROUPS:
        total = got.groupby("aspect")[name].transform("sum")  # every customer once per aspect
        got[f"{name}_share"] = (got[name] / total).where(total > 0).astype("float64")
    got["_aspect"] = got.aspect.map(list(ASPECTS).index)
    # |churned / all churned - stayed / all stayed| in whole numbers (x all churned x all stayed), so that equal
    # gaps are equal (0.5 - 1/3 and 2/3 - 0.5 differ as floats): an exact tie goes by value.
    churned, stayed = int(got.churned.sum()) // len(ASPECTS), int(got.stayed.sum()) // len(ASPECTS)
    got["_gap"] = -(got.churned * max(stayed, 1) - got.stayed * max(churned, 1)).abs()
    got = got.sort_values(["_aspect", "_gap", "value"], kind="stable")
    return got[PROFILE_COLUMNS].reset_index(drop=True)


def top_differences(profile: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` (aspect, value) rows of a churn-profile frame most over-represented among the churned
    (churned_share - stayed_share, largest first, only where it is positive; ties by aspect and value), with
    that difference as ``gap``: what a sentence such as "42% of churned customers came from 展会, against 9% of
    those who stayed" needs."""
    df = profile.assign(gap=profile.churned_share.fillna(0) - profile.stayed_share.fillna(0))
    df = df[df.gap > 0]
    return df.sort_values(["gap", "aspect", "value"], ascending=[False, True, True], kind="stable").head(n) \
        .reset_index(drop=True)


def _rhythm_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """The customers of the row's group."""
    g = churn_groups(scope)
    return g.filter(g.group == str(row.get("group"))).drop("group", "ref_day")


def _in_window(g: ir.Table, col: ir.TimestampValue) -> ir.BooleanValue:
    """col falls on the 90 days ending on the customer's ref_day (both included)."""
    first = (g.ref_day - ibis.interval(days=RHYTHM_DAYS - 1)).cast("timestamp")
    return (col >= first) & (col < (g.ref_day + ibis.interval(days=1)).cast("timestamp"))


@report("churn-rhythm", cli=False, columns=RHYTHM_COLUMNS, drill=_rhythm_drill)
def churn_rhythm(scope) -> pd.DataFrame:
    """The contact rhythm of the churned and of those who stayed (see ``churn_groups``), each customer over the
    90 days ending on its ref_day (lost_at's day for the churned, E for the stayed; both days included), in one
    statement: customers, follow_ups (theirs, by anyone the viewer sees, in those windows), contact_every_days =
    90 x customers / follow_ups ("one contact every N days"; empty without follow-ups), responses (their surveys
    in the windows) and nps (100 x (promoters 9-10 - detractors 0-6) / responses; empty without responses).
    Two rows, churned first. Columns: group, customers, follow_ups, contact_every_days, responses, nps."""
    g = churn_groups(scope).select("customer_id", "group", "ref_day")  # read three times: only what is needed
    per = g.group_by("group").aggregate(customers=g.count())
    fu = scope.visible("follow_ups")
    f = g.select(fu_customer="customer_id", fu_group="group", ref_day="ref_day")
    f = fu.inner_join(f, fu.customer_id == f.fu_customer)
    f = f.filter(_in_window(f, f.contacted_at))
    fus = f.group_by(fu_group=f.fu_group).aggregate(follow_ups=f.count())
    sv = scope.visible("surveys")
    s = g.select(s_customer="customer_id", s_group="group", ref_day="ref_day")
    s = sv.inner_join(s, sv.customer_id == s.s_customer)
    s = s.filter(_in_window(s, s.responded_at))
    svs = s.group_by(s_group=s.s_group).aggregate(responses=s.count(), promoters=(s.score >= 9).sum(),
                                                  detractors=(s.score <= 6).sum())
    j = per.left_join(fus, per.group == fus.fu_group).left_join(svs, per.group == svs.s_group)
    got = scope.run(j.select("group", "customers", "follow_ups", "responses", "promoters", "detractors"))
    got = pd.DataFrame({"group": list(GROUPS)}).merge(got, on="group", how="left")
    counts = ["customers", "follow_ups", "responses", "promoters", "detractors"]
    got[counts] = got[counts].astype("float64").fillna(0).astype("int64")
    got["contact_every_days"] = (RHYTHM_DAYS * got.customers / got.follow_ups).where(got.follow_ups > 0)
    got["nps"] = (100.0 * (got.promoters - got.detractors) / got.responses).where(got.responses > 0)
    return got.astype({"contact_every_days": "float64", "nps": "float64"})[RHYTHM_COLUMNS]
