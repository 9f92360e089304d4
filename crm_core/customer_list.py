"""The one customer list behind every drill-down: the customers behind a bar, a region or an owner's count.

``selection`` turns what was clicked (a dimension and its value) into the same customers the report
counted, from the report's own ``*_rows`` expression; ``customer_list`` shows them with their owner,
creation, last and next contact and status, searchable, largest-first by creation day.

Dimensions and their options:
    all                                   customers created in the range
    category / tag / region, value        customers created in the range with that value ("(none)" too)
    field, value, field=F                 the same for custom field F
    owner, value=employee_id[, contacted=True/False]
                                          customers the employee owns, contacted in the range or not
    pool_risk[, value=employee_id], as_of, rule_days, window_days
                                          customers about to be reclaimed into the pool
    hygiene, band[, value=employee_id], as_of
                                          an owner's customers in a follow-up hygiene band
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from .backend import table
from .filters import Filters
from .metrics import distributions, owners, pool

COLUMNS = ["customer_id", "name", "owner_id", "created_at", "last_contact_at", "next_contact_at", "status"]
STATUSES = ("open", "won", "lost", "pool")
DIMENSIONS = ("all", "category", "tag", "field", "region", "owner", "pool_risk", "hygiene")
DEFAULT_LIMIT = 5000
RECENT_DAYS = 60


def selection(backend: ibis.BaseBackend, filters: Filters, dimension: str = "all", value=None, **opts) -> ir.Table:
    """The customers (rows of the customers table, plus any columns the dimension adds, e.g. reclaim_day)
    behind a drill-down."""
    customers = table(backend, "customers")
    if dimension == "all":
        c = distributions.created_in_range(backend, filters)
        return _none(customers) if c is None else c
    if dimension == "category":
        rows = distributions.category_rows(backend, filters)
        return _none(customers) if rows is None else rows.filter(rows.value == str(value)).drop("value")
    if dimension in ("tag", "field"):
        if dimension == "field":
            if not opts.get("field"):
                raise ValueError("a custom-field drill-down needs the field")
            rows = distributions.field_rows(backend, filters, opts["field"])
        else:
            rows = distributions.tag_rows(backend, filters)
        if rows is None:
            return _none(customers)
        ids = rows.filter(rows.value == str(value)).customer_id
        return customers.filter(customers.customer_id.isin(ids))
    if dimension == "region":
        rows = distributions.region_rows(backend, filters, str(value))
        return _none(customers) if rows is None else rows
    if dimension == "owner":
        with_contacted = opts.get("contacted") is not None
        rows = owners.owned_rows(backend, filters, with_contacted=with_contacted)
        if value is not None:
            rows = rows.filter(rows.owner_id == str(value))
        if with_contacted:
            rows = rows.filter(rows.contacted == bool(opts["contacted"])).drop("contacted")
        return rows
    if dimension == "pool_risk":
        rows = pool.at_risk_rows(backend, filters, opts.get("as_of"), opts.get("rule_days"), opts.get("window_days"))
        if value is not None:
            rows = rows.filter(rows.owner_id == str(value))
        return rows.select(*customers.columns, "rule_days", "reclaim_day")
    if dimension == "hygiene":
        band = opts.get("band")
        if band not in pool.HYGIENE_BANDS:
            raise ValueError(f"band must be one of {', '.join(pool.HYGIENE_BANDS)}, not {band!r}")
        rows = pool.hygiene_rows(backend, filters, opts.get("as_of"))
        rows = rows.filter(pool.HYGIENE_BANDS[band](rows))
        if value is not None:
            rows = rows.filter(rows.owner_id == str(value))
        return rows.select(*customers.columns, "days_since_contact")
    raise ValueError(f"unknown drill-down {dimension!r}; one of {', '.join(DIMENSIONS)}")


def _none(customers: ir.Table) -> ir.Table:
    return customers.filter(ibis.literal(False))


def _search(c: ir.Table, search: str | None) -> ir.Table:
    text = (search or "").strip().lower()
    if not text:
        return c
    return c.filter(c.name.lower().contains(text) | c.customer_id.lower().contains(text))


def _selected(backend, filters, dimension, value, search, opts) -> ir.Table:
    return _search(selection(backend, filters, dimension, value, **opts), search)


def customer_count(backend: ibis.BaseBackend, filters: Filters, dimension: str = "all", value=None, *,
                   search: str | None = None, **opts) -> int:
    """How many customers a drill-down holds (before the list's limit)."""
    return int(_selected(backend, filters, dimension, value, search, opts).count().execute())


def customer_list(backend: ibis.BaseBackend, filters: Filters, dimension: str = "all", value=None, *,
                  search: str | None = None, limit: int | None = DEFAULT_LIMIT, **opts) -> pd.DataFrame:
    """The customers behind a drill-down, newest first (then by id), at most ``limit`` of them.

    Columns: customer_id, name, owner_id, created_at, last_contact_at (latest follow-up ever),
    next_contact_at, status (lost, won, pool: no owner, open), then the dimension's own columns."""
    c = _selected(backend, filters, dimension, value, search, opts)
    extra = [k for k in c.columns if k not in table(backend, "customers").columns]
    status = ibis.cases((c.lost_at.notnull(), "lost"), (c.won_at.notnull(), "won"), (c.owner_id.isnull(), "pool"),
                        else_="open")
    c = c.select("customer_id", "name", "owner_id", "created_at", "next_contact_at", *extra, status=status)
    c = c.order_by([ibis.desc(c.created_at), c.customer_id])
    if limit is not None:
        c = c.limit(int(limit))
    shown = c.to_pandas()
    shown["last_contact_at"] = shown["customer_id"].map(_last_contacts(backend, shown)) if len(shown) else pd.NaT
    shown["last_contact_at"] = pd.to_datetime(shown["last_contact_at"])
    return shown[COLUMNS + extra].reset_index(drop=True)


def _last_contacts(backend: ibis.BaseBackend, shown: pd.DataFrame) -> dict:
    """customer_id -> its latest follow-up, for the (few) customers shown. Most lists are of customers
    contacted lately: the follow-ups of the last RECENT_DAYS are read first, all of them only for the
    customers not found there."""
    found: dict = {}
    todo = shown["customer_id"]
    for since in (dt.datetime.combine(dt.date.today() - dt.timedelta(days=RECENT_DAYS), dt.time()), None):
        if todo.empty:
            break
        ids = ibis.memtable(pd.DataFrame({"shown_id": todo}))
        fu = table(backend, "follow_ups")
        if since is not None:
            fu = fu.filter(fu.contacted_at >= ibis.timestamp(since))
        j = fu.inner_join(ids, fu.customer_id == ids.shown_id)
        last = j.group_by(j.customer_id).aggregate(last=j.contacted_at.max()).to_pandas()
        found.update(zip(last.customer_id, last["last"]))
        todo = todo[~todo.isin(found)]
    return found
