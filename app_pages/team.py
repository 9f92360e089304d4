"""Team: the leaderboard per employee or department with rank and change against the range before, each
figure against its target (attainment, gap and pace; an admin edits the targets below them), and the forecast
of open deals beside targets and what is already won. Every row opens its customers."""

import datetime as dt
from dataclasses import replace

import pandas as pd
import streamlit as st

from crm_core.errors import UserError
from crm_core.metrics.team import MEASURES, TARGET_METRICS, pace, save_stage_probability
from ui.data import report
from ui.downloads import download_buttons
from ui.drilldown import chart_clicked, customer_list_view, pick
from ui.i18n import fmt_date, fmt_num, fmt_pct, fmt_period, t
from ui.state import current_viewer, department_labeler, employee_labeler, get_store, sidebar_filters
from ui.stats_charts import ranked_bars
from ui.targets_editor import targets_editor

filters = sidebar_filters()
st.title(t("team.title"))
days = (filters.end - filters.start).days + 1
before = filters.with_range(filters.start - dt.timedelta(days=days), filters.start - dt.timedelta(days=1))
st.caption(t("team.caption", start=fmt_date(filters.start), end=fmt_date(filters.end),
             prev_start=fmt_date(before.start), prev_end=fmt_date(before.end)))
section = st.segmented_control(t("health.section"), ["leaderboard", "targets", "forecast"], default="leaderboard",
                               key="team_section", format_func=lambda s: t(f"team.section.{s}")) or "leaderboard"
FORECAST_DAYS = 183  # the forecast looks half a year past the range's end
money = st.column_config.NumberColumn(format="localized")
percent = st.column_config.NumberColumn(format="percent")

if section == "leaderboard":
    c1, c2 = st.columns(2)
    with c1:
        by = st.segmented_control(t("common.group_by"), ["employee", "department"], default="employee", key="team_by",
                                  format_func=lambda g: t(f"common.group.{g}")) or "employee"
    with c2:
        measure = st.selectbox(t("team.rank_by"), MEASURES, index=MEASURES.index("revenue"), key="team_measure",
                               format_func=lambda m: t(f"team.col.{m}"))
    key = "department_id" if by == "department" else "employee_id"
    label = (department_labeler if by == "department" else employee_labeler)()
    both = report("leaderboard-change", filters, by=by)  # this range's and the one before's, in one statement
    now, then = [both[both["range"] == r].drop(columns="range").reset_index(drop=True) for r in ("current", "previous")]
    if now.empty:
        st.info(t("common.nothing"))
        st.stop()
    rank = lambda df: df[measure].rank(ascending=False, method="min", na_option="bottom").astype(int)
    board = now.assign(rank=rank(now)).sort_values(["rank", key], kind="stable")
    prev = then.assign(prev_rank=rank(then)).set_index(key)
    board["prev"] = board[key].map(prev[measure])
    board["rank_change"] = board[key].map(prev["prev_rank"]) - board["rank"]
    board["label"] = board[key].map(label)
    board["text"] = [t("sales.dash") if pd.isna(v) else fmt_pct(v) if measure == "win_rate" else fmt_num(v, 0)
                     for v in board[measure]]
    event = st.plotly_chart(ranked_bars(board, "label", measure, key, t(f"team.col.{measure}"), text="text"),
                            on_select="rerun", selection_mode="points", key=f"team_chart_{by}_{measure}")
    cols = {"rank": t("team.col.rank"), "rank_change": t("team.col.rank_change"), "label": t(f"team.col.{by}"),
            **{m: t(f"team.col.{m}") for m in MEASURES}, "prev": t("team.col.prev", measure=t(f"team.col.{measure}"))}
    st.dataframe(board[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={cols["revenue"]: money, cols["win_rate"]: percent,
                                cols["rank_change"]: st.column_config.NumberColumn(format="%+d")})
    download_buttons(now, f"leaderboard-{by}", "team_download")
    who = pick(t(f"team.col.{by}"), board[key].tolist(), f"team_pick_{by}", clicked=chart_clicked(event),
               format_func=label)
    if who is not None:
        what = st.segmented_control(t("sales.which"), ["new_customers", "contacted_customers", "won_customers",
                                                       "revenue"], default="new_customers", key="team_which",
                                    format_func=lambda m: t(f"team.col.{m}")) or "new_customers"
        customer_list_view(filters, "leaderboard", {key: who}, f"{label(who)} · {t(f'team.col.{what}')}",
                           key="team_list", column=what, by=by)

elif section == "targets":
    att = report("attainment", filters)
    if att.empty:
        st.info(t("team.no_targets"))
        targets_editor(att)  # an admin adds the first ones here
        st.stop()
    metric = st.segmented_control(t("team.metric"), list(TARGET_METRICS), default="revenue", key="team_metric",
                                  format_func=lambda m: t(f"team.col.{m}")) or "revenue"
    mine = att[att["metric"] == metric].copy()
    emp, dep = employee_labeler(), department_labeler()
    today = min(dt.date.today(), filters.end)
    mine["who"] = [dep(d) if isinstance(d, str) and d else emp(e) for e, d in zip(mine["employee_id"], mine["department_id"])]
    mine["gap"] = mine["target"] - mine["actual"]
    mine["pace"] = [pace(a, p, per, today) for a, p, per in zip(mine["actual"], mine["period_start"], mine["period"])]
    mine["period_label"] = [fmt_period(p, per) for p, per in zip(mine["period_start"], mine["period"])]
    st.caption(t("team.targets.help", today=fmt_date(today)))
    cols = {"period_label": t("health.col.period"), "who": t("team.col.who"), "actual": t("team.col.actual"),
            "target": t("team.col.target"), "attainment": t("team.col.attainment"), "gap": t("team.col.gap"),
            "pace": t("team.col.pace")}
    st.dataframe(mine[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={cols["attainment"]: percent, cols["actual"]: money, cols["target"]: money,
                                cols["gap"]: money, cols["pace"]: money})
    download_buttons(att, "attainment", "attainment_download")
    targets_editor(att)

else:
    ahead = filters.with_range(filters.end + dt.timedelta(days=1), filters.end + dt.timedelta(days=FORECAST_DAYS))
    fc = report("forecast", ahead)
    st.caption(t("team.forecast.help", start=fmt_date(ahead.start), end=fmt_date(ahead.end)))
    if fc.empty:
        st.info(t("team.no_forecast"))
        st.stop()
    months = fc.groupby("month", as_index=False)[["open_deals", "open_amount", "weighted_amount"]].sum()
    att = report("attainment", ahead)
    goal = att[att["metric"] == "revenue"].groupby("period_start")["target"].sum() if len(att) else pd.Series(dtype=float)
    won = report("revenue", replace(ahead, period="month"))
    months["target"] = months["month"].map(goal).astype(float)
    months["won"] = months["month"].map(won.set_index("period")["revenue"]).fillna(0.0)
    months["label"] = [fmt_period(m, "month") for m in months["month"]]
    cols = {"label": t("team.col.month"), "open_deals": t("team.col.open_deals"), "open_amount": t("team.col.open_amount"),
            "weighted_amount": t("team.col.weighted_amount"), "won": t("team.col.won"), "target": t("team.col.target")}
    st.dataframe(months[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={c: money for c in list(cols.values())[2:]})
    owner = employee_labeler()
    per = fc.assign(owner=fc["employee_id"].map(owner), month_label=[fmt_period(m, "month") for m in fc["month"]])
    pcols = {"month_label": t("team.col.month"), "owner": t("warning.col.owner"), "open_deals": t("team.col.open_deals"),
             "open_amount": t("team.col.open_amount"), "weighted_amount": t("team.col.weighted_amount")}
    st.dataframe(per[list(pcols)].rename(columns=pcols), hide_index=True, width="stretch",
                 column_config={pcols["open_amount"]: money, pcols["weighted_amount"]: money})
    download_buttons(fc, "forecast", "forecast_download")
    if current_viewer().sees_all:
        with st.expander(t("team.probability.edit")):
            chances = report("stage-probability", filters)
            edited = st.data_editor(chances.rename(columns={"stage": t("team.col.stage"),
                                                            "probability": t("team.col.probability")}),
                                    hide_index=True, disabled=[t("team.col.stage")], key="probability_editor",
                                    column_config={t("team.col.probability"): st.column_config.NumberColumn(
                                        min_value=0.0, max_value=1.0, step=0.05, format="%.2f")})
            if st.button(t("team.probability.save"), key="probability_save"):
                try:
                    save_stage_probability(get_store(), dict(zip(chances["stage"], edited.iloc[:, 1])))
                    st.success(t("team.probability.saved"))
                    st.rerun()
                except UserError as e:
                    st.error(str(e))
    month = pick(t("team.col.month"), months["month"].tolist(), "forecast_month", format_func=lambda m: fmt_period(m, "month"))
    if month is not None:
        customer_list_view(ahead, "forecast", {"month": month}, fmt_period(month, "month"), key="forecast_list")
