"""Charts of the funnel and segment pages, in the house style of ui.charts.

Labels come already translated (or made literal with crm_core.markup.html where they are data); every
clickable bar carries its raw key as customdata[0] (and what it stands for after it), which
ui.drilldown.chart_point / chart_clicked read back from the selection.
"""

from __future__ import annotations

import plotly.graph_objects as go

from crm_core.markup import html

from .charts import GRID_X, NO_GRID, PALETTE, layout

BLUE, ORANGE, RED_LIGHT, GREY = PALETTE[0], PALETTE[1], "#fca5a5", "#94a3b8"


def funnel_bars(labels: list[str], keys: list[str], reached: list[int], dropped: list[int], texts: list[str],
                names: tuple[str, str], hovers: tuple[list[str], list[str]]) -> go.Figure:
    """A funnel as horizontal bars, first step on top: each step's bar (reached it) with, stacked after it in
    light red, the ones who reached the step before and got no further, so each row is as long as the step
    above. customdata: (step key, "reached" | "dropped_out")."""
    labels = [html(x) for x in labels]
    fig = go.Figure([
        go.Bar(y=labels, x=reached, orientation="h", name=names[0], marker_color=BLUE, text=texts,
               textposition="inside", insidetextanchor="start", customdata=[[k, "reached"] for k in keys],
               hovertext=[html(h) for h in hovers[0]], hovertemplate="%{hovertext}<extra></extra>"),
        go.Bar(y=labels, x=dropped, orientation="h", name=names[1], marker_color=RED_LIGHT,
               customdata=[[k, "dropped_out"] for k in keys], hovertext=[html(h) for h in hovers[1]],
               hovertemplate="%{hovertext}<extra></extra>"),
    ], layout=layout(max(240, 56 * len(labels) + 90), barmode="stack", legend=dict(traceorder="normal"),
                     yaxis=dict(autorange="reversed", type="category", gridcolor=NO_GRID), xaxis=GRID_X))
    return fig


def stage_days(labels: list[str], keys: list[str], days: list[float], stalled: list[bool], hovers: list[str],
               axis: str, names: tuple[str, str]) -> go.Figure:
    """Median days per stage as bars; stalled stages in orange. customdata: (stage key, "reached")."""
    labels = [html(x) for x in labels]
    bars = []
    for flag, colour, name in ((False, BLUE, names[0]), (True, ORANGE, names[1])):
        idx = [i for i, s in enumerate(stalled) if s == flag]
        if not idx:
            continue
        bars.append(go.Bar(x=[labels[i] for i in idx], y=[days[i] for i in idx], marker_color=colour, name=name,
                           text=[f"{days[i]:.1f}" if days[i] == days[i] else "" for i in idx], textposition="outside",
                           cliponaxis=False, customdata=[[keys[i], "reached"] for i in idx],
                           hovertext=[html(hovers[i]) for i in idx], hovertemplate="%{hovertext}<extra></extra>"))
    return go.Figure(bars, layout=layout(300, xaxis=dict(categoryorder="array", categoryarray=labels),
                                         yaxis=dict(title=axis)))


def compare_bars(x_labels: list[str], groups: list[tuple[str, str]], values: dict, hovers: dict, keys: list[str],
                 axis: str) -> go.Figure:
    """Grouped bars: per step (x), one bar per group (``groups``: (key, label)), height values[group] (a list
    per step, fractions). customdata: (step key, group key)."""
    x_labels = [html(x) for x in x_labels]
    fig = go.Figure([go.Bar(x=x_labels, y=values[g], name=html(label), marker_color=PALETTE[i % len(PALETTE)],
                            customdata=[[k, g] for k in keys], hovertext=[html(h) for h in hovers[g]],
                            hovertemplate="%{hovertext}<extra></extra>")
                     for i, (g, label) in enumerate(groups)],
                    layout=layout(340, barmode="group", yaxis=dict(tickformat=".0%", title=axis, range=[0, 1.05])))
    return fig


def pareto_curve(x: list[float], y: list[float], hovers: list[str], x_title: str, y_title: str,
                 line_name: str) -> go.Figure:
    """The cumulative share of revenue against the share of buyers, with the 80% line."""
    fig = go.Figure([
        go.Scatter(x=[0.0, *x], y=[0.0, *y], mode="lines", line=dict(color=BLUE, width=3), fill="tozeroy",
                   fillcolor="rgba(37,99,235,0.12)", hovertext=["", *map(html, hovers)], hovertemplate="%{hovertext}<extra></extra>",
                   showlegend=False),
        go.Scatter(x=[0, 1], y=[0.8, 0.8], mode="lines", line=dict(color=ORANGE, dash="dash"), name=line_name,
                   hoverinfo="skip"),
    ], layout=layout(320, xaxis=dict(GRID_X, tickformat=".0%", range=[0, 1], title=x_title),
                     yaxis=dict(tickformat=".0%", range=[0, 1.02], title=y_title)))
    return fig
