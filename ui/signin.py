"""The sign-in screen and the sidebar's account line. ui.state.current_viewer decides who is looking;
this module only draws (the form, the provider buttons, why someone is refused, sign-out)."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from crm_core import auth
from crm_core.markup import md

from .i18n import t

SESSION_KEY = "_signed_in_user"  # the login name of a users-file sign-in, for this browser session
_LOG = logging.getLogger("crm_insight.signin")


def oidc_providers() -> list[str]:
    """The OpenID Connect providers configured in the secrets' [auth] section: "default" for settings
    directly in [auth], else the name of each [auth.NAME] with a client_id. Empty: no [auth]."""
    try:
        if not st.secrets.load_if_toml_exists():
            return []
        section = st.secrets.get("auth") or {}
    except Exception:  # an unreadable secrets file: Streamlit itself says so at start
        return []
    if "client_id" in section:
        return ["default"]
    return [name for name, value in section.items() if hasattr(value, "get") and "client_id" in value]


def door(refused: Exception | None, users: Path | None, providers: list[str]) -> None:
    """What someone who may not look yet sees: why they are refused, or the ways to sign in."""
    st.title(t("signin.title"))
    if isinstance(refused, auth.SignInRefused):
        st.error(t(f"signin.refused.{refused.code}", **{k: md(v) for k, v in refused.values.items()}))
        if st.session_state.get(SESSION_KEY) or _oidc_signed_in(providers):
            _sign_out_button(st, "oidc" if _oidc_signed_in(providers) else "password")
        return
    if refused is not None:  # the users file: its path and the parser's words go to the log, not to strangers
        _LOG.error("sign-in refused everyone: %s", refused)
        st.error(t("signin.users_file_broken"))
        return
    st.caption(t("signin.intro"))
    for provider in providers:
        label = t("signin.with_provider", provider=md(provider.title())) if provider != "default" else t("signin.with_sso")
        if st.button(label, key=f"signin_oidc_{provider}", type="primary" if users is None else "secondary"):
            st.login(None if provider == "default" else provider)
    if users is None:
        return
    with st.form("signin_form"):
        name = st.text_input(t("signin.name"), key="signin_name", autocomplete="username")
        password = st.text_input(t("signin.password"), type="password", key="signin_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(t("signin.submit"), type="primary")
    if submitted:
        wait = auth.locked_for(name) if name else 0
        if wait:
            st.error(t("signin.locked", minutes=-(-wait // 60)))
            return
        user = auth.check_password(auth.load_users(users), name, password) if name and password else None
        if user is None:
            st.error(t("signin.wrong"))  # the same words whichever of the two was wrong
            return
        st.session_state[SESSION_KEY] = user.name
        st.rerun()


def _oidc_signed_in(providers: list[str]) -> bool:
    return bool(providers) and st.user.to_dict().get("is_logged_in") is True


def account(name: str, role: str, how: str | None) -> None:
    """The sidebar's line on who is signed in, with the sign-out button."""
    st.sidebar.caption(t("signin.as", name=md(name), role=t(f"signin.role.{role}")))
    _sign_out_button(st.sidebar, how)


def _sign_out_button(where, how: str | None) -> None:
    if where.button(t("signin.sign_out"), key="signin_out", icon=":material/logout:", on_click=_forget):
        if how == "oidc":
            st.logout()  # Streamlit's identity cookie goes, and the browser starts a new session
            st.stop()
        st.rerun()


def _forget() -> None:
    """Sign out of this browser session: nothing of the person stays (filters, picks), the language does."""
    for key in list(st.session_state):
        if key not in ("lang", "_kept_lang", "signin_out"):  # the button's own: else its click is lost
            del st.session_state[key]
