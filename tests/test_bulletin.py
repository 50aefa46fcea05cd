"""The bulletin: wording for every case, docx/xlsx/pdf/png contents equal the query results."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import subprocess
from pathlib import Path

import polars as pl
import pytest

from tests import fixture as F
from tracker import bulletin, dispatch

D = dt.date(2026, 11, 20)


def r(actual, quota=None, completion=None, gap=None, yoy=None, new_week=None, needed=None):
    return {"actual": actual, "quota": quota, "completion": completion, "gap": gap, "yoy": yoy, "new_week": new_week, "needed": needed}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            r(552_734, 615_000, 0.899, 1.1),
            "截至11月20日，全区累计实现农牧民转移就业55.27万人，完成年度任务的89.9%，高于序时进度1.1个百分点",
        ),
        (r(7, 10, 0.7, -18.77), "截至11月20日，全区累计实现农牧民转移就业7人，完成年度任务的70.0%，低于序时进度18.8个百分点"),
        (r(120, 100, 1.2, 31.2), "截至11月20日，全区累计实现农牧民转移就业120人，已完成年度任务（完成率120.0%）"),
        (r(5, None), "截至11月20日，全区累计实现农牧民转移就业5人（未下达年度任务）"),
        (r(8, 10, 0.8877, 0.0), "截至11月20日，全区累计实现农牧民转移就业8人，完成年度任务的88.8%，与序时进度持平"),
    ],
)
def test_total_sentence_every_case(row, expected):
    assert bulletin.total_sentence("全区", row, D) == expected


def test_total_sentence_english():
    assert bulletin.total_sentence("the Tibet Autonomous Region", r(7, 10, 0.7, -18.77), D, "en") == (
        "As of 20 Nov 2026, the Tibet Autonomous Region had placed 7 rural workers, 70.0% of the annual quota, 18.8 points behind schedule"
    )


@pytest.mark.parametrize(
    ("inc", "new_week", "expected"),
    [
        (r(2.661e9, yoy=0.134), 4054, "实现劳务收入26.61亿元，同比增长13.4%；人均4,814元，同比增长6.7%。本周净增4,054人。"),
        (r(2.661e9, yoy=-0.052), 4054, "实现劳务收入26.61亿元，同比下降5.2%；人均4,814元，同比增长6.7%。本周净增4,054人。"),
        (r(2.661e9, yoy=None), None, "实现劳务收入26.61亿元；人均4,814元，同比增长6.7%。本期为本年度首期，暂无与上周的比较。"),
        (r(2.661e9, yoy=0.0001), 0, "实现劳务收入26.61亿元，与上年同期持平；人均4,814元，同比增长6.7%。本周净增0人。"),
    ],
)
def test_income_sentence_every_case(inc, new_week, expected):
    """Total and per-capita income each with its own change on last year (13.4% is the total's, not per capita's)."""
    assert bulletin.income_sentence(inc, r(4814.4, yoy=0.067), new_week) == expected


def test_income_sentence_in_english():
    got = bulletin.income_sentence(r(2.661e9, yoy=0.134), r(4814.4, yoy=-0.02), 3204, "en")
    assert got == (
        "Labour income reached ¥2.66 bn, up 13.4% on last year; ¥4,814 per capita, down 2.0% on last year. "
        "Net change this week: +3,204 persons."
    )


def test_organized_sentence_minimum_not_met():
    s = bulletin.organized_sentence(r(1, 3, 1 / 3), r(0, None), r(0.5, 0.6, needed=1))
    assert s == "其中有组织跨省转移就业1人（完成任务的33.3%），跨地市0人；组织化率50.0%，低于60%的目标下限，还需有组织转移1人。"


def test_laggard_sentence(fx):
    d = dispatch.resolve_dates(F.CUR)
    from tracker import hierarchy

    ev = dispatch.name_units(
        dispatch.evaluate("54", d, dispatch.measures("54", d), dispatch.quotas("54", 2026)), hierarchy.load(), "zh", "54"
    )
    s = bulletin.laggard_sentence(dispatch.laggards(ev))
    # by headline metric, total first; within one, the largest shortfall first; names in bold
    assert s == (
        "转移就业人数滞后序时进度的有：**拉萨市**（低于序时进度38.8个百分点，差2人）、**昌都市**（低于序时进度5.4个百分点，差1人）；"
        "有组织跨省转移滞后序时进度的有：**拉萨市**（低于序时进度55.4个百分点，差2人）；"
        "组织化率低于60%下限的有：**拉萨市**（50.0%，还需有组织转移1人）。请上述单位加大工作力度，确保按期完成任务。"
    )
    assert bulletin.laggard_sentence(dispatch.laggards(ev).head(0)) == "各单位主要指标进度均不低于序时进度。"
    # the English copy ends with its closing charge too, a paragraph of its own beside the signature
    en = bulletin.laggard_sentence(dispatch.laggards(ev), "en")
    assert en.endswith(
        "organized placements still needed: 1). The units named above are to step up their work and meet their targets on time."
    )
    assert bulletin._split_closing(en)[1] == bulletin.CLOSING_EN and bulletin._split_closing(en)[0].endswith("needed: 1).")
    assert bulletin._split_closing(s) == [s[: -len(bulletin.CLOSING_ZH)], bulletin.CLOSING_ZH]


@pytest.mark.parametrize(
    ("heading", "room", "lines"),
    [
        ("序时进度", 8, ["序时进度"]),  # it fits
        ("序时进度", 6, ["序时", "进度"]),  # a column of three 字: not 序时进|度
        ("任务来源", 7, ["任务", "来源"]),
        ("较序时或下限(百分点)", 6, ["较序时", "或下限", "(百分点)"]),  # the unit whole, on its own line
        ("任务(人)", 6, ["任务", "(人)"]),
        ("本周净增(人)", 12, ["本周净增(人)"]),
        ("本周净增(人)", 11, ["本周净增", "(人)"]),
        ("本周净增(人)", 6, ["本周", "净增", "(人)"]),  # never inside a word: not 本周净|增(人)
        ("跨省完成(人)", 8, ["跨省完成", "(人)"]),
        ("组织化率下限", 8, ["组织化率", "下限"]),  # between words: not 组织化|率下限
        ("不足3个月人数", 8, ["不足3", "个月人数"]),  # between words, not 不足3个|月人数
        ("政府投资项目用工占比", 6, ["政府投", "资项目", "用工", "占比"]),  # 3 + 3 + 2 + 2, never a 字 alone
        ("Gap to pace (points)", 6, ["Gap to pace (points)"]),  # Latin words wrap by themselves
    ],
)
def test_a_heading_is_set_in_balanced_lines(heading, room, lines):
    assert bulletin.heading_lines(heading, room) == lines


def _lag(rows):
    cols = {
        "unit_code": pl.String,
        "name": pl.String,
        "metric": pl.String,
        "gap": pl.Float64,
        "shortfall": pl.Float64,
        "needed": pl.Int64,
        "status": pl.String,
        "actual": pl.Float64,
        "quota": pl.Float64,
        "quota_kind": pl.String,
    }
    return pl.DataFrame([dict(zip(cols, r, strict=True)) for r in rows], schema=cols)


def test_laggards_small_quotas_do_not_dominate():
    """A township 5 persons short of a 6-person quota (−83 points) comes after a township 300 short (−20 points) of the
    same status; seriously behind before behind; the metrics in the bulletin's order (HEADLINE)."""
    lag = _lag(
        [
            ("1", "甲镇", "total", -83.0, 5, None, "serious", 1, 6, "target"),
            ("2", "乙镇", "total", -20.0, 300, None, "serious", 900, 1500, "target"),
            ("3", "丙镇", "total", -6.0, 40, None, "behind", 500, 600, "target"),
            ("2", "乙镇", "out_region", -50.0, 9, None, "serious", 1, 10, "target"),
            ("4", "丁镇", "income", -9.0, 1_240_000, None, "behind", 1e6, 3e6, "target"),
        ]
    )
    s = bulletin.laggard_sentence(lag)
    assert s.startswith(
        "转移就业人数滞后序时进度的有：**乙镇**（低于序时进度20.0个百分点，差300人）、**甲镇**（低于序时进度83.0个百分点，差5人）、**丙镇**"
    )
    assert "劳务收入滞后序时进度的有：**丁镇**（低于序时进度9.0个百分点，差124.0万元）" in s  # yuan, never 人
    # a county's plan sets 区外转移就业 beside its total (seed 001: 区外转移就业90人): named after the organized metrics
    assert "；区外转移就业滞后序时进度的有：**乙镇**（低于序时进度50.0个百分点，差9人）；劳务收入" in s
    # the desk summary's: the names, in the same order, at most BRIEF_NAMED a metric
    assert bulletin.laggard_sentence(lag, brief=True) == (
        "转移就业人数滞后序时进度的有：**乙镇**、**甲镇**、**丙镇**；区外转移就业滞后序时进度的有：**乙镇**；"
        "劳务收入滞后序时进度的有：**丁镇**。请上述单位加大工作力度，确保按期完成任务。"
    )
    many = _lag([(str(i), f"{i}镇", "total", -10.0 - i, 10, None, "behind", 90, 100, "target") for i in range(1, 8)])
    assert bulletin.laggard_sentence(many, brief=True).startswith(
        "转移就业人数滞后序时进度的有：**1镇**、**2镇**、**3镇**、**4镇**、**5镇**等7个单位"
    )


def test_comparison_with_last_issue():
    now = {"completion": 0.70, "gap": -18.8}
    prev = {"completion": 0.40, "gap": -46.8}
    rank_now = pl.DataFrame({"unit_code": ["a", "b", "c"], "name": ["甲", "乙", "丙"], "rank": [1, 2, 3]})
    rank_prev = pl.DataFrame({"unit_code": ["a", "b", "c"], "name": ["甲", "乙", "丙"], "rank": [3, 1, 2]})
    named_prev = _lag(
        [("c", "丙", "total", -30.0, 10, None, "serious", 1, 2, "target"), ("b", "乙", "total", -8.0, 3, None, "behind", 1, 2, "target")]
    )
    lag_now = _lag([("c", "丙", "total", -21.26, 7, None, "serious", 1, 2, "target")])
    got = bulletin.comparison_sentences(now, prev, rank_now, rank_prev, named_prev, lag_now)
    assert got == [
        "与上期相比，转移就业人数完成率提高30.0个百分点，较序时进度由−46.8个百分点变为−18.8个百分点。",
        "排名上升的有：甲（第3→第1名）；排名下降的有：乙（第1→第2名）、丙（第2→第3名）。",
        "上期点名单位本期进展：丙转移就业人数差距由30.0个百分点缩小至21.3个百分点；乙转移就业人数已赶上进度。",
    ]
    assert bulletin.comparison_sentences(now, None, rank_now, None, None, lag_now) == ["本期为本年度首期，暂无与上期的比较。"]


@pytest.mark.parametrize(("snap", "no"), [(dt.date(2026, 1, 2), 1), (dt.date(2026, 11, 20), 47), (dt.date(2027, 1, 1), 1)])
def test_issue_numbers_run_within_the_year(snap, no):
    fridays = [dt.date(2026, 1, 2) + dt.timedelta(weeks=i) for i in range(53)]
    assert bulletin.issue_number(snap, fridays) == no


@pytest.fixture(scope="module")
def files(fixture_dir, tmp_path_factory):
    import os

    import queries

    before = os.environ.get("TRACKER_TODAY")
    os.environ["TRACKER_DATA_DIR"] = str(fixture_dir)
    os.environ["TRACKER_TODAY"] = "2026-11-21"  # the day after the week's Friday, as a bulletin is printed
    queries.reset()
    out = tmp_path_factory.mktemp("bulletin")
    f = bulletin.write_all("54", F.CUR, out)
    yield f
    os.environ.pop("TRACKER_DATA_DIR")
    if before is None:
        os.environ.pop("TRACKER_TODAY")
    else:
        os.environ["TRACKER_TODAY"] = before
    queries.reset()


def test_docx_numbers_and_fonts(files):
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(str(files["docx"]))
    paras = [p.text for p in doc.paragraphs]
    text = "\n".join(paras)
    # 版头: the red mark, 期号 (the fixture's 2nd snapshot of 2026), issuer and date, the red rule under them
    assert paras[:3] == ["自治区农牧民转移就业工作调度通报", "第2期", "自治区农牧民转移就业工作专班\t2026年11月20日"]
    mark = doc.paragraphs[0].runs[0]
    assert str(mark.font.color.rgb) == "E60012"
    assert doc.paragraphs[2]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "FF0000"
    assert "关于全区农牧民转移就业工作进展情况的通报" in paras and "各地（市）农牧民转移就业工作专班：" in paras
    assert [p for p in paras if p in ("一、总体进度", "二、与上期比较", "三、进度滞后单位")] == [
        "一、总体进度",
        "二、与上期比较",
        "三、进度滞后单位",
    ]
    assert "截至11月20日，全区累计实现农牧民转移就业7人，完成年度任务的70.0%，低于序时进度18.8个百分点" in text
    assert "其中有组织跨省转移就业2人（完成任务的50.0%），跨地市2人；组织化率71.4%，达到60%的目标下限。" in text
    # 58,000 against last year's 28,000 (+107.1%); per capita 58,000 / 7 against 28,000 / 4 = 7,000 (+18.4%)
    assert "实现劳务收入5.8万元，同比增长107.1%；人均8,286元，同比增长18.4%。本周净增3人。" in text
    assert "本级滞后的指标：有组织跨省转移完成年度任务的50.0%，低于序时进度38.8个百分点。" in text
    assert "与上期相比，转移就业人数完成率提高30.0个百分点，较序时进度由−46.8个百分点变为−18.8个百分点。" in text
    assert "上期点名单位本期进展：拉萨市转移就业人数差距由61.8个百分点缩小至38.8个百分点" in text
    # the laggard paragraph names units in bold (黑体), never with the markup
    lag = next(p for p in doc.paragraphs if p.text.startswith("转移就业人数滞后序时进度的有："))
    assert "**" not in lag.text and [r.text for r in lag.runs if r._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"][
        :2
    ] == ["拉萨市", "昌都市"]
    # 附件说明, 署名 and 成文日期 after the body; each 附件 on a new page; 版记 at the end
    # (the annex list one paragraph, the items under the first's number; the signature one paragraph: each kept whole)
    i = next(k for k, p in enumerate(paras) if p.startswith("附件：1.总体进度"))
    assert paras[i].split("\n")[:3] == ["附件：1.总体进度", "2.进度排名", "3.各县（区）进度"]
    assert paras[i + 2] == "自治区农牧民转移就业工作专班\n2026年11月20日"
    assert doc.paragraphs[i].paragraph_format.keep_with_next and doc.paragraphs[i].paragraph_format.keep_together
    assert paras.count("附件1") == 1 and "附件3" in paras  # 各县（区）进度, one level further down
    assert paras[paras.index("附件3") + 1] == "各县（区）进度"
    # printed on the deployment's today (TRACKER_TODAY here), not the machine's: the demo's 12月4日 had read 12月5日印发
    assert paras[-1] == "自治区农牧民转移就业工作专班办公室\t2026年11月21日印发"
    # each annex on a new page: a page break before its heading, or a section of its own (a wide table's page turned)
    starts = [p for p in doc.paragraphs if re.fullmatch(r"附件\d+", p.text)]
    assert len(starts) >= 10 and sum(bool(p.paragraph_format.page_break_before) for p in starts) + len(doc.sections) - 1 == len(starts)
    ranking = next(t for t in doc.tables if t.rows[0].cells[1].text == "单位" and t.rows[0].cells[0].text == "排名")
    assert [[c.text for c in row.cells][:7] for row in ranking.rows[1:]] == [
        ["1", "昌都市", "6", "5", "83.3%", "−5.4", "+2"],
        ["2", "拉萨市", "4", "2", "50.0%", "−38.8", "+1"],
    ]
    tr = ranking.rows[0]._tr.trPr
    assert tr.find(qn("w:tblHeader")) is not None and tr.find(qn("w:cantSplit")) is not None  # header repeats, rows whole
    assert ranking.rows[1].cells[4].paragraphs[0].alignment == 2  # numbers right-aligned
    head = next(t for t in doc.tables if t.rows[0].cells[0].text == "指标")
    share = next([c.text for c in row.cells] for row in head.rows if row.cells[0].text == "组织化率")
    assert share[1:5] == ["71.4%", "≥60.0%", "—", "—"]  # never 0.714 / 0.6
    channels = next(t for t in doc.tables if t.rows[0].cells[0].text == "组织方式")
    assert [c.text for c in channels.rows[-1].cells][:2] == ["合计", "9"]
    assert "注：分项合计9人，比转移就业人数7人多28.6%，因部分人员年内有多段务工、分别计入各项。" in paras
    runs = [r for p in doc.paragraphs for r in p.runs if r.text]
    fonts = {r._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) for r in runs}
    assert {"方正小标宋简体", "仿宋_GB2312", "黑体"} <= fonts and None not in fonts
    assert all(p.paragraph_format.space_after in (None, 0) for p in doc.paragraphs)
    assert doc.styles["Normal"].paragraph_format.space_after == 0
    sec = doc.sections[0]
    assert round(sec.page_width.cm, 1) == 21.0 and round(sec.page_height.cm, 1) == 29.7
    assert round(sec.top_margin.cm, 1) == 3.7 and round(sec.left_margin.cm, 1) == 2.8
    assert (
        sec.footer.paragraphs[0].text.startswith("— ") and sec.footer._element.find(".//" + qn("w:fldSimple")).get(qn("w:instr")) == "PAGE"
    )
    assert doc.core_properties.author == "自治区农牧民转移就业工作专班" and doc.core_properties.language == "zh-CN"
    assert len(doc.inline_shapes) == 2  # ranking and progress charts
    assert "图1　各单位转移就业完成率" in paras and "图2　累计转移就业进度" in paras


def _sheet(wb, name):
    ws = wb[name]
    head = [c.value for c in ws[1]]
    return [dict(zip(head, row, strict=True)) for row in ws.iter_rows(min_row=2)]


def test_xlsx_values_units_and_formats(files):
    from openpyxl import load_workbook

    wb = load_workbook(files["xlsx"])
    assert {"总体进度", "进度排名", "有组织转移", "滞后单位", "组织方式", "去向", "行业", "重点群体", "务工时长", "周变动"} <= set(
        wb.sheetnames
    )
    rank = _sheet(wb, "进度排名")
    assert [r["单位"].value for r in rank] == ["昌都市", "拉萨市"] and [r["完成(人)"].value for r in rank] == [5, 2]
    # a percentage-point column is never a percent format; completion is; persons are whole numbers
    first = rank[0]
    assert first["较序时(百分点)"].value == -5.4 and "%" not in first["较序时(百分点)"].number_format
    assert first["较序时(百分点)"].number_format == '+0.0;"−"0.0;0.0'
    assert first["完成率"].number_format == "0.0%" and round(first["完成率"].value, 4) == round(5 / 6, 4)
    assert first["本周净增(人)"].value == 2 and first["本周净增(人)"].number_format == '+#,##0;"−"#,##0;0'
    assert first["任务(人)"].number_format == "#,##0"
    # the headline rows are different metrics: each figure is worded in its own unit
    head = {r["指标"].value: {k: c.value for k, c in r.items()} for r in _sheet(wb, "总体进度")}
    assert head["转移就业人数"] | {} == {
        "指标": "转移就业人数",
        "完成": "7人",
        "任务": "10人",
        "完成率": "70.0%",
        "序时进度": "88.8%",
        "较序时或下限(百分点)": "−18.8",
        "本周净增": "+3人",
        "同比": "+75.0%",
        "状态": "严重滞后",
        "任务来源": "已下达",
    }
    # the organized share is a floor: no completion or time elapsed, its year-on-year change in points
    share = head["组织化率"]
    assert (share["完成"], share["任务"], share["完成率"], share["序时进度"], share["较序时或下限(百分点)"]) == (
        "71.4%",
        "≥60.0%",
        "—",
        "—",
        "+11.4",
    )
    assert share["同比"].endswith("个百分点") and share["本周净增"].endswith("个百分点")
    assert head["劳务收入"]["完成"] == "5.8万元" and head["人均劳务收入"]["完成"] == "8,286元"
    # a yuan figure never sits under 人: the shortfall is worded in its metric's unit
    lag = [(r["单位"].value, r["指标"].value, r["差距"].value, r["较序时或下限(百分点)"].number_format) for r in _sheet(wb, "滞后单位")]
    assert lag[0] == ("拉萨市", "组织化率", "1人", '+0.0;"−"0.0;0.0')  # one more organized placement reaches 60%
    assert ("拉萨市", "转移就业人数", "2人", '+0.0;"−"0.0;0.0') in lag
    ch = _sheet(wb, "组织方式")
    assert "劳务收入(万元)" in ch[0] and ch[0]["劳务收入(万元)"].number_format == "#,##0.00"
    assert ch[-1]["组织方式"].value == "合计" and ch[-1]["人数"].value == 9 and round(ch[-1]["劳务收入(万元)"].value, 2) == 5.8
    assert round(sum(r["劳务收入(万元)"].value for r in ch[:-1]), 2) == 5.8  # 58,000 yuan: income is never counted twice
    weekly = _sheet(wb, "周变动")[0]
    assert [weekly[k].value for k in ("新增记录(条)", "迟报(条)", "返乡(条)", "更正(条)", "删除(条)")] == [5, 1, 1, 1, 0]
    assert {r["任务来源"].value for r in _sheet(wb, "总体进度")} == {"已下达", "—"}  # the fixture's quotas


def test_pdf_text_and_first_page(files, tmp_path):
    text = subprocess.run(["pdftotext", str(files["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "截至11月20日，全区累计实现农牧民转移就业7人，完成年度任务的70.0%" in flat
    assert "—1—" in flat and "—2—" in flat  # page numbers as GB/T 9704 writes them
    assert flat.index("第2期") < flat.index("关于全区农牧民转移就业工作进展情况的通报") < flat.index("附件1")
    fonts = subprocess.run(["pdffonts", str(files["pdf"])], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(r[-5] == "yes" for r in rows)  # every font embedded
    assert not any(r[0] == "[none]" or "Type 3" in " ".join(r) for r in rows)  # with names, not Type 3 bitmaps
    assert any("CJK" in r[0] for r in rows)
    pages = subprocess.run(["pdfinfo", str(files["summary_pdf"])], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\n", pages)  # the leader's one-page summary
    summary = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(files["summary_pdf"]), "-"], capture_output=True, text=True).stdout)
    assert "转移就业人数滞后序时进度的有：拉萨市" in summary and "进度排名" in summary and "附件" not in summary
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(files["pdf"]), str(tmp_path / "p")], check=True)
    page = next(tmp_path.glob("p*.png"))
    from PIL import Image

    img = Image.open(page).convert("L")
    dark = sum(1 for px in img.getdata() if px < 128)
    assert dark > 2000  # text on the page, not blank


def test_png_charts(files):
    from PIL import Image

    for k in ("png_ranking", "png_progress"):
        img = Image.open(io.BytesIO(files[k].read_bytes()))
        assert img.size == (2000, 1040)
        assert len(set(img.convert("RGB").resize((100, 52)).getdata())) > 10  # drawn, not empty
        # the axis labels inside the image (the unit names had been cut to their last character: 区, 市)
        grey = img.convert("L")
        edge = grey.crop((0, 0, 8, grey.height)).getdata()
        assert min(edge) > 200, k  # nothing drawn against the left edge
        assert min(grey.crop((8, 0, 200, grey.height)).getdata()) < 100, k  # but labels just inside it


@pytest.mark.parametrize(("n", "word"), [(1, "1 organisation"), (2, "2 organisations")])
def test_reported_sentence_counts_organisations_in_english(n, word):
    row = {"metric": "new_dispatch_companies", "reported_as_of": D, "actual": n, "quota": None, "completion": None, "gap": None}
    assert bulletin.reported_sentence([row], "en") == f"Figures reported by the units: New dispatch companies {word} (as of 20 Nov 2026)."


def test_annex_headings_stay_with_their_tables_and_columns_fit_their_text(files):
    """附件N and its name never alone at a page's foot; each table's grid shares the width by what its columns hold
    (a unit name wider than a rank), so that 日喀则|市 and 94.5|% do not break in LibreOffice's PDF."""
    from docx import Document

    doc = Document(str(files["docx"]))
    heads = [p for p in doc.paragraphs if re.fullmatch(r"附件\d+", p.text)]
    assert len(heads) >= 5 and all(p.paragraph_format.keep_with_next for p in heads)
    named = [doc.paragraphs[i + 1] for i, p in enumerate(doc.paragraphs) if re.fullmatch(r"附件\d+", p.text)]
    assert all(p.paragraph_format.keep_with_next for p in named)
    rank = next(t for t in doc.tables if t.rows[0].cells[0].text == "排名")
    widths = {rank.rows[0].cells[j].text: rank.columns[j].width for j in range(len(rank.columns))}
    assert widths["单位"] > widths["排名"] and abs(sum(widths.values()) - 15.6 * 360000) < 360000  # EMU: the text width


def test_each_annex_starts_its_page_with_its_table_a_wide_one_on_a_page_turned(files):
    """In the PDF an office signs: no page holding only 附件N and its name (a page break had fallen between the first
    annex's heading and its table), 总体进度's ten columns on a landscape page, where its figures fit their cells, and the
    signature's page opening with text of the document (the laggards' closing charge), never the signature alone."""
    pages = int(
        re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(files["pdf"])], capture_output=True, text=True).stdout).group(1)
    )
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", str(pages), str(files["pdf"])], capture_output=True, text=True).stdout
    seen_turned = signed = False
    turned = {int(n) for n, w, h in re.findall(r"Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+)", sizes) if float(w) > float(h)}
    seen = 0
    for n in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(files["pdf"]), "-"], capture_output=True, text=True
        ).stdout
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        if lines and re.fullmatch(r"附件 ?\d+", lines[0]):
            seen += 1
            assert len(lines) > 4, (n, lines)  # its heading, its name, the table's header and rows (and the page number)
            if lines[1] == "总体进度":
                assert n in turned and "指标" in lines[2], (n, turned, lines[:3])
                seen_turned = True
        if any(x.startswith("附件：1.总体进度") for x in lines):
            assert "请上述单位加大工作力度，确保按期完成任务。" in lines, lines[:3]  # with text of the document
            signed = True
    assert seen >= 10 and seen_turned and signed


@pytest.mark.skipif(not Path(bulletin.SOFFICE).exists(), reason="LibreOffice is missing: `make test` installs it")
def test_the_english_copy_signs_under_its_closing_charge(files):
    """The English bulletin as its reader gets it: the laggards' closing charge on the signature's page, the annexes
    listed as "1. Headline", the region signing by its name (it had signed as "Whole region" on a page of the list
    alone)."""
    from tracker import office

    b = bulletin.build("54", F.CUR, "en", with_figures=False)
    assert b.title == "Transfer employment progress, Tibet Autonomous Region" and b.date_line == "20 November 2026"
    pdf = office.docx_to_pdf(bulletin.docx_bytes(b), bulletin.SOFFICE)
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    page = next(p for p in text.split("\f") if "Annexes:" in p)
    lines = [x.strip() for x in page.splitlines() if x.strip()]
    assert " ".join(lines[:2]).startswith(bulletin.CLOSING_EN), lines[:3]  # text of the document above the signature
    assert "Annexes: 1. Headline" in lines and "2. Ranking" in lines
    assert "Transfer employment work group, Tibet Autonomous Region" in lines and "Whole region" not in text
    html = bulletin.html_doc(b)  # the browser's PDF keeps the charge with the signature too
    assert f"<div class='closing'><p>{bulletin.CLOSING_EN}</p><p class='annex-list'>Annexes: 1. Headline<br>2. Ranking" in html


@pytest.mark.parametrize(
    "headers, cells, numeric, portrait",
    [
        # a rank, a name, two figures: what each holds, on a portrait page
        (["排名", "单位"], [["1", "2"], ["日喀则市", "阿里地区"]], [True, False], True),
        # ten columns of figures and words: the figures keep their room, so the page turns
        (
            ["指标", "完成", "任务", "完成率", "序时进度", "较序时或下限(百分点)", "本周净增", "同比", "状态", "任务来源"],
            [["政府投资项目农牧民工用工占比"], ["55.90万人"], ["61.50万人"], ["105.5%"], ["92.6%"], ["+12.9"], ["+9,210.6万元"]]
            + [["+0.0个百分点"], ["接近序时"], ["演示值"]],
            [False, True, True, True, True, True, True, True, False, False],
            False,
        ),
        # an English unit's name is never broken inside a word (Xietongme|n County)
        (
            ["Rank", "Unit", "Quota", "Done", "Status"],
            [["1"], ["Xietongmen County"], ["11,721"], ["10,685"], ["Near pace"]],
            [True, False, True, True, False],
            True,
        ),
    ],
)
def test_column_widths_keep_the_figures_and_words_whole(headers, cells, numeric, portrait):
    assert bulletin.fits_portrait(headers, cells, numeric) is portrait
    width = bulletin.TABLE_WIDTH if portrait else bulletin.LANDSCAPE_WIDTH
    got = bulletin.column_widths(headers, cells, numeric, width)
    assert sum(got) == pytest.approx(width)
    pad = bulletin.CELL_PAD
    for w, col, num in zip(got, cells, numeric, strict=True):
        need = max(bulletin._text_width(c) for c in col)
        word = max(bulletin._text_width(x) for c in col for x in c.split())
        floor = need if num else min(need, max(8, word if word < need else 4))  # a figure whole; a word, or four 字
        assert w >= floor + pad - 1e-9, (col, w, floor)


@pytest.mark.parametrize(
    ("heading", "lines", "want"),
    [
        ("排名", 2, 4),
        ("完成率", 3, 6),
        ("序时进度", 2, 8),
        ("序时进度", 3, 4),
        ("较序时或下限(百分点)", 2, 12),  # 较序时或下限 | (百分点): not 较序时或下|限(百分点)
        ("较序时或下限(百分点)", 3, 8),  # 较序时 | 或下限 | (百分点), the unit whole
        ("不足3个月", 2, 6),  # 不足3 | 个月 (a figure is half a 字): not 不足 | 3个 | 月
        ("所属地（市）", 2, 6),
    ],
)
def test_a_heading_never_leaves_a_character_alone(heading, lines, want):
    assert bulletin._heading_need(heading, lines) == want
    if any(ord(ch) >= 0x2E80 for ch in heading) and want < bulletin._text_width(heading):  # set as it was sized
        got = bulletin.heading_lines(heading, want)
        assert len(got) <= lines and max(bulletin._text_width(x) for x in got) <= want, got


@pytest.mark.skipif(not Path(bulletin.SOFFICE).exists(), reason="LibreOffice is missing: `make test` installs it")
def test_no_line_breaks_inside_a_figure_in_the_pdf():
    """Word lays out a Chinese document's figures by Western rules; LibreOffice did so only with the Western language
    set to a Western one: with zh-CN there it broke 90.|9%, 11,|903 and 12|2人 at a line's end."""
    from tracker import office

    text = "".join(
        f"{'一' * k}转移就业人数滞后序时进度的有：**那曲市**（低于序时进度12.9个百分点，差11,903人）、"
        f"**林芝市**（低于序时进度16.2个百分点，差122人）；完成年度任务的90.9%，差7,466.1万元、1.22亿元、58,051人。"
        for k in range(12)
    )
    title = "关于全区农牧民转移就业工作进展情况的通报"
    b = bulletin.Bulletin("zh", "54", "全区", F.CUR, title, "专班", 2, "2026年11月20日", [text], text)  # its layout only
    pdf = office.docx_to_pdf(bulletin.docx_bytes(b, None, summary=True), bulletin.SOFFICE)
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    lines = [x.strip() for x in out.splitlines() if x.strip()]
    pairs = itertools.pairwise(lines)
    broken = [a[-6:] + "|" + z[:6] for a, z in pairs if re.search(r"[\d,.]$", a) and re.match(r"[\d,.%]", z)]
    assert len(lines) > 30 and broken == [], broken


@pytest.mark.parametrize(
    "title, lines",
    [
        ("关于全区农牧民转移就业工作进展情况的通报", ["关于全区农牧民转移就业工作进展情况的通报"]),  # 20 字: one line
        ("关于洛隆县农牧民转移就业工作进展情况的通报", ["关于洛隆县农牧民转移就业", "工作进展情况的通报"]),  # not 报 alone
        ("Transfer employment progress, Luolong County", ["Transfer employment progress, Luolong County"]),
    ],
)
def test_title_lines(title, lines):
    assert bulletin.title_lines(title) == lines


# the demo region's week of 2026-12-04: its summary's text and its seven prefectures ranked (the desk copy's worst case)
REGION_TEXT = [
    "截至12月4日，全区累计实现农牧民转移就业55.90万人，完成年度任务的90.9%，低于序时进度1.7个百分点；其中有组织跨省转移就业4,952人"
    "（完成任务的99.0%），跨地市58,051人（完成任务的105.5%）；组织化率63.8%，达到60%的目标下限。",
    "实现劳务收入28.19亿元，同比增长13.3%；人均5,043元，同比增长6.7%。本周净增3,204人。",
]
REGION_LAGGARDS = (
    "转移就业人数滞后序时进度的有：**那曲市**（低于序时进度12.9个百分点，差11,903人）、**拉萨市**（低于序时进度5.8个百分点，差4,246人）；"
    "区外转移就业滞后序时进度的有：**拉萨市**（低于序时进度20.9个百分点，差314人）、**山南市**（低于序时进度21.1个百分点，差254人）、"
    "**林芝市**（低于序时进度16.2个百分点，差122人）、**日喀则市**（低于序时进度13.6个百分点，差286人）、**昌都市**（低于序时进度10.4个百分点，"
    "差125人）；劳务收入滞后序时进度的有：**那曲市**（低于序时进度20.0个百分点，差1.22亿元）、**拉萨市**（低于序时进度17.4个百分点，"
    "差7,466.1万元）、**昌都市**（低于序时进度11.3个百分点，差8,903.1万元）、**日喀则市**（低于序时进度7.3个百分点，差5,989.0万元）、"
    "**山南市**（低于序时进度12.0个百分点，差4,829.0万元）、**阿里地区**（低于序时进度6.2个百分点，差1,432.5万元）、**林芝市**（低于序时进度"
    "6.5个百分点，差1,419.7万元）；组织化率低于60%下限的有：**阿里地区**（58.9%，还需有组织转移1,023人）。请上述单位加大工作力度，确保按期完成任务。"
)
REGION_RANKING = [
    (1, "阿里地区", 36900.0, 36317.0, 0.9842, 5.8, 148.0, "快于序时", "演示值"),
    (2, "林芝市", 43050.0, 42260.0, 0.9816, 5.6, 220.0, "快于序时", "演示值"),
    (3, "日喀则市", 166050.0, 156901.0, 0.9449, 1.9, 1049.0, "快于序时", "演示值"),
    (4, "昌都市", 135300.0, 124242.0, 0.9183, -0.8, 610.0, "接近序时", "演示值"),
    (5, "山南市", 67650.0, 61621.0, 0.9109, -1.5, 343.0, "接近序时", "演示值"),
    (6, "拉萨市", 73800.0, 64095.0, 0.8685, -5.8, 412.0, "滞后序时", "演示值"),
    (7, "那曲市", 92250.0, 73524.0, 0.7970, -12.9, 422.0, "滞后序时", "演示值"),
]


@pytest.mark.skipif(not Path(bulletin.SOFFICE).exists(), reason="LibreOffice is missing: `make test` installs it")
def test_a_regions_desk_summary_keeps_to_one_page(files):
    """Seven prefectures ranked under six metrics' laggards: the leader's one page (it had run to a second for the
    ranking's last row when the table's headings took three lines)."""
    import dataclasses

    from tracker import office

    b = bulletin.build("54", F.CUR)  # the fixture's bulletin, with the demo region's text and ranking in it
    rank = pl.DataFrame(REGION_RANKING, schema=list(b.tables["进度排名"].columns), orient="row").cast(b.tables["进度排名"].schema)
    # the laggards in full (as before the summary named them only): the worst case of the region's text
    b = dataclasses.replace(b, paragraphs=REGION_TEXT, laggards=REGION_LAGGARDS, laggards_brief="", tables={**b.tables, "进度排名": rank})
    pdf = office.docx_to_pdf(bulletin.docx_bytes(b, None, summary=True), bulletin.SOFFICE)
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert re.search(r"Pages:\s+1\n", info) and "92,250" in text and "73,524" in text  # 那曲市, the last row, on it


# 日喀则市's week of 2026-12-04 in the demo: eighteen counties ranked under the laggards by name
SHIGATSE = (
    "桑珠孜区 南木林县 江孜县 定日县 萨迦县 拉孜县 昂仁县 谢通门县 白朗县 仁布县 康马县 定结县 仲巴县 亚东县 吉隆县 聂拉木县 萨嘎县 岗巴县"
).split()
SHIGATSE_BRIEF = (
    "转移就业人数滞后序时进度的有：**仁布县**；有组织跨省转移滞后序时进度的有：**南木林县**、**岗巴县**、**亚东县**、**萨嘎县**、**江孜县**等6个单位；"
    "有组织跨地市转移滞后序时进度的有：**仲巴县**；区外转移就业滞后序时进度的有：**江孜县**、**南木林县**、**昂仁县**、**拉孜县**、**白朗县**等12个单位；"
    "劳务收入滞后序时进度的有：**仁布县**、**萨迦县**、**定结县**、**谢通门县**、**定日县**等11个单位；组织化率低于60%下限的有：**定结县**、**康马县**、"
    "**仲巴县**、**定日县**、**谢通门县**。请上述单位加大工作力度，确保按期完成任务。"
)


@pytest.mark.skipif(not Path(bulletin.SOFFICE).exists(), reason="LibreOffice is missing: `make test` installs it")
def test_a_prefectures_desk_summary_keeps_to_one_page(files):
    """Eighteen counties ranked under the laggards by name (the summary's, five a metric): one page (the laggards in
    full and a title in two lines had pushed the last two counties to a second)."""
    import dataclasses

    from tracker import office

    b = bulletin.build("54", F.CUR)
    cols = list(b.tables["进度排名"].columns)
    rows = [
        (i + 1, n, 9_000.0 + 700 * i, 8_500.0 + 600 * i, 0.95 - 0.01 * i, 3.0 - i, 40.0 + i, "接近序时", "演示值")
        for i, n in enumerate(SHIGATSE)
    ]
    rank = pl.DataFrame(rows, schema=cols, orient="row").cast(b.tables["进度排名"].schema)
    text = [p.replace("全区", "日喀则市") for p in REGION_TEXT]
    b = dataclasses.replace(
        b,
        title="关于日喀则市农牧民转移就业工作进展情况的通报",
        paragraphs=text,
        laggards=REGION_LAGGARDS,
        laggards_brief=SHIGATSE_BRIEF,
        tables={**b.tables, "进度排名": rank},
    )
    pdf = office.docx_to_pdf(bulletin.docx_bytes(b, None, summary=True), bulletin.SOFFICE)
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert re.search(r"Pages:\s+1\n", info) and "岗巴县" in text.split("进度排名")[-1]  # the 18th county on it
