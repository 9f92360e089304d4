"""How the team works: the leaderboard, attainment of targets and the forecast of open deals (DESIGN.md).

Every figure is attributed the reports' way (customers by owner, follow-ups by who made them, deals by
owner); a department row counts the employees of its whole subtree.
"""

from __future__ import annotations

import datetime as dt
import json

import ibis
import ibis.expr.types as ir
import pandas as pd

from ..filters import day_start, in_range
from ..periods import as_dates, next_period
from ..reports import report
from .common import By, last_in

MEASURES = ["new_customers", "contacted_customers", "follow_ups", "won_customers", "revenue", "win_rate"]
COUNTS = ["new_customers", "contacted_customers", "follow_ups", "won_customers"]
TARGET_METRICS = ("new_customers", "won_customers", "revenue", "follow_ups")
DEFAULT_STAGE_PROBABILITY = {"lead": 0.1, "qualified": 0.25, "proposal": 0.5, "negotiation": 0.75}
PROBABILITY_SETTING = "stage_probability"
MOMENT = ibis.dtype("timestamp(6)").copy(nullable=True)  # one schema for NOT NULL and nullable date columns


def _facts(scope, start: dt.date, end: dt.date, split: dt.date | None = None, contacts: bool = True) -> ir.Table:
    """Every record a measure counts over [start, end], as (employee_id, measure, customer_id, amount, won, at);
    measure is new, won, contact or closed (short labels: DuckDB compares strings of up to 12 bytes inline, and
    these are compared for every follow-up); ``contacts`` False leaves the follow-ups out. With ``split``,
    [start, end] is two ranges, [start, split] and the days after it, and ``current`` says the record is in the
    second."""
    c, d, fu = scope.customers, scope.deals, scope.follow_ups
    new = c.filter(in_range(c.created_at, start, end))
    won = c.filter(c.won_at.notnull(), in_range(c.won_at, start, end))
    closed = d.filter(d.status.isin(["won", "lost"]), d.closed_at.notnull(), in_range(d.closed_at, start, end))

    def rows(t, employee, measure, at, amount=None, is_won=None):
        return t.select(employee_id=employee.cast("string"), measure=ibis.literal(measure), at=at.cast(MOMENT),
                        customer_id=t.customer_id.cast("string"),
                        amount=(ibis.coalesce(amount, 0.0) if amount is not None else ibis.literal(0.0)).cast("float64"),
                        won=(is_won if is_won is not None else ibis.literal(False)))

    parts = [rows(new, new.owner_id, "new", new.created_at), rows(won, won.owner_id, "won", won.won_at),
             rows(closed, closed.owner_id, "closed", closed.closed_at, closed.amount, closed.status == "won")]
    if contacts:
        fu = fu.filter(in_range(fu.contacted_at, start, end))
        parts.insert(2, rows(fu, fu.employee_id, "contact", fu.contacted_at))
    facts = ibis.union(*parts, distinct=False)
    return facts.mutate(current=_after(facts.at, split)) if split else facts


def _after(at: ir.TimestampValue, split: dt.date) -> ir.BooleanValue:
    return at >= day_start(split + dt.timedelta(days=1))


def _kept_contacts(scope, start: dt.date, end: dt.date, split: dt.date | None) -> ir.Table | None:
    """follow_ups and contacted_customers per employee_id (and ``current``, with ``split``) over [start, end],
    from what the store keeps (None: it keeps nothing; count the follow-ups). A customer counts on the employee's
    last follow-up of it in the range, so no distinct count is needed: from the follow-ups counted per employee
    and day (last_ones) when the range ends on or after the latest follow-up, else from next_contacts per
    employee (common.last_in). With ``split``, the days after it are such a range and [start, split] is not."""
    days = scope.contacts_per_employee_day(end)
    if days is not None and split is None:
        return _summed(days, start, end)
    kept = scope.next_contacts(per_employee=True)
    if kept is None:
        return None
    if days is None:
        return _counted(kept[0], start, end, split)
    return ibis.union(_counted(kept[0], start, split).mutate(current=False),
                      _summed(days, split + dt.timedelta(days=1), end).mutate(current=True), distinct=False)


def _summed(days: ir.Table, start: dt.date, end: dt.date) -> ir.Table:
    """Per employee, over Scope.contacts_per_employee_day's rows of [start, end]."""
    days = days.filter(days.day >= start, days.day <= end)
    return days.group_by(employee_id=days.employee_id.cast("string")).aggregate(
        follow_ups=days.follow_ups.sum(), contacted_customers=days.last_ones.sum())


def _counted(fu: ir.Table, start: dt.date, end: dt.date, split: dt.date | None = None) -> ir.Table:
    """Per employee (and ``current``, with ``split``), over next_contacts' rows of [start, end]."""
    fu = fu.filter(in_range(fu.contacted_at, start, end))
    if split is None:
        last, keys = last_in(fu, "employee", end), {}
    else:
        after = _after(fu.contacted_at, split)
        last = ibis.ifelse(after, last_in(fu, "employee", end), last_in(fu, "employee", split))
        keys = {"current": after}
    return fu.group_by(employee_id=fu.employee_id.cast("string"), **keys).aggregate(
        follow_ups=fu.count(), contacted_customers=last.sum())


def _measures(t: ir.Table, *keys: str, contacts: bool = True) -> ir.Table:
    """The leaderboard's measures per ``keys`` over _facts rows (``contacts`` False: those without follow-ups,
    and no contacted_customers nor follow_ups)."""
    m = t.measure
    counted = dict(contacted_customers=t.customer_id.nunique(where=m == "contact"),
                   follow_ups=(m == "contact").sum()) if contacts else {}
    return t.group_by(*keys).aggregate(
        new_customers=(m == "new").sum(),
        **counted,
        won_customers=(m == "won").sum(),
        revenue=t.amount.sum(where=(m == "closed") & t.won),
        won_deals=((m == "closed") & t.won).sum(),
        closed_deals=(m == "closed").sum())


def _departments(scope) -> ir.Table:
    """The departments a department leaderboard shows (ancestor_id): those of the viewer's tree (a manager:
    their department and below; a rep: their own; an admin: all), within the filters' departments, holding a
    selected employee below."""
    tree, emp = scope.department_tree, scope.employees
    t = tree.filter(tree.descendant_id.isin(emp.department_id))
    if scope.filters.departments:
        t = t.filter(t.ancestor_id.isin(scope.subtree(scope.filters.departments)))
    return t.select("ancestor_id").distinct()  # the Scope's tree holds only the viewer's own departments


def _by_department(scope, facts: ir.Table, *keys: str) -> ir.Table:
    """_measures per department (each counting its subtree's employees) and ``keys``."""
    emp = scope.employees.select("employee_id", "department_id")
    tree = scope.department_tree
    placed = facts.inner_join(emp, facts.employee_id == emp.employee_id)
    placed = placed.inner_join(tree, placed.department_id == tree.descendant_id)
    return _measures(placed.select(*keys, "measure", "customer_id", "amount", "won", department_id=placed.ancestor_id),
                     *keys, "department_id")


def leaderboard_rows(scope, start: dt.date, end: dt.date, by: str, split: dt.date | None = None) -> ir.Table:
    """The leaderboard as an expression: one row per employee in scope (or department), zeros included. With
    ``split``, two rows each: ``current`` False for [start, split], True for the days after it."""
    extra = ["current"] if split else []
    if by == "department":
        facts = _facts(scope, start, end, split=split)
        parts, keys, key = ([_by_department(scope, facts, *extra)],
                            _departments(scope).select(department_id="ancestor_id"), "department_id")
    else:
        # With the store's follow-ups, those are counted per employee on their own and joined: the follow-ups
        # (at M for one region, 1.8M of 2.0M records) then skip the union and its group-by by label.
        contacts = _kept_contacts(scope, start, end, split)
        unkept = contacts is None
        parts = [_measures(_facts(scope, start, end, split, contacts=unkept), "employee_id", *extra, contacts=unkept)]
        if contacts is not None:
            parts.append(contacts)
        keys, key = scope.employees.select("employee_id"), "employee_id"
    if split:
        # Not an in-memory table of the two values: a statement holding one is compiled anew every time
        # (crm_core.compiled).
        keys = ibis.union(keys.mutate(current=False), keys.mutate(current=True), distinct=False)
    j = keys
    for got in parts:  # each holds some of the measures
        j = j.left_join(got, [j[k] == got[k] for k in [key, *extra]])
    zero = lambda col: ibis.coalesce(j[col], 0)
    return j.select(j[key], *[keys[k] for k in extra], **{c: zero(c).cast("int64") for c in COUNTS},
                    revenue=zero("revenue").cast("float64"), won_deals=zero("won_deals"),
                    closed_deals=zero("closed_deals"))


def _ranked(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """Highest revenue first, ties by id."""
    return df.sort_values(["revenue", key], ascending=[False, True], kind="stable").reset_index(drop=True)


def _leaderboard_drill(scope, row: dict, column: str | None = None, by: By = None):
    """The customers behind a cell: new (created), won, contacted (by them), or those of their closed deals."""
    rng = scope.date_range([("customers", "created_at"), ("follow_ups", "contacted_at"), ("deals", "closed_at")])
    c = scope.customers
    if rng is None:
        return c.filter(ibis.literal(False))
    start, end = rng
    emp = scope.employees
    if by == "department":
        people = emp.filter(emp.department_id.isin(scope.subtree([row.get("department_id")]))).employee_id
    else:
        people = emp.filter(emp.employee_id == row.get("employee_id")).employee_id
    if column in ("contacted_customers", "follow_ups"):
        fu = scope.follow_ups
        fu = fu.filter(fu.employee_id.isin(people), in_range(fu.contacted_at, start, end))
        return scope.visible("customers").filter(lambda t: t.customer_id.isin(fu.customer_id))
    if column in ("revenue", "win_rate"):
        d = scope.deals
        d = d.filter(d.owner_id.isin(people), d.status.isin(["won", "lost"]), in_range(d.closed_at, start, end))
        if column == "revenue":
            d = d.filter(d.status == "won")
        return scope.visible("customers").filter(lambda t: t.customer_id.isin(d.customer_id))
    mine = c.filter(c.owner_id.isin(people))
    if column == "won_customers":
        return mine.filter(mine.won_at.notnull(), in_range(mine.won_at, start, end))
    return mine.filter(in_range(mine.created_at, start, end))


@report("leaderboard", columns=["employee_id", *MEASURES], drill=_leaderboard_drill)
def leaderboard(scope, by: By = None) -> pd.DataFrame:
    """Over the range, per employee in scope (``by department``: per department, counting its subtree):
    new_customers (their customers created), contacted_customers (distinct customers they followed up),
    follow_ups, won_customers (their customers with won_at in the range), revenue (won deals they own, by
    closed_at), win_rate (their won deals / their deals closed won or lost; empty when none). Highest revenue
    first, ties by id. Columns: employee_id or department_id, then those six."""
    by = by or "employee"
    key = "department_id" if by == "department" else "employee_id"
    cols = [key, *MEASURES]
    rng = scope.date_range([("customers", "created_at"), ("follow_ups", "contacted_at"), ("deals", "closed_at")])
    if rng is None:
        return pd.DataFrame({c: pd.Series(dtype=object if c == key else "float64" if c in ("revenue", "win_rate")
                                          else "int64") for c in cols})
    return _board(scope.run(leaderboard_rows(scope, *rng, by)), key)


def _board(got: pd.DataFrame, key: str) -> pd.DataFrame:
    got["win_rate"] = (got.won_deals / got.closed_deals).where(got.closed_deals > 0).astype("float64")
    out = got.astype({c: "int64" for c in COUNTS} | {"revenue": "float64"})
    return _ranked(out, key)[[key, *MEASURES]]


@report("leaderboard-change", cli=False, columns=["employee_id", *MEASURES, "range"], drill=_leaderboard_drill)
def leaderboard_change(scope, by: By = None) -> pd.DataFrame:
    """The leaderboard of the range (``range`` current) and of the equally long range just before it (``range``
    previous), in one statement: the Team page's ranks and their change. Each part as the leaderboard report
    orders it. Columns: employee_id or department_id, the six measures, range."""
    by = by or "employee"
    key = "department_id" if by == "department" else "employee_id"
    rng = scope.date_range([("customers", "created_at"), ("follow_ups", "contacted_at"), ("deals", "closed_at")])
    if rng is None:
        return pd.concat([leaderboard(scope, by).assign(range=r) for r in ("current", "previous")], ignore_index=True)
    start, end = rng
    prev_start, prev_end = start - (end - start + dt.timedelta(days=1)), start - dt.timedelta(days=1)
    got = scope.run(leaderboard_rows(scope, prev_start, end, by, split=prev_end))
    parts = [_board(got[got.current == (r == "current")].drop(columns="current").reset_index(drop=True), key)
             .assign(range=r) for r in ("current", "previous")]
    return pd.concat(parts, ignore_index=True)


# -- attainment ----------------------------------------------------------------------------------------------
def _period_end(start: dt.date, period: str) -> dt.date:
    return next_period(start, period) - dt.timedelta(days=1)


ATTAINMENT_COLUMNS = ["period_start", "period", "employee_id", "department_id", "metric", "actual", "target",
                      "attainment"]


def _targets_in_range(scope) -> ir.Table | None:
    """Targets in scope of the four metrics whose period_start lies in the range; with a people filter, those
    of the selected employees and of departments within the selected ones."""
    rng = scope.date_range([("targets", "period_start")])
    if rng is None:
        return None
    t = scope.targets
    t = t.filter(t.period_start >= rng[0], t.period_start <= rng[1], t.metric.isin(list(TARGET_METRICS)))
    if scope.filters.restricts_people:
        mine = t.employee_id.isin(scope.employees.employee_id)
        if scope.filters.departments:
            mine = mine | t.department_id.isin(scope.subtree(list(scope.filters.departments)))
        t = t.filter(mine)
    return t


def _every_day(periods: pd.DataFrame) -> ir.Table:
    """(period_start, period, on): every day of every period (period_start .. last_day), made by the statement,
    for an equality join (a range join against the periods is several times slower). Its dates are literals,
    so a kept statement fills them in (crm_core.compiled); an in-memory table would be compiled every time."""
    parts = []
    for first, period, last in periods[["period_start", "period", "last_day"]].itertuples(index=False):
        t = ibis.range(ibis.timestamp(dt.datetime.combine(first, dt.time())),
                       ibis.timestamp(dt.datetime.combine(last + dt.timedelta(days=1), dt.time())),
                       ibis.interval(days=1)).unnest().name("on").as_table()
        parts.append(t.select(period_start=ibis.date(first), period=ibis.literal(period, "string"), on=t.on.date()))
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def _actuals(scope, periods: pd.DataFrame, targets: pd.DataFrame) -> ir.Table:
    """(period_start, period, kind, who, measures...) for every target period, per employee and per department,
    counting everything the viewer may see (a target's actual is its employee's or department's whole figure).
    The four target metrics add up, so the records are first summed per employee and day (a small table at any
    size), those days matched to the periods' days, and a department's figures summed from its employees'.
    When the targets are narrowed (a people filter, a manager, a rep), only the employees they name and those
    under the departments they name are counted: the figures of every department they name stay whole."""
    whole = scope.with_filters(start=None, end=None, departments=(), employees=())
    first, last = periods.period_start.min(), periods.last_day.max()
    # The follow-ups come counted per employee and day from the store when it keeps them up to ``last``.
    kept = whole.contacts_per_employee_day(last)
    facts = _facts(whole, first, last, contacts=kept is None)
    counted = None if kept is None else kept.filter(kept.day >= first, kept.day <= last)
    if scope.filters.restricts_people or not scope.viewer.sees_all:
        emp = whole.employees
        named = emp.employee_id.isin(list(targets.employee_id.dropna().unique()))
        under = emp.department_id.isin(whole.subtree(list(targets.department_id.dropna().unique())))
        people = emp.filter(named | under).employee_id
        facts = facts.filter(facts.employee_id.isin(people))
        counted = None if counted is None else counted.filter(counted.employee_id.isin(people))
    m = facts.measure
    daily = facts.group_by("employee_id", day=facts.at.date()).aggregate(
        new_customers=(m == "new").sum(), won_customers=(m == "won").sum(),
        revenue=facts.amount.sum(where=(m == "closed") & facts.won), follow_ups=(m == "contact").sum())
    if counted is not None:  # the rows are summed per period below: a union is enough
        daily = ibis.union(daily, counted.select(
            employee_id=counted.employee_id.cast("string"), day=counted.day, new_customers=ibis.literal(0, "int64"),
            won_customers=ibis.literal(0, "int64"), revenue=ibis.literal(None, "float64"),
            follow_ups=counted.follow_ups.cast("int64")), distinct=False)
    days = _every_day(periods)
    j = daily.inner_join(days, daily.day == days.on)
    per_employee = j.group_by("period_start", "period", "employee_id").aggregate(
        **{k: j[k].sum() for k in TARGET_METRICS})
    emp = whole.employees.select(emp_id="employee_id", department_id="department_id")
    tree = whole.department_tree
    placed = per_employee.inner_join(emp, per_employee.employee_id == emp.emp_id)
    placed = placed.inner_join(tree, placed.department_id == tree.descendant_id)
    per_department = placed.group_by("period_start", "period", department_id=placed.ancestor_id).aggregate(
        **{k: placed[k].sum() for k in TARGET_METRICS})
    return ibis.union(per_employee.select("period_start", "period", kind=ibis.literal("employee"),
                                          who=per_employee.employee_id, **{m: per_employee[m] for m in TARGET_METRICS}),
                      per_department.select("period_start", "period", kind=ibis.literal("department"),
                                            who=per_department.department_id,
                                            **{m: per_department[m] for m in TARGET_METRICS}), distinct=False)


@report("attainment", columns=ATTAINMENT_COLUMNS)
def attainment(scope) -> pd.DataFrame:
    """Every target in scope whose period_start lies in the range: actual = the target's metric
    (new_customers, won_customers, revenue, follow_ups, as in the leaderboard) over the target's own period
    (period_start .. the end of its month, quarter or year) for its employee or its department's subtree;
    attainment = actual / target, empty when the target is 0. Rows by period_start, department_id,
    employee_id, metric. Columns: period_start, period, employee_id, department_id, metric, actual, target,
    attainment."""
    t = _targets_in_range(scope)
    targets = None if t is None else scope.run(t)
    if targets is None or targets.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("actual", "target", "attainment") else object)
                             for c in ATTAINMENT_COLUMNS})
    targets["period_start"] = as_dates(targets.period_start)
    periods = targets[["period_start", "period"]].drop_duplicates()
    periods = periods.assign(last_day=[_period_end(d, p) for d, p in periods.itertuples(index=False)])
    got = scope.run(_actuals(scope, periods, targets))
    got["period_start"] = as_dates(got.period_start)
    keys = ["period_start", "period", "kind", "who", "metric"]
    got = got[got.who.notna()].melt(id_vars=keys[:4], value_vars=list(TARGET_METRICS), var_name="metric",
                                    value_name="actual")
    # A department's target is the department's figure, any other the employee's (none: 0).
    department = targets.department_id.notna() & (targets.department_id.astype(object) != "")
    targets["kind"] = department.map({True: "department", False: "employee"}).astype(object)
    targets["who"] = targets.department_id.where(department, targets.employee_id).astype(object)
    targets = targets.merge(got.astype({k: object for k in keys if k != "period_start"}), how="left",
                            on=keys, validate="many_to_one")
    targets["actual"] = targets.actual.astype("float64").fillna(0.0)
    targets["target"] = targets.target.astype("float64")
    targets["attainment"] = (targets.actual / targets.target).where(targets.target != 0).astype("float64")
    for c in ("employee_id", "department_id"):
        targets[c] = targets[c].astype(object).where(targets[c].notna(), None)
    order = targets.assign(_d=targets.department_id.fillna(""), _e=targets.employee_id.fillna(""))
    order = order.sort_values(["period_start", "_d", "_e", "metric"], kind="stable")
    return order[ATTAINMENT_COLUMNS].reset_index(drop=True)


# -- forecast ------------------------------------------------------------------------------------------------
def stage_probability(scope) -> dict[str, float]:
    """Each open stage's probability of winning: the settings' JSON object, else DESIGN.md's defaults."""
    raw = scope.setting(PROBABILITY_SETTING)
    try:
        custom = {str(k): float(v) for k, v in json.loads(raw).items()} if raw else {}
    except (ValueError, AttributeError, TypeError):
        custom = {}
    return {**DEFAULT_STAGE_PROBABILITY, **custom}


@report("stage-probability", cli=False, columns=["stage", "probability"])
def stage_probability_table(scope) -> pd.DataFrame:
    """Each open deal stage's chance of winning as the forecast weighs it (settings, else the defaults), in
    the deal stages' order. Columns: stage, probability."""
    from .sales import deal_stages

    chances = stage_probability(scope)
    stages = [s for s in deal_stages(scope) if s not in ("won", "lost")]
    stages += [s for s in chances if s not in stages]
    return pd.DataFrame({"stage": stages, "probability": [float(chances.get(s, 0.0)) for s in stages]})


def save_stage_probability(store, probabilities: dict[str, object]) -> dict[str, float]:
    """Validate each stage's probability (a number from 0 to 1; a percentage such as 40 is not guessed at) and
    write them as the setting in one transaction. Raises UserError naming the stage and what to do."""
    from ..errors import UserError

    clean = {}
    for stage, value in probabilities.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise UserError(f"stage {stage!r}: {value!r} is not a number; write a probability from 0 to 1, e.g. 0.25")
        if not 0 <= number <= 1 or number != number:
            raise UserError(f"stage {stage!r}: {number} is outside 0 .. 1; write e.g. 0.25 for 25%")
        clean[str(stage)] = number
    store.put_setting(PROBABILITY_SETTING, json.dumps(clean, ensure_ascii=False))
    return clean


def _forecast_drill(scope, row: dict, column: str | None = None):
    """The customers of the row's open deals."""
    rng = scope.date_range([("deals", "expected_close_at")])
    d = scope.deals
    c = scope.visible("customers")
    if rng is None:
        return c.filter(ibis.literal(False))
    d = d.filter(d.status == "open", in_range(d.expected_close_at, *rng),
                 d.expected_close_at.truncate("M").cast("date") == pd.Timestamp(row["month"]).date())
    if "employee_id" in row:  # an owner's row; a month's total has none
        owner = row["employee_id"]
        d = d.filter(d.owner_id.isnull() if owner is None or pd.isna(owner) else d.owner_id == owner)
    return c.filter(c.customer_id.isin(d.customer_id))


@report("forecast", columns=["month", "employee_id", "open_deals", "open_amount", "weighted_amount"],
        drill=_forecast_drill)
def forecast(scope) -> pd.DataFrame:
    """Open deals (status open) in scope whose expected_close_at lies in the range, per month of
    expected_close_at and owner: open_deals, open_amount (an empty amount as 0), weighted_amount = sum of amount
    x the probability of the deal's stage (settings ``stage_probability``; default lead 0.1, qualified 0.25,
    proposal 0.5, negotiation 0.75; other stages 0). Rows by month, then employee_id.
    Columns: month, employee_id, open_deals, open_amount, weighted_amount."""
    cols = ["month", "employee_id", "open_deals", "open_amount", "weighted_amount"]
    rng = scope.date_range([("deals", "expected_close_at")])
    if rng is None:
        return pd.DataFrame({"month": [], "employee_id": [], "open_deals": pd.Series(dtype="int64"),
                             "open_amount": pd.Series(dtype="float64"), "weighted_amount": pd.Series(dtype="float64")})
    d = scope.deals
    d = d.filter(d.status == "open", d.expected_close_at.notnull(), in_range(d.expected_close_at, *rng))
    probability = ibis.cases(*[(d.stage == s, p) for s, p in stage_probability(scope).items()], else_=0.0)
    amount = ibis.coalesce(d.amount, 0.0)
    g = d.group_by(month=d.expected_close_at.truncate("M").cast("date"), employee_id=d.owner_id).aggregate(
        open_deals=d.count(), open_amount=amount.sum(), weighted_amount=(amount * probability).sum())
    out = scope.run(g.order_by(["month", "employee_id"]))
    out["month"] = as_dates(out.month)
    return out.astype({"open_deals": "int64", "open_amount": "float64", "weighted_amount": "float64"})[cols]


def pace(actual: float, first: dt.date, period: str, today: dt.date) -> float:
    """Where a target period ends at the rate so far: actual x the period's days / the days gone by (through
    ``today``); the actual itself once the period is over, empty before it starts."""
    last = _period_end(first, period)
    if today < first:
        return float("nan")
    if today >= last:
        return float(actual)
    return float(actual) * ((last - first).days + 1) / ((today - first).days + 1)
