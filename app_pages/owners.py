"""Customers per owner: each employee's customers, contacted in the range or not; department roll-up."""

import pandas as pd
import streamlit as st

from crm_core.metrics.owners import roll_up
from ui.data import report
from ui.downloads import download_buttons
from ui.drilldown import chart_clicked, customer_list_view, pick
from ui.i18n import fmt_date, t
from ui.state import department_labeler, employee_labeler, lookups, sidebar_filters
from ui.stats_charts import MAX_BARS, stacked_owner_bars

filters = sidebar_filters()
employee_label = employee_labeler()
department_label = department_labeler()
st.title(t("stats.owners.title"))
st.caption(t("stats.owners.caption", start=fmt_date(filters.start), end=fmt_date(filters.end)))
df = report("owner-contact", filters)
if df.empty:
    st.info(t("common.nothing"))
    st.stop()

shown = df.assign(name=df["employee_id"].map(employee_label)).rename(columns={"customers": "total",
                                                                              "contact_rate": "rate"})
order = st.segmented_control(t("stats.owners.sort"), ["total", "not_contacted", "rate"], default="total",
                             key="owners_sort", format_func=lambda s: t(f"stats.owners.sort.{s}")) or "total"
shown = shown.sort_values([order, "employee_id"], ascending=[order == "rate", True], na_position="last")
fig = stacked_owner_bars(shown, "name", "employee_id", {"contacted": t("stats.owners.contacted"),
                                                        "not_contacted": t("stats.owners.not_contacted")})
event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key="owners_chart")
if len(shown) > MAX_BARS:
    st.caption(t("stats.owners.top", n=MAX_BARS))

cols = {"name": t("col.employee_id"), "total": t("stats.owners.total"), "contacted": t("stats.owners.contacted"),
        "not_contacted": t("stats.owners.not_contacted"), "rate": t("stats.owners.rate")}
st.dataframe(shown[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
             column_config={cols["rate"]: st.column_config.NumberColumn(format="percent")})
download_buttons(df[["employee_id", "contacted", "not_contacted"]], "customers-per-owner", "owners_download")

st.subheader(t("stats.owners.by_department"))
people = lookups()["employees"]
deps = roll_up(df, report("department-links", filters.people_only()),
               pd.DataFrame([e[:3] for e in people], columns=["employee_id", "name", "department_id"]))
deps = deps.assign(name=["\u3000" * d + department_label(i) for d, i in zip(deps["depth"], deps["department_id"])])
dcols = {"name": t("col.department_id"), "employees": t("stats.owners.employees"),
         "contacted": t("stats.owners.contacted"), "not_contacted": t("stats.owners.not_contacted")}
st.dataframe(deps[list(dcols)].rename(columns=dcols), hide_index=True, width="stretch")

left, right = st.columns(2)
with left:
    owners = shown.loc[shown["total"] > 0, "employee_id"].tolist()
    picked = pick(t("stats.owners.pick_employee"), owners, "owners_pick", clicked=chart_clicked(event),
                  format_func=employee_label)
with right:
    status = st.segmented_control(t("stats.owners.pick_status"), ["all", "contacted", "not_contacted"],
                                  default="all", key="owners_status",
                                  format_func=lambda s: t(f"stats.owners.status.{s}")) or "all"
if picked is not None:
    customer_list_view(filters, "customers-per-owner", {"employee_id": picked}, employee_label(picked),
                       key="owners_list", column=None if status == "all" else status)
