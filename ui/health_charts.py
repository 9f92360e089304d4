"""Charts of the health pages, in the house style of ui.charts. Labels come translated (data made literal with
crm_core.markup.html); every clickable mark carries its raw key as customdata[0]."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from crm_core.markup import html

from .charts import NO_GRID, PALETTE, _safe, _style, layout

BLUE, ORANGE, GREEN, RED, GREY = PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], "#94a3b8"


def rate_with_counts(labels: list[str], keys: list[str], rates: list, counts: list, names: tuple[str, str],
                     hovers: list[str]) -> go.Figure:
    """A rate per period as a line (left axis, percent) over bars of a count (right axis), e.g. churn rate and
    net growth. customdata: the period key."""
    fig = go.Figure([
        go.Bar(x=labels, y=counts, name=names[1], marker_color=[GREEN if (c or 0) >= 0 else RED for c in counts],
               opacity=0.45, yaxis="y2", customdata=[[k] for k in keys], hoverinfo="skip"),
        go.Scatter(x=labels, y=rates, name=names[0], mode="lines+markers", line=dict(color=RED, width=2.5),
                   customdata=[[k] for k in keys], hovertext=[html(h) for h in hovers],
                   hovertemplate="%{hovertext}<extra></extra>"),
    ], layout=layout(yaxis=dict(tickformat=".1%"), hovermode="closest",
                     yaxis2=dict(overlaying="y", side="right", showgrid=False, zeroline=True)))
    return fig


def retention_heatmap(cohorts: list[str], months: list[int], shares: list[list], hovers: list[list[str]],
                      x_title: str, y_title: str) -> go.Figure:
    """Cohort (rows, oldest on top) x months since (columns), coloured by share; hover shows counts."""
    text = [["" if v is None else f"{v:.0%}" for v in row] for row in shares]
    fig = go.Figure(go.Heatmap(z=shares, x=[str(m) for m in months], y=[html(c) for c in cohorts], text=text,
                               texttemplate="%{text}", hovertext=[[html(h) for h in row] for row in hovers],
                               hovertemplate="%{hovertext}<extra></extra>", colorscale="Blues", zmin=0, zmax=1,
                               showscale=False, xgap=1, ygap=1),
                    layout=layout(max(260, 26 * len(cohorts) + 90), xaxis=dict(title=x_title, side="top"),
                                  yaxis=dict(title=y_title, type="category", autorange="reversed", gridcolor=NO_GRID)))
    return fig


def nps_bars(labels: list[str], keys: list[str], parts: dict[str, list[int]], names: dict[str, str], nps: list,
             nps_name: str) -> go.Figure:
    """Promoters, passives and detractors stacked per period, the NPS as a line on the right axis.
    customdata: (period key, part)."""
    colours = {"promoters": GREEN, "passives": GREY, "detractors": RED}
    bars = [go.Bar(x=labels, y=values, name=names[part], marker_color=colours[part],
                   customdata=[[k, part] for k in keys]) for part, values in parts.items()]
    line = go.Scatter(x=labels, y=nps, name=nps_name, mode="lines+markers", yaxis="y2",
                      line=dict(color=BLUE, width=2.5), customdata=[[k, None] for k in keys])
    return go.Figure([*bars, line], layout=layout(
        barmode="stack", yaxis2=dict(overlaying="y", side="right", range=[-100, 100], showgrid=False)))


def period_lines(df: pd.DataFrame, x: str, y: str, color: str, y_label: str = "") -> go.Figure:
    """One line per ``color`` over the periods (x already formatted, in order)."""
    fig = px.line(_safe(df, color), x=x, y=y, color=color, markers=True, color_discrete_sequence=PALETTE,
                  labels={y: y_label, x: "", color: ""})
    return _style(fig)
