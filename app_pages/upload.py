"""导入台账 (admin): upload the week's ledger exports, see the summary, download the reject report."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

import queries
from tracker import audit, ingest, settings
from tracker.ui import current, current_user

state, h = current()
lang = state.lang
L = (lambda zh, en: zh) if lang == "zh" else (lambda zh, en: en)
st.subheader(L("导入台账（管理员）", "Load ledger exports (administrator)"))
st.caption(L("支持 .xlsx 与 .csv（UTF-8、带BOM的UTF-8、GB18030/GBK），可一次上传多个县区的文件合成一个快照。"
             "身份证号只保存为加密标识和脱敏号码。",
             "Accepts .xlsx and .csv (UTF-8, UTF-8 with BOM, GB18030/GBK); several files (e.g. one per county) make one "
             "snapshot. ID numbers are kept only as a keyed hash and a masked form."))
files = st.file_uploader(L("台账文件", "Ledger files"), type=["xlsx", "csv"], accept_multiple_files=True, key="up_files")
day = st.date_input(L("快照日期", "Snapshot date"), value=settings.today(), key="up_date", format="YYYY-MM-DD")
if st.button(L("导入", "Ingest"), type="primary", disabled=not files, key="up_go"):
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for f in files:
            p = Path(tmp) / Path(f.name).name
            p.write_bytes(f.getvalue())
            paths.append(p)
        bar = st.progress(0.0)
        res = ingest.ingest(paths, day, progress=lambda x, m: bar.progress(min(1.0, x), text=m))
    queries.reset()
    audit.log(current_user().username, "ingest", state.area,
              f"{day.isoformat()} files={len(paths)} accepted={res.accepted} rejected={res.rejected} exit={res.exit_code}")
    (st.success if res.exit_code == 0 else st.warning if res.exit_code == 1 else st.error)(
        L(f"接收 {res.accepted:,} 行，拒收 {res.rejected:,} 行。", f"{res.accepted:,} rows accepted, {res.rejected:,} rejected."))
    st.code(res.summary(lang), language=None)
    report = settings.data_dir() / "rejects" / f"{day.isoformat()}.xlsx"
    if report.exists():
        st.download_button(L("下载拒收报告(Excel)", "Download the reject report (Excel)"), data=report.read_bytes(),
                           file_name=report.name, key="up_report", on_click="ignore")
