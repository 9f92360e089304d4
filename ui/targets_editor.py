"""The targets of the range on the Team page: an admin edits them (add, change, delete rows) and saves; anyone
else reads them. Checking and writing are crm_core.targets (the import's checks, one transaction)."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from crm_core.importing import ImportFailed
from crm_core.importing.values import TARGET_PERIODS
from crm_core.metrics.team import TARGET_METRICS
from crm_core.targets import EDIT_COLUMNS, editor_rows, save_edits

from .i18n import fmt_int, lang, t
from . import state
from .state import get_store, lookups

_EDIT_KEYS = ("edited_rows", "added_rows", "deleted_rows")


def _labels() -> dict[str, str]:
    return {c: t(f"team.edit.col.{c}") for c in EDIT_COLUMNS}


def _people() -> tuple[dict[str, str], dict[str, str]]:
    """(employee_id -> "name (id)", department_id -> "name (id)") of the people the viewer may pick."""
    info = lookups()
    return ({e[0]: f"{e[1]} ({e[0]})" for e in info["employees"]},
            {d[0]: f"{d[1]} ({d[0]})" for d in info["departments"]})


def _problem_message(p) -> str:
    return p.message if lang() == "en" else t(f"import.problem.{p.code}")


def _problems_table(problems) -> pd.DataFrame:
    """Problems as the admin reads them: the editor's row, the column, the value, what to do."""
    return pd.DataFrame({t("import.col.row"): ["" if p.row is None else str(p.row) for p in problems],
                         t("import.col.column"): [p.column or "" for p in problems],
                         t("import.col.value"): [p.value or "" for p in problems],
                         t("import.col.message"): [_problem_message(p) for p in problems]})


def targets_editor(attainment: pd.DataFrame) -> None:
    """Below the attainment table: the targets whose period starts in the range (all four metrics). An admin
    gets an editor and a save button; problems are listed per row and column and nothing is written; a save
    bumps the data version, so the attainment above is computed anew."""
    rows = editor_rows(attainment)
    employees, departments = _people()
    for c, names in (("employee_id", employees), ("department_id", departments)):
        for key in rows[c].dropna():
            names.setdefault(key, key)  # a target of someone the lists lack still shows
    labels = _labels()
    if state.current_viewer().role != "admin":  # until sign-in exists, everyone is the admin
        st.subheader(t("team.edit.list"))
        st.caption(t("team.edit.admin_only"))
        shown = rows.assign(period=rows["period"].map(lambda p: t(f"period.{p}")),
                            metric=rows["metric"].map(lambda m: t(f"team.col.{m}")),
                            employee_id=rows["employee_id"].map(employees.get),
                            department_id=rows["department_id"].map(departments.get))
        st.dataframe(shown.rename(columns=labels), hide_index=True, width="stretch",
                     column_config={labels["target"]: st.column_config.NumberColumn(format="localized")})
        return

    flash = st.session_state.pop("targets_saved", None)
    if flash:
        st.success(flash)
    with st.expander(t("team.edit.title"), expanded=rows.empty or bool(flash)):
        st.caption(t("team.edit.help"))
        config = {
            "period_start": st.column_config.DateColumn(labels["period_start"], required=True, format="YYYY-MM-DD"),
            "period": st.column_config.SelectboxColumn(labels["period"], options=list(TARGET_PERIODS), required=True,
                                                       default="month", format_func=lambda p: t(f"period.{p}")),
            "employee_id": st.column_config.SelectboxColumn(labels["employee_id"], options=list(employees),
                                                            format_func=lambda e: employees.get(e, e)),
            "department_id": st.column_config.SelectboxColumn(labels["department_id"], options=list(departments),
                                                              format_func=lambda d: departments.get(d, d)),
            "metric": st.column_config.SelectboxColumn(labels["metric"], options=list(TARGET_METRICS), required=True,
                                                       format_func=lambda m: t(f"team.col.{m}")),
            "target": st.column_config.NumberColumn(labels["target"], min_value=0.0, required=True, format="localized"),
        }
        # Keyed on what it shows and on the saves so far: edits made on other rows (other filters, data changed
        # meanwhile) never carry over, and saved ones are not offered again.
        shows = hashlib.sha1(rows.to_csv(index=False).encode()).hexdigest()[:12]
        key = f"targets_editor_{shows}_{st.session_state.get('targets_saves', 0)}"
        edited = st.data_editor(rows, num_rows="dynamic", hide_index=True, width="stretch", column_config=config,
                                key=key)
        edits = st.session_state.get(key) or {}
        touched = any(edits.get(k) for k in _EDIT_KEYS)
        if not st.button(t("team.edit.save"), key="targets_save", type="primary", disabled=not touched):
            return
        try:
            result = save_edits(get_store(), rows, edited, labels, name=t("team.edit.name"))
        except ImportFailed as e:
            st.error(t("team.edit.problems", count=fmt_int(e.total)))
            st.dataframe(_problems_table(e.problems), hide_index=True, width="stretch",
                         column_config={t("import.col.message"): st.column_config.TextColumn(width="large")})
            return
        text = t("team.edit.saved", added=fmt_int(result.inserted), changed=fmt_int(result.changes.count),
                 removed=fmt_int(result.removed))
        if "period_start_aligned" in result.notes:
            text += " " + t("import.note.period_start_aligned")
        st.session_state["targets_saved"] = text
        st.session_state["targets_saves"] = st.session_state.get("targets_saves", 0) + 1
        st.rerun()
