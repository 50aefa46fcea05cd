"""数据质量: freshness per unit, completeness, cross-county duplicates, rejected rows, outliers."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

import queries
from tracker import analysis, catalogue, dispatch, registry, settings, submissions
from tracker.exports import for_people
from tracker.hierarchy import KIND_EN, REGION
from tracker.i18n import pick
from tracker.ingest import R
from tracker.ui import can, current, data_table, download, drill_table, header, records_hidden, records_link, unit_namer

state, h = current()
lang, area, day = state.lang, state.area, state.snapshot
L = pick(lang)
unit_name = unit_namer(lang)
header(L("数据质量", "Data quality"), state, h)


u = dispatch.name_units(analysis.dq_units(area, day), h, lang, area)
top = u.filter(pl.col("is_area")).to_dicts()[0] if u.height else None
if top:
    c = st.columns(6)
    c[0].metric(L("记录数", "Records"), f"{top['records']:,}")
    c[1].metric(L("身份证校验错误", "Bad ID check digit"), f"{top['bad_id']:,}")
    c[2].metric(L("缺少村(居)", "No village"), f"{top['no_village']:,}")
    c[3].metric(
        L("滞后录入(>4周)", "Entered late (> 4 weeks)"),
        f"{top['late_reports']:,}",
        help=L(
            "开工4周以后才录入台账的记录（与报送情况页的“迟报”不同：那是县区交台账晚于截止时间）。",
            "Records entered more than 4 weeks after the job started (not the Submissions page's late: a county's "
            "file after the deadline).",
        ),
    )
    c[4].metric(L("近7天录入", "New in 7 days"), f"{top['reported_7d']:,}")
    c[5].metric(
        L("重复报送（只计一次）", "Repeats (counted once)"),
        f"{top['repeated']:,}",
        help=L(
            "同一人同一次就业（开工日期相同）被另一县区再次报送：记录保留，统计只计首次报送。",
            "The same placement (same person and start date) reported again, e.g. by a second county: "
            "the record is kept, only the first report counts.",
        ),
    )
    if can("records"):
        b = st.columns(3)
        records_link(L("查看身份证校验错误的记录", "Open records with a bad ID check digit"), {"id_check_ok": False}, b[0])
        records_link(L("查看缺少村(居)的记录", "Open records without a village"), {"no_village": True}, b[1])
        records_link(L("查看重复报送（不计入统计）的记录", "Open the repeated reports (not counted)"), {"counted": False}, b[2])

st.markdown("#### " + L("报送及时性与完整性（按报送单位）", "Freshness and completeness (by reporting unit)"))
kids = u.filter(~pl.col("is_area"))
if kids.height:
    silent_after = day - dt.timedelta(days=14)
    kids = kids.with_columns(silent=(pl.col("last_reported") < silent_after) & ~dispatch.no_village(pl.col("unit_code"), h))
    table = kids.sort("last_reported").select(
        pl.col("name").alias(L("单位", "Unit")),
        pl.col("last_reported").alias(L("最近录入", "Last reported")),
        pl.when(pl.col("silent")).then(pl.lit(L("⚠ 2周以上未报送", "⚠ silent 2+ weeks"))).otherwise(pl.lit("")).alias(L("提示", "Note")),
        pl.col("reported_7d").alias(L("近7天录入", "Last 7 days")),
        pl.col("records").alias(L("记录数", "Records")),
        (catalogue.ratio("no_village", "records") * 100).round(2).alias(L("缺村居%", "No village %")),
        (catalogue.ratio("no_education", "records") * 100).round(2).alias(L("缺文化程度%", "No education %")),
        (catalogue.ratio("bad_id", "records") * 100).round(2).alias(L("身份证错误%", "Bad ID %")),
        (catalogue.ratio("trained_no_type", "records") * 100).round(2).alias(L("培训缺类型%", "Trained, no type %")),
    )
    codes = kids.sort("last_reported")["unit_code"].to_list()
    drill_table(table, state, h, "dq_units", codes, name="data_quality_units")
    n_silent = kids.filter("silent").height  # units only: the records without a village report nothing themselves
    if n_silent:
        units = f"{n_silent} unit{'s' if n_silent > 1 else ''}"
        st.warning(L(f"{n_silent}个单位2周以上没有新增或更正记录。", f"{units} reported nothing for 2+ weeks."))

st.markdown(
    "#### "
    + L(
        f"跨县重复报送（同一人被两个县区报送，{h.whole()}只计一次）",
        f"Persons reported by two counties (counted once {h.whole('en').removeprefix('Whole ')}-wide)",
    )
)
dup = analysis.dq_cross_county(area, day)
if dup.height:
    n_dup = int(dup["persons_all"][0])  # a person in three counties is in three pairs
    dup = dup.drop("persons_all").with_columns(unit_name("county_a"), unit_name("county_b"))
    data_table(
        dup.rename({"county_a": L("县区甲", "County A"), "county_b": L("县区乙", "County B"), "persons": L("人数", "Persons")}),
        hide_index=True,
    )
    download(dup, "cross_county_duplicates", lang, "dl_dup")
    st.caption(
        L(
            f"共{n_dup:,}人（被三个及以上县区报送的人计入每一对县区）。每人计入首次报送单位；在明细中可看到其他县区的报送记录。",
            f"{n_dup:,} persons (one reported by three or more counties is in each of their pairs). "
            "Each counts in the unit that reported first; the records view shows the other counties' reports too.",
        )
    )
else:
    st.success(L("没有跨县重复报送。", "No person is reported by two counties."))

check = analysis.national_check(day)
if check:  # a national deployment: tracker.registry has checked this week against the other provinces
    st.markdown(
        "#### " + L("跨省重复报送（全国核对，每人全国只计一次）", "Persons also reported by another province (counted once nationally)")
    )
    others = L("、", ", ").join(h.name(p, lang) for p in check["provinces"])
    when_text = registry.checked_text(check, lang)
    n = analysis.national_counts(area, check)
    c = st.columns(3)
    c[0].metric(L("人员计入外省", "Persons counted elsewhere"), f"{n['persons']:,}")
    c[1].metric(L("就业记录外省先报", "Placements first reported elsewhere"), f"{n['placements']:,}")
    c[2].metric(L("核对省份", "Provinces checked"), f"{len(check['provinces'])}")
    st.caption(
        L(
            f"全国人员核对（{when_text}；{others}）：同一人同一开工日期的就业被两个省份报送时，全国只计一次，计入首次报送"
            f"（录入日期在先，同日按记录编号在先）的省份；人数计入此人首次报送所在的省份。{h.whole()}的统计和任务完成情况不受影响。",
            f"National check ({when_text}; {others}): a placement (the same person and start date) reported by two "
            "provinces counts once in the country, in the province that entered it first (the same day: the smaller "
            f"record ID); a person counts where first reported. The {KIND_EN}'s own figures and quotas are unchanged.",
        )
    )
    if check["stale"]:
        st.warning(
            L(
                "本周数据在全国核对之后又有更新：以上结果待下次全国核对后刷新。",
                "This week's data changed after the national check: the figures above are refreshed by the next check.",
            )
        )
    alone = len(check["provinces"]) < 2
    if alone:
        st.warning(
            L(
                f"全国核对时只有{h.whole()}有本周数据，尚未与其他省份比对；其他省份报送后再次核对。",
                "At the national check only this province had this week: nothing was compared yet.",
            )
        )
    if not (n["persons"] or n["placements"]):
        if not alone:
            st.success(L("本地区没有计入外省的人员或就业记录。", "Nobody in this area counts in another province."))
    elif not can("records"):
        records_hidden(lang)
    else:
        rows = analysis.national_elsewhere(area, check).with_columns(unit_name("county_code"), unit_name("township_code"))
        view = registry.elsewhere_view(rows, h, lang)
        data_table(view, hide_index=True)
        download(view, "national_duplicates", lang, "dl_nat")

st.markdown("#### " + L("收入异常记录", "Implausible incomes"))
out = analysis.dq_outliers(area, day) if can("records") else None
if out is None:
    records_hidden(lang)
elif out.height:
    st.caption(
        L(
            f"月均收入不低于{out['limit_yuan'][0]:,.0f}元（{h.whole()}中位数的10倍，且不低于20,000元）的记录：{out.height:,}条",
            f"Records with an income per month of at least {out['limit_yuan'][0]:,.0f} yuan (10 × the median, "
            f"20,000 at least): {out.height:,}",
        )
    )
    view = for_people(out.drop("limit_yuan").with_columns(unit_name("county_code"), unit_name("township_code")), lang)
    data_table(view, hide_index=True)
    download(view, "income_outliers", lang, "dl_out")
    limit = float(out["limit_yuan"][0])
    records_link(
        L(f"在明细中查看这些记录（月均收入≥{limit:,.0f}元）", f"Open these records (income per month ≥ {limit:,.0f})"),
        {"per_month_min": limit},
    )
else:
    st.success(L("没有收入异常记录。", "No implausible incomes."))

st.markdown("#### " + L("导入拒收记录", "Rows rejected at ingest"))


def reason(k: str) -> str:
    return R.get(k, (k, k))[0 if lang == "zh" else 1]


def reasons_text(r: dict | None) -> str:
    if lang == "zh":
        return "；".join(f"{reason(k)}{n:,}行" for k, n in (r or {}).items()) or "—"
    return "; ".join(f"{reason(k)}: {n:,} row{'' if n == 1 else 's'}" for k, n in (r or {}).items()) or "—"


# this area's counties' submissions of the week shown (a township: its county's), with their rejected rows by reason
mine = area if len(area) <= 6 else area[:6]
subs = [s for s in submissions.history(settings.data_dir(), day) if s["county"].startswith(mine)]
if subs:
    totals = submissions.rejected_by_reason(subs)
    if totals:
        by_reason = pl.DataFrame(
            {
                L("拒收原因", "Reason"): [reason(k) for k in totals],
                L("拒收行数", "Rows rejected"): list(totals.values()),
            }
        )
        st.caption(L("各县区最近一次报送被拒收的行，按原因：", "Rows rejected in each county's latest submission, by reason:"))
        data_table(by_reason, hide_index=True)
        download(by_reason, "ingest_rejects_by_reason", lang, "dl_rejects_reason")
    st.markdown("##### " + L("各次报送", "Each submission"))
    view = pl.DataFrame(
        [
            {
                L("县区", "County"): h.name(s["county"], lang),
                L("第几次报送", "Submission"): s["seq"],
                L("报送时间", "Time"): (s["time"] or "")[:16].replace("T", " "),
                L("操作人", "By"): s["user"],
                L("接收行数", "Rows accepted"): s["rows"] or 0,
                L("拒收行数", "Rows rejected"): s["rejected"] or 0,
                # a submission recorded before the reasons were kept per county: its reject report has them
                L("拒收原因", "Reasons"): (reasons_text(s.get("reasons")) if s.get("reasons") else L("见拒收报告", "see the reject report"))
                if s["rejected"]
                else "—",
            }
            for s in reversed(subs)
        ]
    )
    data_table(view, hide_index=True)
    download(view, "ingest_rejects", lang, "dl_rejects")
    st.caption(
        L(
            "各县区的拒收明细（含原行号和原因）见“报送情况”页的拒收报告。",
            "Each county's rejected rows (with their row numbers and reasons) are in its reject report on the Submissions page.",
        )
    )
else:
    st.info(
        L(
            f"{h.short_name(area, lang)}本周（{day.isoformat()}）没有经导入报送的台账，因而没有拒收记录。",
            f"No ledger of {h.short_name(area, lang)} was loaded for the week of {day.isoformat()}: no rejected rows.",
        )
    )
mans = queries.manifests() if can("admin") and area == REGION else []  # every county's runs: the region's administrators
if mans:
    st.markdown("##### " + L(f"{h.whole()}导入批次（管理员）", "Every ingest run (administrators)"))
    runs = [(m.get("snapshot_date"), r) for m in mans for r in (m.get("runs") or [m])]  # older manifests: one run
    rows = [
        {L("快照", "Week"): day_, L("原因", "Reason"): reason(k), L("行数", "Rows"): v}
        for day_, r in runs
        for k, v in (r.get("rejected_by_reason") or {}).items()
    ]
    summary = pl.DataFrame(
        [
            {
                L("快照", "Week"): day_,
                L("导入时间", "Time"): (r.get("time") or "")[:16].replace("T", " "),
                L("操作人", "By"): r.get("user"),
                L("县区数", "Counties"): len(r.get("counties") or []),
                L("读取行数", "Rows read"): r.get("rows_in"),
                L("接收", "Accepted"): r.get("accepted"),
                L("拒收", "Rejected"): r.get("rejected"),
            }
            for day_, r in runs
        ]
    )
    data_table(summary, hide_index=True)
    if rows:
        data_table(
            pl.DataFrame(rows).group_by(L("快照", "Week"), L("原因", "Reason"), maintain_order=True).agg(pl.col(L("行数", "Rows")).sum()),
            hide_index=True,
        )
