"""The one customer list behind every drill-down: the customers behind a bar, a region or an owner's count.

A declared report's ``drill`` gives the customers behind a cell: rows of the customers table (or at least their
LISTED columns), plus any columns it adds, e.g. reclaim_day, and last_contact_at when it knows it. ``drill_list``
shows them with their owner, creation, last and next contact and status, searchable, newest first, with how many
there are in all.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from .reports import get

COLUMNS = ["customer_id", "name", "owner_id", "created_at", "last_contact_at", "next_contact_at", "status"]
LISTED = ("customer_id", "name", "owner_id", "created_at", "won_at", "lost_at", "next_contact_at")  # read of a row
LAST_CONTACT = "last_contact_at"  # a drill-down's rows may carry it, when they know what the viewer would see
STATUSES = ("open", "won", "lost", "pool")
DEFAULT_LIMIT = 5000
RECENT_DAYS = 60


def _search(c: ir.Table, search: str | None) -> ir.Table:
    text = (search or "").strip().lower()
    if not text:
        return c
    return c.filter(c.name.lower().contains(text) | c.customer_id.lower().contains(text))


def drill_list(report: str, scope, row: dict, column: str | None = None, *, search: str | None = None,
               limit: int | None = DEFAULT_LIMIT, **options) -> tuple[int, pd.DataFrame]:
    """(how many customers, the first ``limit`` of them) behind a cell of the report ``report``.

    Columns: customer_id, name, owner_id, created_at, last_contact_at (latest follow-up the viewer sees),
    next_contact_at, status (lost, won, pool: no owner, open), then the drill-down's own columns."""
    c = _search(get(report).drill_down(scope, row, column, **options), search)
    return customer_list(scope, c, limit)


def customer_list(scope, c: ir.Table, limit: int | None = DEFAULT_LIMIT) -> tuple[int, pd.DataFrame]:
    """(how many rows ``c`` has, its first ``limit`` customers as the list shows them), in one statement."""
    base = scope.customers.columns
    extra = [k for k in c.columns if k not in base and k != LAST_CONTACT]
    known = [LAST_CONTACT] if LAST_CONTACT in c.columns else []
    status = ibis.cases((c.lost_at.notnull(), "lost"), (c.won_at.notnull(), "won"), (c.owner_id.isnull(), "pool"),
                        else_="open")
    c = c.select("customer_id", "name", "owner_id", "created_at", "next_contact_at", *extra, *known, status=status,
                 total=c.customer_id.count().over(ibis.window()))
    c = c.order_by([ibis.desc(c.created_at), c.customer_id])
    if limit is not None:
        c = c.limit(int(limit))
    shown = scope.run(c)
    total = int(shown["total"].iloc[0]) if len(shown) else 0
    if not known:
        shown[LAST_CONTACT] = shown["customer_id"].map(_last_contacts(scope, shown)) if len(shown) else pd.NaT
    shown[LAST_CONTACT] = pd.to_datetime(shown[LAST_CONTACT]).astype("datetime64[us]")  # as DuckDB's timestamps
    return total, shown[COLUMNS + extra].reset_index(drop=True)


def _shown_ids(ids: pd.Series) -> ir.Table:
    return ibis.memtable(pd.DataFrame({"shown_id": ids}))


def _last_contacts(scope, shown: pd.DataFrame) -> dict:
    """customer_id -> its latest follow-up, for the (few) customers shown: from the store's contact summary when
    the viewer sees every follow-up. Else, as most lists are of customers contacted lately, the follow-ups of the
    last RECENT_DAYS are read first, all of them only for the customers not found there."""
    found: dict = {}
    todo = shown["customer_id"]
    summary = scope.contact_summary()
    if summary is not None:  # the viewer sees every follow-up: each customer's last is in the store's summary
        ids = _shown_ids(todo)
        j = summary.inner_join(ids, summary.customer_id == ids.shown_id)
        last = scope.run(j.select("customer_id", last=j.last_at))
        return dict(zip(last.customer_id, last["last"]))
    for since in (dt.datetime.combine(dt.date.today() - dt.timedelta(days=RECENT_DAYS), dt.time()), None):
        if todo.empty:
            break
        ids = _shown_ids(todo)  # those still not found
        fu = scope.visible("follow_ups")
        if since is not None:
            fu = fu.filter(fu.contacted_at >= ibis.timestamp(since))
        j = fu.inner_join(ids, fu.customer_id == ids.shown_id)
        last = scope.run(j.group_by(j.customer_id).aggregate(last=j.contacted_at.max()))
        found.update(zip(last.customer_id, last["last"]))
        todo = todo[~todo.isin(found)]
    return found
