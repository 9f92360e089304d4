"""Public pool: customers about to be reclaimed (per owner, with the list), claims per pool, follow-up hygiene."""

import datetime as dt

import streamlit as st

from crm_core.reports import get
from ui.data import report
from ui.downloads import download_buttons
from ui.drilldown import chart_clicked, customer_list_view, pick
from ui.i18n import fmt_date, fmt_int, fmt_period, t
from ui.state import employee_labeler, sidebar_filters
from ui.stats_charts import period_stack, ranked_bars

BANDS = get("follow-up-hygiene").columns[2:]  # the hygiene bands, as the report declares them

filters = sidebar_filters()
employee_label = employee_labeler()
st.title(t("pool.title"))
section = st.segmented_control(t("pool.section"), ["risk", "claims", "hygiene"], default="risk", key="pool_section",
                               format_func=lambda s: t(f"pool.section.{s}")) or "risk"
people = filters.people_only()  # pool risk and hygiene are as of a day: the date range does not apply
if section in ("risk", "hygiene"):
    c1, c2, c3 = st.columns(3)
    as_of = c1.date_input(t("pool.as_of"), value=dt.date.today(), key="pool_as_of")

if section == "risk":
    rule_days = c2.number_input(t("pool.rule_days"), min_value=1, max_value=3650, value=None, step=1,
                                placeholder=t("pool.rule.settings"), help=t("pool.rule_days.help"), key="pool_rule_days")
    window = int(c3.number_input(t("pool.window_days"), min_value=1, max_value=365, value=1, step=1, key="pool_window"))
    opts = dict(as_of=as_of, rule_days=None if rule_days is None else int(rule_days), window_days=window)
    st.caption(t("pool.risk.caption", as_of=fmt_date(as_of), first=fmt_date(as_of + dt.timedelta(days=1)),
                 last=fmt_date(as_of + dt.timedelta(days=window))))
    risk = report("pool-risk", people, **opts)
    st.metric(t("pool.risk.header"), fmt_int(risk["customers"].sum()))
    if risk.empty:
        st.info(t("pool.risk.none"))
        st.stop()
    risk = risk.assign(name=risk["employee_id"].map(employee_label))
    event = st.plotly_chart(ranked_bars(risk, "name", "customers", "employee_id", t("pool.col.customers"),
                                        text="customers"), on_select="rerun", selection_mode="points",
                            key="pool_risk_chart")
    download_buttons(risk[["employee_id", "customers"]], "pool-risk", "pool_risk_download")
    owner = pick(t("pool.pick_owner"), risk["employee_id"].tolist(), "pool_risk_owner",
                 clicked=chart_clicked(event), format_func=employee_label, none_label=t("pool.all_owners"))
    customer_list_view(people, "pool-risk", {"employee_id": owner},
                       employee_label(owner) if owner else t("pool.all_owners"), key="pool_risk_list", **opts)

elif section == "claims":
    st.caption(t("pool.claims.caption"))
    claims = report("pool-claims", filters)
    if not claims["claims"].sum():
        st.info(t("common.nothing"))
        st.stop()
    per_pool = claims.groupby(["period", "pool"], as_index=False)["claims"].sum()
    per_pool["period_label"] = per_pool["period"].map(lambda d: fmt_period(d, filters.period))
    st.plotly_chart(period_stack(per_pool, "period_label", "claims", "pool", t("pool.col.claims")),
                    key="pool_claims_chart")
    st.subheader(t("pool.claims.per_employee"))
    per_emp = claims.pivot_table(index="employee_id", columns="pool", values="claims", aggfunc="sum", fill_value=0)
    per_emp = per_emp[per_emp.sum(axis=1) > 0]
    per_emp.index = per_emp.index.map(employee_label)
    st.dataframe(per_emp.rename_axis(t("col.employee_id")), width="stretch")
    download_buttons(claims, "pool-claims", "pool_claims_download")

else:
    st.caption(t("pool.hygiene.caption", as_of=fmt_date(as_of)))
    hygiene = report("follow-up-hygiene", people, as_of=as_of)
    if hygiene.empty:
        st.info(t("common.nothing"))
        st.stop()
    table = hygiene.assign(name=hygiene["employee_id"].map(employee_label)).sort_values(
        ["no_contact_30", "employee_id"], ascending=[False, True])
    cols = {"name": t("col.employee_id"), "customers": t("pool.col.customers"),
            **{b: t(f"pool.hygiene.{b}") for b in BANDS}}
    st.dataframe(table[list(cols)].rename(columns=cols), hide_index=True, width="stretch")
    download_buttons(hygiene, "follow-up-hygiene", "pool_hygiene_download")
    left, right = st.columns(2)
    with left:
        band = pick(t("pool.hygiene.pick_band"), BANDS, "pool_hygiene_band", format_func=lambda b: t(f"pool.hygiene.{b}"))
    with right:
        owner = pick(t("pool.pick_owner"), table["employee_id"].tolist(), "pool_hygiene_owner",
                     format_func=employee_label, none_label=t("pool.all_owners"))
    if band is not None:
        customer_list_view(people, "follow-up-hygiene", {"employee_id": owner}, t(f"pool.hygiene.{band}") + " · " +
                           (employee_label(owner) if owner else t("pool.all_owners")), key="pool_hygiene_list",
                           column=band, as_of=as_of)
