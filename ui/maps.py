"""The regions map: a choropleth over outlines shipped with the app (data/boundaries/), so it reads as a map
with no tiles at all (offline the token-free basemap stays blank; these layers do not need it).

Layers (by id): "land" the world's land, a light background; "regions" every Chinese province and US state
outline drawn lightly, those with customers filled by count (a sequential blue), plus a dot for a region
with customers that has no shipped outline (another country's, or a name as written); "top5-glow" and
"top5" the five largest regions in the highlight colour; "top5-leaders" and "top5-labels" their rank, name
and count, placed so that no two labels overlap at the initial view (nor closer in). "regions" and "top5"
are pickable: a click selects the region (GeoJSON objects carry it in ``properties``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from crm_core import boundaries
from crm_core.regions import NONE

MAP_HEIGHT = 460
VIEW_W, VIEW_H = 680, MAP_HEIGHT  # the narrowest the full-width map gets on a desktop (px): the frame fits it
LAND = [226, 232, 240, 255]
EMPTY_FILL = [236, 240, 245, 255]  # land-like: a region without customers is not sea
OUTLINE = [148, 163, 184, 255]
LIGHT, DARK = np.array([191, 219, 254]), np.array([30, 64, 175])  # blue, few -> many customers
ORANGE = [245, 101, 11, 240]
ORANGE_LINE = [154, 52, 18, 255]
GLOW = [251, 191, 36, 150]
LABEL_SIZE = 15
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, Helvetica Neue, Arial, sans-serif"
LABEL_PAD = (4, 2)


def shade(customers, low: int, high: int) -> list[int]:
    """The fill of a region with ``customers`` on a log scale between the fewest (``low``) and most (``high``)."""
    if not customers or customers <= 0:
        return EMPTY_FILL
    t = 1.0 if high <= low else (math.log(customers) - math.log(low)) / (math.log(high) - math.log(low))
    rgb = LIGHT + (DARK - LIGHT) * min(max(t, 0.0), 1.0)
    return [int(round(c)) for c in rgb] + [235]


# ---- geometry: web mercator as deck.gl draws it (the world is 512 * 2**zoom px wide) -----------------------

def _merc_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _lat(merc_y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(merc_y)) - math.pi / 2)


def _rings(geometry: dict):
    if geometry["type"] == "Polygon":
        return geometry["coordinates"][:1]
    if geometry["type"] == "MultiPolygon":
        return [p[0] for p in geometry["coordinates"]]
    return [[geometry["coordinates"]]] if geometry["type"] == "Point" else []


def _extent(geometry: dict) -> tuple[float, float, float, float]:
    """lon0, lon1, lat0, lat1 of a feature (longitudes as written, -180..180)."""
    pts = [p for ring in _rings(geometry) for p in ring]
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    return min(lons), max(lons), min(lats), max(lats)


def _arc(intervals: list[tuple[float, float]]) -> tuple[float, float]:
    """The shortest longitude arc (start, end; end may pass 180) covering every interval: the complement of the
    widest gap between them on the circle, so China and the US meet across the Pacific, not across Europe."""
    spans = sorted((a % 360, a % 360 + (b - a)) for a, b in intervals)
    merged = [list(spans[0])]
    for a, b in spans[1:]:
        if a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    gaps = [(merged[i + 1][0] - merged[i][1], i + 1) for i in range(len(merged) - 1)]
    gaps.append((merged[0][0] + 360 - merged[-1][1], 0))
    width, k = max(gaps)
    if width <= 0:
        return -180.0, 180.0
    start = merged[k][0]
    length = merged[-1][1] - start if k == 0 else merged[k - 1][1] + 360 - start
    lo = (start + 180) % 360 - 180
    return lo, lo + length


class Frame:
    """The initial view: the data's outlines (or positions) fitted into VIEW_W x VIEW_H with a margin."""

    def __init__(self, extents: list[tuple[float, float, float, float]], width=VIEW_W, height=VIEW_H):
        self.width, self.height = width, height
        lon0, lon1 = _arc([(e[0], e[1]) for e in extents])
        lat0, lat1 = min(e[2] for e in extents), max(e[3] for e in extents)
        span_x = max(lon1 - lon0, 4.0) / 360
        y0, y1 = _merc_y(lat0), _merc_y(lat1)
        span_y = max(y1 - y0, 0.07) / (2 * math.pi)
        zoom = math.log2(min(width * 0.86 / span_x, height * 0.80 / span_y) / 512)
        self.zoom = max(0.0, min(7.0, zoom))
        self.lon0 = lon0
        self.centre_lon = (lon0 + lon1) / 2
        self.centre_y = (y0 + y1) / 2
        self.scale = 512 * 2 ** self.zoom  # px per world width

    def unwrap(self, lon: float) -> float:
        """A longitude moved by whole turns into the framed arc (so positions across 180 stay together)."""
        return self.lon0 + (lon - self.lon0) % 360

    def pixel(self, lon: float, lat: float) -> tuple[float, float]:
        """Screen position (px from the top left of the view) of a place."""
        x = (self.unwrap(lon) - self.centre_lon) / 360 * self.scale + self.width / 2
        y = -(_merc_y(lat) - self.centre_y) / (2 * math.pi) * self.scale + self.height / 2
        return x, y

    def place(self, x: float, y: float) -> tuple[float, float]:
        """(lon, lat) at a screen position; the longitude unwrapped next to the framed arc."""
        lon = self.centre_lon + (x - self.width / 2) / self.scale * 360
        return lon, _lat(self.centre_y - (y - self.height / 2) / self.scale * 2 * math.pi)

    def view_state(self) -> pdk.ViewState:
        lon = (self.centre_lon + 180) % 360 - 180
        return pdk.ViewState(latitude=_lat(self.centre_y), longitude=lon, zoom=round(self.zoom, 3), pitch=0,
                             bearing=0)


# ---- labels: greedy placement of the top-5 captions, nearest free spot first ------------------------------

def text_box(text: str, size: float = LABEL_SIZE) -> tuple[float, float]:
    """Width and height (px) a caption takes with its background: CJK glyphs about a square, others about 0.6."""
    width = sum(size if ord(ch) >= 0x2E80 else 0.62 * size for ch in text)
    return width + 2 * LABEL_PAD[0] + 2, size * 1.25 + 2 * LABEL_PAD[1] + 2


def _overlap(a, b, gap: float = 3.0) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def place_labels(anchors: list[tuple[float, float]], sizes: list[tuple[float, float]], width=VIEW_W,
                 height=VIEW_H) -> list[tuple[float, float]]:
    """Centres (px) for labels of ``sizes`` near ``anchors`` (px), in order, so that no label overlaps
    another, covers an anchor, or leaves the view when it can help it."""
    boxes: list[tuple] = []
    marks = [(x - 4, y - 4, x + 4, y + 4) for x, y in anchors]
    out = []
    directions = [(0, -1), (1, 0), (0, 1), (-1, 0), (1, -1), (1, 1), (-1, 1), (-1, -1),
                  (2, -1), (2, 1), (-2, 1), (-2, -1), (1, -2), (1, 2), (-1, 2), (-1, -2)]
    for (ax, ay), (w, h) in zip(anchors, sizes):
        best = None
        for step in range(0, 40):
            r = 14 + step * 10
            for dx, dy in directions:
                n = math.hypot(dx, dy)
                # the label's nearest edge sits r px from the anchor in that direction
                cx = ax + dx / n * r + (w / 2) * (1 if dx > 0 else -1 if dx < 0 else 0)
                cy = ay + dy / n * r + (h / 2) * (1 if dy > 0 else -1 if dy < 0 else 0)
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                inside = box[0] >= 2 and box[1] >= 2 and box[2] <= width - 2 and box[3] <= height - 2
                if any(_overlap(box, b) for b in boxes) or any(_overlap(box, m, 0) for m in marks):
                    continue
                if inside:
                    best = (cx, cy, box)
                    break
                best = best or (cx, cy, box)  # off the view only if nothing inside is free
            if best and best[2][0] >= 2 and best[2][2] <= width - 2 and best[2][1] >= 2 and best[2][3] <= height - 2:
                break
        cx, cy, box = best
        boxes.append(box)
        out.append((cx, cy))
    return out


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation: pydeck indents every coordinate onto its own line, which makes
    the outlines' few hundred KB into megabytes sent on every rerun."""

    def to_json(self):
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"), ensure_ascii=False)


# ---- the deck --------------------------------------------------------------------------------------------

def _feature(geometry: dict, props: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def region_deck(df: pd.DataFrame, label, tooltip: str) -> pdk.Deck:
    """The map of a ``regions`` report. ``label(region) -> str`` names a region for the viewer;
    ``tooltip`` is the hover text, with {label} and {customers_text} placeholders as deck.gl writes them."""
    rows = df[df["region"] != NONE]
    counts = {r: int(n) for r, n in zip(rows["region"], rows["customers"]) if n}
    low, high = (min(counts.values()), max(counts.values())) if counts else (1, 1)
    top5 = [r for r, top in zip(rows["region"], rows["top5"]) if top]
    rank = {r: i + 1 for i, r in enumerate(top5)}
    positions = {r: (lon, lat) for r, lon, lat in zip(rows["region"], rows["lon"], rows["lat"])
                 if pd.notna(lon) and pd.notna(lat)}

    def props(region, customers, shape: bool):
        return {"region": region, "label": label(region), "customers": customers,
                "customers_text": f"{customers:,}", "top5": region in rank, "rank": rank.get(region, 0),
                "fill": ORANGE if region in rank else shade(customers, low, high),
                "line": ORANGE_LINE if region in rank else OUTLINE,
                "radius": 4 + 8 * math.sqrt(customers / high) if customers and not shape else 0}

    features, shaped = [], {}
    for outline in boundaries.regions():
        name = outline["properties"]["name"]
        region = next((r for r in counts if boundaries.outline(r) is outline), name)
        shaped[region] = outline
        features.append(_feature(outline["geometry"], props(region, counts.get(region, 0), True)))
    for region, customers in counts.items():  # regions with customers but no shipped outline: a dot
        if region not in shaped and region in positions:
            lon, lat = positions[region]
            features.append(_feature({"type": "Point", "coordinates": [float(lon), float(lat)]},
                                     props(region, customers, False)))
    top_features = sorted((f for f in features if f["properties"]["top5"]), key=lambda f: f["properties"]["rank"])

    extents = [_extent(f["geometry"]) for f in features if f["properties"]["customers"]]
    if not extents:
        extents = [(73.5, 135.0, 18.0, 53.5)]  # China
    frame = Frame(extents)

    # Labels of the top 5 at their report position (else the middle of their outline), spread apart.
    anchors_ll = []
    for f in top_features:
        region = f["properties"]["region"]
        if region in positions:
            anchors_ll.append(tuple(map(float, positions[region])))
        else:
            lon0, lon1, lat0, lat1 = _extent(f["geometry"])
            anchors_ll.append(((lon0 + lon1) / 2, (lat0 + lat1) / 2))
    captions = [f"{f['properties']['rank']}. {f['properties']['label']} {f['properties']['customers_text']}"
                for f in top_features]
    anchors_px = [frame.pixel(lon, lat) for lon, lat in anchors_ll]
    centres = place_labels(anchors_px, [text_box(c) for c in captions])
    labels = []
    for f, caption, (alon, alat), (ax, ay), (cx, cy) in zip(top_features, captions, anchors_ll, anchors_px, centres):
        lon, lat = frame.place(cx, cy)
        alon = frame.unwrap(alon)
        labels.append({"region": f["properties"]["region"], "caption": caption, "lon": lon, "lat": lat,
                       "anchor_lon": alon, "anchor_lat": alat, "x": cx, "y": cy,
                       "width": text_box(caption)[0], "height": text_box(caption)[1]})
    labels = pd.DataFrame(labels, columns=["region", "caption", "lon", "lat", "anchor_lon", "anchor_lat", "x", "y",
                                           "width", "height"])

    layers = [
        pdk.Layer("GeoJsonLayer", id="land", data=_collection([boundaries.land()]), filled=True, stroked=False,
                  get_fill_color=LAND, pickable=False),
        pdk.Layer("GeoJsonLayer", id="regions", data=_collection(features), filled=True, stroked=True,
                  get_fill_color="properties.fill", get_line_color="properties.line", line_width_units='"pixels"',
                  get_line_width=0.8, point_type='"circle"', get_point_radius="properties.radius",
                  point_radius_units='"pixels"', pickable=True, auto_highlight=True),
        pdk.Layer("GeoJsonLayer", id="top5-glow", data=_collection(top_features), filled=False, stroked=True,
                  get_line_color=GLOW, line_width_units='"pixels"', get_line_width=7, point_type='"circle"',
                  get_point_radius=16, point_radius_units='"pixels"', pickable=False),
        pdk.Layer("GeoJsonLayer", id="top5", data=_collection(top_features), filled=True, stroked=True,
                  get_fill_color=ORANGE, get_line_color=ORANGE_LINE, line_width_units='"pixels"', get_line_width=1.5,
                  point_type='"circle"', get_point_radius=10, point_radius_units='"pixels"', pickable=True,
                  auto_highlight=True),
        pdk.Layer("LineLayer", id="top5-leaders", data=labels, get_source_position=["anchor_lon", "anchor_lat"],
                  get_target_position=["lon", "lat"], get_color=[71, 85, 105, 220], get_width=1.2,
                  width_units='"pixels"', pickable=False),
        pdk.Layer("TextLayer", id="top5-labels", data=labels, get_position=["lon", "lat"], get_text="caption",
                  get_size=LABEL_SIZE, size_units='"pixels"', get_color=[30, 30, 30, 255],
                  character_set='"auto"', font_family=f'"{FONT}"',  # quoted: pydeck reads a bare string as an expression
                  get_text_anchor='"middle"', get_alignment_baseline='"center"', background=True,
                  get_background_color=[255, 255, 255, 235], get_border_color=[154, 52, 18, 200], get_border_width=1,
                  background_padding=list(LABEL_PAD), pickable=False),
    ]
    return CompactDeck(layers=layers, initial_view_state=frame.view_state(), map_provider="carto", map_style="light",
                    views=[pdk.View(type="MapView", controller=True, repeat=True)], tooltip={"text": tooltip})
