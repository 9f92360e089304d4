"""Segments and revenue: customers, won customers, revenue and win rate per industry, region, size, source or
category; the Pareto (80/20) customers; RFM groups with what to do about each; revenue per period and per product.
Every bar opens its customers."""

import pandas as pd
import streamlit as st

from crm_core.metrics.sales import DIMENSIONS, SEGMENTS
from ui.data import report
from ui.downloads import download_buttons
from ui.drilldown import chart_clicked, customer_list_view, pick, value_label
from ui.i18n import fmt_date, fmt_int, fmt_num, fmt_pct, t
from ui.sales_charts import pareto_curve
from ui.state import sidebar_filters
from ui.stats_charts import MAX_BARS, ranked_bars
from ui.views import series_view

MEASURES = ("customers", "won_customers", "revenue", "win_rate")

filters = sidebar_filters()
st.title(t("sales.segments.title"))
st.caption(t("sales.segments.caption", start=fmt_date(filters.start), end=fmt_date(filters.end)))
section = st.segmented_control(t("sales.section"), ["segments", "pareto", "rfm", "revenue"], default="segments",
                               key="sales_section", format_func=lambda s: t(f"sales.section.{s}")) or "segments"
percent = st.column_config.NumberColumn(format="percent")
money = st.column_config.NumberColumn(format="localized")


def rfm_label(segment: str) -> str:
    return t(f"sales.rfm.{segment}")


def bar_text(values, measure: str) -> list[str]:
    return [t("sales.dash") if pd.isna(v) else fmt_pct(v) if measure == "win_rate" else
            fmt_num(v, 0) if measure == "revenue" else fmt_int(v) for v in values]


if section == "segments":
    left, right = st.columns(2)
    with left:
        dim = st.segmented_control(t("sales.dimension"), list(DIMENSIONS), default="industry", key="seg_dim",
                                   format_func=lambda d: t(f"sales.dimension.{d}")) or "industry"
    with right:
        measure = st.segmented_control(t("sales.measure"), list(MEASURES), default="customers", key="seg_measure",
                                       format_func=lambda m: t(f"sales.col.{m}")) or "customers"
    dim_name = t(f"sales.dimension.{dim}")
    st.caption(t("sales.segments.help", start=fmt_date(filters.start), end=fmt_date(filters.end),
                 dimension=dim_name))
    seg = report("segments", filters, dimension=dim)
    if seg.empty:
        st.info(t("common.nothing"))
        st.stop()
    shown = seg.assign(label=seg["value"].map(value_label))
    ranked = shown.sort_values(measure, ascending=False, kind="stable", na_position="last")
    ranked = ranked.assign(text=bar_text(ranked[measure], measure))
    fig = ranked_bars(ranked, "label", measure, "value", t(f"sales.col.{measure}"), text="text")
    if measure == "win_rate":
        fig.update_xaxes(tickformat=".0%", dtick=None)
    event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key=f"seg_chart_{dim}_{measure}")
    st.caption(t("sales.click_hint") + (" " + t("sales.top", n=MAX_BARS) if len(seg) > MAX_BARS else ""))
    cols = {"label": dim_name, "customers": t("sales.col.customers"), "won_customers": t("sales.col.won_customers"),
            "revenue": t("sales.col.revenue"), "win_rate": t("sales.col.win_rate")}
    st.dataframe(shown[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={cols["win_rate"]: percent, cols["revenue"]: money})
    download_buttons(seg, f"segments-{dim}", "seg_download")
    c1, c2 = st.columns([3, 2])
    with c1:
        value = pick(t("sales.segments.pick"), seg["value"].tolist(), f"seg_pick_{dim}", clicked=chart_clicked(event))
    with c2:
        which = st.segmented_control(t("sales.segments.which"), ["customers", "won_customers"], default="customers",
                                     key="seg_which",
                                     format_func=lambda w: t(f"sales.segments.which.{w}")) or "customers"
    if value is not None:
        customer_list_view(filters, "segments", {"value": value},
                           f"{dim_name} · {value_label(value)} · {t(f'sales.segments.which.{which}')}",
                           key="seg_list", column=None if which == "customers" else "won_customers", dimension=dim)

elif section == "pareto":
    st.caption(t("sales.pareto.help", start=fmt_date(filters.start), end=fmt_date(filters.end)))
    summary = report("pareto-summary", filters).iloc[0]
    buyers, key_customers = int(summary["buyers"]), int(summary["pareto_customers"])
    if not buyers:
        st.info(t("sales.pareto.none"))
        st.stop()
    st.markdown(t("sales.pareto.headline", pct=fmt_pct(key_customers / buyers), n=fmt_int(key_customers),
                  buyers=fmt_int(buyers)))
    c1, c2, c3 = st.columns(3, border=True)
    c1.metric(t("sales.pareto.buyers"), fmt_int(buyers))
    c2.metric(t("sales.pareto.key"), fmt_int(key_customers))
    c3.metric(t("sales.pareto.revenue"), fmt_num(summary["revenue"], 0))
    par = report("pareto", filters)
    ranks = list(range(1, len(par) + 1))
    x = [r / buyers for r in ranks]
    hovers = [t("sales.pareto.hover", rank=fmt_int(r), x=fmt_pct(xr), y=fmt_pct(y))
              for r, xr, y in zip(ranks, x, par["cumulative_share"])]
    st.markdown(f"**{t('sales.pareto.curve')}**")
    st.plotly_chart(pareto_curve(x, par["cumulative_share"].tolist(), hovers, t("sales.pareto.x"), t("sales.pareto.y"),
                                 t("sales.pareto.line")), key="pareto_chart")
    st.caption(t("sales.pareto.curve_note", rest=fmt_int(buyers - key_customers)))
    download_buttons(par, "pareto", "pareto_download")
    if st.toggle(t("sales.pareto.show"), key="pareto_show"):
        customer_list_view(filters, "pareto", {}, t("sales.pareto.list"), key="pareto_list")

elif section == "rfm":
    st.caption(t("sales.rfm.help", end=fmt_date(filters.end)))
    rfm = report("rfm-segments", filters)
    if not rfm["customers"].sum():
        st.info(t("common.nothing"))
        st.stop()
    shown = rfm.assign(label=rfm["segment"].map(rfm_label))
    shown = shown.assign(text=bar_text(shown["customers"], "customers"))
    event = st.plotly_chart(ranked_bars(shown, "label", "customers", "segment", t("sales.col.customers"), text="text"),
                            on_select="rerun", selection_mode="points", key="rfm_chart")
    st.caption(t("sales.click_hint"))
    cols = {"label": t("sales.rfm.segment"), "customers": t("sales.col.customers"), "revenue": t("sales.col.revenue"),
            "recency": t("sales.rfm.recency"), "frequency": t("sales.rfm.frequency"),
            "monetary": t("sales.rfm.monetary"), "action": t("sales.rfm.action")}
    shown = shown.assign(action=shown["segment"].map(lambda s: t(f"sales.rfm.action.{s}")))
    st.dataframe(shown[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={cols["revenue"]: money, cols["monetary"]: money,
                                cols["recency"]: st.column_config.NumberColumn(format="%.0f"),
                                cols["frequency"]: st.column_config.NumberColumn(format="%.1f")})
    download_buttons(rfm, "rfm-segments", "rfm_download")
    with st.expander(t("sales.rfm.guide")):
        st.markdown("\n".join(f"- **{rfm_label(s)}** — {t(f'sales.rfm.meaning.{s}')} *{t(f'sales.rfm.action.{s}')}*"
                              for s in SEGMENTS))
    segment = pick(t("sales.rfm.pick"), [s for s, n in zip(rfm["segment"], rfm["customers"]) if n], "rfm_pick",
                   clicked=chart_clicked(event), format_func=rfm_label)
    if segment is not None:
        st.info(t("sales.rfm.picked", segment=rfm_label(segment), meaning=t(f"sales.rfm.meaning.{segment}"),
                  action=t(f"sales.rfm.action.{segment}")))
        customer_list_view(filters, "rfm", {"segment": segment}, rfm_label(segment), key="rfm_list")

else:
    st.subheader(t("sales.revenue.title"))
    st.caption(t("sales.revenue.help"))
    series_view("revenue", filters, key="revenue")

    st.subheader(t("sales.products.title"))
    st.caption(t("sales.products.help"))
    prod = report("products", filters)
    if prod.empty:
        st.info(t("common.nothing"))
        st.stop()
    shown = prod.assign(label=prod["product"].map(value_label))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('sales.col.revenue')}**")
        event = st.plotly_chart(ranked_bars(shown.assign(text=bar_text(shown["revenue"], "revenue")), "label",
                                            "revenue", "product", t("sales.col.revenue"), text="text"),
                                on_select="rerun", selection_mode="points", key="products_revenue_chart")
    with right:
        st.markdown(f"**{t('sales.col.new_buyers')}**")
        by_new = shown.sort_values("new_buyers", ascending=False, kind="stable")
        new_event = st.plotly_chart(ranked_bars(by_new.assign(text=bar_text(by_new["new_buyers"], "new_buyers")),
                                                "label", "new_buyers", "product", t("sales.col.new_buyers"),
                                                text="text"),
                                    on_select="rerun", selection_mode="points", key="products_new_chart")
    st.caption(t("sales.click_hint"))
    cols = {"label": t("sales.col.product"), "revenue": t("sales.col.revenue"), "new_buyers": t("sales.col.new_buyers")}
    st.dataframe(shown[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={cols["revenue"]: money})
    download_buttons(prod, "products", "products_download")
    # Whichever chart was clicked last picks the product (and, for the new-buyers chart, its new buyers).
    clicks = (chart_clicked(event), chart_clicked(new_event))
    last = st.session_state.get("products__clicks", (None, None))
    clicked = None
    if clicks[1] is not None and clicks[1] != last[1]:
        clicked, st.session_state["products_which"] = clicks[1], "new_buyers"
    elif clicks[0] is not None and clicks[0] != last[0]:
        clicked, st.session_state["products_which"] = clicks[0], "buyers"
    st.session_state["products__clicks"] = clicks
    c1, c2 = st.columns([3, 2])
    with c2:
        which = st.segmented_control(t("sales.segments.which"), ["buyers", "new_buyers"], default="buyers",
                                     key="products_which",
                                     format_func=lambda w: t(f"sales.products.which.{w}")) or "buyers"
    with c1:
        product = pick(t("sales.products.pick"), prod["product"].tolist(), "products_pick", clicked=clicked)
    if product is not None:
        customer_list_view(filters, "products", {"product": product},
                           f"{value_label(product)} · {t(f'sales.products.which.{which}')}", key="products_list",
                           column="new_buyers" if which == "new_buyers" else None)
