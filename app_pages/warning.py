"""Early warning and care: customers whose rhythm broke or whose score dropped (in words, per owner), what
churned customers had in common against those who stayed, and whom each rep should greet or call in the
coming days. Every list drills down and downloads."""

import datetime as dt

import pandas as pd
import streamlit as st

from crm_core.markup import md
from crm_core.metrics.behaviour import ASPECTS, GROUPS, top_differences
from crm_core.metrics.distributions import NONE
from crm_core.metrics.early_warning import REASONS, per_owner
from crm_core.texts import text
from ui.data import report
from ui.downloads import download_buttons
from ui.drilldown import chart_clicked, customer_list_view, pick, value_label
from ui.i18n import fmt_date, fmt_int, fmt_num, fmt_pct, lang, t
from ui.state import employee_labeler, sidebar_filters
from ui.stats_charts import period_stack, stacked_owner_bars

SECTIONS = ["at_risk", "churned", "care"]
LIST_ROWS = 2000

filters = sidebar_filters()
st.title(t("warning.title"))
st.caption(t("warning.caption", end=fmt_date(filters.end)))
section = st.segmented_control(t("health.section"), SECTIONS, default="at_risk", key="warning_section",
                               format_func=lambda s: t(f"warning.section.{s}")) or "at_risk"
owner_name = employee_labeler()


def owner_label(employee_id) -> str:
    return t("warning.pool") if employee_id is None or pd.isna(employee_id) else owner_name(employee_id)


def reason_words(rows: pd.DataFrame) -> list[str]:
    """Each row's reason as a manager reads it: "usually buys every 41 days; 97 days since the last order"
    (the language read once for all the rows)."""
    language = lang()
    return [text("warning.reason.nps_drop", language, drop=fmt_int(r.ratio, language),
                 since=fmt_int(r.days_since, language)) if r.reason == "nps_drop" else
            text(f"warning.reason.{r.reason}", language, usual=fmt_num(r.usual_days, 0, language),
                 since=fmt_int(r.days_since, language)) for r in rows.itertuples()]


if section == "at_risk":
    st.caption(t("warning.help"))
    risk = report("at-risk", filters)
    owners = per_owner(risk)  # the at-risk-by-owner report, from the rows at hand (one scan, not two)
    if owners.empty:
        st.info(t("warning.none"))
        st.stop()
    totals = {r: int(owners[r].sum()) for r in REASONS}
    st.markdown(t("warning.headline", n=fmt_int(owners["customers"].sum()),
                  parts=" · ".join(f"{t(f'warning.kind.{r}')} {fmt_int(n)}" for r, n in totals.items())))
    st.subheader(t("warning.by_owner"))
    shown = owners.assign(label=owners["employee_id"].map(owner_label), key=owners["employee_id"].fillna(""))
    pool = shown[shown["key"] == ""]
    if len(pool):  # customers in the pool have no owner to act: said apart, so the reps' bars stay readable
        st.caption(t("warning.pool_note", n=fmt_int(pool["customers"].iloc[0])))
    owned = shown[shown["key"] != ""]
    kinds = {r: t(f"warning.kind.{r}") for r in REASONS}
    event = st.plotly_chart(stacked_owner_bars(owned, "label", "key", kinds),
                            on_select="rerun", selection_mode="points", key="risk_owner_chart")
    if not st.toggle(t("warning.with_pool"), key="risk_with_pool"):
        risk = risk[risk["employee_id"].notna()]
    table = risk.head(LIST_ROWS)
    st.subheader(t("warning.list"))
    ratio = t("warning.col.ratio")
    st.dataframe(pd.DataFrame({
        t("warning.col.customer"): table["customer_id"], t("warning.col.owner"): table["employee_id"].map(owner_label),
        t("warning.col.kind"): table["reason"].map(kinds), t("warning.col.reason"): reason_words(table),
        ratio: table["ratio"],
    }), hide_index=True, width="stretch", column_config={ratio: st.column_config.NumberColumn(format="%.1f")})
    if len(risk) > LIST_ROWS:
        st.caption(t("list.limited", n=fmt_int(len(risk)), shown=fmt_int(LIST_ROWS)))
    # The download holds every row as the report has it (the words are for the rows shown: at a million
    # customers formatting each of a hundred thousand rows took seconds).
    download_buttons(risk, "at-risk", "risk_download")
    keys = shown["key"].tolist()
    owner = pick(t("warning.owner.pick"), keys, "risk_owner_pick", clicked=chart_clicked(event),
                 format_func=lambda k: owner_label(k or None))
    if owner is not None:
        customer_list_view(filters, "at-risk-by-owner", {"employee_id": owner or None},
                           f"{t('warning.list')} · {owner_label(owner or None)}", key="risk_list")

elif section == "churned":
    st.caption(t("warning.churned.help", start=fmt_date(filters.start), end=fmt_date(filters.end)))
    rhythm = report("churn-rhythm", filters).set_index("group")
    if not rhythm.loc["churned", "customers"]:
        st.info(t("warning.churned.none"))
        st.stop()
    every = lambda g: t("sales.dash") if pd.isna(rhythm.loc[g, "contact_every_days"]) else \
        fmt_num(rhythm.loc[g, "contact_every_days"], 0)
    score = lambda g: t("sales.dash") if pd.isna(rhythm.loc[g, "nps"]) else fmt_num(rhythm.loc[g, "nps"], 0)
    profile = report("churn-profile", filters)
    aspect_value = lambda a, v: owner_label(None if v == NONE else v) if a == "owner" else value_label(v)
    lines = [t("warning.churned.rhythm", churned=every("churned"), stayed=every("stayed"), end=fmt_date(filters.end)),
             t("warning.churned.nps", churned=score("churned"), stayed=score("stayed")),
             *[t("warning.churned.aspect", aspect=t(f"warning.aspect.{r.aspect}"), value=md(aspect_value(r.aspect, r.value)),
                 churned=fmt_pct(r.churned_share), stayed=fmt_pct(r.stayed_share))
               for r in top_differences(profile).itertuples()]]
    st.markdown("\n".join(f"- {line}" for line in lines))
    cols = {"group": t("warning.col.group"), "customers": t("health.col.customers"),
            "contact_every_days": t("health.col.contact_every_days"), "responses": t("health.col.responses"),
            "nps": t("health.col.nps")}
    st.dataframe(rhythm.reset_index().assign(group=lambda d: d["group"].map(lambda g: t(f"warning.group.{g}")))
                 [list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={cols["contact_every_days"]: st.column_config.NumberColumn(format="%.1f"),
                                cols["nps"]: st.column_config.NumberColumn(format="%.1f")})
    aspect = st.segmented_control(t("warning.col.aspect"), list(ASPECTS), default="industry", key="churn_aspect",
                                  format_func=lambda a: t(f"warning.aspect.{a}")) or "industry"
    mine = profile[profile["aspect"] == aspect]
    shown = mine.assign(label=[aspect_value(aspect, v) for v in mine["value"]])
    pcols = {"label": t(f"warning.aspect.{aspect}"), "churned": t("warning.group.churned"),
             "stayed": t("warning.group.stayed"), "churned_share": t("warning.col.churned_share"),
             "stayed_share": t("warning.col.stayed_share")}
    percent = st.column_config.NumberColumn(format="percent")
    st.dataframe(shown[list(pcols)].rename(columns=pcols), hide_index=True, width="stretch",
                 column_config={pcols["churned_share"]: percent, pcols["stayed_share"]: percent})
    download_buttons(profile, "churn-profile", "profile_download")
    c1, c2 = st.columns([3, 2])
    with c1:
        value = pick(t("warning.col.value"), mine["value"].tolist(), f"profile_pick_{aspect}",
                     format_func=lambda v: aspect_value(aspect, v))
    with c2:
        group = st.segmented_control(t("sales.which"), list(GROUPS), default="churned", key="profile_group",
                                     format_func=lambda g: t(f"warning.group.{g}")) or "churned"
    if value is not None:
        customer_list_view(filters, "churn-profile", {"aspect": aspect, "value": value},
                           f"{t(f'warning.group.{group}')} · {t(f'warning.aspect.{aspect}')} · {aspect_value(aspect, value)}",
                           key="profile_list", column=group)

else:
    days = st.slider(t("care.days"), 7, 90, 30, step=1, key="care_days")
    first, last = filters.end + dt.timedelta(days=1), filters.end + dt.timedelta(days=days)
    st.caption(t("care.help", first=fmt_date(first), last=fmt_date(last)))
    care = report("care", filters, days=days)
    if care.empty:
        st.info(t("care.none"))
        st.stop()
    feasts = report("holidays-ahead", filters, days=days)
    local = dict(zip(feasts["occasion"], feasts["local_name"])) if lang() == "zh" else {}
    occasion = lambda o: t(f"care.occasion.{o}") if o in ("birthday", "next_contact") else local.get(o, o)
    reps = sorted({e for e in care["employee_id"] if e is not None and not pd.isna(e)}, key=owner_label)
    rep = pick(t("care.owner"), reps, "care_rep", format_func=owner_label, none_label=t("care.all_owners"))
    mine = care if rep is None else care[care["employee_id"] == rep]
    per_day = mine.groupby(["date", "occasion"], as_index=False).size()
    st.markdown(f"**{t('care.per_day')}**")
    st.plotly_chart(period_stack(per_day.assign(day=per_day["date"].map(fmt_date),
                                                what=per_day["occasion"].map(occasion)),
                                 "day", "size", "what", t("care.col.reminders")), key="care_chart")
    st.dataframe(pd.DataFrame({t("care.col.date"): mine["date"], t("care.col.occasion"): mine["occasion"].map(occasion),
                               t("care.col.customer"): mine["customer_id"],
                               t("care.col.owner"): mine["employee_id"].map(owner_label)}).head(LIST_ROWS),
                 hide_index=True, width="stretch")
    download_buttons(mine.assign(occasion_name=mine["occasion"].map(occasion),
                                 owner=mine["employee_id"].map(owner_label)),
                     f"care-{rep or 'all'}-{first}-{last}", "care_download",
                     labels=(t("care.download"), t("care.download_xlsx")))
    day = pick(t("care.col.date"), sorted(set(mine["date"])), "care_day", format_func=fmt_date)
    if rep is not None or day is not None:
        row = {**({"employee_id": rep} if rep else {}), **({"date": day} if day else {})}
        customer_list_view(filters, "care", row, " · ".join(x for x in [owner_label(rep) if rep else "",
                                                                         fmt_date(day) if day else ""] if x),
                           key="care_list", days=days)
