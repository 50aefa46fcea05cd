"""Every metric defined once: label, base measures, quota, unit, which direction is good.

Base measures (persons, organized, income, …) are computed in `queries/rollup_village.sql`, each
person counted once in their counting unit; ratios are rebuilt here from numerator and
denominator at every level, never averaged.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str
    zh: str
    en: str
    kind: str  # count | money | share | per_capita
    num: str
    den: str | None = None
    quota: str | None = None  # quota metric key in the quota table
    quota_kind: str = "target"  # target (reach at least, paced) | minimum (a share floor, not paced)
    desc_zh: str = ""
    desc_en: str = ""

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def value(self, m: dict) -> float | None:
        """The metric from a dict of base measures; ratios guarded against a zero denominator."""
        n = m.get(self.num)
        if self.den is None:
            return n
        d = m.get(self.den)
        return None if not d or n is None else n / d


M = Metric
METRICS: dict[str, Metric] = {m.key: m for m in [
    M("total", "转移就业人数", "Persons transferred", "count", "persons", quota="total",
      desc_zh="年内实现转移就业的人数（按人去重）", desc_en="Distinct persons placed this year"),
    M("org_xprov", "有组织跨省转移", "Organized cross-province", "count", "org_xprov", quota="org_xprov",
      desc_zh="经有组织渠道赴区外就业的人数", desc_en="Persons placed outside the region through an organized channel"),
    M("org_xpref", "有组织跨地市转移", "Organized cross-prefecture", "count", "org_xpref", quota="org_xpref",
      desc_zh="经有组织渠道赴区内其他地市就业的人数",
      desc_en="Persons placed in another prefecture of the region through an organized channel"),
    M("out_region", "区外转移就业", "Out-of-region", "count", "out_region", quota="out_region",
      desc_zh="在区外就业的人数（不论是否有组织）", desc_en="Persons working outside the region, organized or not"),
    M("org_share", "组织化率", "Organized share", "share", "organized", "persons", quota="org_share",
      quota_kind="minimum", desc_zh="有组织转移人数 ÷ 转移就业人数", desc_en="Organized persons ÷ persons"),
    M("income", "劳务收入", "Labour income", "money", "income", quota="income",
      desc_zh="年内劳务收入合计（元）", desc_en="Labour income this year (yuan)"),
    M("per_capita", "人均劳务收入", "Income per capita", "per_capita", "income", "persons",
      desc_zh="劳务收入 ÷ 转移就业人数", desc_en="Labour income ÷ persons"),
    M("organized", "有组织转移就业", "Organized transfers", "count", "organized",
      desc_zh="经政府或劳务组织转移的人数", desc_en="Persons placed through government or a labour organisation"),
    M("trained", "技能培训人数", "Persons trained", "count", "trained", quota="training"),
    M("directed_share", "订单定向及以工代训占比", "Order/directed + work-for-training share", "share",
      "trained_directed", "trained", quota="training_directed_share", quota_kind="minimum"),
    M("src_industry", "产业吸纳就业", "Industry absorption", "count", "src_industry", quota="src_industry"),
    M("src_project", "项目带动就业", "Project-driven", "count", "src_project", quota="src_project"),
    M("src_flexible", "自主灵活就业", "Self / flexible", "count", "src_flexible", quota="src_flexible"),
]}
# the dispatch cards, in the order the meeting reads them
CARD_METRICS = ["total", "org_xprov", "org_xpref", "out_region", "org_share", "income", "per_capita"]
BASE_MEASURES = ["persons", "organized", "org_xprov", "org_xpref", "out_region", "trained", "trained_directed",
                 "src_industry", "src_project", "src_flexible", "income", "placements", "records"]


def label_expr(col: str = "metric", lang: str = "zh"):
    """Metric labels as a polars expression."""
    from tracker.labels import mapped

    return mapped(col, {k: m.label(lang) for k, m in METRICS.items()})
