"""Per-customer summaries the store keeps, and the purchases they are made of.

Each customer's purchases and latest survey scores serve early warning; each customer with its latest follow-up
serves pool risk and follow-up hygiene.

At-risk asks, as of a day E, every customer's purchases (how many, the first and last day) and latest two survey
scores. At 10M customers grouping every purchase and ranking every survey took most of its 3 s. As of the day of
the latest purchase (or survey), or any day after it, these rows are the answer "as of E", over every purchase or
survey: what an admin sees. So Scope.summary hands one out only to a viewer who sees everything, for an E on or
after that day; else at-risk groups the raw rows as before.

- purchases: every purchase (sales.purchase_rows: customer_id, at, amount), by day. Not a summary: it is every
  purchase at any day, so Scope.purchases hands it to any report of a viewer who sees everything, in place of
  the union of the won deals with the customers won without one (at 10M customers, 1.5 s of lifecycle's 1.6 s
  for one region);
- customer_purchases: early_warning.per_customer of the purchases table (customer_id, n, first, last);
- customer_scores: early_warning.latest_scores of the surveys (customer_id, latest, previous, latest_day);
- customer_last_contacts: the columns of a customer pool risk and hygiene read and their lists show
  (OWNED_COLUMNS) with its follow-ups by anyone as next_contacts' summary has them (n, first_day, last_at). As
  of that summary's day, pool risk, hygiene, customers per owner and at-risk's contact gaps need no join of
  the customers with it, nor do their lists. Stored by owner; Scope.customers_with_last_contact hands it out
  narrowed like the customers.

All are compiled from those definitions, rebuilt inside the transaction of any write that changes what they
are built from (crm_core.kept).
"""

from __future__ import annotations

from . import next_contacts
from .kept import Kept, table


def _purchase_rows(cur):
    from .metrics.sales import purchase_rows

    return purchase_rows(table(cur, "deals"), table(cur, "customers"))


def _purchases(cur) -> str:
    import ibis

    rows = _purchase_rows(cur)
    return ibis.to_sql(rows.order_by(rows["at"], rows.customer_id), dialect="duckdb")


def _per_customer(cur) -> str:
    import ibis

    from .metrics.early_warning import per_customer

    # PURCHASE_ROWS comes first in store.KEPT and shares this table's digest: the purchases table is current
    return ibis.to_sql(per_customer(table(cur, PURCHASE_ROWS.table)), dialect="duckdb")


def _scores(cur) -> str:
    import ibis

    from .metrics.early_warning import latest_scores

    return ibis.to_sql(latest_scores(table(cur, "surveys")), dialect="duckdb")


# the customers' won_at; the deals' customers, status, close and amount
_PURCHASES_DIGEST = """SELECT
        (SELECT count(*) || ':' || coalesce(sum(hash(customer_id, won_at)), 0) FROM customers),
        (SELECT count(*) || ':' || coalesce(sum(hash(deal_id, customer_id, status, closed_at, amount)), 0) FROM deals)"""
PURCHASE_ROWS = Kept(
    table="purchases",
    sources=("customers", "deals"),
    digest=_PURCHASES_DIGEST,
    build=_purchases,
    version=1,
)
PURCHASES = Kept(
    table="customer_purchases",  # early_warning reads these by their names
    sources=("customers", "deals"),
    digest=_PURCHASES_DIGEST,
    build=_per_customer,
    version=2,
    until="""SELECT greatest((SELECT max(closed_at) FROM deals WHERE status = 'won' AND customer_id IS NOT NULL),
                             (SELECT max(won_at) FROM customers))::DATE""",
)
SCORES = Kept(
    table="customer_scores",
    sources=("surveys",),
    digest="SELECT count(*) || ':' || coalesce(sum(hash(survey_id, customer_id, responded_at, score)), 0) FROM surveys",
    build=_scores,
    version=1,
    until="SELECT max(responded_at)::DATE FROM surveys",
)


# What pool risk and follow-up hygiene read of a customer, and what their customer lists show (name), with its
# latest follow-up by anyone (last_at).
OWNED_COLUMNS = ("customer_id", "name", "owner_id", "category", "created_at", "assigned_at", "won_at", "lost_at",
                 "next_contact_at")


def _last_contacts(cur) -> str | None:
    import ibis

    if not next_contacts.contacts_kept(cur):
        return None
    c, s = table(cur, "customers"), table(cur, next_contacts.SUMMARY)
    j = c.left_join(s, c.customer_id == s.customer_id)
    rows = j.select(*[c[col] for col in OWNED_COLUMNS], n=s.n, first_day=s.first_day, last_at=s.last_at)
    return ibis.to_sql(rows.order_by(rows.owner_id, rows.customer_id), dialect="duckdb")


LAST_CONTACTS = Kept(
    table="customer_last_contacts",
    sources=("customers", *next_contacts.SOURCES),  # next_contacts' sources: its summary
    digest=f"""SELECT
        (SELECT count(*) || ':' || coalesce(sum(hash({', '.join(OWNED_COLUMNS)})), 0) FROM customers),
        (SELECT coalesce(max(value), '') FROM settings WHERE key = '{next_contacts.FINGERPRINT}')""",
    build=_last_contacts,
    version=3,
    until="SELECT max(last_at)::DATE FROM customer_contacts",
)
