"""Regions map: customers created in the range per province / state, the five largest highlighted."""

import streamlit as st

from ui.data import report
from ui.downloads import download_buttons
from ui.drilldown import customer_list_view, deck_clicked, pick, value_label
from ui.i18n import fmt_date, fmt_int, t
from ui.maps import MAP_HEIGHT, region_deck
from ui.state import sidebar_filters

filters = sidebar_filters()
st.title(t("map.title"))
st.caption(t("map.caption", start=fmt_date(filters.start), end=fmt_date(filters.end)))
df = report("regions", filters)
if df.empty or not df["customers"].sum():
    st.info(t("common.nothing"))
    st.stop()

deck = region_deck(df, value_label, t("map.tooltip", region="{label}", customers="{customers_text}"))
event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="region_map", height=MAP_HEIGHT)
unplaced = int(df.loc[df["lat"].isna() | df["lon"].isna(), "customers"].sum())
if unplaced:
    st.caption(t("map.unplaced", n=fmt_int(unplaced)))
st.caption(t("map.offline"))

st.subheader(t("map.ranking"))
table = df.assign(rank=range(1, len(df) + 1), label=df["region"].map(value_label))
table = table[["rank", "label", "customers", "top5"]].rename(columns={
    "rank": t("map.col.rank"), "label": t("map.col.region"), "customers": t("stats.col.customers"),
    "top5": t("map.col.top5")})
st.dataframe(table, hide_index=True, width="stretch", height=320)
download_buttons(df, "regions", "regions_download")

clicked = deck_clicked(event, ("top5", "regions"), "region")
picked = pick(t("map.pick_region"), df["region"].tolist(), "region_pick", clicked=clicked)
if picked is not None:
    customer_list_view(filters, "regions", {"region": picked}, value_label(picked), key="region_list")
