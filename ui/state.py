"""The database connection (one per process) and the shared sidebar filters, kept in the URL."""

from __future__ import annotations

import atexit
import datetime as dt
import gc
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from crm_core import auth
from crm_core.errors import UserError
from crm_core.filters import FIRST_DAY, LAST_DAY, Filters
from crm_core.periods import next_period, period_start
from crm_core.schema import PERIODS
from crm_core.scope import ADMIN, Scope, Viewer
from crm_core.store import Store, default_db_path, open_store

from . import signin
from .i18n import LANGUAGES, lang, t

QUICK_RANGES = ("this_month", "last_month", "this_quarter", "last_quarter", "this_year", "last_year",
                "last_12_months", "all_time", "custom")


@st.cache_resource(show_spinner=False)
def _open_store(location: str) -> Store:
    store = open_store(location)
    _settle_long_lived()
    return store


def _settle_long_lived() -> None:
    """Once per process, when the first store is open: what is loaded by then (modules, the store) lives as long
    as the process, so it is moved out of the garbage collector's way (gc.freeze). Full collections walked its
    ~200,000 objects: pauses of 100-200 ms in the middle of a redraw, every few redraws."""
    if not gc.get_freeze_count():
        gc.collect()  # nothing unreachable is kept for good
        gc.freeze()
        atexit.register(gc.unfreeze)  # at exit everything is let go as usual (native bindings count leaks)


def store_location() -> str:
    """Where the data lives: ``db_url`` in the secrets (a hosted app: postgresql://USER:PASSWORD@HOST/DB), else
    $CRM_DB_URL, $CRM_DB or data/crm.duckdb (crm_core.store.default_db_path)."""
    try:
        url = st.secrets.get("db_url") if st.secrets.load_if_toml_exists() else None
    except Exception:  # an unreadable secrets file: Streamlit itself says so at start
        url = None
    return str(url) if url else default_db_path()


def get_store() -> Store:
    """The process's Store; a hosted app with no database yet gets the demo company, built once."""
    location = store_location()
    try:
        store = _open_store(location)
    except Exception as e:  # noqa: BLE001 - a server that is down or a wrong URL: one sentence, then nothing
        from crm_core.markup import md
        from crm_core.postgres import display_url

        why = (str(e).strip().splitlines() or [type(e).__name__])[0]
        st.error(t("app.store_unreachable", where=md(display_url(location)), why=md(why)))
        st.stop()
    if not getattr(store, "demo_checked", False):
        if store.is_empty() and store.get_setting("demo") is None:  # not once the manager cleared it
            from crm_core.demo import build_demo

            with st.spinner(t("app.building_demo")):
                build_demo(store)
        store.demo_checked = True
    return store


def data_key() -> tuple[str, int]:
    """What every cached read is keyed on besides its arguments: the database and its data version, which
    every write bumps (the one invalidation mechanism)."""
    store = get_store()
    return store.path, store.data_version()


@dataclass(frozen=True)
class Access:
    """What the sign-in decided for this run: the viewer, else why nobody may look (None: not signed in yet)."""

    viewer: Viewer | None
    refused: UserError | None = None
    how: str | None = None  # "password" or "oidc" once signed in


def _access() -> Access:
    """The decision behind current_viewer (see there); draws nothing."""
    providers = signin.oidc_providers()
    try:
        users = auth.users_path()
        if not providers and users is None:
            return Access(ADMIN)
        user = st.user.to_dict() if providers else {}
        if user.get("is_logged_in") is True:
            return Access(_by_email(user.get("email"), user.get("email_verified"), data_key()), how="oidc")
        name = st.session_state.get(signin.SESSION_KEY)
        if users is not None:
            known = auth.load_users(users)  # read before the form too: a broken file refuses everyone
            if name:
                if name not in known:
                    raise auth.SignInRefused("removed_user", f"user {name} is no longer in the users file", name=name)
                return Access(_by_employee(known[name].employee_id, data_key()), how="password")
        return Access(None)
    except UserError as e:
        return Access(None, refused=e)


@st.cache_data(show_spinner=False, max_entries=1024)
def _by_email(email, verified, version: tuple) -> Viewer:
    return auth.viewer_for_email(get_store().backend(), email, verified)


@st.cache_data(show_spinner=False, max_entries=1024)
def _by_employee(employee_id: str, version: tuple) -> Viewer:
    return auth.viewer_for_employee(get_store().backend(), employee_id)


def current_viewer() -> Viewer:
    """Who is looking: the one place that decides, on every run. Every cached read, report, drill-down and
    export takes its viewer from here.

    - No sign-in configured (no users file, no [auth] in secrets): the admin (the sidebar says so).
    - Signed in (a users-file name and password, or st.login's e-mail): their employee's Viewer, looked
      up again whenever the data changes (a new role or a removed employee counts at once).
    - Otherwise the page stops here: the sign-in form, or why this person may see nothing."""
    access = _access()
    if access.viewer is None:
        language_switch()
        signin.door(access.refused, auth.users_path(), signin.oidc_providers())
        st.stop()
    return access.viewer


def may_enter() -> bool:
    """Whether this run gets past the sign-in (for the navigation: hidden until it does); draws nothing."""
    return _access().viewer is not None


def require_admin() -> None:
    """Pages for admins only (importing, settings): anyone else gets a sentence and nothing more."""
    if not current_viewer().sees_all:
        st.error(t("signin.admins_only"))
        st.stop()


def viewer_box() -> None:
    """The sidebar's word on who is looking: no sign-in configured, or the signed-in person with sign-out."""
    viewer = current_viewer()
    if viewer == ADMIN:
        st.sidebar.caption(t("sidebar.viewer_admin"))
        return
    name = dict((e[0], e[1]) for e in lookups()["employees"]).get(viewer.employee_id, viewer.employee_id)
    signin.account(name, viewer.role, _access().how)


@st.cache_data(show_spinner=False)
def _lookups(viewer: Viewer, version: tuple) -> dict:
    scope = Scope(get_store().backend(), viewer=viewer)
    return {**scope.people(), "span": scope.span([("customers", "created_at")]) or (None, None)}


def lookups() -> dict:
    """The departments and employees the viewer may see and pick, and the span of the customers'
    creation days, for the filter widgets and labels."""
    return _lookups(current_viewer(), data_key())


def has_data() -> bool:
    """Whether the database holds any customer the viewer may see (else pages prompt to import)."""
    return lookups()["span"][0] is not None


def department_tree(rows: list[tuple]) -> dict[str, str]:
    """Department id -> its name indented by its depth, in tree order (rows as Scope.people gives them)."""
    return {dep_id: "\u3000" * depth + ("└ " if depth else "") + name for dep_id, name, _parent, depth in rows}


def _labeler(rows: list[tuple]):
    names = {r[0]: r[1] for r in rows}
    unassigned = t("common.unassigned")
    return lambda key: names.get(key, unassigned if key is None or pd.isna(key) else str(key))


def name_maps() -> tuple[dict, dict]:
    """(employee_id -> name, department_id -> name), for names beside ids in downloads."""
    info = lookups()
    return {e[0]: e[1] for e in info["employees"]}, {d[0]: d[1] for d in info["departments"]}


def employee_labeler():
    """``label(employee_id) -> name``; build it once per page run and call it per row."""
    return _labeler(lookups()["employees"])


def department_labeler():
    """``label(department_id) -> name``; build it once per page run and call it per row."""
    return _labeler(lookups()["departments"])


def quick_range(key: str, today: dt.date, span: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """The dates of a quick pick such as this quarter or last year."""
    if key == "this_month":
        return period_start(today, "month"), today
    if key == "last_month":
        first = period_start(period_start(today, "month") - dt.timedelta(days=1), "month")
        return first, next_period(first, "month") - dt.timedelta(days=1)
    if key == "this_quarter":
        return period_start(today, "quarter"), today
    if key == "last_quarter":
        first = period_start(period_start(today, "quarter") - dt.timedelta(days=1), "quarter")
        return first, next_period(first, "quarter") - dt.timedelta(days=1)
    if key == "this_year":
        return period_start(today, "year"), today
    if key == "last_year":
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    if key == "last_12_months":
        following = next_period(period_start(today, "month"), "month")
        return following.replace(year=following.year - 1), today
    return span


def _init_from_url() -> None:
    """First run of a session: the widgets start from the URL, so a shared link shows the same view."""
    if st.session_state.get("_filters_ready"):
        return
    q = st.query_params
    st.session_state["f_range"] = q.get("range") if q.get("range") in QUICK_RANGES else "this_year"
    try:
        if q.get("start") and q.get("end"):
            start, end = dt.date.fromisoformat(q["start"]), dt.date.fromisoformat(q["end"])
            if not FIRST_DAY <= start <= end <= LAST_DAY:
                raise ValueError(f"{start} .. {end}")
            st.session_state["f_dates"] = (start, end)
            st.session_state["f_range"] = q.get("range") if q.get("range") in QUICK_RANGES else "custom"
    except ValueError:
        st.session_state["_bad_link"] = True  # said once in the sidebar; the default range is shown
    st.session_state["f_period"] = q.get("period") if q.get("period") in PERIODS else "month"
    st.session_state["f_departments"] = q.get_all("dept")
    st.session_state["f_employees"] = q.get_all("emp")
    st.session_state["_filters_ready"] = True


def sidebar_filters(today: dt.date | None = None) -> Filters:
    """Draw the shared filters in the sidebar and return them; the URL query string follows them.

    Each page draws them. Streamlit forgets a widget's value when another page draws it anew, so the
    values are kept under their own keys (updated by the widgets' on_change) and put back first. With no
    data the viewer may see, the page stops here with a prompt to import some."""
    for key in _KEPT:
        if "_kept_" + key in st.session_state:
            st.session_state[key] = st.session_state["_kept_" + key]
    filters = draw_sidebar_filters(today)
    for key in _KEPT:
        if key in st.session_state:
            st.session_state["_kept_" + key] = st.session_state[key]
    if not has_data():
        st.info(t("app.no_data") if current_viewer().sees_all else t("signin.no_data"))  # only admins import
        st.stop()
    return filters


_KEPT = ("lang", "f_range", "f_dates", "f_period", "f_departments", "f_employees")


def language_switch() -> None:
    """The language switch alone, for pages without the shared filters (e.g. Import data)."""
    if "_kept_lang" in st.session_state:
        st.session_state["lang"] = st.session_state["_kept_lang"]
    lang()
    _language_radio()
    st.session_state["_kept_lang"] = st.session_state["lang"]
    if may_enter():
        viewer_box()


def _language_radio() -> None:
    st.sidebar.radio(t("sidebar.language"), LANGUAGES, key="lang", horizontal=True, on_change=_keep("lang"),
                     format_func=lambda code: {"zh": "中文", "en": "English"}[code])


def _keep(key: str):
    def keep():
        st.session_state["_kept_" + key] = st.session_state[key]
        if key == "f_range":  # a new quick pick sets new dates; Custom starts from the ones shown
            shown = st.session_state.get("_shown_dates")
            if st.session_state[key] == "custom" and shown:
                st.session_state["f_dates"] = st.session_state["_kept_f_dates"] = shown
            else:
                st.session_state.pop("f_dates", None)
                st.session_state.pop("_kept_f_dates", None)
    return keep


def draw_sidebar_filters(today: dt.date | None = None) -> Filters:
    today = today or dt.date.today()
    _init_from_url()
    info = lookups()
    span = info["span"] if info["span"][0] else (today, today)
    deps = department_tree(info["departments"])
    emps = {e[0]: e for e in info["employees"]}
    department_label = department_labeler()
    st.session_state["f_departments"] = [d for d in st.session_state.get("f_departments", []) if d in deps]
    st.session_state["f_employees"] = [e for e in st.session_state.get("f_employees", []) if e in emps]

    sb = st.sidebar
    _language_radio()
    sb.subheader(t("sidebar.filters"))
    key = sb.selectbox(t("sidebar.quick_range"), QUICK_RANGES, key="f_range",
                       format_func=lambda k: t(f"range.{k}"), on_change=_keep("f_range"))
    default = quick_range(key, today, span)
    if "f_dates" not in st.session_state:
        st.session_state["f_dates"] = default
    dates = sb.date_input(t("sidebar.date_range"), key="f_dates", disabled=key != "custom",
                          on_change=_keep("f_dates"))
    start, end = (dates if isinstance(dates, (tuple, list)) and len(dates) == 2 else default)
    if key != "custom":
        start, end = default
    st.session_state["_shown_dates"] = (start, end)
    if st.session_state.pop("_bad_link", False):
        sb.warning(t("sidebar.bad_link"))
    period = sb.segmented_control(t("sidebar.period"), PERIODS, key="f_period", on_change=_keep("f_period"),
                                  format_func=lambda p: t(f"period.{p}")) or "month"
    departments = sb.multiselect(t("sidebar.departments"), list(deps), key="f_departments", on_change=_keep("f_departments"),
                                 format_func=lambda d: deps[d], placeholder=t("sidebar.all"))
    employees = sb.multiselect(t("sidebar.employees"), list(emps), key="f_employees", on_change=_keep("f_employees"),
                               format_func=lambda e: f"{emps[e][1]} · {department_label(emps[e][2])}",
                               placeholder=t("sidebar.all"))

    viewer_box()
    st.query_params.from_dict({
        "lang": lang(), "range": key, "start": start.isoformat(), "end": end.isoformat(), "period": period,
        "dept": departments, "emp": employees,
    })
    return Filters(start=start, end=end, period=period, departments=tuple(departments), employees=tuple(employees))
