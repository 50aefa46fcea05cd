"""导入台账 (administrators; a county's staff for its own county): upload the week's ledger exports, see the summary,
download the reject report. Each county's rows replace that county's records for the week (a submission); rows of a
county outside the uploader's area are refused.

Ingest runs in a child process with a memory and a time limit (`tracker.ingest_child`): a hostile file costs
that process, never the app's memory or the other users' sessions.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

import queries
from tracker import audit, ingest_child, rules, settings, submissions
from tracker.i18n import pick
from tracker.ui import can, current, current_user, data_table

state, h = current()
lang = state.lang
L = pick(lang)
me = current_user()
admin = can("admin")
if admin:
    st.subheader(L("导入台账（管理员）", "Load ledger exports (administrator)"))
else:
    st.subheader(L(f"报送台账：{h.name(me.area, lang)}", f"Send the ledger: {h.name(me.area, lang)}"))
    st.info(
        L(
            f"您只能报送{h.name(me.area, lang)}的台账：文件中其他县区的行会被拒收，不影响其他县区的数据。",
            f"You may send {h.name(me.area, lang)}'s ledger only: rows of other counties are refused and no other "
            "county's data is touched.",
        )
    )
st.caption(
    L(
        "支持 .xlsx 与 .csv（UTF-8、带BOM的UTF-8、UTF-16、GB18030/GBK，逗号或制表符分隔），可一次上传多个县区的文件合成一个快照；"
        "工作簿中每个可见的台账工作表都会读取（隐藏工作表和说明页不读取）。任何一个文件无法读取时，本次不写入任何数据。"
        "身份证号只保存为加密标识和脱敏号码。",
        "Accepts .xlsx and .csv (UTF-8, UTF-8 with BOM, UTF-16, GB18030/GBK; comma or tab separated); several files "
        "(e.g. one per county) make one snapshot; every visible ledger sheet of a workbook is read (hidden sheets and "
        "instruction sheets are not). If any file cannot be read, nothing is written. ID numbers are kept only as a "
        "keyed hash and a masked form.",
    )
)
files = st.file_uploader(L("台账文件", "Ledger files"), type=["xlsx", "csv", "txt"], accept_multiple_files=True, key="up_files")
day = st.date_input(
    L("报送周（快照日期，周五）", "Reporting week (snapshot date, a Friday)"),
    value=rules.reporting_week(settings.today()),
    key="up_date",
    format="YYYY-MM-DD",
)
if st.button(L("导入", "Ingest"), type="primary", disabled=not files, key="up_go"):
    user = me.username
    with tempfile.TemporaryDirectory(prefix="upload-") as tmp:
        paths: list[Path] = []
        for i, f in enumerate(files):
            name = Path(f.name).name or f"file{i + 1}"
            p = Path(tmp) / name
            if p.exists():  # two uploads with the same name: both are kept
                p = Path(tmp) / f"{i + 1}-{name}"
            p.write_bytes(f.getvalue())
            paths.append(p)
        bar = st.progress(0.0, text=L("准备导入…", "Starting…"))
        out = ingest_child.run(paths, day, user=user, on_progress=lambda x, m: bar.progress(x, text=m), scope=me.area)
        bar.empty()
    r = out.result
    code = out.exit_code if out.status == "done" else None
    if code in (0, 1):
        queries.reset()
    audit.log(
        user,
        "ingest",
        me.area,
        f"{day.isoformat()} files={len(paths)} accepted={r.get('accepted', 0)} rejected={r.get('rejected', 0)} "
        f"outside_scope={(r.get('by_reason') or {}).get('out_of_scope', 0)} exit={code if code is not None else out.status}",
    )
    if out.status != "done":
        st.error(out.message(lang))
    else:
        counts = L(
            f"接收{r.get('accepted', 0):,}行，拒收{r.get('rejected', 0):,}行。",
            f"{r.get('accepted', 0):,} rows accepted, {r.get('rejected', 0):,} rejected.",
        )
        if code == 0:
            st.success(counts)
        elif code == 1:
            st.warning(counts)
        elif code == 2:
            st.error(L("没有可用的行，未写入任何数据。", "No usable row: nothing was written.") + " " + counts)
        else:
            st.error(
                L(
                    "有文件无法读取或写入失败：未写入任何数据（全部文件都未导入）。",
                    "A file could not be read or writing failed: nothing was written (none of the files was loaded).",
                )
                + " "
                + counts
            )
        st.code(r.get(L("summary_zh", "summary_en"), ""), language=None)
        if out.report:
            st.download_button(
                L("下载拒收报告(Excel)", "Download the reject report (Excel)"),
                data=out.report,
                file_name=f"rejects-{day.isoformat()}.xlsx",
                key="up_report",
                on_click="ignore",
            )

st.divider()
st.markdown(
    "#### " + (L("本周报送记录与回退", "This week's submissions and rollback") if admin else L("本周报送记录", "This week's submissions"))
)
hist = [s for s in submissions.history(settings.data_dir(), day) if s["county"].startswith(me.area)]
if not hist:
    st.caption(L("所选日期还没有报送记录。", "No submissions for the chosen date yet."))
else:
    status = {
        "current": L("当前", "current"),
        "superseded": L("已被替换", "superseded"),
        "rolled_back": L("已回退", "rolled back"),
        "refused": L("被拒（全部行拒收）", "refused (every row rejected)"),
    }

    def files_text(fs: list[dict]) -> str:  # one batch's files are on each of its counties' lines: name the first
        names = [f["file"] or "" for f in fs or []]
        if len(names) <= 1:
            return names[0] if names else "—"
        return L(f"{names[0]} 等{len(names)}个文件", f"{names[0]} and {len(names) - 1} more")

    data_table(
        pl.DataFrame(
            [
                {
                    L("县区", "County"): h.name(s["county"], lang),
                    L("序号", "No."): s["seq"],
                    L("状态", "Status"): status[s["status"]],
                    L("时间", "Time"): s["time"][:16].replace("T", " "),
                    L("报送人", "By"): s["user"],
                    L("记录数", "Records"): s["rows"],
                    L("人数", "Persons"): s["persons"],
                    L("拒收行数", "Rows rejected"): s.get("rejected", 0),
                    L("文件", "Files"): files_text(s["files"]),
                }
                for s in hist
            ]
        ),
        hide_index=True,
    )
    can_undo = sorted(c for c, subs in submissions.live(hist).items() if len(subs) > 1)
    if not admin:
        st.caption(
            L(
                "报送有误时，请重新报送正确的文件；回退到上一次报送由管理员操作。",
                "If a submission was wrong, send the right file again; rolling back is done by an administrator.",
            )
        )
    elif can_undo:
        c1, c2 = st.columns([2, 1])
        county = c1.selectbox(
            L("回退县区（恢复该县区本周上一次报送）", "County to roll back (its previous submission returns)"),
            can_undo,
            format_func=lambda c: h.name(c, lang),
            key="rb_county",
        )
        if c2.button(L("回退", "Roll back"), key="rb_go", type="secondary"):
            try:
                got = submissions.rollback(settings.data_dir(), county, day, current_user().username)
            except submissions.RollbackError as e:
                st.error(e.zh if lang == "zh" else e.en)
            else:
                audit.log(current_user().username, "rollback", county, f"{day.isoformat()} #{got['undone']} -> #{got['current']}")
                queries.reset()
                st.success(
                    L(
                        f"已回退：{h.name(county, lang)}第{got['undone']}次报送撤销，恢复第{got['current']}次（{got['rows']:,}条）。",
                        f"Rolled back: {h.name(county, lang)} submission {got['undone']} undone, "
                        f"{got['current']} restored ({got['rows']:,} records).",
                    )
                )
    else:
        st.caption(
            L("没有可回退的县区（回退需要该县区本周至少报送过两次）。", "Nothing to roll back (a county needs two submissions this week).")
        )
