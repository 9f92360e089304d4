"""Overview: the five growth numbers for the range, against the range before, with their trends."""

import streamlit as st

from ui.charts import growth_trend, sparkline
from ui.data import report
from ui.i18n import fmt_date, fmt_int, fmt_period, t
from ui.state import sidebar_filters

filters = sidebar_filters()
st.title(t("overview.title"))
st.caption(t("common.range_caption", start=fmt_date(filters.start), end=fmt_date(filters.end),
             period=t(f"period.{filters.period}")))

summary = report("growth-summary", filters).set_index("metric")
trend = report("growth-trends", filters)
trends = {metric: trend[metric] for metric in summary.index}

for row in (list(trends)[:3], list(trends)[3:]):
    for col, metric in zip(st.columns(3, border=True), row):
        current, previous = summary.loc[metric, "current"], summary.loc[metric, "previous"]
        col.metric(t(f"metric.{metric}"), fmt_int(current), delta=fmt_int(current - previous),
                   delta_color="inverse" if metric == "churned_customers" else "normal",
                   help=t(f"help.{metric}") + " · " + t("common.vs_previous"))
        col.plotly_chart(sparkline(trends[metric].tolist()), config={"displayModeBar": False, "staticPlot": True},
                         key=f"spark_{metric}")

st.subheader(t("overview.trends"))
labels = [fmt_period(p, filters.period) for p in trend["period"]]
st.plotly_chart(growth_trend(labels, trend["new_customers"].tolist(), trend["churned_customers"].tolist(),
                             trend["net_growth"].tolist(),
                             (t("metric.new_customers"), t("metric.churned_customers"), t("metric.net_growth"))),
                key="overview_trend")
