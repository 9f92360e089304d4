"""Customer growth: one of the five growth metrics per period, chart on top, history below."""

import streamlit as st

from ui.views import series_view
from ui.i18n import t
from ui.state import sidebar_filters

REPORTS = {"new_customers": "new-customers", "contacted_customers": "contacted-customers",
           "next_contact_customers": "next-contact", "won_customers": "won-customers", "net_growth": "net-growth"}

filters = sidebar_filters()
st.title(t("growth.title"))
metric = st.segmented_control(t("growth.metric"), list(REPORTS), default="new_customers", key="growth_metric",
                              format_func=lambda m: t(f"metric.{m}")) or "new_customers"
st.caption(t(f"help.{metric}"))
series_view(REPORTS[metric], metric, filters)
