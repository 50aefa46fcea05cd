"""The door of the app: who is this run's user (demo, SSO or local login), the login form, sign-out.

The user comes from the server-side session table or the signed SSO cookie (`tracker.auth.resolve`);
the browser's session only holds a random token. app.py passes `user.scope()` to the query layer.
"""

from __future__ import annotations

import streamlit as st

import queries
from tracker import audit, auth
from tracker.i18n import t

TOKEN = "_auth_token"
COOKIE = "tracker_session"  # the same random token, so that a reload or a link in a new tab stays signed in


def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _claims() -> dict | None:
    try:
        return st.user.to_dict()
    except Exception:
        return None


def _cookie(token: str | None) -> None:
    """Set (or, with None, clear) the session cookie in the browser: Streamlit can read cookies, not write them."""
    _, most = auth.Sessions.limits()
    value = f"{token}; max-age={int(most)}" if token else "; max-age=0"
    st.html(f"<script>document.cookie = '{COOKIE}={value}; path=/; SameSite=Strict';</script>", unsafe_allow_javascript=True, width=1)


def _browser_token() -> str | None:
    try:
        v = st.context.cookies.get(COOKIE)
    except Exception:
        return None
    return v if v and v.replace("-", "").replace("_", "").isalnum() else None


def user(lang: str) -> auth.User:
    """The user of this run; without one, the login page is shown and the run stops here."""
    token, claims = st.session_state.get(TOKEN) or _browser_token(), _claims() or {}
    u, notice = auth.resolve(token, claims)
    if notice == "sso_unmapped" or (u is not None and u.source == "oidc"):
        if st.session_state.get("_sso_seen") != claims.get("sub"):  # one audit line per SSO session
            st.session_state["_sso_seen"] = claims.get("sub")
            audit.log(
                u.username if u else str(claims.get("email") or claims.get("sub")),
                "login_sso" if u else "sso_unmapped",
                u.area if u else "",
            )
    if u is not None:
        queries.set_scope(u.scope())
        if u.source == "local" and st.session_state.get(TOKEN) != token:
            st.session_state[TOKEN] = token  # came back with the cookie
        if st.session_state.pop("_new_login", False):
            _cookie(token)
        return u
    queries.set_scope(None)
    st.session_state.pop(TOKEN, None)
    if token or st.session_state.pop("_logged_out", False):
        _cookie(None)
    login_page(lang, notice)
    st.stop()


def login_page(lang: str, notice: str | None) -> None:
    st.title(t("app_title", lang))
    if notice:
        st.warning(t(notice, lang))
    if notice == "sso_unmapped":
        if st.button(t("logout", lang)):
            st.logout()
        return
    _, mid, _ = st.columns([1, 2, 1])
    with mid:
        st.subheader(t("login_title", lang))
        with st.form("login", enter_to_submit=True):
            name = st.text_input(t("username", lang), key="login_user")
            pw = st.text_input(t("password", lang), type="password", key="login_pw")
            if st.form_submit_button(t("login", lang), type="primary", width="stretch"):
                try:
                    u = auth.login(name, pw)
                except auth.LoginError as e:
                    st.error(e.message(lang))
                else:
                    st.session_state[TOKEN] = auth.SESSIONS.create(u.username)
                    st.session_state["_new_login"] = True
                    st.rerun()
        if sso_configured():
            if st.button(t("login_sso", lang), icon=":material/badge:", width="stretch"):
                st.login()
        st.caption(t("login_help", lang))


def logout(u: auth.User) -> None:
    audit.log(u.username, "logout", u.area)
    auth.SESSIONS.end(st.session_state.pop(TOKEN, None))
    st.session_state["_logged_out"] = True
    if u.source == "oidc":
        st.logout()  # clears the identity cookie through the browser; no rerun of our own, it would cut that short
    else:
        st.rerun()


def deferred(fn, u: auth.User, action: str, area: str, detail: str = ""):
    """A download's builder, run later by the server when the button is clicked: it gets the user's scope
    (another thread has none) and leaves an audit line for the export."""

    def build():
        audit.log(u.username, action, area, detail)
        with queries.scoped(u.scope()):
            return fn()

    return build
