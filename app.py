"""Entry point: page config, the shared filter bar (year, snapshot, area, language), navigation."""

from __future__ import annotations

import os

from tracker import warm

warm.wait()  # a server started by `python -m tracker.warm` imports all below in its warm-up: never two threads at once
import pandas  # noqa: F401  imported whole before any session draws: plotly reads a half-imported pandas otherwise
import streamlit as st

import queries
from tracker import audit, deeplink, gate, generate, hierarchy, objstore, prebuild, settings
from tracker import nav as nav_pages
from tracker.errors import TrackerError
from tracker.i18n import colon, pick, t
from tracker.state import KEYS, State, parse
from tracker.style import BASE_CSS, ZH_NOTICES_JS, ZH_WIDGETS_CSS
from tracker.ui import go, phone_bar, set_view, sync_url

st.set_page_config(
    page_title="转移就业调度看板", page_icon=str(settings.REPO / "assets" / "icon.png"), layout="wide"
)  # a local icon: a material one is fetched from Google

if objstore.configured() and not objstore.following():  # a new host's first pull may take a while: say so
    with st.spinner("正在从对象存储同步数据 / Syncing the data from object storage …", show_time=True):
        objstore.follow()
synced = objstore.follow()  # with object storage: the latest pull's outcome (pulled at start, then in the background)
if synced and synced.get("error"):
    st.warning(
        f"对象存储暂时无法同步（{synced['error']}），显示的是本服务器已有的数据。 / The object storage cannot be reached: "
        "this server's copy is shown.",
        icon=":material/cloud_off:",
    )

# the demo is generated into a local data directory only, never into an object store's copy
if os.environ.get("TRACKER_AUTOGEN") == "1" and not objstore.configured() and not queries.snapshot_dates() and hierarchy.REGION == "54":
    bar = st.progress(0.0, text="首次启动：正在生成演示数据 / First start: generating the demo data …")
    generate.ensure_demo(lambda f, msg: bar.progress(min(1.0, f), text=msg))
    bar.empty()
    queries.reset()

prebuild.start()  # once per process: older weeks get their derived files before anyone opens them
h = hierarchy.load()
dates = queries.snapshot_dates()
raw = {k: st.query_params.get(k) for k in KEYS if k in st.query_params}
if not raw and "_state_params" in st.session_state:  # a page switch drops the query string: carry it
    raw = dict(st.session_state["_state_params"])
lang = "en" if raw.get("lang") == "en" else "zh"
if lang == "zh":
    st.html(ZH_NOTICES_JS, unsafe_allow_javascript=True, width=1)
if gate.TOKEN not in st.session_state and "_wanted" not in st.session_state:  # maybe a link opened before signing in
    st.session_state["_wanted"] = deeplink.requested(st.context.url, dict(st.query_params))
    if gate.sso_configured() and any(st.session_state["_wanted"]):  # a single sign-on leaves the app: keep it in a cookie
        st.html(
            f"<script>document.cookie='{deeplink.COOKIE}={deeplink.encode(*st.session_state['_wanted'])}; max-age=600; path=/; "
            "SameSite=Lax';</script>",
            unsafe_allow_javascript=True,
            width=1,
        )
user = gate.user(lang)  # the login page stops the run here; else every query below runs in the user's scope
wanted = st.session_state.pop("_wanted", None)
cookie = st.context.cookies.get(deeplink.COOKIE) if deeplink.COOKIE in st.context.cookies else None
if user.source == "oidc" and not (wanted and any(wanted)):  # back from the identity provider in a new session
    wanted = deeplink.decode(cookie)
if cookie:
    st.html(f"<script>document.cookie='{deeplink.COOKIE}=; max-age=0; path=/';</script>", unsafe_allow_javascript=True, width=1)
if wanted and any(wanted):
    if not raw:
        raw = dict(wanted[1])
else:
    wanted = None
state, notices = parse(raw, dates, h, home=user.area)

if state is None:
    st.title(t("app_title", lang))
    st.info(notices[0])
    st.stop()
if not user.covers(state.area):  # URL parameters are user input: a tampered area gets a refusal, not data
    audit.log(user.username, "denied_area", state.area)
    st.error(t("no_permission_area", lang, code=state.area, own=h.short_name(user.area, lang)))
    if st.button(t("back_home", lang), type="primary"):
        go(state.with_(area=user.area))
    st.stop()
queries.connection()  # binds the views and finds damaged weeks: one damaged week is an error for that week only
if state.snapshot in queries.broken_snapshots():
    st.error(t("snapshot_broken", lang, day=state.snapshot.isoformat()))
    st.stop()


_set = set_view


def _area_changed(level_key: str) -> None:
    code = st.session_state[level_key]
    _set(area=code)


def filter_bar(s: State) -> None:
    L = pick(s.lang)
    sb = st.sidebar
    sb.markdown(f"### {t('app_title', s.lang)}")
    st.session_state["w_lang"] = s.lang
    sb.radio(
        t("language", s.lang),
        ["zh", "en"],
        key="w_lang",
        horizontal=True,
        format_func=lambda x: "中文" if x == "zh" else "English",
        on_change=lambda: _set(lang=st.session_state["w_lang"]),
    )
    years = sorted({d.year for d in dates}, reverse=True)
    st.session_state["w_year"] = s.year
    sb.selectbox(
        t("year", s.lang),
        years,
        key="w_year",
        on_change=lambda: _set(year=st.session_state["w_year"], snapshot=max(d for d in dates if d.year == st.session_state["w_year"])),
    )
    snaps = sorted((d for d in dates if d.year == s.year), reverse=True)
    st.session_state["w_snap"] = s.snapshot
    sb.selectbox(
        t("snapshot", s.lang),
        snaps,
        key="w_snap",
        format_func=lambda d: L(f"{d.isoformat()}（第{d.isocalendar()[1]}周）", f"{d.isoformat()} (week {d.isocalendar()[1]})"),
        on_change=lambda: _set(snapshot=st.session_state["w_snap"]),
    )
    # area cascade from the user's own area down: each level lists the parent itself as "(all)" first
    chain = [user.area] + [s.area[:n] for n in (4, 6, 9) if len(user.area) < n <= len(s.area)]
    levels = {2: ("w_pref", "prefecture"), 4: ("w_county", "county"), 6: ("w_town", "township")}
    for depth, parent in enumerate(chain):
        if len(parent) not in levels:
            break
        key, label = levels[len(parent)]
        kids = h.children(parent)
        if not kids:
            break
        options = [parent] + kids
        st.session_state[key] = chain[depth + 1] if depth + 1 < len(chain) else parent
        sb.selectbox(
            t(label, s.lang),
            options,
            key=key,
            format_func=lambda c, p=parent: t("all", s.lang) if c == p else h.name(c, s.lang),
            on_change=_area_changed,
            args=(key,),
        )
    if len(s.area) == 12:
        sb.caption(f"{t('area', s.lang)}{colon(s.lang)}{h.name(s.area, s.lang)}")
    from tracker.catalogue import group_labels
    from tracker.schema import CHANNEL

    with sb.expander(t("slices", s.lang), expanded=bool(s.channels or s.group)):
        st.session_state["w_ch"] = list(s.channels)
        st.multiselect(
            t("slice_channels", s.lang),
            list(CHANNEL.values),
            key="w_ch",
            format_func=lambda c: CHANNEL.label(c, s.lang),
            placeholder=t("all", s.lang),
            on_change=lambda: _set(channels=tuple(st.session_state["w_ch"])),
        )
        st.session_state["w_grp"] = s.group or ""
        labels = group_labels(with_all=False)
        st.selectbox(
            t("slice_group", s.lang),
            ["", *labels],
            key="w_grp",
            format_func=lambda g: t("all", s.lang) if not g else labels[g][0 if s.lang == "zh" else 1],
            on_change=lambda: _set(group=st.session_state["w_grp"] or None),
        )
        st.caption(t("slices_help", s.lang))
    st.session_state["w_meet"] = s.meeting
    sb.toggle(t("meeting", s.lang), key="w_meet", on_change=lambda: _set(meeting=st.session_state["w_meet"]))
    if settings.data_dir() == settings.REPO / "data":
        sb.caption(t("demo_banner", s.lang))
    elif user.role == "admin":  # where the data lives is an administrator's business
        sb.caption(("数据目录" if s.lang == "zh" else "Data directory") + colon(s.lang) + str(settings.data_dir()))


def user_box(s: State) -> None:
    sb = st.sidebar
    sb.divider()
    sb.caption(t("signed_in_as", s.lang, name=user.shown_name(s.lang), role=user.role_label(s.lang), area=h.short_name(user.area, s.lang)))
    if user.source != "demo" and sb.button(t("logout", s.lang), icon=":material/logout:", key="logout"):
        gate.logout(user)


st.session_state["_state"] = state
st.session_state["_hierarchy"] = h
st.session_state["_user"] = user  # for display (breadcrumb root, buttons); queries are scoped by gate.user
st.markdown(BASE_CSS + (ZH_WIDGETS_CSS if lang == "zh" else ""), unsafe_allow_html=True)
if user.source == "demo" and not state.meeting:
    st.info(t("demo_mode", lang), icon=":material/visibility:")
if not state.meeting:
    filter_bar(state)
    phone_bar(state, h)
sync_url(state)
for n in notices:
    st.warning(n)

home = st.Page(f"app_pages/{nav_pages.HOME.file}", title=t("overview", lang), icon=nav_pages.HOME.icon, url_path="home", default=True)


def _to_overview() -> None:
    """/overview?… (a link someone typed or kept) is the overview, served at the root."""
    st.switch_page(home, query_params=state.params())


pages = {
    t(section, lang): [
        home if d is nav_pages.HOME else st.Page(f"app_pages/{d.file}", title=t(d.title, lang), icon=d.icon, url_path=d.url_path)
        for d in defs
    ]
    for section, defs in nav_pages.SECTIONS.items()
}
# every page is registered (so a direct URL resolves), but the menu lists only the user's pages and
# a page the role may not use is refused here, before it runs
nav = st.navigation({**pages, "": [st.Page(_to_overview, title=t("overview", lang), url_path="overview")]}, position="hidden")
if not state.meeting:
    for section, items in pages.items():
        allowed = [p for p in items if user.may_open(p.url_path)]
        if allowed:
            st.sidebar.caption(section)
            for p in allowed:
                st.sidebar.page_link(p, query_params=state.shared_params())
    user_box(state)
st.set_page_config(page_title=f"{nav.title} · {t('app_title', lang)}")  # the tab says which page, in the page's language
if wanted and wanted[0] and wanted[0] != nav.url_path:  # back to the page asked for before the login, with its view
    target = next((p for items in pages.values() for p in items if p.url_path == wanted[0]), None)
    if target is not None and user.may_open(target.url_path):
        st.switch_page(target, query_params=state.params())
if not user.may_open(nav.url_path):
    audit.log(user.username, "denied_page", state.area, nav.url_path)
    st.error(t("no_permission_page", lang, role=user.role_label(lang)))
    st.stop()
try:
    nav.run()
except TrackerError as e:
    st.error(e.message(lang))
