"""The placement-record schema, defined once: column, type, allowed values, labels, description.

One row = one person's placement in the tracking year, as of one weekly snapshot. Snapshots are
cumulative (the ledger as it stood that Friday); months and income are year-to-date.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl


@dataclass(frozen=True)
class Enum:
    name: str
    values: dict[str, tuple[str, str]]  # code -> (zh, en)

    def label(self, code: str | None, lang: str = "zh") -> str:
        if code is None:
            return "—"
        zh, en = self.values.get(code, (code, code))
        return zh if lang == "zh" else en

    def expr(self, col: str | pl.Expr, lang: str = "zh") -> pl.Expr:
        """The same labels as a polars expression (no Python callback)."""
        from tracker.labels import pairs

        return pairs(col, self.values, lang)


EDUCATION = Enum("education", {
    "primary": ("小学及以下", "Primary or below"),
    "junior": ("初中", "Junior high"),
    "senior": ("高中/中职", "Senior high / vocational"),
    "college": ("大专及以上", "College or above"),
})
GENDER = Enum("gender", {"M": ("男", "Male"), "F": ("女", "Female")})
DEST_SCOPE = Enum("dest_scope", {
    "local": ("县内就近", "Within county"),
    "cross_county": ("跨县(市内)", "Cross-county, same prefecture"),
    "cross_prefecture": ("跨地市(区内)", "Cross-prefecture, within region"),
    "cross_province": ("跨省(区外)", "Cross-province (out of region)"),
})
CHANNEL = Enum("channel", {
    "government": ("政府组织", "Government-organized"),
    "dispatch_company": ("劳务(派遣)公司", "Labour dispatch company"),
    "cooperative": ("劳务合作社", "Labour cooperative"),
    "broker": ("劳务经纪人", "Labour broker"),
    "enterprise": ("企业直招", "Enterprise direct hire"),
    "self_found": ("自主就业", "Self-found"),
})
ORGANIZED_CHANNELS = ("government", "dispatch_company", "cooperative", "broker")
JOB_SOURCE = Enum("job_source", {
    "industry": ("产业吸纳", "Industry absorption"),
    "project": ("项目带动", "Construction projects"),
    "flexible": ("自主灵活就业", "Self / flexible employment"),
})
INDUSTRY = Enum("industry", {
    "construction": ("建筑业", "Construction"),
    "transport": ("交通运输", "Transport"),
    "domestic": ("家政服务", "Domestic service"),
    "catering": ("餐饮住宿", "Catering & lodging"),
    "handicraft": ("民族手工艺", "Ethnic handicraft"),
    "manufacturing": ("制造业", "Manufacturing"),
    "agriculture": ("农牧业", "Agriculture & herding"),
    "other": ("其他", "Other"),
})
TRAINING_TYPE = Enum("training_type", {
    "order": ("订单定向式", "Order / directed"),
    "work_for_training": ("以工代训", "Work-for-training"),
    "other": ("其他培训", "Other training"),
})
ENUMS = {e.name: e for e in (EDUCATION, GENDER, DEST_SCOPE, CHANNEL, JOB_SOURCE, INDUSTRY, TRAINING_TYPE)}
KEY_GROUPS = {  # boolean columns
    "poverty_alleviated": ("脱贫人口", "Poverty-alleviated"),
    "relocated": ("易地搬迁群众", "Relocated households"),
    "disabled": ("残疾人", "Disabled"),
    "veteran": ("退役军人", "Veterans"),
    "two_after": ("两后生", "Two-after youth"),
}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    zh: str
    en: str
    desc: str
    nullable: bool = False
    enum: Enum | None = None
    code_len: int | None = None  # region code columns: digits
    extra: dict = field(default_factory=dict)


C = Column
COLUMNS: list[Column] = [
    C("record_id", pl.String, "记录编号", "Record ID", "Unique per snapshot; stable across snapshots."),
    C("person_key", pl.Int64, "人员标识", "Person key",
      "HMAC-SHA256 of the normalised ID number (first 8 bytes); the ID itself is never stored."),
    C("id_masked", pl.String, "身份证号(脱敏)", "ID (masked)", "First 6 + last 4 digits of the ID."),
    C("id_check_ok", pl.Boolean, "身份证校验通过", "ID check digit valid", "GB 11643 check digit verified."),
    C("gender", pl.String, "性别", "Gender", "From the ID number.", enum=GENDER),
    C("birth_year", pl.Int16, "出生年份", "Birth year", "From the ID number."),
    C("education", pl.String, "文化程度", "Education", "Highest level completed; empty when the ledger does not say.",
      nullable=True, enum=EDUCATION),
    C("prefecture_code", pl.String, "户籍地市", "Hukou prefecture", "4-digit code.", code_len=4),
    C("county_code", pl.String, "户籍县区", "Hukou county", "6-digit code; starts with the prefecture code.", code_len=6),
    C("township_code", pl.String, "户籍乡镇", "Hukou township", "9-digit code; starts with the county code.", code_len=9),
    C("village_code", pl.String, "户籍村(居)", "Hukou village", "12-digit code; starts with the township code.",
      nullable=True, code_len=12),
    C("home_code", pl.String, "计数归属单位", "Counting unit",
      "Village (or township if no village) of the person's first-reported placement: each person is counted "
      "once, here, at every level.", code_len=None),
    C("counted", pl.Boolean, "计入统计", "Counted",
      "False for a later report of a placement already reported (the same person and start date, e.g. by a second "
      "county): kept and shown, counted once, as first reported."),
    *(C(k, pl.Boolean, zh, en, f"Key group: {en}.") for k, (zh, en) in KEY_GROUPS.items()),
    C("dest_scope", pl.String, "转移就业范围", "Destination scope", "Where the job is, relative to the hukou.",
      enum=DEST_SCOPE),
    C("dest_province_code", pl.String, "就业地省份", "Destination province", "2-digit code.", code_len=2),
    C("dest_prefecture_code", pl.String, "就业地地市", "Destination prefecture", "4-digit code.", code_len=4),
    C("organized", pl.Boolean, "是否有组织", "Organized", "Placed through government or a labour organisation."),
    C("channel", pl.String, "组织方式", "Channel", "How the placement was made.", enum=CHANNEL),
    C("job_source", pl.String, "就业来源", "Job source", "Industry absorption, project or self/flexible.",
      enum=JOB_SOURCE),
    C("industry", pl.String, "所属行业", "Industry", "Industry of the job.", enum=INDUSTRY),
    C("start_date", pl.Date, "开始务工时间", "Start date", "First day of work in this placement."),
    C("end_date", pl.Date, "结束务工时间", "End date", "Return home; empty while still working.", nullable=True),
    C("reported_date", pl.Date, "录入时间", "Reported date", "Day the record entered the ledger."),
    C("months_employed", pl.Float64, "务工月数", "Months employed", "Months worked this year, to the snapshot (0-12)."),
    C("income_yuan", pl.Int64, "劳务收入(元)", "Labour income (yuan)", "Earned this year, to the snapshot."),
    C("trained", pl.Boolean, "是否参加培训", "Trained", "Took part in skills training."),
    C("training_type", pl.String, "培训类型", "Training type", "Only when trained.", nullable=True,
      enum=TRAINING_TYPE),
]
BY_NAME = {c.name: c for c in COLUMNS}
POLARS_SCHEMA = {c.name: c.dtype for c in COLUMNS}


def label(col: str, lang: str = "zh") -> str:
    c = BY_NAME[col]
    return c.zh if lang == "zh" else c.en


def markdown_table() -> str:
    """The schema as a Markdown table (pasted into the README by `make schema-doc`)."""
    lines = ["| column | type | 中文 | English | allowed values / notes |", "|---|---|---|---|---|"]
    for c in COLUMNS:
        allowed = ", ".join(c.enum.values) if c.enum else c.desc
        null = " (nullable)" if c.nullable else ""
        lines.append(f"| `{c.name}` | {c.dtype}{null} | {c.zh} | {c.en} | {allowed} |")
    return "\n".join(lines)
