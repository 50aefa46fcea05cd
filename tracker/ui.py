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
