"""Streamlit-facing helpers shared by the pages: the current view state, the notice area, links.

The only module besides app.py that touches st.query_params, so the URL has one owner.
"""

from __future__ import annotations

import streamlit as st

from tracker.hierarchy import Hierarchy
from tracker.state import KEYS, State


def current() -> tuple[State, Hierarchy]:
    return st.session_state["_state"], st.session_state["_hierarchy"]


def go(state: State) -> None:
    """Move the view (drill-down, language, …): write the URL and rerun."""
    st.session_state["_state_params"] = state.params()
    st.query_params.from_dict(state.params())
    st.rerun()


def sync_url(state: State) -> None:
    """Keep the address bar equal to the view (after fall-backs and page switches)."""
    want = state.params()
    have = {k: st.query_params.get(k) for k in KEYS if k in st.query_params}
    if have != want:
        st.query_params.from_dict(want)
    st.session_state["_state_params"] = want


def breadcrumb(state: State, h: Hierarchy) -> None:
    """Region > prefecture > county > township > village; each ancestor is a button back up."""
    crumbs = h.ancestors(state.area)
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
    from tracker.analysis import GROUPS
    from tracker.i18n import t
    from tracker.schema import CHANNEL

    lang = state.lang
    st.subheader(f"{h.short_name(state.area, lang)} · {title} · "
                 + (f"截至{fmt.date(state.snapshot, lang)}" if lang == "zh" else f"as of {fmt.date(state.snapshot, lang)}"))
    breadcrumb(state, h)
    bits = [CHANNEL.label(c, lang) for c in state.channels]
    if state.group:
        bits.append(GROUPS[state.group][0 if lang == "zh" else 1])
    if bits:
        st.info(t("slice_active", lang, s="、".join(bits) if lang == "zh" else ", ".join(bits)))


def csv_bytes(df) -> bytes:
    """CSV with a BOM so that Excel opens the Chinese headers correctly."""
    return "\ufeff".encode() + df.write_csv().encode("utf-8")


def download(df, name: str, lang: str, key: str) -> None:
    from tracker.i18n import t

    st.download_button(t("download_csv", lang), data=lambda: csv_bytes(df), file_name=f"{name}.csv",
                       mime="text/csv", key=key, on_click="ignore", icon=":material/download:")


def drill_table(df, state: State, h: Hierarchy, key: str, codes: list[str] | None = None,
                column_config: dict | None = None, name: str = "data") -> None:
    """A table of child units; selecting a row opens that unit (one level down), with a CSV download."""
    sel = st.dataframe(df, hide_index=True, on_select="rerun", selection_mode="single-row",
                       key=f"{key}_{state.area}", column_config=column_config or {})
    download(df, name, state.lang, key=f"dl_{key}")
    rows = sel.selection.rows if sel is not None else []
    if rows and codes:
        code = codes[rows[0]]
        if h.exists(code) and code != state.area and h.level(state.area) < 5:
            go(state.with_(area=code))


def chart(fig, state: State, h: Hierarchy, key: str, data=None, name: str = "chart") -> None:
    """A plotly chart whose bars drill down on click (customdata = unit code), with its data below."""
    from tracker.i18n import t

    ev = st.plotly_chart(fig, key=f"{key}_{state.area}", on_select="rerun", selection_mode="points",
                         config={"displayModeBar": False})
    pts = ev.selection.points if ev is not None else []
    if pts:
        code = pts[0].get("customdata")
        code = code[0] if isinstance(code, list) else code
        if isinstance(code, str) and h.exists(code) and code != state.area and h.level(state.area) < 5:
            go(state.with_(area=code))
    if data is not None:
        with st.expander(t("table_view", state.lang)):
            st.dataframe(data, hide_index=True)
            download(data, name, state.lang, key=f"dl_{key}")


def bulletin_buttons(state: State) -> None:
    """Download buttons for the bulletin; each file is built only when its button is clicked."""
    import io
    import zipfile

    from tracker import bulletin
    from tracker.i18n import t

    lang, area, day = state.lang, state.area, state.snapshot
    stem = f"{'调度通报' if lang == 'zh' else 'bulletin'}_{area}_{day.isoformat()}"

    def content():
        return bulletin.build(area, day, lang)

    def zipped_png() -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for n, data in bulletin.png(content()).items():
                z.writestr(f"{stem}_{n}.png", data)
        return buf.getvalue()

    st.markdown("#### " + t("bulletin", lang))
    cols = st.columns(4)
    cols[0].download_button("Word (.docx)", data=lambda: bulletin.docx_bytes(b := content(), bulletin.png(b)),
                            file_name=f"{stem}.docx", key="bul_docx", on_click="ignore", icon=":material/description:")
    cols[1].download_button("Excel (.xlsx)", data=lambda: bulletin.xlsx_bytes(content()), file_name=f"{stem}.xlsx",
                            key="bul_xlsx", on_click="ignore", icon=":material/table_view:")
    cols[2].download_button("PDF", data=lambda: bulletin.pdf_bytes(b := content(), bulletin.png(b)), file_name=f"{stem}.pdf",
                            key="bul_pdf", on_click="ignore", icon=":material/picture_as_pdf:")
    cols[3].download_button(t("charts_png", lang), data=zipped_png, file_name=f"{stem}_charts.zip", key="bul_png",
                            on_click="ignore", icon=":material/image:")
