"""Each concept declared once: enum labels, key groups, person facts, base measures, metrics (ratios rebuilt at every
level), dimensions, months bands and income bins, record filters — with zh/en label, unit and description.

The SQL reads this module through the query loader: a `{{@block}}` in a `.sql` file is expanded from `BLOCKS`
(`python -m queries show NAME` prints the expanded text); the schema, ingest, generator, pages, charts, bulletin,
exports and the bench take their labels, formats and column lists from here. To add a key group, a measure, a band
or a filter, add one declaration below (and its test); see the README ("The catalogue").
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tracker.hierarchy import IN_ZH, KIND_EN, MIGRANTS_EN, MIGRANTS_ZH, OUT_ZH, TRAINED_ZH
from tracker.i18n import colon

# ---------------------------------------------------------------- enum labels (the ledger's coded columns)


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

    def sql_list(self, codes) -> str:
        return ", ".join(f"'{c}'" for c in codes)


EDUCATION = Enum(
    "education",
    {
        "primary": ("小学及以下", "Primary or below"),
        "junior": ("初中", "Junior high"),
        "senior": ("高中/中职", "Senior high / vocational"),
        "college": ("大专及以上", "College or above"),
    },
)
GENDER = Enum("gender", {"M": ("男", "Male"), "F": ("女", "Female")})
DEST_SCOPE = Enum(
    "dest_scope",
    {
        "local": ("县内就近", "Within county"),
        "cross_county": ("跨县(市内)", "Cross-county, same prefecture"),
        "cross_prefecture": (f"跨地市({IN_ZH})", f"Cross-prefecture, within {KIND_EN}"),
        "cross_province": (f"跨省({OUT_ZH})", f"Cross-province (out of {KIND_EN})"),
    },
)
CHANNEL = Enum(
    "channel",
    {
        "government": ("政府组织", "Government-organized"),
        "dispatch_company": ("劳务(派遣)公司", "Labour dispatch company"),
        "cooperative": ("劳务合作社", "Labour cooperative"),
        "broker": ("劳务经纪人", "Labour broker"),
        "enterprise": ("企业直招", "Enterprise direct hire"),
        "self_found": ("自主就业", "Self-found"),
    },
)
ORGANIZED_CHANNELS = ("government", "dispatch_company", "cooperative", "broker")
JOB_SOURCE = Enum(
    "job_source",
    {
        "industry": ("产业吸纳", "Industry absorption"),
        "project": ("项目带动", "Construction projects"),
        "flexible": ("自主灵活就业", "Self / flexible employment"),
    },
)
INDUSTRY = Enum(
    "industry",
    {
        "construction": ("建筑业", "Construction"),
        "transport": ("交通运输", "Transport"),
        "domestic": ("家政服务", "Domestic service"),
        "catering": ("餐饮住宿", "Catering & lodging"),
        "handicraft": ("民族手工艺", "Ethnic handicraft"),
        "manufacturing": ("制造业", "Manufacturing"),
        "agriculture": ("农牧业", "Agriculture & herding"),
        "other": ("其他", "Other"),
    },
)
TRAINING_TYPE = Enum(
    "training_type",
    {
        "order": ("订单定向式", "Order / directed"),
        "work_for_training": ("以工代训", "Work-for-training"),
        "other": ("其他培训", "Other training"),
    },
)
ENUMS = {e.name: e for e in (EDUCATION, GENDER, DEST_SCOPE, CHANNEL, JOB_SOURCE, INDUSTRY, TRAINING_TYPE)}
JUNIOR_PLUS = ("junior", "senior", "college")

# ---------------------------------------------------------------- key groups (重点群体)


@dataclass(frozen=True)
class Group:
    """A key group: a person is in it when any of their placements that count says so.

    `column`: the ledger has a yes/no column of its own (schema, ingest headers, ledger export, demo share);
    otherwise `sql` is a condition on a record's existing columns."""

    key: str
    zh: str
    en: str
    sql: str = ""  # condition on one record; defaults to the column itself
    column: bool = False
    headers: tuple[str, ...] = ()  # how ledgers head the column (ingest), besides 是否<zh> and <zh>
    demo_share: float = 0.0  # share of persons in it, for the demo generator (column groups)
    desc_zh: str = ""
    desc_en: str = ""

    @property
    def predicate(self) -> str:
        return self.sql or self.key

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def record_expr(self) -> pl.Expr:
        """The same condition as a polars expression on a record (tests and the bench)."""
        if self.column:
            return pl.col(self.key)
        return pl.sql_expr(self.sql)


GROUP_LIST: list[Group] = [
    Group(
        "poverty_alleviated",
        "脱贫人口",
        "Poverty-alleviated",
        column=True,
        headers=("脱贫户",),
        demo_share=0.31,
        desc_zh="建档立卡脱贫人口（含监测对象）",
        desc_en="Registered poverty-alleviated persons",
    ),
    Group(
        "relocated",
        "易地搬迁群众",
        "Relocated households",
        column=True,
        headers=("是否易地搬迁", "易地搬迁"),
        demo_share=0.08,
        desc_zh="易地扶贫搬迁安置群众",
        desc_en="Persons of relocated households",
    ),
    Group("disabled", "残疾人", "Disabled", column=True, demo_share=0.015),
    Group("veteran", "退役军人", "Veterans", column=True, demo_share=0.01),
    Group(
        "two_after",
        "两后生",
        "Two-after youth",
        column=True,
        demo_share=0.06,
        desc_zh="初高中毕业后未继续升学的青年",
        desc_en="Youths who left school after junior or senior high",
    ),
    Group("women", "女性", "Women", sql="gender = 'F'"),
    Group(
        "junior_plus",
        "初中及以上文化程度",
        "Junior high or above",
        sql=f"education in ({EDUCATION.sql_list(JUNIOR_PLUS)})",
        desc_zh="西藏自治区2020年工作方案列出的培训重点人群",
        desc_en="A training priority of Tibet's 2020 plan",
    ),
]
ALL_PERSONS = Group("all_persons", "全部转移人员", "All persons", sql="true")


def groups() -> dict[str, Group]:
    """The key groups in display order (read at call time, so a test can add one)."""
    return {g.key: g for g in GROUP_LIST}


def group_labels(with_all: bool = True) -> dict[str, tuple[str, str]]:
    out = {g.key: (g.zh, g.en) for g in GROUP_LIST}
    if with_all:
        out[ALL_PERSONS.key] = (ALL_PERSONS.zh, ALL_PERSONS.en)
    return out


# ---------------------------------------------------------------- person facts and base measures

# One row per person (`person_rows`): each fact over the person's placements that count.
PERSON_FACTS: dict[str, str] = {
    "organized": "bool_or(organized)",
    "org_xprov": "bool_or(organized and dest_scope = 'cross_province')",
    "org_xpref": "bool_or(organized and dest_scope = 'cross_prefecture')",
    "out_region": "bool_or(dest_scope = 'cross_province')",
    "trained": "bool_or(trained)",
    "trained_directed": "bool_or(trained and training_type in ('order', 'work_for_training'))",
    "job_source": "arg_min(job_source, (start_date, record_id))",  # the first placement's source (ties: record id)
    "income": "sum(income_yuan)",
    "months": "least(12, sum(months_employed))",
    "placements": "count(*)",
}


@dataclass(frozen=True)
class Measure:
    """A base measure: summed over persons per counting unit, so every level adds up exactly."""

    key: str
    zh: str
    en: str
    unit_sql: str  # over person rows
    unit: str = "persons"  # persons | yuan | placements | records


MEASURES: list[Measure] = [
    Measure("persons", "转移就业人数", "Persons", "count(*)"),
    Measure("organized", "有组织转移人数", "Organized persons", "count(*) filter (where organized)"),
    Measure("org_xprov", "有组织跨省转移", "Organized cross-province", "count(*) filter (where org_xprov)"),
    Measure("org_xpref", "有组织跨地市转移", "Organized cross-prefecture", "count(*) filter (where org_xpref)"),
    Measure("out_region", f"{OUT_ZH}转移就业", f"Out-of-{KIND_EN}", "count(*) filter (where out_region)"),
    Measure("trained", "参加培训人数", "Persons trained", "count(*) filter (where trained)"),
    Measure("trained_directed", "订单定向及以工代训人数", "Order/directed + work-for-training", "count(*) filter (where trained_directed)"),
    Measure("src_industry", "产业吸纳就业", "Industry absorption", "count(*) filter (where job_source = 'industry')"),
    Measure("src_project", "项目带动就业", "Project-driven", "count(*) filter (where job_source = 'project')"),
    Measure("src_flexible", "自主灵活就业", "Self / flexible", "count(*) filter (where job_source = 'flexible')"),
    Measure("income", "劳务收入", "Labour income", "sum(income)", unit="yuan"),
    Measure("placements", "就业次数", "Placements", "sum(placements)", unit="placements"),
]
RECORDS = Measure("records", "记录数", "Records", "count(*)", unit="records")  # every record, counted or not


def measure_keys() -> list[str]:
    return [m.key for m in MEASURES] + [RECORDS.key]


# ---------------------------------------------------------------- metrics (what the cards and rankings show)


@dataclass(frozen=True)
class Metric:
    key: str
    zh: str
    en: str
    kind: str  # count | money | share | per_capita
    num: str
    den: str | None = None  # a ratio: rebuilt from numerator and denominator at every level, never averaged
    quota: str | None = None  # quota metric key in the quota table
    quota_kind: str = "target"  # target (reach at least, paced) | minimum (a share floor, not paced)
    desc_zh: str = ""
    desc_en: str = ""
    higher_is_better: bool = True
    unit_zh: str = "人"  # what a count counts: 人, 人次 (person-times), 家 (organisations)
    unit_en: str = "persons"
    # a share floor: what must be added to reach it (还需有组织转移 534人), and the quota of the share's denominator
    # that gives the year's need (组织化率: the total transfers quota); empty: no "needed" line
    needed_zh: str = ""
    needed_en: str = ""
    den_quota: str | None = None

    def needed_label(self, lang: str, year_end: bool = False, short: bool = False) -> str:
        """还需有组织转移 (to reach the floor now) / 按全年任务测算尚需有组织转移 (for the floor once the year's total quota is
        met: beside 已达标, the share is met now and the year still needs that many). English: "Organized placements
        still needed"; `short` (a meeting card or the share table, where the metric is named above): "Still needed", "Needed by year
        end" (the Chinese is short enough as it is)."""
        if lang == "zh":
            return ("按全年任务测算尚需" if year_end else "还需") + self.needed_zh
        if short:
            return "Needed by year end" if year_end else "Still needed"
        return f"{self.needed_en} still needed" + (" (year's quota)" if year_end else "")

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def desc(self, lang: str) -> str:
        return self.desc_zh if lang == "zh" else self.desc_en

    def value(self, m: dict) -> float | None:
        """The metric from a dict of base measures; ratios guarded against a zero denominator."""
        n = m.get(self.num)
        if self.den is None:
            return n
        d = m.get(self.den)
        return None if not d or n is None else n / d

    def expr(self) -> pl.Expr:
        """The same value as a polars expression over base-measure columns (null when the denominator is 0)."""
        if self.den is None:
            return pl.col(self.num)
        return pl.when(pl.col(self.den) > 0).then(pl.col(self.num) / pl.col(self.den))


M = Metric
METRICS: dict[str, Metric] = {
    m.key: m
    for m in [
        M(
            "total",
            "转移就业人数",
            "Persons transferred",
            "count",
            "persons",
            quota="total",
            desc_zh="年内实现转移就业的人数（按人去重，每人计入首次报送的户籍村居）",
            desc_en="Distinct persons placed this year, each counted once at home",
        ),
        M(
            "org_xprov",
            "有组织跨省转移",
            "Organized cross-province",
            "count",
            "org_xprov",
            quota="org_xprov",
            desc_zh=f"经有组织渠道赴{OUT_ZH}就业的人数",
            desc_en=f"Persons placed outside the {KIND_EN} through an organized channel",
        ),
        M(
            "org_xpref",
            "有组织跨地市转移",
            "Organized cross-prefecture",
            "count",
            "org_xpref",
            quota="org_xpref",
            desc_zh=f"经有组织渠道赴{IN_ZH}其他地市就业的人数",
            desc_en=f"Persons placed in another prefecture of the {KIND_EN} through an organized channel",
        ),
        M(
            "out_region",
            f"{OUT_ZH}转移就业",
            f"Out-of-{KIND_EN}",
            "count",
            "out_region",
            quota="out_region",
            desc_zh=f"在{OUT_ZH}就业的人数（不论是否有组织）",
            desc_en=f"Persons working outside the {KIND_EN}, organized or not",
        ),
        M(
            "org_share",
            "组织化率",
            "Organized share",
            "share",
            "organized",
            "persons",
            quota="org_share",
            quota_kind="minimum",
            needed_zh="有组织转移",
            needed_en="Organized placements",
            den_quota="total",
            desc_zh="有组织转移人数 ÷ 转移就业人数",
            desc_en="Organized persons ÷ persons",
        ),
        M(
            "income",
            "劳务收入",
            "Labour income",
            "money",
            "income",
            quota="income",
            desc_zh="年内劳务收入合计（同一次就业被两县报送只计一次）",
            desc_en="Labour income this year (each placement once)",
        ),
        M(
            "per_capita",
            "人均劳务收入",
            "Income per capita",
            "per_capita",
            "income",
            "persons",
            desc_zh="劳务收入 ÷ 转移就业人数",
            desc_en="Labour income ÷ persons",
        ),
        M(
            "organized",
            "有组织转移就业",
            "Organized transfers",
            "count",
            "organized",
            desc_zh="经政府或劳务组织转移的人数",
            desc_en="Persons placed through government or a labour organisation",
        ),
        M(
            "trained",
            "技能培训人数",
            "Persons trained",
            "count",
            "trained",
            desc_zh="台账中参加过培训的转移人员（补贴性培训人次是填报指标）",
            desc_en="Placed persons who took part in training (the person-times of subsidised training are reported)",
        ),
        M(
            "directed_share",
            "订单定向及以工代训占比",
            "Order/directed + work-for-training share",
            "share",
            "trained_directed",
            "trained",
            desc_zh="台账中培训人员里订单定向式和以工代训的占比",
            desc_en="Among trained placed persons, the share trained by order/directed or work-for-training",
        ),
        M(
            "src_industry",
            "产业吸纳就业",
            "Industry absorption",
            "count",
            "src_industry",
            quota="src_industry",
            desc_zh="首次就业来源为产业吸纳的人数",
            desc_en="Persons whose first placement came from industry",
        ),
        M(
            "src_project",
            "项目带动就业",
            "Project-driven",
            "count",
            "src_project",
            quota="src_project",
            desc_zh="首次就业来源为工程项目的人数",
            desc_en="Persons whose first placement came from a project",
        ),
        M(
            "src_flexible",
            "自主灵活就业",
            "Self / flexible",
            "count",
            "src_flexible",
            quota="src_flexible",
            desc_zh="首次就业为自主、灵活就业的人数",
            desc_en="Persons whose first placement was self-found or flexible",
        ),
    ]
}
# the dispatch cards, in the order the meeting reads them
CARD_METRICS = ["total", "org_xprov", "org_xpref", "out_region", "org_share", "income", "per_capita"]

# ---------------------------------------------------------------- reported metrics (填报指标)


@dataclass(frozen=True)
class ReportedItem:
    """A figure units report themselves (not in the placement ledger): year to date, as of a date, by form or file.
    A unit's figure is its own latest report, or else the sum of the latest reports below it."""

    key: str
    zh: str
    en: str
    unit_zh: str  # 人 / 人次 / 家
    unit_en: str
    desc_zh: str = ""
    desc_en: str = ""
    headers: tuple[str, ...] = ()  # how an imported table heads it


REPORTED_ITEMS = {
    i.key: i
    for i in [
        ReportedItem(
            "urban_new_jobs",
            "城镇新增就业",
            "Urban new jobs",
            "人",
            "persons",
            "年内城镇新增就业人数（人社部门统计）",
            "Urban new jobs this year (HR bureau statistics)",
        ),
        ReportedItem(
            "training_sessions",
            "补贴性职业技能培训",
            "Subsidised skills training",
            "人次",
            "person-times",
            "年内各类补贴性职业技能培训人次（不限于转移就业人员）",
            "Person-times of subsidised skills training this year (not only placed workers)",
            ("培训人次",),
        ),
        ReportedItem(
            "training_directed",
            "订单定向及以工代训等培训",
            "Order/directed, work-for-training …",
            "人次",
            "person-times",
            f"在岗、转岗、提升、以工代训、{TRAINED_ZH}、订单定向式培训人次",
            "On-the-job, job-change, upgrading, work-for-training, new-farmer and order/directed training",
        ),
        ReportedItem(
            "new_dispatch_companies",
            "新建劳务派遣公司",
            "New labour-dispatch companies",
            "家",
            "",
            "年内新建立的劳务派遣公司",
            "Labour-dispatch companies set up this year",
        ),
        ReportedItem(
            "new_transfer_bases",
            "新建转移就业基地",
            "New transfer-employment bases",
            "家",
            "",
            "年内新建的转移就业基地",
            "Transfer-employment bases set up this year",
        ),
        ReportedItem(
            "project_workers_local",
            f"政府投资项目{MIGRANTS_ZH}用工",
            f"{MIGRANTS_EN.capitalize()} on public projects",
            "人",
            "persons",
            f"政府投资项目使用的{MIGRANTS_ZH}人数",
            f"{MIGRANTS_EN.capitalize()} on government-funded projects",
        ),
        ReportedItem(
            "project_workers_total",
            "政府投资项目用工总量",
            "All workers on public projects",
            "人",
            "persons",
            "政府投资项目用工总人数",
            "All workers on government-funded projects",
        ),
    ]
}
# their metrics: counts paced against a quota like the ledger's, shares held to a minimum
REPORTED_METRICS = {
    m.key: m
    for m in [
        M(
            "urban_new_jobs",
            "城镇新增就业",
            "Urban new jobs",
            "count",
            "urban_new_jobs",
            quota="urban_new_jobs",
            desc_zh="单位填报：年内城镇新增就业人数",
            desc_en="Reported: urban new jobs this year",
        ),
        M(
            "training_sessions",
            "补贴性职业技能培训",
            "Subsidised skills training",
            "count",
            "training_sessions",
            quota="training",
            unit_zh="人次",
            unit_en="person-times",
            desc_zh="单位填报：补贴性职业技能培训人次（洛隆县2022年方案：1505人次）",
            desc_en="Reported: person-times of subsidised training (Luolong 2022 plan: 1,505)",
        ),
        M(
            "training_directed_share",
            "订单定向及以工代训等占比",
            "Directed / work-for-training share",
            "share",
            "training_directed",
            "training_sessions",
            quota="training_directed_share",
            quota_kind="minimum",
            unit_zh="人次",
            unit_en="person-times",
            needed_zh="订单定向及以工代训等培训",
            needed_en="Directed or work-for-training sessions",
            den_quota="training",
            desc_zh="单位填报：订单定向、以工代训等培训人次 ÷ 培训人次（不低于35%）",
            desc_en="Reported: directed and work-for-training ÷ all training (35% at least)",
        ),
        M(
            "new_dispatch_companies",
            "新建劳务派遣公司",
            "New dispatch companies",
            "count",
            "new_dispatch_companies",
            quota="new_dispatch_companies",
            unit_zh="家",
            unit_en="organisations",
            desc_zh="单位填报：年内新建劳务派遣公司（家）",
            desc_en="Reported: labour-dispatch companies set up this year",
        ),
        M(
            "new_transfer_bases",
            "新建转移就业基地",
            "New transfer bases",
            "count",
            "new_transfer_bases",
            quota="new_transfer_bases",
            unit_zh="家",
            unit_en="organisations",
            desc_zh="单位填报：年内新建转移就业基地（家）",
            desc_en="Reported: transfer-employment bases set up this year",
        ),
        M(
            "project_labour_share",
            f"政府投资项目{MIGRANTS_ZH}用工占比",
            f"Share of {MIGRANTS_EN} on public projects",
            "share",
            "project_workers_local",
            "project_workers_total",
            quota="project_labour_share",
            quota_kind="minimum",
            needed_zh=f"{MIGRANTS_ZH}用工",
            needed_en=MIGRANTS_EN.capitalize(),
            desc_zh=f"单位填报：{MIGRANTS_ZH}用工 ÷ 用工总量（不低于60%）",
            desc_en=f"Reported: {MIGRANTS_EN} ÷ all (60% at least)",
        ),
    ]
}
METRICS.update(REPORTED_METRICS)

# ---------------------------------------------------------------- dimensions (analyst breakdowns)


@dataclass(frozen=True)
class Dimension:
    key: str  # the record column
    zh: str
    en: str
    enum: Enum | None = None  # labels for coded values; region codes are named by the hierarchy


DIMENSION_LIST = [
    Dimension("channel", "组织方式", "Channel", CHANNEL),
    Dimension("dest_scope", "转移就业范围", "Destination scope", DEST_SCOPE),
    Dimension("dest_province_code", "就业地省份", "Destination province"),
    Dimension("dest_prefecture_code", "就业地地市", "Destination prefecture"),
    Dimension("industry", "所属行业", "Industry", INDUSTRY),
    Dimension("job_source", "就业来源", "Job source", JOB_SOURCE),
    Dimension("education", "文化程度", "Education", EDUCATION),
    Dimension("gender", "性别", "Gender", GENDER),
    Dimension("training_type", "培训类型", "Training type", TRAINING_TYPE),
]
DIMENSIONS = {d.key: d for d in DIMENSION_LIST}

# ---------------------------------------------------------------- bands


@dataclass(frozen=True)
class Band:
    key: str
    zh: str
    en: str
    upper: float | None  # exclusive; None = no upper bound


# months employed this year (all the person's placements that count): ≥ 6 months unlocks the subsidies
MONTHS_BANDS = [
    Band("lt3", "不足3个月", "Under 3 months", 3),
    Band("m3to6", "3至6个月", "3 to 6 months", 6),
    Band("ge6", "6个月及以上", "6 months or more", None),
]
INCOME_BIN_YUAN = 2000  # income per person, in bins of 2,000 yuan; the last bin is open-ended
INCOME_BINS = 15


def band_labels(lang: str) -> dict[str, str]:
    return {b.key: b.zh if lang == "zh" else b.en for b in MONTHS_BANDS}


# ---------------------------------------------------------------- record filters (the records view)


@dataclass(frozen=True)
class Filter:
    """One filter of the records view: `kind` says how it matches (any of the listed codes, yes/no, a code prefix,
    a text part, a date or number range); `sql` is the condition on a record (the value is `f_<key>`)."""

    key: str
    kind: str  # enum | flag | prefix | contains | date_range | number_range
    column: str
    zh: str = ""
    en: str = ""
    sql: str = ""  # for flags that are not a column (ended, no village)
    lo: float | None = None
    hi: float | None = None

    def params(self) -> list[str]:
        """The macro parameters the filter takes."""
        if self.kind == "date_range":
            return [f"f_{self.key}_from", f"f_{self.key}_to"]
        if self.kind == "number_range":
            return [f"f_{self.key}_min", f"f_{self.key}_max"]
        return [f"f_{self.key}"]

    def conditions(self) -> list[str]:
        p = self.params()
        c = self.column
        if self.kind == "enum":
            return [f"({p[0]} is null or list_contains({p[0]}, {c}))"]
        if self.kind == "flag":
            return [f"({p[0]} is null or ({self.sql or c}) = {p[0]})"]
        if self.kind == "prefix":
            return [f"({p[0]} is null or starts_with({c}, {p[0]}))"]
        if self.kind == "contains":
            return [f"({p[0]} is null or contains({c}, {p[0]}))"]
        lo, hi = p
        return [f"({lo} is null or {c} >= {lo})", f"({hi} is null or {c} <= {hi})"]


def filters() -> list[Filter]:
    """Every filter of the records view, in the order the form shows them (key groups included: add a group, get its
    filter)."""
    out = [Filter(e, "enum", e) for e in ("gender", "education", "dest_scope", "channel", "job_source", "industry", "training_type")]
    out += [Filter(c, "flag", c) for c in ("organized", "trained", "id_check_ok", "counted")]
    out += [Filter(g.key, "flag", g.key, g.zh, g.en, sql=g.predicate) for g in GROUP_LIST]
    out += [
        Filter("ended", "flag", "end_date", "已返乡(有结束时间)", "Ended", sql="end_date is not null"),
        Filter("no_village", "flag", "village_code", "缺少村居", "No village", sql="village_code is null"),
    ]
    out += [Filter(k, "prefix", f"{k}_code") for k in ("prefecture", "county", "township", "village", "dest_province", "dest_prefecture")]
    out += [Filter("record_id", "contains", "record_id"), Filter("id_masked", "contains", "id_masked")]
    out += [Filter(k, "date_range", f"{k}_date") for k in ("start", "end", "reported")]
    out += [
        Filter("months", "number_range", "months_employed", "务工月数", "Months", lo=0, hi=12),
        Filter("income", "number_range", "income_yuan", "收入(元)", "Income (yuan)", lo=0),
        Filter(
            "per_month", "number_range", "(income_yuan / greatest(months_employed, 0.5))", "月均收入(元)", "Income per month (yuan)", lo=0
        ),
        Filter("birth", "number_range", "birth_year", "出生年份", "Born", lo=1900, hi=2100),
    ]
    return out


# The records behind a base measure: the filter whose counted records belong to exactly the persons the measure counts
# (a person counts when any placement that counts matches, as in PERSON_FACTS). Measures over a person's first
# placement only (the job sources) or sums (income) have no such filter: their numbers open the breakdown instead.
MEASURE_RECORDS: dict[str, dict] = {
    "persons": {"counted": True},
    "organized": {"counted": True, "organized": True},
    "org_xprov": {"counted": True, "organized": True, "dest_scope": ["cross_province"]},
    "org_xpref": {"counted": True, "organized": True, "dest_scope": ["cross_prefecture"]},
    "out_region": {"counted": True, "dest_scope": ["cross_province"]},
    "trained": {"counted": True, "trained": True},
    "trained_directed": {"counted": True, "trained": True, "training_type": ["order", "work_for_training"]},
}


def metric_records(metric: str) -> dict | None:
    """The records view's filter behind a count metric's number (None: no exact record list behind it)."""
    m = METRICS.get(metric)
    if m is None or m.kind != "count" or m.den is not None:
        return None
    f = MEASURE_RECORDS.get(m.num)
    return dict(f) if f is not None else None


def filter_params() -> list[str]:
    return [p for f in filters() for p in f.params()]


# ---------------------------------------------------------------- SQL blocks the query loader expands


def _lines(items: list[str], sep: str = ",\n    ") -> str:
    return sep.join(items)


def _person_facts() -> str:
    facts = [f"{sql} as {k}" for k, sql in PERSON_FACTS.items()]
    facts += [f"bool_or({g.predicate}) as {g.key}" for g in GROUP_LIST]
    return _lines(facts)


def _group_case() -> str:
    return "case grp " + " ".join(f"when '{g.key}' then {g.predicate}" for g in GROUP_LIST) + " else false end"


def _group_list() -> str:
    """The key groups a record belongs to, as a list of keys (null where not): `list_has_any` tests a rule's groups."""
    return "[" + ", ".join(f"case when {g.predicate} then '{g.key}' end" for g in GROUP_LIST) + "]"


def _months_band() -> str:
    whens = " ".join(f"when months < {b.upper} then '{b.key}'" for b in MONTHS_BANDS if b.upper is not None)
    return f"case {whens} else '{MONTHS_BANDS[-1].key}' end"


def _dimension_rows() -> str:
    """One `select … group by all` per dimension, unioned: persons (and their facts) per counting unit and value."""
    parts = []
    for d in DIMENSION_LIST:
        value = f"coalesce({d.key}, '')" if d.key in ("education", "training_type") else d.key
        parts.append(
            f"select home_code, '{d.key}' as dim, {value} as value, person_key, bool_or(organized) as organized, "
            "count(*) as n, sum(income_yuan) as income, sum(months_employed) as months "
            "from read_parquet($path) where counted group by all"
        )
    return "\n    union all\n    ".join(parts)


def _group_rows() -> str:
    """Person-level facts per key group (and all persons): one `select` per group, unioned."""
    parts = [
        f"select home_code, 'key_group' as dim, '{g.key}' as value, person_key, organized, placements as n, "
        f"income, months from persons where {g.key}"
        for g in GROUP_LIST
    ]
    parts.append("select home_code, 'key_group', 'all_persons', person_key, organized, placements, income, months from persons")
    return "\n    union all\n    ".join(parts)


def _group_profile() -> str:
    """group_profile's per-group columns: persons, organized persons and income of each group (and of everyone)."""
    cols = []
    for g in [ALL_PERSONS, *GROUP_LIST]:
        cond = "true" if g is ALL_PERSONS else g.key
        cols.append(
            f"select unit_code, '{g.key}' as key_group, count(*) filter (where {cond}) as persons, "
            f"count(*) filter (where {cond} and organized) as organized, "
            f"coalesce(sum(income) filter (where {cond}), 0) as income from persons group by unit_code"
        )
    return "\n    union all\n    ".join(cols)


# the facts of a record a correction can touch (周变动 "更正"); months, income and the end date grow by themselves
RESTATABLE = [
    "channel",
    "organized",
    "dest_scope",
    "dest_province_code",
    "dest_prefecture_code",
    "industry",
    "job_source",
    "county_code",
    "township_code",
    "village_code",
    "start_date",
    "education",
    "trained",
    "training_type",
]


def restatable() -> list[str]:
    return RESTATABLE + [g.key for g in GROUP_LIST if g.column]


BLOCKS = {  # name -> generator of the SQL text (called at load time: declarations added in tests show up)
    "person_facts": _person_facts,
    "unit_measures": lambda: _lines([f"({m.unit_sql})::bigint as {m.key}" for m in MEASURES]),
    "week_sums": lambda: _lines([f"sum({k})::bigint as {k}" for k in measure_keys()], ",\n        "),
    "week_cols": lambda: _lines(measure_keys(), ",\n    "),
    "group_case": _group_case,
    "group_list": _group_list,
    "months_band": _months_band,
    "income_bin": lambda: f"least(floor(income / {INCOME_BIN_YUAN})::bigint, {INCOME_BINS - 1})",
    "band_counts": lambda: _lines(
        [f"count(*) filter (where {_months_band()} = '{b.key}')::bigint as {b.key}" for b in MONTHS_BANDS], ",\n        "
    ),
    "band_sums": lambda: ", ".join(f"sum({b.key})::bigint as {b.key}" for b in MONTHS_BANDS),
    "band_keys": lambda: ", ".join(b.key for b in MONTHS_BANDS),
    "dimension_rows": _dimension_rows,
    "group_rows": _group_rows,
    "group_profile": _group_profile,
    "dimension_keys": lambda: ", ".join(d.key for d in DIMENSION_LIST),
    "restatable": lambda: ", ".join(f"r.{c}" for c in restatable()),
    "filter_params": lambda: ", ".join(filter_params()),
    "filter_args": lambda: ", ".join(f"${p}" for p in filter_params()),
    "filter_where": lambda: "\n  and ".join(c for f in filters() for c in f.conditions()),
}


def expand(text: str) -> str:
    """`{{@name}}` → the catalogue's SQL for it (an unknown name raises)."""
    import re

    def one(m: re.Match) -> str:
        name = m.group(1)
        if name not in BLOCKS:
            raise KeyError(f"unknown catalogue block {{{{@{name}}}}}")
        return BLOCKS[name]()

    return re.sub(r"\{\{@([a-z_]+)\}\}", one, text)


def ratio(num: str | pl.Expr, den: str | pl.Expr) -> pl.Expr:
    """num ÷ den as a polars expression, null where the denominator is 0 (never an infinity or NaN on a page)."""
    n = pl.col(num) if isinstance(num, str) else num
    d = pl.col(den) if isinstance(den, str) else den
    return pl.when(d > 0).then(n / d)


def metric_label(col: str = "metric", lang: str = "zh") -> pl.Expr:
    """Metric labels as a polars expression."""
    from tracker.labels import mapped

    return mapped(col, {k: m.label(lang) for k, m in METRICS.items()})


# ---------------------------------------------------------------- record filters in the URL


def _enum_of(f: Filter) -> Enum | None:
    return ENUMS.get(f.column)


def encode_filters(values: dict) -> str:
    """The records view's filter as a short readable URL value: `channel:government,broker;organized:1;income:20000-`
    (enum codes, 1/0, a code prefix or text, `from..to` dates, `min-max` numbers; an open end is left empty)."""
    parts = []
    for f in filters():
        if f.kind == "date_range":
            lo, hi = values.get(f"{f.key}_from"), values.get(f"{f.key}_to")
            if lo or hi:
                parts.append(f"{f.key}:{lo.isoformat() if lo else ''}..{hi.isoformat() if hi else ''}")
            continue
        if f.kind == "number_range":
            lo, hi = values.get(f"{f.key}_min"), values.get(f"{f.key}_max")
            if lo is not None or hi is not None:
                parts.append(f"{f.key}:{_num(lo)}-{_num(hi)}")
            continue
        v = values.get(f.key)
        if v is None or v == [] or v == "":
            continue
        if f.kind == "enum":
            parts.append(f"{f.key}:{','.join(v)}")
        elif f.kind == "flag":
            parts.append(f"{f.key}:{1 if v else 0}")
        else:  # free text: escaped, so that no value can break the form (it is bound as a parameter anyway)
            from urllib.parse import quote

            parts.append(f"{f.key}:{quote(str(v)[:20], safe='*#')}")
    return ";".join(parts)


def _num(x) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)


def decode_filters(text: str | None) -> dict:
    """`encode_filters` read back, every value checked (user input: an unknown key, code or malformed value is dropped,
    never passed on)."""
    import datetime as dt
    import re

    out: dict = {}
    by_key = {f.key: f for f in filters()}
    for part in (text or "").split(";")[:60]:
        key, _, raw = part.partition(":")
        f = by_key.get(key.strip())
        raw = raw.strip()[:60]
        if f is None or not raw:
            continue
        if f.kind == "enum":
            e = _enum_of(f)
            codes = [c for c in raw.split(",") if e is None or c in e.values]
            if codes:
                out[f.key] = codes
        elif f.kind == "flag":
            if raw in ("0", "1"):
                out[f.key] = raw == "1"
        elif f.kind in ("prefix", "contains"):
            from urllib.parse import unquote

            v = "".join(ch for ch in unquote(raw) if ch.isprintable())[:20].strip()
            if v:
                out[f.key] = v
        elif f.kind == "date_range":
            lo, _, hi = raw.partition("..")
            for name, v in ((f"{f.key}_from", lo), (f"{f.key}_to", hi)):
                try:
                    out[name] = dt.date.fromisoformat(v) if v else None
                except ValueError:
                    continue
        else:
            m = re.fullmatch(r"(\d+(?:\.\d+)?)?-(\d+(?:\.\d+)?)?", raw)
            if m:
                for name, v in ((f"{f.key}_min", m.group(1)), (f"{f.key}_max", m.group(2))):
                    if v is not None:
                        x = float(v)
                        if (f.lo is None or x >= f.lo) and (f.hi is None or x <= f.hi):
                            out[name] = int(x) if x.is_integer() and f.key != "months" else x
    return {k: v for k, v in out.items() if v is not None}


def describe_filters(text: str | None, lang: str = "zh") -> str:
    """`encode_filters` text for people: 组织方式：政府组织、中介；有组织：是 (an audit line, a caption)."""
    from tracker import schema

    values = decode_filters(text)
    zh = lang == "zh"
    parts = []
    for f in filters():
        name = (f.zh if zh else f.en) if f.zh else schema.label(f.column, lang)
        if f.kind == "enum" and f.key in values:
            e = _enum_of(f)
            parts.append(f"{name}{colon(lang)}" + "、".join(e.label(c, lang) if e else c for c in values[f.key]))
        elif f.kind == "flag" and f.key in values:
            parts.append(f"{name}{colon(lang)}" + (("是" if values[f.key] else "否") if zh else ("yes" if values[f.key] else "no")))
        elif f.kind in ("prefix", "contains") and f.key in values:
            parts.append(f"{name}{colon(lang)}{values[f.key]}")
        elif f.kind in ("date_range", "number_range"):
            ends = ("from", "to") if f.kind == "date_range" else ("min", "max")
            lo, hi = values.get(f"{f.key}_{ends[0]}"), values.get(f"{f.key}_{ends[1]}")
            if lo is not None or hi is not None:
                parts.append(f"{name}{colon(lang)}{'' if lo is None else lo}–{'' if hi is None else hi}")
    return ("；" if zh else "; ").join(parts) if parts else ("无筛选" if zh else "no filter")
