"""Region outlines shipped with the app (data/boundaries/, built by data/boundaries/build.py): every Chinese
province (by its full official name, as the importer stores it) and US state (English name), plus the
world's land as a light background. Nothing is fetched at run time."""

from __future__ import annotations

import functools
import json
from pathlib import Path

BOUNDARIES = Path(__file__).resolve().parents[1] / "data" / "boundaries"


@functools.lru_cache(maxsize=1)
def regions() -> tuple[dict, ...]:
    """The shipped region features (GeoJSON dicts; properties: name, country "CN" / "US"), in file order."""
    with open(BOUNDARIES / "regions.geojson", encoding="utf-8") as f:
        return tuple(json.load(f)["features"])


@functools.lru_cache(maxsize=1)
def land() -> dict:
    """The world's land (without Antarctica) as one GeoJSON feature."""
    with open(BOUNDARIES / "land.geojson", encoding="utf-8") as f:
        return json.load(f)["features"][0]


@functools.lru_cache(maxsize=1)
def _by_name() -> dict[str, dict]:
    out = {}
    for feature in regions():
        name = feature["properties"]["name"]
        out[name] = feature
        out.setdefault(name.casefold(), feature)
    return out


def outline(region) -> dict | None:
    """The shipped feature of a normalised region name (exact, else ignoring case: "new york"), or None."""
    if not isinstance(region, str):
        return None
    found = _by_name()
    return found.get(region) or found.get(region.strip().casefold())
