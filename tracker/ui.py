"""Streamlit-facing helpers shared by the pages: the current view state, the notice area, links.

The only module besides app.py that touches st.query_params, so the URL has one owner.
"""

from __future__ import annotations

import streamlit as st

from tracker.hierarchy import Hierarchy
from tracker.state import KEYS, State


def current() -> tuple[State, Hierarchy]:
    return st.session_state["_state"], st.session_state["_hierarchy"]


def current_user():
    """The signed-in user, for display and audit lines (the query layer has the scope on its own)."""
    return st.session_state["_user"]


def can(need: str) -> bool:
    """Whether to offer a part of a page (e.g. person lists); the query layer refuses it anyway."""
    return current_user().can(need)


def records_hidden(lang: str) -> None:
    from tracker.i18n import t

    st.caption(t("records_hidden", lang))


def unit_namer(lang: str):
    """column -> polars expression of unit names for units inside the user's area (and the user's own
    prefecture and region, which are no secret), else only "outside your area": a record counted here may
    have been reported by another county, whose name is not this user's business."""
    import polars as pl

    u, h = current_user(), st.session_state["_hierarchy"]
    outside = "辖区外" if lang == "zh" else "outside your area"

    def name(col: str) -> pl.Expr:
        c = pl.col(col)
        mine = c.str.starts_with(u.area) | pl.lit(u.area).str.starts_with(c)
        return (
            pl.when(c.is_null()).then(pl.lit("—")).when(mine).then(h.name_expr(c, lang, short=False)).otherwise(pl.lit(outside)).alias(col)
        )

    return name


def audit_view(kind: str, detail: str) -> None:
    """One audit line per distinct record view (not per rerun of the same view)."""
    from tracker import audit

    state = st.session_state["_state"]
    key = (kind, state.area, detail)
    if st.session_state.get("_audit_last") != key:
        audit.log(current_user().username, kind, state.area, detail)
        st.session_state["_audit_last"] = key


def go(state: State) -> None:
    """Move the view (drill-down, language, …): write the URL and rerun."""
    st.session_state["_state_params"] = state.params()
    st.query_params.from_dict(state.params())
    st.rerun()


def set_view(**kw) -> None:
    """Widget callback: the new view goes to the URL (the rerun that follows reads it from there)."""
    s = st.session_state["_state"].with_(**kw)
    st.query_params.from_dict(s.params())
    st.session_state["_state_params"] = s.params()


def records_link(label: str, filters: dict, where=st, icon: str = ":material/table_rows:") -> None:
    """A link to the records behind a finding, filtered (the filter is in the link: it can be opened in a new tab or
    sent on)."""
    from tracker.catalogue import encode_filters

    state = st.session_state["_state"]
    where.page_link("app_pages/records.py", label=label, icon=icon, query_params={**state.shared_params(), "f": encode_filters(filters)})


def view_href(**kw) -> str:
    """A relative link to this page with the view changed (a drill from an HTML table or list)."""
    from urllib.parse import urlencode

    return "?" + urlencode(st.session_state["_state"].with_(**kw).params())


def _records_target(filters: dict | None, area: str | None) -> tuple[str, dict]:
    """Where the records behind a number are: (page, query parameters): the records view with `filters`, or, for a
    role that sees aggregates only (or a number without records), the breakdown by channel."""
    from tracker.catalogue import encode_filters

    params = st.session_state["_state"].shared_params()
    if area:
        params["area"] = area
    if filters is None or not can("records"):
        return "channels", params
    return "records", {**params, "f": encode_filters(filters)}


def records_href(filters: dict | None, area: str | None = None) -> str:
    """A relative link to the records behind a number (see `_records_target`). Relative, so it works under any base
    path."""
    from urllib.parse import urlencode

    page, params = _records_target(filters, area)
    return f"{page}?{urlencode(params)}"


def open_records(filters: dict | None, area: str | None = None) -> None:
    """Go to the records behind a number (a chart click), where `records_href` links."""
    page, params = _records_target(filters, area)
    st.switch_page(f"app_pages/{page}.py", query_params=params)


def sync_url(state: State) -> None:
    """Keep the address bar equal to the view (after fall-backs and page switches)."""
    want = state.params()
    have = {k: st.query_params.get(k) for k in KEYS if k in st.query_params}
    if have != want:
        st.query_params.from_dict(want)
    st.session_state["_state_params"] = want


def breadcrumb(state: State, h: Hierarchy) -> None:
    """Region > prefecture > county > township > village, from the user's own area down; each ancestor is a
    button back up."""
    crumbs = [c for c in h.ancestors(state.area) if current_user().covers(c)]
    if len(crumbs) < 2:
        return
    cols = st.columns([1] * len(crumbs) + [max(1, 8 - len(crumbs))])
    for i, code in enumerate(crumbs):
        name = h.short_name(code, state.lang)
        if code == state.area:
            cols[i].markdown(f"**{name}**")
        elif cols[i].button(name, key=f"crumb_{code}", type="tertiary"):
            go(state.with_(area=code))


def header(title: str, state: State, h: Hierarchy) -> None:
    """Page title with area and snapshot, the breadcrumb, and the slice in force."""
    from tracker import fmt
    from tracker.catalogue import groups
    from tracker.i18n import t
    from tracker.schema import CHANNEL

    lang = state.lang
    st.subheader(
        f"{h.short_name(state.area, lang)} · {title} · "
        + (f"截至{fmt.date(state.snapshot, lang)}" if lang == "zh" else f"as of {fmt.date(state.snapshot, lang)}")
    )
    breadcrumb(state, h)
    bits = [CHANNEL.label(c, lang) for c in state.channels]
    if state.group:
        bits.append(groups()[state.group].label(lang))
    if bits:
        st.info(t("slice_active", lang, s="、".join(bits) if lang == "zh" else ", ".join(bits)))


def export(label: str, build, file_name: str, key: str, where=st, mime: str | None = None, icon: str = ":material/download:") -> None:
    """A download button whose file is built when clicked, in the user's scope, with an audit line."""
    from tracker import gate

    state, u = st.session_state["_state"], current_user()
    where.download_button(
        label,
        data=gate.deferred(build, u, "export", state.area, file_name),
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        icon=icon,
    )


def data_table(df, **kw):
    """`st.dataframe`, with cells as a person reads them (`exports.on_screen`: no `None`, dates not timestamps,
    gaps as "—"); columns the page configures itself (progress bars, links) are left to it."""
    import polars as pl

    from tracker.exports import number_formats, on_screen

    own = dict(kw.pop("column_config", None) or {})
    shown = on_screen(df, keep=set(own))
    config = {c: st.column_config.NumberColumn(format=f) for c, f in number_formats(shown).items() if c not in own}
    if isinstance(shown, pl.DataFrame):  # Streamlit's grid writes a date as "2026-12-04 00:00:00" unless told
        for c, t_ in shown.schema.items():
            if c not in own and t_ == pl.Date:
                config[c] = st.column_config.DateColumn(format="YYYY-MM-DD")
            elif c not in own and isinstance(t_, pl.Datetime):
                config[c] = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
    return st.dataframe(shown, column_config={**config, **own} or None, **kw)


def download(df, name: str, lang: str, key: str) -> None:
    """A page table as CSV: headers and values as a person reads them, named by table, area and week."""
    from tracker.exports import csv_bytes, file_name, for_people
    from tracker.hierarchy import load
    from tracker.i18n import t

    state = st.session_state["_state"]
    stem = file_name(name, lang, load().short_name(state.area, lang), state.snapshot)
    export(t("download_csv", lang), lambda: csv_bytes(for_people(df, lang)), f"{stem}.csv", key, mime="text/csv")


def drill_table(
    df, state: State, h: Hierarchy, key: str, codes: list[str] | None = None, column_config: dict | None = None, name: str = "data"
) -> None:
    """A table of child units; selecting a row opens that unit (one level down), with a CSV download."""
    sel = data_table(
        df, hide_index=True, on_select="rerun", selection_mode="single-row", key=f"{key}_{state.area}", column_config=column_config or {}
    )
    download(df, name, state.lang, key=f"dl_{key}")
    rows = sel.selection.rows if sel is not None else []
    if rows and codes:
        code = codes[rows[0]]
        if h.exists(code) and code != state.area and h.level(state.area) < 5:
            go(state.with_(area=code))


def chart(fig, state: State, h: Hierarchy, key: str, data=None, name: str = "chart") -> None:
    """A plotly chart whose bars drill down on click (customdata = unit code), with its data below."""
    from tracker.i18n import t

    ev = st.plotly_chart(fig, key=f"{key}_{state.area}", on_select="rerun", selection_mode="points", config={"displayModeBar": False})
    pts = ev.selection.points if ev is not None else []
    if pts:
        code = pts[0].get("customdata")
        code = code[0] if isinstance(code, list) else code
        if isinstance(code, str) and h.exists(code) and code != state.area and h.level(state.area) < 5:
            go(state.with_(area=code))
    if data is not None:
        from tracker.exports import for_people

        with st.expander(t("table_view", state.lang)):
            data_table(for_people(data, state.lang), hide_index=True)
            download(data, name, state.lang, key=f"dl_{key}")


def bulletin_buttons(state: State) -> None:
    """Download buttons for the bulletin; each file is built only when its button is clicked."""
    import io
    import zipfile

    from tracker import bulletin
    from tracker.hierarchy import load
    from tracker.i18n import t

    lang, area, day = state.lang, state.area, state.snapshot
    name = load().short_name(area, lang)
    stem = f"{'调度通报' if lang == 'zh' else 'bulletin'}_{name}_{day.isoformat()}"
    st.markdown("#### " + t("bulletin", lang))
    saved = bulletin.Letterhead.load(area, name, lang)
    with st.expander("版头与版记（发文机关、主送、抄送）" if lang == "zh" else "Letterhead (issuer, recipients, copies)"):
        c1, c2 = st.columns(2)
        head = bulletin.Letterhead(
            mark=c1.text_input("发文机关标志（红头）" if lang == "zh" else "Masthead", saved.mark, key=f"lh_mark_{area}"),
            issuer=c2.text_input("发文机关署名" if lang == "zh" else "Issuer", saved.issuer, key=f"lh_issuer_{area}"),
            to=c1.text_input("主送" if lang == "zh" else "To", saved.to, key=f"lh_to_{area}"),
            cc=c2.text_input("抄送" if lang == "zh" else "Copies", saved.cc, key=f"lh_cc_{area}"),
            printer=c1.text_input("印发机关" if lang == "zh" else "Printed by", saved.printer, key=f"lh_printer_{area}"),
            signer=c2.text_input("签发人" if lang == "zh" else "Signed by", saved.signer, key=f"lh_signer_{area}"),
        )
        if (
            head != saved
            and can("admin")
            and st.button("保存为本单位默认" if lang == "zh" else "Save as this unit's default", key="lh_save")
        ):
            head.save(area)
            from tracker import audit

            audit.log(current_user().username, "bulletin_letterhead", area, head.mark)
            st.success("已保存。" if lang == "zh" else "Saved.")

    def content():
        return bulletin.build(area, day, lang, head=head)

    def zipped_png() -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for n, data in bulletin.png(content()).items():
                z.writestr(f"{stem}_{n}.png", data)
        return buf.getvalue()

    cols = st.columns(5)
    export(
        "Word (.docx)",
        lambda: bulletin.docx_bytes(b := content(), bulletin.png(b)),
        f"{stem}.docx",
        "bul_docx",
        cols[0],
        icon=":material/description:",
    )
    export("Excel (.xlsx)", lambda: bulletin.xlsx_bytes(content()), f"{stem}.xlsx", "bul_xlsx", cols[1], icon=":material/table_view:")
    export(
        "PDF",
        lambda: bulletin.pdf_bytes(b := content(), bulletin.png(b)),
        f"{stem}.pdf",
        "bul_pdf",
        cols[2],
        icon=":material/picture_as_pdf:",
    )
    export(
        "一页摘要(PDF)" if lang == "zh" else "One-page summary (PDF)",
        lambda: bulletin.pdf_bytes(content(), None, summary=True),
        f"{stem}_{'摘要' if lang == 'zh' else 'summary'}.pdf",
        "bul_summary",
        cols[3],
        icon=":material/summarize:",
    )
    export(t("charts_png", lang), zipped_png, f"{stem}_charts.zip", "bul_png", cols[4], icon=":material/image:")


def phone_bar(state: State, h: Hierarchy) -> None:
    """On a phone (CSS shows it only there, sticky at the top): the area as one line, a pick moves up or down."""
    from tracker.i18n import t

    u = current_user()
    up = [c for c in h.ancestors(state.area) if u.covers(c)]
    options = up + (h.children(state.area) if len(state.area) < 12 else [])
    depth = {c: i for i, c in enumerate(up)}

    def label(c: str) -> str:
        if c in depth:  # the path down to here, as one line
            return " › ".join(h.short_name(x, state.lang) for x in up[: depth[c] + 1])
        return "　↳ " + h.short_name(c, state.lang)

    with st.container(key="tr_phonebar"):
        st.session_state["w_phone_area"] = state.area
        st.selectbox(
            t("area", state.lang),
            options,
            key="w_phone_area",
            format_func=label,
            label_visibility="collapsed",
            on_change=lambda: set_view(area=st.session_state["w_phone_area"]),
        )


def meeting_bar(state: State, h: Hierarchy) -> None:
    """Meeting mode's controls: previous/next unit (← →), auto-advance, dark theme, exit (Esc)."""
    import time

    from tracker.i18n import pick
    from tracker.state import AUTO_STEPS, step

    L = pick(state.lang)
    home = current_user().area
    with st.container(key="tr_noprint"):
        c = st.columns([1, 1, 1.3, 1, 1], vertical_alignment="center")
        if c[0].button(L("◀ 上一单位", "◀ Previous"), key="meet_prev", shortcut="Left", use_container_width=True):
            go(state.with_(area=step(state.area, h, home, -1)))
        if c[1].button(L("下一单位 ▶", "Next ▶"), key="meet_next", shortcut="Right", use_container_width=True):
            go(state.with_(area=step(state.area, h, home, 1)))
        st.session_state["w_auto"] = state.auto
        c[2].selectbox(
            L("自动轮播", "Auto-advance"),
            AUTO_STEPS,
            key="w_auto",
            format_func=lambda s: L("不轮播", "Off") if not s else L(f"每{s}秒", f"every {s} s"),
            label_visibility="collapsed",
            on_change=lambda: set_view(auto=st.session_state["w_auto"]),
        )
        st.session_state["w_dark"] = state.dark
        c[3].toggle(L("深色", "Dark"), key="w_dark", on_change=lambda: set_view(dark=st.session_state["w_dark"]))
        if c[4].button(L("退出投屏", "Exit meeting"), key="meet_exit", shortcut="Esc", icon=":material/close:", use_container_width=True):
            go(state.with_(meeting=False, dark=False, auto=0))
    if state.auto:
        since = st.session_state.get("_auto_at")
        if not since or since[0] != state.area:  # a unit shown (by hand or by the timer): its full time from now
            st.session_state["_auto_at"] = (state.area, time.monotonic())

        @st.fragment(run_every=1)
        def _tick() -> None:
            if time.monotonic() - st.session_state["_auto_at"][1] >= state.auto:
                go(state.with_(area=step(state.area, h, home, 1)))

        _tick()
