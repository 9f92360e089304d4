"""Customer distribution: customers created in the range per category, tag or custom field; drill-down."""

import streamlit as st

from crm_core.reports import get
from ui.data import report
from ui.downloads import download_buttons
from ui.drilldown import chart_clicked, customer_list_view, pick, value_label
from ui.i18n import fmt_date, fmt_int, t
from ui.state import sidebar_filters
from ui.stats_charts import donut, ranked_bars

REPORTS = {"category": "categories", "tag": "tags", "field": "custom-field"}

filters = sidebar_filters()
st.title(t("stats.dist.title"))
st.caption(t("stats.dist.caption", start=fmt_date(filters.start), end=fmt_date(filters.end)))
dim = st.segmented_control(t("stats.dim"), list(REPORTS), default="category", key="dist_dim",
                           format_func=lambda d: t(f"stats.dim.{d}")) or "category"
opts = {}
if dim == "field":
    fields = report("custom-fields", filters.people_only())["field"].tolist()
    if not fields:
        st.info(t("stats.no_fields"))
        st.stop()
    opts["field"] = st.selectbox(t("stats.field"), fields, key="dist_field")
name = REPORTS[dim]
col = get(name).columns[0]
df = report(name, filters, **opts)
if df.empty:
    st.info(t("common.nothing"))
    st.stop()

shown = df.assign(label=df[col].map(value_label), share=df["customers"] / df["customers"].sum())
total = int(report("categories", filters)["customers"].sum())  # every customer has one category or none
st.markdown(t("stats.total", n=fmt_int(total)))
view = st.segmented_control(t("stats.view"), ["bar", "share"], default="bar", key="dist_view",
                            format_func=lambda v: t(f"stats.view.{v}")) or "bar"
fig = (ranked_bars(shown, "label", "customers", col, t("stats.col.customers"), text="customers") if view == "bar"
       else donut(shown, "label", "customers", col))
event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key=f"dist_chart_{dim}_{view}")
st.caption(t("stats.click_hint"))

table = shown[["label", "customers", "share"]].rename(columns={
    "label": t(f"stats.dim.{dim}") if dim != "field" else opts["field"],
    "customers": t("stats.col.customers"), "share": t("stats.col.share")})
st.dataframe(table, hide_index=True, width="stretch",
             column_config={t("stats.col.share"): st.column_config.NumberColumn(format="percent")})
download_buttons(df, name, "dist_download")

picked = pick(t("list.pick"), df[col].tolist(), f"dist_pick_{dim}", clicked=chart_clicked(event))
if picked is not None:
    customer_list_view(filters, name, {col: picked}, value_label(picked), key="dist_list", **opts)
