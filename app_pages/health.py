"""Customer health: lifecycle stages and how customers moved between them, churn rate beside net growth, CLV
with its parts per segment, retention by first-purchase cohort, NPS and its trend, and behaviour (contact
frequency, repurchase, clusters). Every bar opens its customers."""

import datetime as dt

import pandas as pd
import streamlit as st

from crm_core.metrics.health import changed, expected_lifetime, stage_counts
from crm_core.metrics.sales import DIMENSIONS
from ui.data import report
from ui.downloads import download_buttons
from ui.drilldown import chart_clicked, chart_point, customer_list_view, pick, value_label
from ui.health_charts import nps_bars, period_lines, rate_with_counts, retention_heatmap
from ui.i18n import fmt_date, fmt_int, fmt_num, fmt_pct, fmt_period, lang, t
from ui.state import sidebar_filters
from ui.stats_charts import ranked_bars

SECTIONS = ["lifecycle", "churn", "value", "retention", "nps", "behaviour"]

filters = sidebar_filters()
st.title(t("health.title"))
st.caption(t("health.caption", start=fmt_date(filters.start), end=fmt_date(filters.end)))
section = st.segmented_control(t("health.section"), SECTIONS, default="lifecycle", key="health_section",
                               format_func=lambda s: t(f"health.section.{s}")) or "lifecycle"
percent = st.column_config.NumberColumn(format="percent")
money = st.column_config.NumberColumn(format="localized")


def stage_label(stage: str) -> str:
    return t(f"health.stage.{stage}")


def period_pick(label: str, periods: list[dt.date], key: str, clicked) -> dt.date | None:
    keys = [p.isoformat() for p in periods]
    chosen = pick(label, keys, key, clicked=clicked, format_func=lambda k: fmt_period(dt.date.fromisoformat(k),
                                                                                       filters.period))
    return None if chosen is None else dt.date.fromisoformat(chosen)


if section == "lifecycle":
    st.caption(t("health.lifecycle.help", end=fmt_date(filters.end)))
    transitions = report("lifecycle-transitions", filters)  # lifecycle and its movement from one statement
    life = stage_counts(transitions)
    if not life["customers"].sum():
        st.info(t("common.nothing"))
        st.stop()
    shown = life.assign(label=life["stage"].map(stage_label), text=life["customers"].map(fmt_int))
    event = st.plotly_chart(ranked_bars(shown, "label", "customers", "stage", t("health.col.customers"), text="text"),
                            on_select="rerun", selection_mode="points", key="life_chart")
    stage = pick(t("health.lifecycle.pick"), [s for s, n in zip(life["stage"], life["customers"]) if n], "life_pick",
                 clicked=chart_clicked(event), format_func=stage_label)
    if stage is not None:
        customer_list_view(filters, "lifecycle", {"stage": stage}, stage_label(stage), key="life_list")

    st.subheader(t("health.movement"))
    st.caption(t("health.movement.help", start=fmt_date(filters.start), end=fmt_date(filters.end)))
    moves = changed(transitions)
    if moves.empty:
        st.info(t("common.nothing"))
        st.stop()
    label = lambda s: t(f"health.stage.{s}")
    # The headline: how existing customers moved (new -> repeat, repeat -> lapsed, ...); arrivals are in the table.
    existing = moves[moves["from_stage"] != "none"].head(6)
    st.markdown("\n".join(f"- {t('health.movement.line', frm=label(a), to=label(b), n=fmt_int(n))}"
                          for a, b, n in existing.itertuples(index=False)))
    cols = {"from": t("health.movement.col.from"), "to": t("health.movement.col.to"), "customers": t("health.col.customers")}
    st.dataframe(pd.DataFrame({cols["from"]: moves["from_stage"].map(label), cols["to"]: moves["to_stage"].map(label),
                               cols["customers"]: moves["customers"]}), hide_index=True, width="stretch")
    download_buttons(moves, "lifecycle-movement", "moves_download")
    pairs = [f"{a}>{b}" for a, b in zip(moves["from_stage"], moves["to_stage"])]
    move = pick(t("health.movement.pick"), pairs, "moves_pick",
                format_func=lambda p: f"{label(p.split('>')[0])} → {label(p.split('>')[1])}")
    if move is not None:
        a, b = move.split(">")
        customer_list_view(filters, "lifecycle-movement", {"from_stage": a, "to_stage": b},
                           f"{label(a)} → {label(b)}", key="moves_list")

elif section == "churn":
    st.caption(t("health.churn.help"))
    churn = report("churn-rate", filters)
    net = report("net-growth", filters)
    if churn.empty:
        st.info(t("common.nothing"))
        st.stop()
    labels = [fmt_period(p, filters.period) for p in churn["period"]]
    keys = [p.isoformat() for p in churn["period"]]
    nets = net.set_index("period")["net_growth"].reindex(churn["period"]).fillna(0).astype(int).tolist()
    hovers = [f"{lab}: {t('sales.dash') if pd.isna(r) else fmt_pct(r)} ({fmt_int(c)}/{fmt_int(a)})"
              for lab, r, c, a in zip(labels, churn["churn_rate"], churn["churned"], churn["active_at_start"])]
    event = st.plotly_chart(rate_with_counts(labels, keys, churn["churn_rate"].tolist(), nets,
                                             (t("health.churn.rate"), t("health.churn.net")), hovers),
                            on_select="rerun", selection_mode="points", key="churn_chart")
    cols = {"period": t("health.col.period"), "churned": t("health.col.churned"),
            "active_at_start": t("health.col.active_at_start"), "churn_rate": t("health.churn.rate"),
            "net_growth": t("health.churn.net")}
    table = churn.assign(period=labels, net_growth=nets)
    st.dataframe(table[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={cols["churn_rate"]: percent})
    download_buttons(churn.assign(net_growth=nets), "churn-rate", "churn_download")
    c1, c2 = st.columns([3, 2])
    with c1:
        period = period_pick(t("health.churn.pick"), list(churn["period"]), "churn_pick", chart_clicked(event))
    with c2:
        which = st.segmented_control(t("sales.which"), ["churned", "active_at_start"], default="churned",
                                     key="churn_which", format_func=lambda w: t(f"health.churn.which.{w}")) or "churned"
    if period is not None:
        customer_list_view(filters, "churn-rate", {"period": period},
                           f"{t(f'health.churn.which.{which}')} · {fmt_period(period, filters.period)}",
                           key="churn_list", column=which)

elif section == "value":
    st.caption(t("health.value.help"))
    clv = report("clv", filters)
    if clv.empty:
        st.info(t("common.nothing"))
        st.stop()
    row = clv.iloc[0]
    dash = lambda v, f: t("sales.dash") if pd.isna(v) else f(v)
    lifetime = expected_lifetime(row["churn_rate"])
    parts = [("average_order_value", dash(row["average_order_value"], lambda v: fmt_num(v, 0))),
             ("purchase_frequency", dash(row["purchase_frequency"], lambda v: fmt_num(v, 2))),
             ("churn_rate", dash(row["churn_rate"], fmt_pct)), ("lifetime", dash(lifetime, lambda v: fmt_num(v, 1))),
             ("clv", dash(row["clv"], lambda v: fmt_num(v, 0)))]
    for col, (name, value) in zip(st.columns(len(parts), border=True), parts):
        col.metric(t(f"health.col.{name}"), value)
    dim = st.segmented_control(t("health.value.by"), list(DIMENSIONS), default="industry", key="clv_dim",
                               format_func=lambda d: t(f"sales.dimension.{d}")) or "industry"
    seg = report("clv-by-segment", filters, dimension=dim)
    if seg.empty:
        st.info(t("common.nothing"))
        st.stop()
    ranked = seg.sort_values("clv", ascending=False, kind="stable", na_position="last")
    ranked = ranked.assign(label=ranked["value"].map(value_label),
                           text=[t("sales.dash") if pd.isna(v) else fmt_num(v, 0) for v in ranked["clv"]])
    event = st.plotly_chart(ranked_bars(ranked, "label", "clv", "value", t("health.col.clv"), text="text"),
                            on_select="rerun", selection_mode="points", key=f"clv_chart_{dim}")
    cols = {"label": t(f"sales.dimension.{dim}"), "buyers": t("health.col.buyers"),
            **{c: t(f"health.col.{c}") for c in ("average_order_value", "purchase_frequency", "churn_rate", "clv")}}
    st.dataframe(ranked[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={cols["churn_rate"]: percent, cols["average_order_value"]: money, cols["clv"]: money,
                                cols["purchase_frequency"]: st.column_config.NumberColumn(format="%.2f")})
    download_buttons(seg, f"clv-{dim}", "clv_download")
    value = pick(t("health.value.pick"), seg["value"].tolist(), f"clv_pick_{dim}", clicked=chart_clicked(event))
    if value is not None:
        customer_list_view(filters, "clv-by-segment", {"value": value},
                           f"{t(f'sales.dimension.{dim}')} · {value_label(value)}", key="clv_list", dimension=dim)

elif section == "retention":
    st.caption(t("health.retention.help"))
    ret = report("retention", filters)
    if ret.empty:
        st.info(t("common.nothing"))
        st.stop()
    cohorts = sorted(ret["cohort"].unique())
    months = list(range(int(ret["months_since"].max()) + 1))
    cell = {(c, k): (n, s) for c, k, n, s in ret[["cohort", "months_since", "customers", "share"]].itertuples(index=False)}
    size = {c: cell[(c, 0)][0] for c in cohorts}
    names = [fmt_period(c, "month") for c in cohorts]
    shares = [[cell[(c, k)][1] if (c, k) in cell else None for k in months] for c in cohorts]
    hovers = [[t("health.retention.hover", cohort=name, k=k, n=fmt_int(cell[(c, k)][0]), size=fmt_int(size[c]),
                 share=fmt_pct(cell[(c, k)][1])) if (c, k) in cell else "" for k in months]
              for c, name in zip(cohorts, names)]
    st.plotly_chart(retention_heatmap(names, months, shares, hovers, t("health.retention.x"), t("health.retention.y")),
                    key="retention_chart")
    download_buttons(ret, "retention", "retention_download")
    c1, c2 = st.columns(2)
    with c1:
        cohort = pick(t("health.retention.y"), cohorts, "retention_cohort", format_func=lambda c: fmt_period(c, "month"))
    with c2:
        k = st.selectbox(t("health.retention.x"), months[: len(months) if cohort is None else
                                                       int(ret[ret["cohort"] == cohort]["months_since"].max()) + 1],
                         key="retention_month")
    if cohort is not None:
        customer_list_view(filters, "retention", {"cohort": cohort, "months_since": k},
                           t("health.retention.list", cohort=fmt_period(cohort, "month"), k=k), key="retention_list")

elif section == "nps":
    st.caption(t("health.nps.help"))
    total = report("nps", filters).iloc[0]
    if not total["responses"]:
        st.info(t("health.nps.none"))
        st.stop()
    cards = [("nps", fmt_num(total["nps"], 1)), *[(k, fmt_int(total[k])) for k in ("promoters", "passives",
                                                                                  "detractors", "responses")]]
    for col, (name, value) in zip(st.columns(len(cards), border=True), cards):
        col.metric(t(f"health.col.{name}"), value)
    trend = report("nps-trend", filters)
    keys = [p.isoformat() for p in trend["period"]]
    labels = [fmt_period(p, filters.period) for p in trend["period"]]
    bands = ("promoters", "passives", "detractors")
    event = st.plotly_chart(nps_bars(labels, keys, {b: trend[b].tolist() for b in bands},
                                     {b: t(f"health.col.{b}") for b in bands},
                                     [None if pd.isna(v) else v for v in trend["nps"]], t("health.col.nps")),
                            on_select="rerun", selection_mode="points", key="nps_chart")
    cols = {"period": t("health.col.period"), **{c: t(f"health.col.{c}") for c in (*bands, "responses", "nps")}}
    st.dataframe(trend.assign(period=labels)[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={cols["nps"]: st.column_config.NumberColumn(format="%.1f")})
    download_buttons(trend, "nps-trend", "nps_download")
    clicked = chart_point(event)
    period = period_pick(t("health.churn.pick"), list(trend["period"]), "nps_pick", clicked[0] if clicked else None)
    if period is not None:
        band = clicked[1] if clicked and clicked[0] == period.isoformat() else None
        customer_list_view(filters, "nps-trend", {"period": period},
                           " · ".join([t(f"health.col.{band}") if band else t("health.col.responses"),
                                       fmt_period(period, filters.period)]), key="nps_list", column=band)

else:
    st.subheader(t("health.behaviour.repurchase"))
    again = report("repurchase", filters).iloc[0]
    c1, c2, c3 = st.columns(3, border=True)
    c1.metric(t("health.behaviour.repurchase"), t("sales.dash") if pd.isna(again["repurchase_rate"])
              else fmt_pct(again["repurchase_rate"]), help=t("health.behaviour.repurchase.help", end=fmt_date(filters.end)))
    c2.metric(t("health.col.buyers"), fmt_int(again["buyers"]))
    c3.metric(t("health.col.repeat_buyers"), fmt_int(again["repeat_buyers"]))

    st.subheader(t("health.behaviour.frequency"))
    st.caption(t("health.behaviour.frequency.help"))
    freq = report("contact-frequency", filters)
    if freq["follow_ups"].sum():
        shown = freq.assign(label=[fmt_period(p, filters.period) for p in freq["period"]],
                            what=freq["channel"].map(value_label))
        st.plotly_chart(period_lines(shown, "label", "contacts_per_customer", "what",
                                     t("health.col.contacts_per_customer")), key="frequency_chart")
        download_buttons(freq, "contact-frequency", "frequency_download")
    else:
        st.info(t("common.nothing"))

    st.subheader(t("health.behaviour.clusters"))
    st.caption(t("health.behaviour.clusters.help"))
    clusters = report("behaviour-clusters", filters)
    if clusters.empty:
        st.info(t("common.nothing"))
        st.stop()
    words = lambda d: "、".join(t(f"health.word.{w}") for w in d.split()) if lang() == "zh" else \
        ", ".join(t(f"health.word.{w}") for w in d.split())
    name = lambda n: t("health.cluster.name", n=n)
    cols = {"name": t("health.col.cluster"), "words": t("health.col.description"), "customers": t("health.col.customers"),
            **{f: t(f"health.col.{f}") for f in ("recency_days", "purchases", "revenue", "contact_every_days")}}
    table = clusters.assign(name=clusters["cluster"].map(name), words=clusters["description"].map(words))
    st.dataframe(table[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={cols[f]: st.column_config.NumberColumn(format="%.1f")
                                for f in ("recency_days", "purchases", "contact_every_days")} | {cols["revenue"]: money})
    download_buttons(clusters, "behaviour-clusters", "clusters_download")
    cluster = pick(t("health.cluster.pick"), clusters["cluster"].tolist(), "cluster_pick",
                   format_func=lambda n: f"{name(n)} · {words(clusters.set_index('cluster').loc[n, 'description'])}")
    if cluster is not None:
        customer_list_view(filters, "behaviour-clusters", {"cluster": cluster}, name(cluster), key="cluster_list")

