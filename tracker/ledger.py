"""Write a ledger export the way the public employment service system does: .xlsx or .csv, a title row,
Chinese headers, names instead of codes, 是/否 flags, dates as 2026/3/1. Used to test the ingest path
end to end on realistic files (the IDs are synthetic)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from tracker import hierarchy, schema
from tracker.catalogue import GROUP_LIST
from tracker.hierarchy import REGION
from tracker.labels import date_slash


def to_ledger(frame: pl.DataFrame, h: hierarchy.Hierarchy) -> pl.DataFrame:
    """A snapshot frame that still has `id18` → the export's columns and values."""

    def label(col: str):
        e = schema.BY_NAME[col].enum
        return pl.col(col).replace_strict({k: v[0] for k, v in e.values.items()}, default=None, return_dtype=pl.String)

    def name(col: str):
        codes = frame[col].drop_nulls().unique().to_list()
        return pl.col(col).replace_strict({c: h.name(c) for c in codes}, default=None, return_dtype=pl.String)

    def yn(col: str):
        return pl.when(pl.col(col)).then(pl.lit("是")).otherwise(pl.lit("否"))

    def d(col: str):
        return date_slash(col)

    dest = (
        pl.when(pl.col("dest_province_code") != REGION)
        .then(name("dest_province_code") + name("dest_prefecture_code"))
        .otherwise(name("dest_prefecture_code"))
    )
    return frame.select(
        pl.int_range(1, frame.height + 1).alias("序号"),
        pl.col("record_id").alias("记录编号"),
        pl.lit("（略）").alias("姓名"),
        pl.col("id18").alias("公民身份号码"),
        label("education").alias("文化程度"),
        name("county_code").alias("户籍县区"),
        name("township_code").alias("户籍乡镇"),
        pl.col("village_code").alias("户籍所在村(居)"),
        *[yn(g.key).alias(f"是否{g.zh}") for g in GROUP_LIST if g.column],
        label("dest_scope").alias("转移就业范围"),
        dest.alias("转移就业地点"),
        yn("organized").alias("是否有组织"),
        label("channel").alias("组织方式"),
        label("job_source").alias("就业来源"),
        label("industry").alias("所属行业"),
        d("start_date").alias("开始务工时间"),
        pl.when(pl.col("end_date").is_not_null()).then(d("end_date")).alias("结束务工时间"),
        d("reported_date").alias("录入时间"),
        pl.col("months_employed").alias("务工月数"),
        pl.col("income_yuan").alias("劳务收入(元)"),
        yn("trained").alias("是否参加培训"),
        label("training_type").alias("培训类型"),
    )


def write(ledger: pl.DataFrame, path: Path, on: dt.date, encoding: str = "utf-8") -> Path:
    """.xlsx (with a title row above the header) or .csv (utf-8, utf-8-sig or gb18030)."""
    from tracker import hierarchy

    title = f"{hierarchy.load().name(REGION)}{hierarchy.WORKERS_ZH}转移就业实名制台账（截至{on.year}年{on.month}月{on.day}日）"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".xlsx":
        import xlsxwriter

        with xlsxwriter.Workbook(path) as wb:
            ws = wb.add_worksheet("台账")
            ws.write(0, 0, title)
            ledger.write_excel(wb, worksheet=ws, position=(1, 0), autofit=False)
    else:
        body = ledger.write_csv()
        text = title + "\n" + body
        path.write_bytes(text.encode(encoding))
    return path
