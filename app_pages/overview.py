"""Overview: the five growth numbers for the range, against the range before, with their trends."""

import datetime as dt

import streamlit as st

from ui.charts import growth_trend
from ui.data import report
from ui.drilldown import chart_point, customer_list_view
from ui.i18n import fmt_date, fmt_int, fmt_num, fmt_pct, fmt_period, t
from ui.state import sidebar_filters

filters = sidebar_filters()
st.title(t("overview.title"))
st.caption(t("common.range_caption", start=fmt_date(filters.start), end=fmt_date(filters.end),
             period=t(f"period.{filters.period}")))

summary = report("growth-summary", filters).set_index("metric")
trend = report("growth-trends", filters)
trends = {metric: trend[metric] for metric in summary.index}
before = summary.iloc[0] if len(summary) else None
compared = t("common.vs_previous", days=fmt_int((filters.end - filters.start).days + 1),
             start=fmt_date(before.previous_start), end=fmt_date(before.previous_end)) if before is not None else ""

for row in (list(trends)[:3], list(trends)[3:]):
    for col, metric in zip(st.columns(3, border=True), row):
        current, previous = summary.loc[metric, "current"], summary.loc[metric, "previous"]
        change = fmt_int(current - previous) + (f" ({fmt_pct((current - previous) / abs(previous))})" if previous else "")
        col.metric(t(f"metric.{metric}"), fmt_int(current), delta=change,
                   delta_color="inverse" if metric == "churned_customers" else "normal",
                   help=t(f"help.{metric}") + " · " + compared, chart_data=trends[metric].tolist(), chart_type="area")

revenue = report("revenue", filters)  # the third statement of a redraw (tests/test_spine.py: at most three)
with st.columns(3)[0]:
    col = st.container(border=True)
    col.metric(t("overview.revenue"), fmt_num(revenue["revenue"].sum(), 0) if len(revenue) else "0",
               help=t("overview.revenue.help") + " · " + t("overview.revenue.more"),
               chart_data=revenue["revenue"].tolist(), chart_type="area")

st.subheader(t("overview.trends"))
labels = [fmt_period(p, filters.period) for p in trend["period"]]
keys = [p.isoformat() for p in trend["period"]]
event = st.plotly_chart(growth_trend(labels, trend["new_customers"].tolist(), trend["churned_customers"].tolist(),
                                     trend["net_growth"].tolist(),
                                     (t("metric.new_customers"), t("metric.churned_customers"), t("metric.net_growth")),
                                     keys),
                        key="overview_trend", on_select="rerun", selection_mode="points")
st.caption(t("overview.click_hint"))
clicked = chart_point(event)
if clicked:
    period, metric = dt.date.fromisoformat(clicked[0]), clicked[1]
    customer_list_view(filters, "growth-trends", {"period": period},
                       t(f"metric.{metric}") + " · " + fmt_period(period, filters.period), key="overview_list",
                       column=metric)
