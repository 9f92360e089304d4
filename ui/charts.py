"""Plotly figures in one house style: calm colours, readable labels, no chart junk."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from crm_core.markup import html

PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16",
           "#64748b", "#f97316", "#14b8a6", "#a855f7"]


_HOUSE = dict(margin=dict(l=8, r=8, t=24, b=8), plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)",
              legend=dict(orientation="h", y=-0.18, title=None), hoverlabel=dict(namelength=-1), font=dict(size=13),
              xaxis=dict(showgrid=False, title=None, type="category"),
              yaxis=dict(gridcolor="rgba(128,128,128,0.2)", title=None, rangemode="tozero"))
GRID_X = dict(type="linear", showgrid=True, gridcolor="rgba(128,128,128,0.2)")  # horizontal bars: the grid on x
NO_GRID = "rgba(0,0,0,0)"


def layout(height: int = 360, **parts) -> dict:
    """The house style as a figure's layout, with ``parts`` merged in (a dict into the style's dict of the same
    name: ``yaxis=dict(title="days")`` keeps the rest of the axis's style). Figures take it when they are built:
    styling a built figure through update_layout / update_xaxes took about 10 ms a chart, 2 ms this way."""
    out = {**_HOUSE, "height": height}
    for name, value in parts.items():
        out[name] = {**out[name], **value} if isinstance(value, dict) and isinstance(out.get(name), dict) else value
    return out


def _style(fig: go.Figure, height: int = 360) -> go.Figure:
    """A figure plotly express built, in the house style (one update)."""
    return fig.update_layout(layout(height))


def _safe(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    """Labels from the data made literal: plotly reads tags such as <a> or <b> in text, the data must not."""
    return df.assign(**{c: df[c].map(html) for c in cols if c})


def period_bars(df: pd.DataFrame, x: str, y: str, color: str | None = None, barmode: str = "stack",
                y_label: str = "", height: int = 360, custom_data: list[str] | None = None) -> go.Figure:
    """Bars per period (x already formatted as labels), stacked or grouped by ``color``; ``custom_data``
    columns ride along for clicks."""
    fig = px.bar(_safe(df, color), x=x, y=y, color=color, barmode=barmode, color_discrete_sequence=PALETTE,
                 labels={y: y_label, x: "", **({color: ""} if color else {})}, custom_data=custom_data)
    small = len(df) and df[y].abs().max() < 8  # counts: no 0.5 ticks
    return fig.update_layout(layout(height, **({"yaxis": dict(dtick=1)} if small else {})))


def growth_trend(labels: list[str], new: list[int], churned: list[int], net: list[int],
                 names: tuple[str, str, str], keys: list[str] | None = None) -> go.Figure:
    """New customers up, churned down, net growth as a line: the customer base per period at a glance.
    A bar's customdata is (period key, metric), for clicks."""
    keys = keys or labels
    fig = go.Figure([
        go.Bar(x=labels, y=new, name=names[0], marker_color=PALETTE[0],
               customdata=[[k, "new_customers"] for k in keys]),
        go.Bar(x=labels, y=[-c for c in churned], name=names[1], marker_color=PALETTE[3],
               customdata=[[k, "churned_customers", c] for k, c in zip(keys, churned)],
               hovertemplate="%{customdata[2]}<extra>" + names[1] + "</extra>"),
        go.Scatter(x=labels, y=net, name=names[2], mode="lines+markers", line=dict(color=PALETTE[2], width=3)),
    ], layout=layout(380, barmode="relative"))
    return fig
