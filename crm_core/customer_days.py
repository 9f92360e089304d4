"""What the store keeps for counting customers per period: their dates counted per day, for the company and for
each department's subtree (as crm_core.next_contacts.DAYS does for contacted customers).

New, won, churned and next-contact customers are counts of one date column of the customers in scope (by their
current owner) per period. For the company or one department's subtree those counts are sums of this table's
rows: level ("company", "depth0" .. "depth3"), grp (the department at that depth above the owner's; NULL for the
company), col (created_at, won_at, lost_at or next_contact_at), day, n. A year is a few thousand rows per group
instead of every customer. Rebuilt inside the transaction of any write that changes customers, employees or
departments (crm_core.kept); Scope.customer_days hands out the group's rows.
"""

from __future__ import annotations

from . import next_contacts
from .kept import Kept

COLUMNS = ("created_at", "won_at", "lost_at", "next_contact_at")


def _build(cur) -> str:
    dated = " UNION ALL ".join(f"SELECT '{col}' AS col, {col}::DATE AS day, g0, g1, g2, g3 FROM c "
                               f"WHERE {col} IS NOT NULL" for col in COLUMNS)
    parts = ["SELECT 'company' AS level, NULL::VARCHAR AS grp, col, day, count(*) AS n FROM m GROUP BY ALL"]
    parts += [f"SELECT 'depth{d}', g{d}, col, day, count(*) FROM m WHERE g{d} IS NOT NULL GROUP BY ALL"
              for d in range(next_contacts.DEPTHS)]
    return f"""SELECT * FROM (
        WITH {next_contacts.groups_sql()},
        c AS (SELECT c.*, g.* EXCLUDE (employee_id) FROM customers c LEFT JOIN g ON g.employee_id = c.owner_id),
        m AS ({dated})
        {" UNION ALL ".join(parts)}) ORDER BY level, grp, col, day"""


KEPT = Kept(
    table="customer_days",
    sources=("customers", "employees", "departments"),
    digest=f"""SELECT
        (SELECT count(*) || ':' || coalesce(sum(hash(customer_id, owner_id, {', '.join(COLUMNS)})), 0) FROM customers),
        (SELECT coalesce(sum(hash(employee_id, department_id)), 0) FROM employees),
        (SELECT coalesce(sum(hash(department_id, parent_id)), 0) FROM departments)""",
    build=_build,
    version=1,
)
TABLE = KEPT.table
