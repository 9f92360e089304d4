"""Chinese places written any way ("广东", "广东省", "深圳", an address) to the official province name,
the city, and the centroid for the map, by cpca. Other places (US states, foreign cities) stay as written.

Works on the distinct (region, city, address) combinations of a file, which are few next to its rows.
"""

from __future__ import annotations

import math

import pandas as pd


def _centroid(adcode: str, level: int) -> tuple[float, float] | tuple[None, None]:
    import cpca

    code = (adcode[:level] + "0" * (6 - level)) + "000000"
    info = cpca.ad_2_addr_dict.get(code)
    if info is None or info.latitude in (None, ""):
        return None, None
    return float(info.latitude), float(info.longitude)


def _text(v) -> str | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v == "" else str(v)


def normalise_places(places: pd.DataFrame) -> pd.DataFrame:
    """For columns region, city, address (text or None): the normalised region and city, lat and lon.

    A recognised Chinese province gets its full name (广东 -> 广东省); a city alone gives its province
    (深圳 -> 广东省, city 深圳市); anything cpca does not know is kept as written, with no centroid.
    """
    import cpca

    out = places[["region", "city", "address"]].copy()
    queries = []
    for region, city, address in out.itertuples(index=False):
        region, city, address = _text(region), _text(city), _text(address)
        queries.append((region or "") + (city or "") if (region or city) else (address or ""))
    found = cpca.transform(queries) if queries else pd.DataFrame(columns=["省", "市", "adcode"])
    regions, cities, lats, lons = [], [], [], []
    for (region, city, _address), province, town, adcode in zip(
            out.itertuples(index=False), found["省"], found["市"], found["adcode"]):
        region, city, province, town, adcode = map(_text, (region, city, province, town, adcode))
        if province is None:  # not a Chinese place: keep what the file says
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
