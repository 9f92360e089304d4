"""Charts of the statistics pages, in the house style of ui.charts: ranked bars, a donut, stacked owner bars.

Every clickable chart carries the raw value (category, employee id, ...) as customdata[0], which
ui.drilldown.chart_clicked reads back from the selection.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from crm_core.markup import html

from .charts import GRID_X, NO_GRID, PALETTE, _safe, _style, layout

MAX_BARS = 30


def ranked_bars(df: pd.DataFrame, label: str, value: str, key: str, value_label: str = "",
                text: str | None = None) -> go.Figure:
    """Horizontal bars, largest on top (at most MAX_BARS of them); ``key`` is the raw value per bar."""
    df = _safe(df.head(MAX_BARS), label)
    # go.Bar, not px.bar: a third of the time (px builds the figure through several layers of updates)
    hover = f"%{{y}}<br>{html(value_label)}: %{{x}}<extra></extra>"
    small = len(df) and df[value].max() < 8  # counts: no 0.5 ticks
    return go.Figure(go.Bar(y=df[label], x=df[value], orientation="h", customdata=df[[key]].to_numpy(),
                            text=df[text] if text else None, textposition="outside", cliponaxis=False,
                            marker_color=PALETTE[0], hovertemplate=hover),
                     layout=layout(max(260, 28 * len(df) + 80),
                                   yaxis=dict(autorange="reversed", type="category", gridcolor=NO_GRID),
                                   xaxis=dict(GRID_X, **({"dtick": 1} if small else {}))))


def donut(df: pd.DataFrame, label: str, value: str, key: str) -> go.Figure:
    """Shares of ``value`` per ``label`` as a donut (the small ones beyond MAX_BARS left out)."""
    df = _safe(df.head(MAX_BARS), label)
    return go.Figure(go.Pie(labels=df[label], values=df[value], hole=0.55, customdata=df[[key]].to_numpy(),
                            sort=False, direction="clockwise", marker=dict(colors=PALETTE * 3),
                            textinfo="label+percent", hovertemplate="%{label}: %{value} (%{percent})<extra></extra>"),
                     layout=dict(height=420, margin=dict(l=8, r=8, t=24, b=8), showlegend=False,
                                 paper_bgcolor="rgba(0,0,0,0)", font=dict(size=13)))


def stacked_owner_bars(df: pd.DataFrame, label: str, key: str, parts: dict[str, str]) -> go.Figure:
    """Horizontal stacked bars per owner: ``parts`` maps each column to its legend name."""
    df = _safe(df.head(MAX_BARS), label)
    return go.Figure([go.Bar(y=df[label], x=df[col], name=name, orientation="h", customdata=df[[key]].to_numpy(),
                             marker_color=color)
                      for (col, name), color in zip(parts.items(), [PALETTE[2], PALETTE[3], PALETTE[1], PALETTE[0]])],
                     layout=layout(max(260, 26 * len(df) + 100), barmode="stack", xaxis=GRID_X,
                                   yaxis=dict(autorange="reversed", type="category", gridcolor=NO_GRID)))


def period_stack(df: pd.DataFrame, x: str, y: str, color: str, y_label: str = "") -> go.Figure:
    """Bars per period stacked by ``color`` (periods already formatted, in order)."""
    fig = px.bar(_safe(df, color), x=x, y=y, color=color, color_discrete_sequence=PALETTE, labels={y: y_label, x: "", color: ""})
    return _style(fig)
