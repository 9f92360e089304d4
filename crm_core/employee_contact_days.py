"""What the store keeps for the leaderboard's follow-up counts: the follow-ups counted per employee and day.

employee_id, day, follow_ups (how many that employee made that day) and last_ones (how many of them are the
employee's last follow-up of their customer: next_contacts' next_employee is NEVER). A range that ends on or
after the day of the latest follow-up (the usual range, up to today) counts each employee's contacted
customers as the sum of last_ones over its days, as next_contacts does with ``next_employee > end``: at M,
2.0M rows instead of 9.5M. Stored by day. Built from next_contacts, and rebuilt with it inside the transaction
of any write that changes follow-ups, employees or departments (crm_core.kept); Scope.contacts_per_employee_day
hands it out.
"""

from __future__ import annotations

from . import next_contacts
from .kept import Kept

TABLE = "employee_contact_days"


def _build(cur) -> str | None:
    if not next_contacts.contacts_kept(cur):
        return None
    return f"""SELECT employee_id, contacted_at::DATE AS day, count(*) AS follow_ups,
        count(*) FILTER (WHERE next_employee = DATE '{next_contacts.NEVER}') AS last_ones
        FROM {next_contacts.TABLE} GROUP BY ALL ORDER BY day, employee_id"""


KEPT = Kept(
    table=TABLE,
    sources=next_contacts.SOURCES,
    digest=f"SELECT coalesce(max(value), '') FROM settings WHERE key = '{next_contacts.FINGERPRINT}'",
    build=_build,
    version=1,
    until=f"SELECT max(day) FROM {TABLE}",
)
