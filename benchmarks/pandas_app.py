"""The pandas dashboard a user would otherwise write (a Streamlit script; benchmarks/pandas_dashboard.py times it).

At start it loads the tables into DataFrames (``SELECT *`` from the same DuckDB file, cached for the process:
the fastest load such an app could have; from the CRM's CSV export it would be slower). Each redraw filters
and groups them again and draws the Customer growth page (the five growth series of the range, by month:
chart and table) and the Customers per owner page (per owner: customers, contacted in the range by anyone,
not contacted).
"""

import os

import duckdb
import pandas as pd
import plotly.express as px
import streamlit as st


@st.cache_resource
def load(db: str) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(db, read_only=True)
    frames = {name: con.execute(f"SELECT * FROM {name}").df()
              for name in ("customers", "follow_ups", "employees", "departments")}
    con.close()
    return frames


def subtree(departments: pd.DataFrame, roots) -> set[str]:
    found, todo = set(), list(roots)
    while todo:
        d = todo.pop()
        found.add(d)
        todo += departments.loc[departments.parent_id == d, "department_id"].tolist()
    return found


t = load(os.environ["CRM_DB"])
start = st.sidebar.date_input("from", pd.Timestamp(st.query_params.get("start", "2025-12-01")))
end = st.sidebar.date_input("to", pd.Timestamp(st.query_params.get("end", "2026-11-23")))
chosen = st.sidebar.multiselect("departments", t["departments"].department_id.tolist(), key="f_departments")
lo, hi = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
c, fu = t["customers"], t["follow_ups"]
if chosen:
    people = set(t["employees"].loc[t["employees"].department_id.isin(subtree(t["departments"], chosen)), "employee_id"])
    c, fu = c[c.owner_id.isin(people)], fu[fu.employee_id.isin(people)]


def per_month(frame, column, distinct=None):
    x = frame[(frame[column] >= lo) & (frame[column] < hi)]
    g = x.groupby(x[column].dt.to_period("M").dt.start_time)
    return g[distinct].nunique() if distinct else g.size()


growth = pd.DataFrame({"new_customers": per_month(c, "created_at"),
                       "contacted_customers": per_month(fu, "contacted_at", "customer_id"),
                       "next_contact": per_month(c, "next_contact_at"),
                       "won_customers": per_month(c, "won_at"),
                       "churned_customers": per_month(c, "lost_at")}).fillna(0).astype("int64")
st.title("Customer growth")
st.plotly_chart(px.bar(growth.reset_index(names="month"), x="month", y="new_customers"))
st.dataframe(growth)

all_fu = t["follow_ups"]
contacted = set(all_fu.loc[(all_fu.contacted_at >= lo) & (all_fu.contacted_at < hi), "customer_id"])
owners = (c.assign(contacted=c.customer_id.isin(contacted)).groupby("owner_id")
          .agg(customers=("customer_id", "size"), contacted=("contacted", "sum")))
owners["not_contacted"] = owners.customers - owners.contacted
st.title("Customers per owner")
st.plotly_chart(px.bar(owners.reset_index(), x="owner_id", y=["contacted", "not_contacted"]))
st.dataframe(owners)
