"""Drill-down: from a clicked bar or region (or the picker below it) to the one customer list view."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from crm_core.customer_list import COLUMNS, STATUSES
from crm_core.markup import md
from crm_core.regions import NONE

from .data import drill
from .downloads import download_buttons
from .i18n import fmt_int, t
from .state import employee_labeler

LIST_LIMIT = 2000


def value_label(value) -> str:
    """A distribution value as shown: "(none)" in the viewer's language."""
    return t("common.none") if value == NONE else str(value)


def chart_clicked(event, field: str = "customdata"):
    """The value behind the first clicked point of a plotly chart with on_select (customdata[0]), or None."""
    try:
        points = event.selection.points if event else []
    except AttributeError:
        return None
    for p in points or []:
        data = p.get(field)
        if isinstance(data, (list, tuple)) and data:
            return data[0]
        if data is not None:
            return data
    return None


def chart_point(event) -> list | None:
    """The whole customdata of the first clicked point of a plotly chart with on_select, or None."""
    try:
        points = event.selection.points if event else []
    except AttributeError:
        return None
    for p in points or []:
        data = p.get("customdata")
        if isinstance(data, (list, tuple)) and data:
            return list(data)
    return None


def deck_clicked(event, layers: tuple[str, ...], field: str):
    """The ``field`` of the object clicked on one of the pydeck ``layers`` (on_select), or None; a GeoJSON
    feature's is read from its ``properties``."""
    try:
        objects = event.selection.objects if event else {}
    except AttributeError:
        return None
    for layer in layers:
        for obj in (objects or {}).get(layer, []) or []:
            if not isinstance(obj, dict):
                continue
            if obj.get(field) is not None:
                return obj[field]
            props = obj.get("properties")  # a GeoJSON feature
            if isinstance(props, dict) and props.get(field) is not None:
                return props[field]
    return None


def pick(label: str, options: list, key: str, clicked=None, format_func=value_label, none_label: str | None = None):
    """A selectbox over ``options`` (first: nothing picked) that a chart click sets; returns the pick or None.

    A click counts once: later reruns keep whatever the viewer chose in the box since."""
    last = st.session_state.get(f"{key}__clicked")
    if clicked is not None and clicked != last and clicked in options:
        st.session_state[key] = clicked
    st.session_state[f"{key}__clicked"] = clicked
    if st.session_state.get(key) is not None and st.session_state[key] not in options:
        del st.session_state[key]
    return st.selectbox(label, [None, *options], key=key,
                        format_func=lambda v: (none_label or t("list.none_selected")) if v is None else format_func(v))


def customer_list_view(filters, report_name: str, row: dict, what: str, key: str, column: str | None = None,
                       **opts) -> pd.DataFrame:
    """The customers behind a cell of a declared report (``row``: the report row's values, ``column``: the
    cell's column): searchable, newest first, downloadable as shown."""
    st.subheader(t("list.title", what=md(what)))
    search = st.text_input(t("list.search"), key=f"{key}_search").strip() or None
    total, df = drill(report_name, filters, row, column, search=search, limit=LIST_LIMIT, **opts)
    if df.empty:
        st.info(t("list.empty"))
        return df
    st.caption(t("list.count", n=fmt_int(total)) if total <= len(df)
               else t("list.limited", n=fmt_int(total), shown=fmt_int(len(df))))
    shown = pd.DataFrame({
        t("list.col.customer_id"): df["customer_id"],
        t("list.col.name"): df["name"],
        t("list.col.owner"): df["owner_id"].map(employee_labeler()),
        t("list.col.created_at"): df["created_at"],
        t("list.col.last_contact_at"): df["last_contact_at"],
        t("list.col.next_contact_at"): df["next_contact_at"],
        t("list.col.status"): df["status"].map({s: t(f"list.status.{s}") for s in STATUSES}),  # not t() per row
    })
    for extra in [c for c in df.columns if c not in COLUMNS]:
        shown[t(f"pool.col.{extra}")] = df[extra]
    dates = {t(f"list.col.{c}"): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
             for c in ("created_at", "last_contact_at", "next_contact_at")}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=dates, key=f"{key}_table")
    download_buttons(shown, f"customers-{report_name}", f"{key}_download")
    return df
