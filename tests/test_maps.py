"""The regions map without a browser: the shipped outlines, the choropleth, the framing, the labels."""

import json
from itertools import combinations

import pandas as pd
import pytest

from crm_core import boundaries
from crm_core.metrics.distributions import regions as regions_report
from crm_core.scope import Scope
from ui import maps
from ui.maps import ORANGE, VIEW_H, VIEW_W, Frame, place_labels, region_deck, text_box

US_STATES = {
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware", "Florida",
    "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
    "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada",
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio", "Oklahoma",
    "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah",
    "Vermont", "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming"}


def layers_of(deck) -> dict:
    return {layer["id"]: layer for layer in json.loads(deck.to_json())["layers"]}


def report(rows) -> pd.DataFrame:
    """A ``regions`` report from (region, customers, lat, lon) rows, ranked like the real one."""
    df = pd.DataFrame(rows, columns=["region", "customers", "lat", "lon"])
    df = df.sort_values(["customers", "region"], ascending=[False, True]).reset_index(drop=True)
    df["top5"] = (df.index < 5) & (df.region != "(none)")
    return df


@pytest.fixture(scope="module")
def demo_report(demo_store):
    from crm_core.filters import Filters

    from conftest import DEMO_END

    scope = Scope(demo_store.backend(), Filters(start=pd.Timestamp("2026-01-01").date(), end=DEMO_END))
    return regions_report(scope)


def test_shipped_outlines_every_chinese_province_and_us_state_by_the_stored_name():
    import cpca

    feats = boundaries.regions()
    china = {f["properties"]["name"] for f in feats if f["properties"]["country"] == "CN"}
    us = {f["properties"]["name"] for f in feats if f["properties"]["country"] == "US"}
    provinces = {info.name for info in cpca.ad_2_addr_dict.values() if info.rank == 0}
    assert len(china) == 34 and china <= provinces | {"台湾省", "香港特别行政区", "澳门特别行政区"}
    assert {"广东省", "广西壮族自治区", "内蒙古自治区", "新疆维吾尔自治区", "北京市"} <= china
    assert us == US_STATES | {"District of Columbia", "Puerto Rico"}
    for f in feats:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        lons = [p[0] for ring in maps._rings(f["geometry"]) for p in ring]
        assert max(lons) - min(lons) < 60, f["properties"]["name"]  # nothing drawn across the whole world
    size = sum((boundaries.BOUNDARIES / n).stat().st_size for n in ("regions.geojson", "land.geojson"))
    assert size < 400_000
    assert boundaries.outline("new york")["properties"]["name"] == "New York" and boundaries.outline("Berlin") is None


def test_every_outline_is_drawn_and_the_top_five_polygons_are_highlighted(demo_report):
    deck = region_deck(demo_report, str, "{label}")
    layers = layers_of(deck)
    feats = layers["regions"]["data"]["features"]
    drawn = [f["properties"]["region"] for f in feats if f["geometry"]["type"] != "Point"]
    shipped = [f["properties"]["name"] for f in boundaries.regions()]
    assert sorted(drawn) == sorted(shipped)  # 34 provinces, the states, each once
    assert len([f for f in boundaries.regions() if f["properties"]["country"] == "CN"]) == 34
    top5 = demo_report[demo_report.top5].region.tolist()
    highlighted = [f["properties"]["region"] for f in layers["top5"]["data"]["features"]]
    assert highlighted == top5
    by_region = {f["properties"]["region"]: f for f in feats}
    for region in top5:
        assert by_region[region]["properties"]["fill"] == ORANGE
        assert by_region[region]["geometry"] == boundaries.outline(region)["geometry"]
    others = [f["properties"] for f in feats if not f["properties"]["top5"]]
    assert all(p["fill"] != ORANGE for p in others)
    # Sequential: a region with more customers is never lighter than one with fewer.
    shaded = sorted((p["customers"], sum(p["fill"][:3])) for p in others if p["customers"])
    assert all(a[1] >= b[1] for a, b in zip(shaded, shaded[1:]))
    empty = [p for p in others if not p["customers"]]
    assert empty and all(p["fill"] == maps.EMPTY_FILL for p in empty)
    # Regions with customers but no shipped outline (other countries) are dots where the report placed them.
    dots = {f["properties"]["region"] for f in feats if f["geometry"]["type"] == "Point"}
    placed = demo_report[demo_report.lat.notna() & (demo_report.region != "(none)")].region
    assert dots == {r for r in placed if boundaries.outline(r) is None}
    assert layers["regions"]["pickable"] and layers["top5"]["pickable"]


def test_the_initial_view_frames_china_and_the_us_together():
    df = report([("广东省", 900, 23.13, 113.27), ("北京市", 800, 39.9, 116.4), ("新疆维吾尔自治区", 50, 43.8, 87.6),
                 ("New York", 300, 40.9, -74.1), ("California", 200, 35.2, -119.2), ("Washington", 100, 47.3, -121.6)])
    deck = region_deck(df, str, "{label}")
    view = json.loads(deck.to_json())["initialViewState"]
    # Across the Pacific (the narrower way round), not across Europe.
    assert view["longitude"] > 150 or view["longitude"] < -150
    frame = Frame([maps._extent(boundaries.outline(r)["geometry"]) for r in df.region])
    for region in df.region:
        lon0, lon1, lat0, lat1 = maps._extent(boundaries.outline(region)["geometry"])
        for lon, lat in ((lon0, lat0), (lon1, lat1), (lon0, lat1), (lon1, lat0)):
            x, y = frame.pixel(lon, lat)
            assert 0 <= x <= VIEW_W and 0 <= y <= VIEW_H, (region, x, y)
    assert frame.zoom == pytest.approx(view["zoom"], abs=1e-3)
    # China alone is framed closer than China and the US.
    china = region_deck(df[~df.region.isin(["New York", "California", "Washington"])], str, "{label}")
    assert json.loads(china.to_json())["initialViewState"]["zoom"] > view["zoom"] + 1


def test_the_demo_view_holds_every_placed_region(demo_report):
    deck = region_deck(demo_report, str, "{label}")
    view = json.loads(deck.to_json())["initialViewState"]
    feats = layers_of(deck)["regions"]["data"]["features"]
    frame = Frame([maps._extent(f["geometry"]) for f in feats if f["properties"]["customers"]])
    assert frame.zoom == pytest.approx(view["zoom"], abs=1e-3)
    for lat, lon in zip(demo_report.lat.dropna(), demo_report.lon.dropna()):
        x, y = frame.pixel(lon, lat)
        assert 0 <= x <= VIEW_W and 0 <= y <= VIEW_H


def boxes(labels):
    return [(r["x"] - r["width"] / 2, r["y"] - r["height"] / 2, r["x"] + r["width"] / 2, r["y"] + r["height"] / 2)
            for r in labels]


def overlapping(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("zoom_in", [False, True])
def test_top_five_labels_do_not_overlap_and_stay_in_view(demo_report, zoom_in):
    df = demo_report
    if zoom_in:  # five neighbours in the Yangtze delta only, framed close: the hardest case for labels
        df = report([("上海市", 500, 31.23, 121.47), ("江苏省", 400, 32.06, 118.76), ("浙江省", 300, 30.27, 120.15),
                     ("安徽省", 200, 31.73, 117.33), ("山东省", 100, 36.67, 117.02), ("福建省", 50, 26.1, 119.3)])
    labels = layers_of(region_deck(df, str, "{label}"))["top5-labels"]["data"]
    assert len(labels) == 5 and [r["caption"].split(".")[0] for r in labels] == ["1", "2", "3", "4", "5"]
    for a, b in combinations(boxes(labels), 2):
        assert not overlapping(a, b), (a, b)
    for x0, y0, x1, y1 in boxes(labels):
        assert 0 <= x0 and x1 <= VIEW_W and 0 <= y0 and y1 <= VIEW_H


def test_label_placement_spreads_labels_that_share_one_spot():
    anchors = [(300.0, 200.0)] * 5
    sizes = [text_box(f"{i}. 新疆维吾尔自治区 12,345") for i in range(1, 6)]
    centres = place_labels(anchors, sizes)
    placed = [(x - w / 2, y - h / 2, x + w / 2, y + h / 2) for (x, y), (w, h) in zip(centres, sizes)]
    for a, b in combinations(placed, 2):
        assert not overlapping(a, b)


def test_a_click_on_an_outline_selects_its_region():
    from types import SimpleNamespace

    from ui.drilldown import deck_clicked

    feature = {"type": "Feature", "geometry": None, "properties": {"region": "广东省", "customers": 3}}
    event = SimpleNamespace(selection=SimpleNamespace(objects={"regions": [feature]}))
    assert deck_clicked(event, ("top5", "regions"), "region") == "广东省"
    event = SimpleNamespace(selection=SimpleNamespace(objects={"top5": [{"region": "北京市"}]}))
    assert deck_clicked(event, ("top5", "regions"), "region") == "北京市"


def test_an_empty_report_still_draws_the_outlines():
    empty = pd.DataFrame({"region": pd.Series(dtype=object), "customers": pd.Series(dtype="int64"),
                          "lat": pd.Series(dtype=float), "lon": pd.Series(dtype=float), "top5": pd.Series(dtype=bool)})
    layers = layers_of(region_deck(empty, str, "{label}"))
    assert len(layers["regions"]["data"]["features"]) == len(boundaries.regions())
    assert layers["top5"]["data"]["features"] == [] and layers["top5-labels"]["data"] == []
