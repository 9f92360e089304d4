"""The regions map: pydeck layers over a token-free basemap (blank offline; the layers still draw).

Layers (by id): "regions" every placed region as a circle sized by its customers; "top5-glow" and "top5"
the five largest regions as a bright halo with a solid core, so they stand out at a glance; "top5-labels"
their rank, name and count. "regions" and "top5" are pickable: a click selects the region.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pydeck as pdk

MAX_RADIUS_M = 160_000
MIN_RADIUS_M = 12_000
BLUE = [37, 99, 235, 150]
ORANGE = [245, 101, 11, 235]
GLOW = [251, 191, 36, 90]


def _view(df: pd.DataFrame) -> pdk.ViewState:
    """Centre and zoom on where most customers are (weighted 5%-95% of the positions)."""
    w = df["customers"].to_numpy(float)

    def wq(values, q):
        order = np.argsort(values)
        cum = np.cumsum(w[order]) / w.sum()
        return float(values[order][min(np.searchsorted(cum, q), len(values) - 1)])

    lat, lon = df["lat"].to_numpy(float), df["lon"].to_numpy(float)
    lat0, lat1, lon0, lon1 = wq(lat, 0.05), wq(lat, 0.95), wq(lon, 0.05), wq(lon, 0.95)
    span = max(lon1 - lon0, (lat1 - lat0) * 1.4, 2.0)
    zoom = max(1.0, min(8.0, math.log2(360 / span) - 0.6))
    return pdk.ViewState(latitude=(lat0 + lat1) / 2, longitude=(lon0 + lon1) / 2, zoom=zoom, pitch=0)


def region_deck(df: pd.DataFrame, label, tooltip: str) -> pdk.Deck:
    """The map of a ``regions`` report. ``label(region) -> str`` names a region for the viewer;
    ``tooltip`` is the hover text, with {label} and {customers_text} placeholders as deck.gl writes them."""
    placed = df[df["lat"].notna() & df["lon"].notna()].copy()
    if placed.empty:
        return pdk.Deck(layers=[], initial_view_state=pdk.ViewState(latitude=35, longitude=105, zoom=2.5),
                        map_provider="carto", map_style="light")
    top = max(int(placed["customers"].max()), 1)
    placed["radius"] = MIN_RADIUS_M + (MAX_RADIUS_M - MIN_RADIUS_M) * np.sqrt(placed["customers"] / top)
    placed["label"] = placed["region"].map(label)
    placed["customers_text"] = placed["customers"].map(lambda n: f"{int(n):,}")
    placed = placed[["region", "label", "customers", "customers_text", "lat", "lon", "radius", "top5"]]
    top5 = placed[placed["top5"]].copy()
    top5["rank"] = range(1, len(top5) + 1)
    top5["caption"] = [f"{r}. {lbl} {txt}" for r, lbl, txt in zip(top5["rank"], top5["label"], top5["customers_text"])]
    rest = placed[~placed["top5"]]
    layers = [
        pdk.Layer("ScatterplotLayer", id="regions", data=rest, get_position=["lon", "lat"], get_radius="radius",
                  get_fill_color=BLUE, get_line_color=[255, 255, 255, 200], line_width_min_pixels=1, stroked=True,
                  pickable=True, auto_highlight=True),
        pdk.Layer("ScatterplotLayer", id="top5-glow", data=top5, get_position=["lon", "lat"],
                  get_radius="radius * 1.9", get_fill_color=GLOW, get_line_color=[251, 146, 60, 160],
                  line_width_min_pixels=3, stroked=True, pickable=False),
        pdk.Layer("ScatterplotLayer", id="top5", data=top5, get_position=["lon", "lat"], get_radius="radius",
                  get_fill_color=ORANGE, get_line_color=[255, 255, 255, 255], line_width_min_pixels=2,
                  stroked=True, pickable=True, auto_highlight=True),
        pdk.Layer("TextLayer", id="top5-labels", data=top5, get_position=["lon", "lat"], get_text="caption",
                  get_size=16, size_units='"pixels"', size_min_pixels=13, get_color=[30, 30, 30, 255], get_pixel_offset=[0, -22], character_set='"auto"',  # quoted: pydeck reads a bare string as an expression
                  get_text_anchor='"middle"', get_alignment_baseline='"bottom"', background=True,
                  get_background_color=[255, 255, 255, 220], background_padding=[4, 2], pickable=False),
    ]
    return pdk.Deck(layers=layers, initial_view_state=_view(placed), map_provider="carto", map_style="light",
                    tooltip={"text": tooltip})
