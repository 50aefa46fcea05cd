"""Data-contract checks on a snapshot frame: unique, not null, accepted values, code relationships.

Run on the test fixture, on the generated demo, and on every ingested snapshot. Pure polars.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tracker import schema
from tracker.hierarchy import REGION, Hierarchy


@dataclass(frozen=True)
class Violation:
    check: str
    column: str
    rows: int
    example: str


def check_snapshot(df: pl.DataFrame, h: Hierarchy) -> list[Violation]:
    out: list[Violation] = []

    def add(check: str, column: str, bad: pl.DataFrame) -> None:
        if bad.height:
            ex = bad.select(pl.col("record_id").cast(pl.String)).to_series()[0] if "record_id" in bad.columns else ""
            out.append(Violation(check, column, bad.height, str(ex)))

    missing = [c.name for c in schema.COLUMNS if c.name not in df.columns]
    if missing:
        return [Violation("columns", ",".join(missing), len(missing), "")]
    add("unique", "record_id", df.filter(pl.col("record_id").is_duplicated()))
    for c in schema.COLUMNS:
        if not c.nullable:
            add("not_null", c.name, df.filter(pl.col(c.name).is_null()))
        if c.enum is not None:
            add("accepted_values", c.name, df.filter(pl.col(c.name).is_not_null() & ~pl.col(c.name).is_in(list(c.enum.values))))
    codes = set(h.units["code"].to_list())
    nat = set(h.national["code"].to_list())
    for col in ("prefecture_code", "county_code", "township_code", "village_code"):
        add("code_exists", col, df.filter(pl.col(col).is_not_null() & ~pl.col(col).is_in(list(codes))))
    for child, parent in (
        ("county_code", "prefecture_code"),
        ("township_code", "county_code"),
        ("village_code", "township_code"),
        ("home_code", ""),
    ):
        if parent:
            add("prefix", child, df.filter(pl.col(child).is_not_null() & ~pl.col(child).str.starts_with(pl.col(parent))))
    add("code_exists", "dest_province_code", df.filter(~pl.col("dest_province_code").is_in(list(nat))))
    add("code_exists", "dest_prefecture_code", df.filter(~pl.col("dest_prefecture_code").is_in(list(nat | codes))))
    add("prefix", "dest_prefecture_code", df.filter(~pl.col("dest_prefecture_code").str.starts_with(pl.col("dest_province_code"))))
    add("consistent", "organized", df.filter(pl.col("organized") != pl.col("channel").is_in(list(schema.ORGANIZED_CHANNELS))))
    add("consistent", "dest_scope", df.filter((pl.col("dest_scope") == "cross_province") != (pl.col("dest_province_code") != REGION)))
    add(
        "consistent",
        "home_code",
        df.group_by("person_key").agg(pl.col("home_code").n_unique().alias("n"), pl.col("record_id").first()).filter(pl.col("n") > 1),
    )
    add("range", "months_employed", df.filter(~pl.col("months_employed").is_between(0, 12)))
    add("range", "income_yuan", df.filter(pl.col("income_yuan") < 0))
    add("order", "end_date", df.filter(pl.col("end_date") < pl.col("start_date")))
    add("order", "reported_date", df.filter(pl.col("reported_date") < pl.col("start_date")))
    add("masked", "id_masked", df.filter(~pl.col("id_masked").str.contains(r"^\d{6}\*{8}[0-9X]{4}$")))
    add("consistent", "training_type", df.filter(pl.col("training_type").is_not_null() & ~pl.col("trained")))
    return out
