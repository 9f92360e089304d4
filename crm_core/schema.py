"""The canonical tables (DESIGN.md, "Data model"): the one place column names and types live.

Timestamps are the company's local wall-clock time (TIMESTAMP, no time zone). Ids are text, so that
ids from any source CRM ("C0001", Salesforce's "0015g00000AbCdE") load as they are.
"""

from __future__ import annotations

SCHEMA_VERSION = 2  # 2: employees.role, department_tree, regions normalised when written

TABLES: dict[str, dict[str, str]] = {
    "departments": {
        "department_id": "VARCHAR PRIMARY KEY",
        "name": "VARCHAR NOT NULL",
        "parent_id": "VARCHAR",
    },
    "employees": {
        "employee_id": "VARCHAR PRIMARY KEY",
        "name": "VARCHAR NOT NULL",
        "department_id": "VARCHAR",
        "email": "VARCHAR",
        "active": "BOOLEAN DEFAULT TRUE",
        "role": "VARCHAR",  # admin, manager or rep (empty: rep); see ROLES
    },
    # Every (ancestor, descendant) pair of the department tree, a department being its own at depth 0.
    # Derived from departments and rebuilt by Store.write in the transaction of every write.
    "department_tree": {
        "ancestor_id": "VARCHAR NOT NULL",
        "descendant_id": "VARCHAR NOT NULL",
        "depth": "INTEGER NOT NULL",
    },
    "customers": {
        "customer_id": "VARCHAR PRIMARY KEY",
        "name": "VARCHAR NOT NULL",
        "owner_id": "VARCHAR",
        "created_at": "TIMESTAMP NOT NULL",
        "source": "VARCHAR",
        "category": "VARCHAR",
        "industry": "VARCHAR",
        "size": "VARCHAR",
        "country": "VARCHAR",
        "region": "VARCHAR",
        "city": "VARCHAR",
        "lat": "DOUBLE",
        "lon": "DOUBLE",
        "assigned_at": "TIMESTAMP",
        "won_at": "TIMESTAMP",
        "lost_at": "TIMESTAMP",
        "next_contact_at": "TIMESTAMP",
        "birthday": "DATE",
        "pool": "VARCHAR",
    },
    "follow_ups": {
        "follow_up_id": "VARCHAR PRIMARY KEY",
        "customer_id": "VARCHAR NOT NULL",
        "employee_id": "VARCHAR",
        "contacted_at": "TIMESTAMP NOT NULL",
        "channel": "VARCHAR",
        "next_contact_at": "TIMESTAMP",
        "note": "VARCHAR",
    },
    "deals": {
        "deal_id": "VARCHAR PRIMARY KEY",
        "customer_id": "VARCHAR",
        "owner_id": "VARCHAR",
        "product": "VARCHAR",
        "stage": "VARCHAR",
        "amount": "DOUBLE",
        "created_at": "TIMESTAMP",
        "expected_close_at": "TIMESTAMP",
        "closed_at": "TIMESTAMP",
        "status": "VARCHAR",
    },
    "deal_stage_history": {
        "deal_id": "VARCHAR NOT NULL",
        "stage": "VARCHAR NOT NULL",
        "entered_at": "TIMESTAMP NOT NULL",
    },
    "targets": {
        "period_start": "DATE NOT NULL",
        "period": "VARCHAR NOT NULL",
        "employee_id": "VARCHAR",
        "department_id": "VARCHAR",
        "metric": "VARCHAR NOT NULL",
        "target": "DOUBLE NOT NULL",
    },
    "pool_events": {
        "event_id": "VARCHAR PRIMARY KEY",
        "customer_id": "VARCHAR NOT NULL",
        "employee_id": "VARCHAR",
        "pool": "VARCHAR",
        "action": "VARCHAR NOT NULL",
        "at": "TIMESTAMP NOT NULL",
    },
    "customer_tags": {
        "customer_id": "VARCHAR NOT NULL",
        "tag": "VARCHAR NOT NULL",
    },
    "customer_fields": {
        "customer_id": "VARCHAR NOT NULL",
        "field": "VARCHAR NOT NULL",
        "value": "VARCHAR",
    },
    "surveys": {
        "survey_id": "VARCHAR PRIMARY KEY",
        "customer_id": "VARCHAR",
        "responded_at": "TIMESTAMP NOT NULL",
        "score": "INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10)",
    },
    # Key/value settings: schema_version, data_version (bumped by every write), deal_stages, pool rules.
    "settings": {
        "key": "VARCHAR PRIMARY KEY",
        "value": "VARCHAR",
    },
}

DEFAULT_DEAL_STAGES = ("lead", "qualified", "proposal", "negotiation", "won")
STAGES_SETTING = "deal_stages"  # the setting that orders the deal stages (comma-separated), else the default
DEAL_STATUSES = ("open", "won", "lost")
POOL_ACTIONS = ("reclaimed", "released", "claimed")
PERIODS = ("day", "week", "month", "quarter", "year")
ROLES = ("admin", "manager", "rep")

# Who a record belongs to (DESIGN.md, "Who sees what"): the employee column of each table, or the table
# (and key) whose record it belongs with. The Scope narrows every table by this map and nothing else.
ATTRIBUTION: dict[str, str] = {
    "customers": "owner_id",
    "follow_ups": "employee_id",
    "deals": "owner_id",
    "pool_events": "employee_id",
    "employees": "employee_id",
}
ATTRIBUTED_VIA: dict[str, tuple[str, str]] = {
    "customer_tags": ("customers", "customer_id"),
    "customer_fields": ("customers", "customer_id"),
    "surveys": ("customers", "customer_id"),
    "deal_stage_history": ("deals", "deal_id"),
}
# Tables every viewer reads whole: the org chart (names for labels) and the settings.
SHARED = ("departments", "department_tree", "settings")


def columns(table: str) -> list[str]:
    """Column names of a canonical table, in order."""
    return list(TABLES[table])


def create_statements() -> list[str]:
    """DDL creating every canonical table that does not exist yet."""
    return [
        f'CREATE TABLE IF NOT EXISTS {name} ('
        + ", ".join(f'"{col}" {typ}' for col, typ in cols.items())
        + ")"
        for name, cols in TABLES.items()
    ]
