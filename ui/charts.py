"""Plotly figures in one house style: calm colours, readable labels, no chart junk."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from crm_core.markup import html

PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16",
           "#64748b", "#f97316", "#14b8a6", "#a855f7"]


def _style(fig: go.Figure, height: int = 360) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=8, r=8, t=24, b=8), plot_bgcolor="rgba(0,0,0,0)",
                      paper_bgcolor="rgba(0,0,0,0)", legend=dict(orientation="h", y=-0.18, title=None),
                      hoverlabel=dict(namelength=-1), font=dict(size=13))
    fig.update_xaxes(showgrid=False, title=None, type="category")
    fig.update_yaxes(gridcolor="rgba(128,128,128,0.2)", title=None, rangemode="tozero")
    return fig


def _safe(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    """Labels from the data made literal: plotly reads tags such as <a> or <b> in text, the data must not."""
    return df.assign(**{c: df[c].map(html) for c in cols if c})


def period_bars(df: pd.DataFrame, x: str, y: str, color: str | None = None, barmode: str = "stack",
                y_label: str = "", height: int = 360, custom_data: list[str] | None = None) -> go.Figure:
    """Bars per period (x already formatted as labels), stacked or grouped by ``color``; ``custom_data``
    columns ride along for clicks."""
    fig = px.bar(_safe(df, color), x=x, y=y, color=color, barmode=barmode, color_discrete_sequence=PALETTE,
                 labels={y: y_label, x: "", **({color: ""} if color else {})}, custom_data=custom_data)
    fig = _style(fig, height)
    if len(df) and df[y].abs().max() < 8:
        fig.update_yaxes(dtick=1)  # counts: no 0.5 ticks
    return fig


def sparkline(values: list, height: int = 70) -> go.Figure:
    """A small trend line for a KPI card."""
    fig = go.Figure(go.Scatter(y=values, mode="lines", line=dict(color=PALETTE[0], width=2), fill="tozeroy",
                               fillcolor="rgba(37,99,235,0.12)", hoverinfo="skip"))
    fig.update_layout(height=height, margin=dict(l=0, r=0, t=0, b=0), showlegend=False,
                      plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, rangemode="tozero")
    return fig


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
    ])
    fig.update_layout(barmode="relative")
    return _style(fig, 380)
