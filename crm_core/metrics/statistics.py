"""The statistics module's reports as REPORTS runs them: (backend, filters, opts) -> DataFrame.

The CLI contract (DESIGN.md): categories, tags, custom-field --field F, customers-per-owner, regions,
pool-risk (--as-of, --rule-days, --window-days), pool-claims. The others serve the pages: the custom fields
present, the department roll-up, follow-up hygiene and the drill-down customer list.
"""

from __future__ import annotations

import pandas as pd

from .. import customer_list as cl
from ..errors import UserError
from . import distributions, owners, pool


def categories(backend, filters, opts) -> pd.DataFrame:
    return distributions.categories(backend, filters)


def tags(backend, filters, opts) -> pd.DataFrame:
    return distributions.tags(backend, filters)


def custom_field(backend, filters, opts) -> pd.DataFrame:
    field = opts.get("field")
    if not field:
        known = distributions.custom_fields(backend)["field"].tolist()
        raise UserError("custom-field needs --field NAME; the fields in this database: "
                          + (", ".join(known) if known else "none yet"))
    return distributions.custom_field(backend, filters, field)


def custom_fields(backend, filters, opts) -> pd.DataFrame:
    return distributions.custom_fields(backend)


def regions(backend, filters, opts) -> pd.DataFrame:
    return distributions.regions(backend, filters)


def customers_per_owner(backend, filters, opts) -> pd.DataFrame:
    return owners.customers_per_owner(backend, filters)


def owners_by_department(backend, filters, opts) -> pd.DataFrame:
    return owners.owners_by_department(backend, filters)


def pool_risk(backend, filters, opts) -> pd.DataFrame:
    return pool.pool_risk(backend, filters, opts.get("as_of"), opts.get("rule_days"), opts.get("window_days"))


def pool_claims(backend, filters, opts) -> pd.DataFrame:
    return pool.pool_claims(backend, filters)


def followup_hygiene(backend, filters, opts) -> pd.DataFrame:
    return pool.followup_hygiene(backend, filters, opts.get("as_of"))


def customer_list(backend, filters, opts) -> pd.DataFrame:
    """opts: dimension, value, search, limit and the dimension's own (field, contacted, as_of, ...)."""
    opts = {k: v for k, v in opts.items() if k != "by"}
    return cl.customer_list(backend, filters, opts.pop("dimension", "all"), opts.pop("value", None), **opts)


def customer_count(backend, filters, opts) -> pd.DataFrame:
    """One row, one column ``customers``: the size of the drill-down customer-list shows (before its limit)."""
    opts = {k: v for k, v in opts.items() if k not in ("by", "limit")}
    n = cl.customer_count(backend, filters, opts.pop("dimension", "all"), opts.pop("value", None), **opts)
    return pd.DataFrame({"customers": [n]})
