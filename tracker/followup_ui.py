"""督办 on a page: the open items of an area (for the overview and meeting mode), the form that opens an item.

The overview calls `open_items_box(state, h)`; a laggard row can offer `open_button(unit, metrics, state, h, key)`.
Numbers come from `tracker.followup` (and through it from `tracker.dispatch`), words from `tracker.fmt`.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from tracker import followup, settings
from tracker.catalogue import METRICS
from tracker.i18n import pick
from tracker.ui import current_user


def open_items_box(state, h, where=st, progress: bool = True, by_unit: bool = False) -> int:
    """The open items of the area and the units below it, overdue first (or unit by unit, `by_unit`, for meeting
    mode), one line each with the gap at opening and now (`progress`); nothing when there are none. Returns how many
    were shown."""
    lang, L = state.lang, pick(state.lang)
    df = followup.open_items(state.area, settings.today())
    if df.height == 0:
        return 0
    if by_unit:
        df = df.sort("unit", "due", "id")
    late = df.filter(state=followup.OVERDUE).height
    box = where.container(border=True)
    box.markdown(
        f"**{L('督办事项', 'Follow-up items')}** · {df.height}{L('项', ' open')}"
        + (f" · :red[{L('逾期', 'overdue')} {late}{L('项', '')}]" if late else "")
    )
    for item in df.iter_rows(named=True):
        flag = f":red[**{L('已逾期', 'overdue')}**]" if item["state"] == followup.OVERDUE else L("督办中", "open")
        due = f"{L('期限', 'due')} {item['due']:%Y-%m-%d}"
        line = f"**{h.short_name(item['unit'], lang)}** · {flag} · {due} · {L('回复', 'replies')} {item['replies']}"
        box.markdown(line)
        if progress:
            full = followup.get(item["id"]) or {}
            now = followup.gaps_now(item["unit"], state.snapshot, item["metrics"])
            for m in item["metrics"]:
                then = full.get("gap_at_open", {}).get(m, {})
                was, now_ = _brief(m, then, lang), _brief(m, now[m], lang)
                box.caption(f"{METRICS[m].label(lang)}{L('：', ': ')}{L('发起时', 'at opening')} {was} → {L('本周', 'this week')} {now_}")
    return df.height


def _brief(metric: str, g: dict, lang: str) -> str:
    from tracker import fmt
    from tracker.i18n import status_label

    if g.get("status") in (None, "no_quota"):
        return "—"
    short = followup.shortfall_text(metric, g, lang)
    tail = "" if short == "—" else ("，" if lang == "zh" else ", ") + short  # nothing short: no '差0人'
    return f"{status_label(g['status'], lang)} {fmt.short_points(g.get('gap'), lang)}{tail}"


def open_form(unit: str, metrics: list[str], state, h, key: str) -> int | None:
    """The fields of a new item for `unit`, the gap at this week's snapshot shown and kept; the new id when sent."""
    lang, L = state.lang, pick(state.lang)
    u = current_user()
    if not followup.may_open(u, unit):
        return None
    gaps = followup.gaps_now(unit, state.snapshot, list(METRICS_WITH_QUOTA))
    lagging = [m for m, g in gaps.items() if followup.lagging(g.get("status"))]
    with st.form(f"fu_open_{key}", clear_on_submit=True):
        st.markdown(f"**{L('发起督办', 'Open a follow-up item')}：{h.name(unit, lang)}**")
        picked = st.multiselect(
            L("督办指标", "Metrics"),
            list(METRICS_WITH_QUOTA),
            default=[m for m in (metrics or lagging) if m in METRICS_WITH_QUOTA],
            format_func=lambda m: followup.gap_text(m, gaps[m], lang),
            key=f"fu_metrics_{key}",
        )
        text = st.text_area(L("督办要求", "Instruction"), key=f"fu_text_{key}", max_chars=followup.MAX_TEXT)
        c = st.columns(3)
        units = [unit, *h.children(unit)]
        owner = c[0].selectbox(L("责任单位", "Responsible unit"), units, format_func=lambda x: h.name(x, lang), key=f"fu_owner_{key}")
        person = c[1].text_input(L("责任人", "Responsible person"), key=f"fu_person_{key}")
        due = c[2].date_input(L("办结期限", "Due"), value=settings.today() + dt.timedelta(days=14), key=f"fu_due_{key}")
        if st.form_submit_button(L("发起督办", "Open the item"), type="primary"):
            try:
                iid = followup.open_item(u, unit, picked, text, owner, person, due, state.snapshot, gaps, settings.today())
            except followup.FollowupError as e:
                st.error(e.message(lang))
                return None
            st.success(L(f"已发起督办（编号 {iid}）。", f"Item {iid} opened."))
            return iid
    return None


def open_button(unit: str, metrics: list[str], state, h, key: str, where=st) -> None:
    """A button beside a laggard that opens the form in a dialog (leaders and administrators of the area only).
    The dialog stays open until it is sent or dismissed (a flag in the session, not the button's one-run value)."""
    L = pick(state.lang)
    if not followup.may_open(current_user(), unit):
        return
    flag = f"_fu_dialog_{key}"

    def dismissed() -> None:
        st.session_state.pop(flag, None)

    @st.dialog(L("发起督办", "Open a follow-up item"), width="large", on_dismiss=dismissed)
    def dialog():
        import queries

        # a dialog reruns on its own (a fragment): app.py's scope is not set in that run, so set it from the user
        with queries.scoped(current_user().scope()):
            sent = open_form(unit, metrics, state, h, key)
        if sent is not None:
            dismissed()
            st.rerun()

    if where.button(L("督办", "Follow up"), key=f"fu_btn_{key}", icon=":material/assignment_late:"):
        st.session_state[flag] = True
    if st.session_state.get(flag):
        dialog()


# metrics an item can be about: those with a quota (a gap needs a target)
METRICS_WITH_QUOTA = {k: m for k, m in METRICS.items() if m.quota}
