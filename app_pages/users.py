"""用户管理 (admin): accounts, roles, areas, SSO mapping; add, change, disable, reset a password; who gets the weekly
bulletin by mail (通报订阅) and what was delivered."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import audit, auth, deliver
from tracker.i18n import pick
from tracker.ui import current, current_user, data_table

state, h = current()
lang, me = state.lang, current_user()
L = pick(lang)
st.subheader(L("用户管理（管理员）", "Users (administrator)"))
st.caption(
    L(
        "每个账号一个角色和一个区划代码：能看到该代码下的全部地区。",
        "Each account has one role and one area code: it sees every unit under that code.",
    )
)

users = [u for u in auth.load_users().values() if me.covers(u.area)]
roles = list(auth.ROLES)
data_table(
    pl.DataFrame(
        {
            L("用户名", "User"): [u.username for u in users],
            L("姓名", "Name"): [u.name for u in users],
            L("角色", "Role"): [u.role_label(lang) for u in users],
            L("区划", "Area"): [f"{u.area} {h.short_name(u.area, lang)}" for u in users],
            L("单点登录", "SSO"): [", ".join(u.oidc) for u in users],
            L("状态", "Status"): [L("停用", "disabled") if u.disabled else L("正常", "active") for u in users],
        },
        schema_overrides={L("用户名", "User"): pl.String},
    ),
    hide_index=True,
)


def _done(msg: str, action: str, u: auth.User, detail: str = "") -> None:
    audit.log(me.username, action, u.area, f"{u.username} {detail}".strip())
    st.success(msg)


add, change, subs = st.tabs(
    [L("新增账号", "Add an account"), L("修改 / 停用 / 重置密码", "Change / disable / reset"), L("通报订阅", "Bulletin subscriptions")]
)
with add, st.form("user_add", clear_on_submit=True):
    c = st.columns(3)
    name = c[0].text_input(L("用户名", "User name"))
    full = c[1].text_input(L("姓名", "Full name"))
    role = c[2].selectbox(L("角色", "Role"), roles, format_func=lambda r: auth.ROLES[r][0 if lang == "zh" else 1])
    c = st.columns(3)
    area = c[0].text_input(L("区划代码", "Area code"), value=me.area)
    pw = c[1].text_input(L("初始密码（至少8位）", "Initial password (8+ characters)"), type="password")
    sso = c[2].text_input(L("单点登录标识（可选）", "SSO subject or e-mail (optional)"))
    if st.form_submit_button(L("新增", "Add"), type="primary"):
        try:
            if not area.startswith(me.area):
                raise ValueError(L("区划不在您的管辖范围内", "area outside your own"))
            u = auth.add_user(name.strip(), pw, role, area.strip(), full.strip(), tuple(x for x in [sso.strip()] if x))
            _done(L(f"已新增 {u.username}。", f"{u.username} added."), "user_add", u, u.role)
        except ValueError as e:
            st.error(str(e))

with change:
    if users:
        who = st.selectbox(L("账号", "Account"), [u.username for u in users], key="u_pick")
        u = next(x for x in users if x.username == who)
        c = st.columns(3)
        if c[0].button(L("启用", "Enable") if u.disabled else L("停用", "Disable"), key="u_toggle", disabled=u.username == me.username):
            u = auth.update_user(u.username, disabled=not u.disabled)
            _done(L("已更新。", "Updated."), "user_disable" if u.disabled else "user_enable", u)
        with c[1].popover(L("重置密码", "Reset password")):
            new = st.text_input(L("新密码", "New password"), type="password", key="u_newpw")
            if st.button(L("确认重置", "Reset"), key="u_reset"):
                try:
                    _done(L("密码已重置。", "Password reset."), "user_reset", auth.update_user(u.username, password=new))
                except ValueError as e:
                    st.error(str(e))
        with c[2].popover(L("修改角色与区划", "Change role and area")):
            r = st.selectbox(
                L("角色", "Role"),
                roles,
                index=roles.index(u.role),
                key="u_role",
                format_func=lambda r: auth.ROLES[r][0 if lang == "zh" else 1],
            )
            a = st.text_input(L("区划代码", "Area code"), value=u.area, key="u_area")
            if st.button(L("保存", "Save"), key="u_save"):
                try:
                    if not a.startswith(me.area):
                        raise ValueError(L("区划不在您的管辖范围内", "area outside your own"))
                    _done(L("已保存。", "Saved."), "user_set", auth.update_user(u.username, role=r, area=a.strip()), r)
                except ValueError as e:
                    st.error(str(e))

with subs:
    st.caption(
        L(
            "订阅者每周收到本区划的通报（Word、PDF、Excel 附表和一图摘要），各县区本周报送齐全后由系统自动投递。",
            "Subscribers get their area's bulletin every week (Word, PDF, Excel tables and a one-image summary), "
            "sent automatically once every county has reported for the week.",
        )
    )
    mine = [r for r in deliver.recipients() if r.area.startswith(me.area)]
    LANGS = {"zh": L("中文", "Chinese"), "en": L("英文", "English")}
    data_table(
        pl.DataFrame(
            {
                L("姓名或单位", "Name"): [r.name for r in mine],
                L("邮箱", "E-mail"): [r.email for r in mine],
                L("区划", "Area"): [h.name(r.area, lang) for r in mine],
                L("语言", "Language"): [LANGS.get(r.lang, r.lang) for r in mine],
            },
            schema=dict.fromkeys([L("姓名或单位", "Name"), L("邮箱", "E-mail"), L("区划", "Area"), L("语言", "Language")], pl.String),
        ),
        hide_index=True,
        key="sub_table",
    )
    with st.form("sub_add", clear_on_submit=True):
        c = st.columns([2, 3, 2, 1])
        s_name = c[0].text_input(L("姓名或单位", "Name"))
        s_mail = c[1].text_input(L("邮箱", "E-mail"))
        s_area = c[2].text_input(L("区划代码", "Area code"), value=me.area)
        s_lang = c[3].selectbox(L("语言", "Language"), list(LANGS), format_func=LANGS.get)
        if st.form_submit_button(L("添加订阅", "Subscribe"), type="primary"):
            try:
                if not s_area.strip().startswith(me.area):
                    raise ValueError(L("区划不在您的管辖范围内", "area outside your own"))
                r = deliver.subscribe(deliver.Recipient(s_name, s_mail, s_area, s_lang), me.username)
                st.success(L(f"已添加：{r.email}（{h.name(r.area, lang)}）。", f"Added: {r.email} ({h.name(r.area, lang)})."))
                st.rerun()
            except ValueError as e:
                st.error(str(e))
    if mine:
        c = st.columns([4, 1])
        pick_sub = c[0].selectbox(  # the subscription itself, not its place in the list (another admin may change it)
            L("取消订阅", "Remove a subscription"),
            [(r.email, r.area, r.lang) for r in mine],
            format_func=lambda k: f"{k[0]} · {h.name(k[1], lang)} · {LANGS.get(k[2], k[2])}",
            key="sub_pick",
        )
        if c[1].button(L("取消", "Remove"), key="sub_remove") and pick_sub:
            deliver.unsubscribe(*pick_sub, me.username)
            st.rerun()
    sent = deliver.history(area=me.area, limit=200)
    if sent:
        st.markdown(L("**投递记录**（最近 200 条）", "**Deliveries** (latest 200)"))
        STATUS = {"sent": L("已送达", "sent"), "failed": L("失败", "failed")}
        data_table(
            pl.DataFrame(
                {
                    L("周次", "Week"): [d["week"].isoformat() for d in sent],
                    L("邮箱", "E-mail"): [d["email"] for d in sent],
                    L("区划", "Area"): [h.name(d["area"], lang) for d in sent],
                    L("状态", "Status"): [STATUS.get(d["status"], d["status"]) for d in sent],
                    L("尝试次数", "Attempts"): [d["attempts"] for d in sent],
                    L("时间", "Time"): [audit.beijing(d["at"]) for d in sent],
                    L("错误", "Error"): [d["error"] or "" for d in sent],
                }
            ),
            hide_index=True,
        )
