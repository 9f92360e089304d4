"""Customer growth: one of the five growth metrics per period, chart on top, history below."""

import streamlit as st

from ui.views import series_view
from ui.i18n import t
from ui.state import sidebar_filters

from crm_core.reports import get

# The growth reports, by the measure each shows (its last declared column).
REPORTS = {get(name).columns[-1]: name
           for name in ("new-customers", "contacted-customers", "next-contact", "won-customers", "net-growth")}

filters = sidebar_filters()
st.title(t("growth.title"))
metric = st.segmented_control(t("growth.metric"), list(REPORTS), default="new_customers", key="growth_metric",
                              format_func=lambda m: t(f"metric.{m}")) or "new_customers"
st.caption(t(f"help.{metric}"))
series_view(REPORTS[metric], filters)
