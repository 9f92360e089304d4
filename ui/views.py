"""Views shared by pages: a time series as bars on top and its history table below, with a download."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from crm_core.exports import with_names
from crm_core.periods import coarser_period
from crm_core.reports import get

from .charts import period_bars
from .downloads import download_buttons
from .drilldown import chart_point, customer_list_view, pick
from .data import report
from .i18n import fmt_int, fmt_period, t
from .state import department_labeler, employee_labeler, name_maps

_LABELER = {"department_id": department_labeler, "employee_id": employee_labeler}


def split_choice(key: str) -> str | None:
    """The 'split by' control: none, department or employee."""
    choice = st.segmented_control(t("common.group_by"), ["none", "department", "employee"], default="none",
                                  key=key, format_func=lambda g: t(f"common.group.{g}")) or "none"
    return None if choice == "none" else choice


def use_period(period: str) -> None:
    """Switch the shared period filter (a button's callback, before the sidebar draws)."""
    st.session_state["f_period"] = st.session_state["_kept_f_period"] = period


def history_table(shown: pd.DataFrame, value: str, group_col: str | None) -> pd.DataFrame:
    """The history as a manager reads it: one row per period; split, one column per department or employee
    with a total column and a totals row."""
    if not group_col:
        cols = [c for c in shown.columns if c not in ("period", "period_label", "period_key")]
        return shown[["period_label", *cols]].rename(
            columns={"period_label": t("col.period"), **{c: t(f"metric.{c}") for c in cols}})
    wide = shown.pivot_table(index=["period", "period_label"], columns="group_label", values=value, aggfunc="sum",
                             fill_value=0, sort=False)
    wide = wide[[g for g in dict.fromkeys(shown["group_label"])]]  # groups in the report's order
    wide[t("col.total")] = wide.sum(axis=1)
    wide = wide.reset_index(level="period", drop=True).rename_axis(t("col.period")).reset_index()
    totals = {t("col.period"): t("col.total"), **{c: wide[c].sum() for c in wide.columns[1:]}}
    return pd.concat([wide, pd.DataFrame([totals])], ignore_index=True)


def series_view(report_name: str, filters, key: str = "growth") -> pd.DataFrame:
    """Bars per period of the report's measure (its last declared column; split by department or employee
    on request), the history table below."""
    value = get(report_name).columns[-1]
    left, right = st.columns([3, 2])
    with left:
        by = split_choice(f"{key}_by")
    with right:
        barmode = "stack"
        if by:
            barmode = st.segmented_control(t("growth.barmode"), ["stack", "group"], default="stack",
                                           key=f"{key}_barmode",
                                           format_func=lambda m: t(f"growth.barmode.{m}")) or "stack"
    df = report(report_name, filters, by=by) if by else report(report_name, filters)
    if df.empty or not df[value].abs().sum():
        st.info(t("common.nothing"))
        return df
    group_col = {"department": "department_id", "employee": "employee_id"}.get(by)
    groups = df[group_col].nunique(dropna=False) if group_col else 1
    suggested = coarser_period(df["period"].min(), df["period"].max(), filters.period, groups)
    if suggested != filters.period:
        st.warning(t("growth.too_many", bars=fmt_int(len(df)), period=t(f"period.{suggested}")))
        st.button(t("growth.use_period", period=t(f"period.{suggested}")), key=f"{key}_coarser",
                  on_click=use_period, args=(suggested,))
        draw = st.toggle(t("growth.draw_anyway"), key=f"{key}_draw_anyway")
    else:
        draw = True
    shown = df.copy()
    shown["period_label"] = shown["period"].map(lambda d: fmt_period(d, filters.period))
    if group_col:
        shown["group_label"] = shown[group_col].map(_LABELER[group_col]())
    shown["period_key"] = shown["period"].map(lambda d: d.isoformat())
    event = None
    if draw:
        event = st.plotly_chart(period_bars(shown, "period_label", value, color="group_label" if group_col else None,
                                            barmode=barmode, y_label=t(f"metric.{value}"),
                                            custom_data=["period_key", group_col] if group_col else ["period_key"]),
                                key=f"{key}_chart_{by}_{barmode}", on_select="rerun", selection_mode="points")
        st.caption(t("growth.click_hint"))
    st.subheader(t("common.history"))
    st.dataframe(history_table(shown, value, group_col), hide_index=True, width="stretch")
    download_buttons(with_names(df, *name_maps()), report_name, f"{key}_download")
    periods = [d.isoformat() for d in df["period"].drop_duplicates()]
    clicked = chart_point(event)
    period = pick(t("growth.pick_period"), periods, f"{key}_pick_{by}", clicked=clicked[0] if clicked else None,
                  format_func=lambda p: fmt_period(dt.date.fromisoformat(p), filters.period))
    if period is not None:
        row = {"period": dt.date.fromisoformat(period)}
        what = fmt_period(row["period"], filters.period)
        if group_col and clicked and clicked[0] == period and len(clicked) > 1:
            row[group_col] = clicked[1]
            what += " · " + _LABELER[group_col]()(clicked[1])
        customer_list_view(filters, report_name, row, t(f"metric.{value}") + " · " + what, key=f"{key}_list",
                           column=value, **({"by": by} if by else {}))
    return df
