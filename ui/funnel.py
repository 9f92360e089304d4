"""Pieces of the Sales funnel page: labels, the teams compared side by side, and the pickers below a funnel."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from crm_core.texts import has_text

from .drilldown import chart_point, pick
from .i18n import fmt_int, fmt_pct, t
from .sales_charts import funnel_bars
from .state import department_labeler, employee_labeler

STALL = 1.25  # a stage whose median days is this many times the typical stage's (the median of the medians)


def pct(x) -> str:
    return t("sales.dash") if pd.isna(x) else fmt_pct(x)


def step_label(step: str) -> str:
    return t(f"sales.step.{step}")


def stage_label(stage: str) -> str:
    """A stage from the settings: translated when it is one of the defaults, else as the data names it."""
    return t(f"sales.stage.{stage}") if has_text(f"sales.stage.{stage}") else str(stage)


def teams(filters) -> list[tuple[str, str, object]]:
    """(key, label, filters narrowed to it) per department and employee chosen in the sidebar; none unless two
    or more are chosen."""
    if len(filters.departments) + len(filters.employees) < 2:
        return []
    dep, emp = department_labeler(), employee_labeler()
    return ([(f"d:{d}", dep(d), replace(filters, departments=(d,), employees=())) for d in filters.departments]
            + [(f"e:{e}", emp(e), replace(filters, departments=(), employees=(e,))) for e in filters.employees])


def clicked_which(event, key: str) -> tuple[str | None, str | None]:
    """(step, "reached" | "dropped_out") of a new click on a funnel chart; the segmented control follows it."""
    point = chart_point(event)
    if point and point != st.session_state.get(f"{key}__point"):
        st.session_state[f"{key}__point"] = point
        if len(point) > 1 and point[1] in ("reached", "dropped_out"):
            st.session_state[f"{key}_which"] = point[1]
        return point[0], point[1] if len(point) > 1 else None
    if not point:
        st.session_state.pop(f"{key}__point", None)
    return None, None


def drill_controls(key: str, options: list[str], label: str, clicked, format_func, team_list) -> tuple:
    """The pickers below a funnel: the step, reached / dropped out, and (side by side) the team."""
    cols = st.columns([2, 2, 2] if team_list else [3, 2])
    with cols[0]:
        picked = pick(label, options, f"{key}_pick", clicked=clicked, format_func=format_func)
    with cols[1]:
        which = st.segmented_control(t("sales.which"), ["reached", "dropped_out"], default="reached",
                                     key=f"{key}_which", format_func=lambda w: t(f"sales.which.{w}")) or "reached"
    team = None
    if team_list:
        with cols[2]:
            names = {k: label for k, label, _ in team_list}
            team = st.selectbox(t("sales.funnel.team"), [None, *names], key=f"{key}_team",
                                format_func=lambda k: t("sales.funnel.team.all") if k is None else names[k])
    return picked, which, team


def dropped_out(counts: list[int]) -> list[int]:
    """How many reached the step before each step and got no further (0 for the first)."""
    return [0] + [max(a - b, 0) for a, b in zip(counts, counts[1:])]


def funnel_chart(labels: list[str], keys: list[str], counts: list[int], conversions, hover: str, key: str):
    """A funnel's bars (reached, and dropped out there), labelled with the conversion from the step before;
    ``hover`` is the text key of the tooltip. Returns the chart's selection event."""
    dropped = dropped_out(counts)
    texts = [fmt_int(n) if i == 0 else t("sales.funnel.bar_text", n=fmt_int(n), prev=pct(p))
             for i, (n, p) in enumerate(zip(counts, conversions))]
    hovers = tuple([t(hover, step=f"{lab} · {t(f'sales.funnel.{part}')}", n=fmt_int(n)) for lab, n in zip(labels, ns)]
                   for part, ns in (("reached", counts), ("dropped", dropped)))
    return st.plotly_chart(funnel_bars(labels, keys, counts, dropped, texts,
                                       (t("sales.funnel.reached"), t("sales.funnel.dropped")), hovers),
                           on_select="rerun", selection_mode="points", key=key)
