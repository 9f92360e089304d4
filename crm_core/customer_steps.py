"""What the store keeps for the customer funnel: every customer's furthest funnel step, over everything.

The funnel asks, for the customers created in the range, whether each was ever contacted, had a deal or
bought (crm_core.metrics.sales.reached). At 10M customers that was three joins of the range's customers with
every contacted customer, deal and purchase (1.2 s for one region). This table holds the answer per customer,
over every follow-up, deal and purchase: what an admin sees, so Scope.customer_steps hands it out only to a
viewer who sees everything (narrowed by the filters' people, like ``scope.customers``).

Columns: customer_id, owner_id, created_at, reached (0 created .. 3 won). Stored by created_at, so a range
skips the rest. Rebuilt inside the transaction of any write that changes customers, deals or follow-ups
(crm_core.kept); the contacted customers are read from next_contacts' summary, so it is kept only with it.
"""

from __future__ import annotations

from . import next_contacts
from .kept import Kept, table


def _build(cur) -> str | None:
    """The table's rows, compiled from the funnel's own definition (sales.reached and sales.purchase_rows) on the
    raw tables; None (keep nothing) without next_contacts' summary."""
    import ibis

    from .metrics.sales import purchase_rows, reached

    if not next_contacts.contacts_kept(cur):
        return None
    c, deals = table(cur, "customers"), table(cur, "deals")
    contacted = table(cur, next_contacts.SUMMARY).customer_id
    rows = c.select("customer_id", "owner_id", "created_at",
                    reached=reached(c, deals, purchase_rows(deals, c, only_theirs=True), contacted))
    return ibis.to_sql(rows.order_by(rows.created_at, rows.customer_id), dialect="duckdb")


KEPT = Kept(
    table="customer_steps",
    sources=("customers", "deals", *next_contacts.SOURCES),
    # the customers' owners, creation and won_at; the deals' customers, status and close; the follow-ups (as
    # next_contacts' fingerprint has them)
    digest=f"""SELECT
        (SELECT count(*) || ':' || coalesce(sum(hash(customer_id, owner_id, created_at, won_at)), 0) FROM customers),
        (SELECT count(*) || ':' || coalesce(sum(hash(deal_id, customer_id, status, closed_at)), 0) FROM deals),
        (SELECT coalesce(max(value), '') FROM settings WHERE key = '{next_contacts.FINGERPRINT}')""",
    build=_build,
    version=1,
)
TABLE = KEPT.table
