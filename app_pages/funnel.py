"""Sales funnel: the customer funnel with its drop-off, the deal-stage funnel with median days in stage, both side
by side for the departments / employees chosen in the sidebar; every step and stage opens its customers."""

import pandas as pd
import streamlit as st

from crm_core.markup import md
from ui.data import report
from ui.downloads import download_buttons
from ui.drilldown import chart_point, customer_list_view
from ui.funnel import (STALL, clicked_which, drill_controls, dropped_out, funnel_chart, pct, stage_label, step_label,
                       teams)
from ui.i18n import fmt_date, fmt_int, fmt_num, fmt_pct, t
from ui.sales_charts import compare_bars, stage_days
from ui.state import sidebar_filters

filters = sidebar_filters()
team_list = teams(filters)
team_filters = {k: f for k, _, f in team_list}
st.title(t("sales.funnel.title"))
st.caption(t("sales.funnel.caption", start=fmt_date(filters.start), end=fmt_date(filters.end)))

# -- the customer funnel -----------------------------------------------------------------------------------
st.subheader(t("sales.funnel.customers"))
st.caption(t("sales.funnel.customers.help"))
fun = report("funnel", filters)
counts = fun["customers"].tolist()
dropped = dropped_out(counts)
labels = [step_label(s) for s in fun["step"]]
if not counts or not counts[0]:
    st.info(t("common.nothing"))
    event = None
else:
    event = funnel_chart(labels, fun["step"].tolist(), counts, fun["conversion_from_previous"], "sales.funnel.hover",
                         "funnel_chart")
    st.caption(t("sales.funnel.click_hint"))
table = pd.DataFrame({t("sales.col.step"): labels, t("sales.col.customers"): counts,
                      t("sales.col.conversion_from_previous"): fun["conversion_from_previous"],
                      t("sales.col.conversion_from_first"): fun["conversion_from_first"],
                      t("sales.col.dropped_out"): dropped})
percent = st.column_config.NumberColumn(format="percent")
st.dataframe(table, hide_index=True, width="stretch",
             column_config={t("sales.col.conversion_from_previous"): percent,
                            t("sales.col.conversion_from_first"): percent})
download_buttons(fun, "funnel", "funnel_download")

# -- the deal-stage funnel --------------------------------------------------------------------------------
st.subheader(t("sales.funnel.deals"))
st.caption(t("sales.funnel.deals.help", start=fmt_date(filters.start), end=fmt_date(filters.end)))
deals = report("deal-funnel", filters)
stages = deals["stage"].tolist()
slabels = [stage_label(s) for s in stages]
dcounts = deals["deals"].tolist()
ddropped = dropped_out(dcounts)
days = deals["median_days_in_stage"].tolist()
known = pd.Series(days).dropna()
typical = float(known.median()) if len(known) >= 2 else None
stalled = [bool(typical and d == d and d >= STALL * typical) for d in days]
deal_event = days_event = None
if not dcounts or not dcounts[0]:
    st.info(t("common.nothing"))
else:
    left, right = st.columns(2)
    with left:
        deal_event = funnel_chart(slabels, stages, dcounts, deals["conversion_from_previous"],
                                  "sales.funnel.hover_deals", "deal_funnel_chart")
    with right:
        st.markdown(f"**{t('sales.funnel.days')}**")
        hovers = [t("sales.funnel.days.hover", stage=lab, days=fmt_num(d) if d == d else t("sales.dash"))
                  for lab, d in zip(slabels, days)]
        days_event = st.plotly_chart(stage_days(slabels, stages, days, stalled, hovers, t("sales.funnel.days.axis"),
                                                (t("sales.funnel.normal"), t("sales.funnel.stalled"))),
                                     on_select="rerun", selection_mode="points", key="deal_days_chart")
    if any(stalled):
        st.warning(t("sales.funnel.stalled_note", pct=fmt_pct(STALL - 1, 0),
                     stages=t("sales.list_sep").join(md(s) for s, f in zip(slabels, stalled) if f)))
    st.caption(t("sales.funnel.deal_click_hint"))
st.caption(t("sales.funnel.history_note"))
dtable = pd.DataFrame({t("sales.col.stage"): slabels, t("sales.col.deals"): dcounts,
                       t("sales.col.conversion_from_previous"): deals["conversion_from_previous"],
                       t("sales.col.conversion_from_first"): deals["conversion_from_first"],
                       t("sales.col.dropped_out"): ddropped,
                       t("sales.col.median_days_in_stage"): deals["median_days_in_stage"]})
st.dataframe(dtable, hide_index=True, width="stretch",
             column_config={t("sales.col.conversion_from_previous"): percent,
                            t("sales.col.conversion_from_first"): percent,
                            t("sales.col.median_days_in_stage"): st.column_config.NumberColumn(format="%.1f")})
download_buttons(deals, "deal-funnel", "deal_funnel_download")

# -- side by side -----------------------------------------------------------------------------------------
compare_event = deal_compare_event = None
st.subheader(t("sales.funnel.compare"))
if not team_list:
    st.caption(t("sales.funnel.compare.hint"))
else:
    st.caption(t("sales.funnel.compare.help"))
    per_team = {k: report("funnel", f) for k, _, f in team_list}
    per_team_deals = {k: report("deal-funnel", f) for k, _, f in team_list}
    names = {k: label for k, label, _ in team_list}
    groups = [(k, label) for k, label, _ in team_list]

    def hover(k, df, key_col, count_col, label_of):
        return [t("sales.funnel.compare.hover", group=names[k], step=label_of(s), n=fmt_int(n), pct=pct(p))
                for s, n, p in zip(df[key_col], df[count_col], df["conversion_from_first"])]

    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('sales.funnel.customers')}**")
        compare_event = st.plotly_chart(compare_bars(
            labels, groups, {k: df["conversion_from_first"].fillna(0).tolist() for k, df in per_team.items()},
            {k: hover(k, df, "step", "customers", step_label) for k, df in per_team.items()},
            fun["step"].tolist(), t("sales.funnel.compare.axis")),
            on_select="rerun", selection_mode="points", key="funnel_compare_chart")
    with right:
        st.markdown(f"**{t('sales.funnel.deals')}**")
        deal_compare_event = st.plotly_chart(compare_bars(
            slabels, groups, {k: df["conversion_from_first"].fillna(0).tolist() for k, df in per_team_deals.items()},
            {k: hover(k, df, "stage", "deals", stage_label) for k, df in per_team_deals.items()},
            stages, t("sales.funnel.compare.deal_axis")),
            on_select="rerun", selection_mode="points", key="deal_compare_chart")
    st.caption(t("sales.funnel.compare.click_hint"))
    st.markdown(f"**{t('sales.funnel.compare.table')}**")
    rows = []
    for k, label, _ in team_list:
        row = {t("sales.funnel.team"): label}
        row.update({step_label(s): n for s, n in zip(per_team[k]["step"], per_team[k]["customers"])})
        row.update({f"{stage_label(s)} · {t('sales.col.median_days_in_stage')}": round(d, 1)
                    for s, d in zip(per_team_deals[k]["stage"], per_team_deals[k]["median_days_in_stage"])})
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    both = pd.concat([df.assign(team=k) for k, df in per_team.items()], ignore_index=True)
    download_buttons(both, "funnel-per-team", "funnel_compare_download")


def team_click(event, key):
    """A click on a side-by-side chart picks the step and the team."""
    point = chart_point(event)
    if point and len(point) > 1 and point != st.session_state.get(f"{key}__teampoint"):
        st.session_state[f"{key}__teampoint"] = point
        if point[1] in team_filters:
            st.session_state[f"{key}_team"] = point[1]
        st.session_state[f"{key}_which"] = "reached"
        return point[0]
    return None


# -- the customers behind a step or a stage ---------------------------------------------------------------
step_click, _ = clicked_which(event, "funnel")
step_click = team_click(compare_event, "funnel") or step_click
step, which, team = drill_controls("funnel", fun["step"].tolist(), t("sales.funnel.pick_step"), step_click,
                                   step_label, team_list)
if step is not None:
    column = None if which == "reached" else "dropped_out"
    what = f"{step_label(step)} · {t(f'sales.which.{which}')}" + (f" · {dict((k, l) for k, l, _ in team_list)[team]}"
                                                                    if team else "")
    customer_list_view(team_filters.get(team, filters), "funnel", {"step": step}, what, key="funnel_list",
                       column=column)

stage_click, _ = clicked_which(deal_event, "deal")
days_click = chart_point(days_event)
stage_click = team_click(deal_compare_event, "deal") or stage_click or (days_click[0] if days_click else None)
stage, which, team = drill_controls("deal", stages, t("sales.funnel.pick_stage"), stage_click, stage_label, team_list)
if stage is not None:
    column = None if which == "reached" else "dropped_out"
    what = f"{stage_label(stage)} · {t(f'sales.which.{which}')}" + (f" · {dict((k, l) for k, l, _ in team_list)[team]}"
                                                                      if team else "")
    customer_list_view(team_filters.get(team, filters), "deal-funnel", {"stage": stage}, what, key="deal_list",
                       column=column)
