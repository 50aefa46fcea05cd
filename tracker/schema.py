"""The placement-record schema, defined once: column, type, allowed values, labels, description.

One row = one person's placement in the tracking year, as of one weekly snapshot. Snapshots are
cumulative (the ledger as it stood that Friday); months and income are year-to-date.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

# enum labels and key groups are declared in the catalogue; the schema's columns follow from them
from tracker.catalogue import (
    CHANNEL,
    DEST_SCOPE,
    EDUCATION,
    ENUMS,
    GENDER,
    GROUP_LIST,
    INDUSTRY,
    JOB_SOURCE,
    ORGANIZED_CHANNELS,
    TRAINING_TYPE,
    Enum,
)

KEY_GROUPS = {g.key: (g.zh, g.en) for g in GROUP_LIST if g.column}  # key groups that are ledger columns
__all__ = [
    "CHANNEL",
    "DEST_SCOPE",
    "EDUCATION",
    "ENUMS",
    "GENDER",
    "INDUSTRY",
    "JOB_SOURCE",
    "KEY_GROUPS",
    "ORGANIZED_CHANNELS",
    "TRAINING_TYPE",
    "Enum",
]


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    zh: str
    en: str
    desc: str
    nullable: bool = False
    enum: Enum | None = None


C = Column
COLUMNS: list[Column] = [
    C("record_id", pl.String, "记录编号", "Record ID", "Unique per snapshot; stable across snapshots."),
    C(
        "person_key",
        pl.Int64,
        "人员标识",
        "Person key",
        "HMAC-SHA256 of the normalised ID number (first 8 bytes); the ID itself is never stored.",
    ),
    C("id_masked", pl.String, "身份证号(脱敏)", "ID (masked)", "First 6 + last 4 digits of the ID."),
    C("id_check_ok", pl.Boolean, "身份证校验通过", "ID check digit valid", "GB 11643 check digit verified."),
    C("gender", pl.String, "性别", "Gender", "From the ID number.", enum=GENDER),
    C("birth_year", pl.Int16, "出生年份", "Birth year", "From the ID number."),
    C(
        "education",
        pl.String,
        "文化程度",
        "Education",
        "Highest level completed; empty when the ledger does not say.",
        nullable=True,
        enum=EDUCATION,
    ),
    C("prefecture_code", pl.String, "户籍地市", "Hukou prefecture", "4-digit code."),
    C("county_code", pl.String, "户籍县区", "Hukou county", "6-digit code; starts with the prefecture code."),
    C("township_code", pl.String, "户籍乡镇", "Hukou township", "9-digit code; starts with the county code."),
    C("village_code", pl.String, "户籍村(居)", "Hukou village", "12-digit code; starts with the township code.", nullable=True),
    C(
        "home_code",
        pl.String,
        "计数归属单位",
        "Counting unit",
        "Village (or township if no village) of the person's first-reported placement: each person is counted once, here, at every level.",
    ),
    C(
        "counted",
        pl.Boolean,
        "计入统计",
        "Counted",
        "False for a later report of a placement already reported (the same person and start date, e.g. by a second "
        "county): kept and shown, counted once, as first reported.",
    ),
    *(C(g.key, pl.Boolean, g.zh, g.en, f"Key group: {g.en}.") for g in GROUP_LIST if g.column),
    C("dest_scope", pl.String, "转移就业范围", "Destination scope", "Where the job is, relative to the hukou.", enum=DEST_SCOPE),
    C("dest_province_code", pl.String, "就业地省份", "Destination province", "2-digit code."),
    C("dest_prefecture_code", pl.String, "就业地地市", "Destination prefecture", "4-digit code."),
    C("organized", pl.Boolean, "是否有组织", "Organized", "Placed through government or a labour organisation."),
    C("channel", pl.String, "组织方式", "Channel", "How the placement was made.", enum=CHANNEL),
    C("job_source", pl.String, "就业来源", "Job source", "Industry absorption, project or self/flexible.", enum=JOB_SOURCE),
    C("industry", pl.String, "所属行业", "Industry", "Industry of the job.", enum=INDUSTRY),
    C("start_date", pl.Date, "开始务工时间", "Start date", "First day of work in this placement."),
    C("end_date", pl.Date, "结束务工时间", "End date", "Return home; empty while still working.", nullable=True),
    C("reported_date", pl.Date, "录入时间", "Reported date", "Day the record entered the ledger."),
    C("months_employed", pl.Float64, "务工月数", "Months employed", "Months worked this year, to the snapshot (0-12)."),
    C("income_yuan", pl.Int64, "劳务收入(元)", "Labour income (yuan)", "Earned this year, to the snapshot."),
    C("trained", pl.Boolean, "是否参加培训", "Trained", "Took part in skills training."),
    C("training_type", pl.String, "培训类型", "Training type", "Only when trained.", nullable=True, enum=TRAINING_TYPE),
]
BY_NAME = {c.name: c for c in COLUMNS}
POLARS_SCHEMA = {c.name: c.dtype for c in COLUMNS}


def label(col: str, lang: str = "zh") -> str:
    c = BY_NAME[col]
    return c.zh if lang == "zh" else c.en


def markdown_table() -> str:
    """The schema as a Markdown table (the README's, between its schema markers; tests/test_docs.py keeps them equal)."""
    lines = ["| column | type | 中文 | English | allowed values / notes |", "|---|---|---|---|---|"]
    for c in COLUMNS:
        allowed = ", ".join(c.enum.values) if c.enum else c.desc
        null = " (nullable)" if c.nullable else ""
        lines.append(f"| `{c.name}` | {c.dtype}{null} | {c.zh} | {c.en} | {allowed} |")
    return "\n".join(lines)
