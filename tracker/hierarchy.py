"""The real administrative hierarchy (GB/T 2260 + 12-digit village codes) of the deployment's province (REGION:
`TRACKER_PROVINCE`, 54 by default; each app process serves one province)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from tracker import settings

REGION = settings.province()
if not (len(REGION) == 2 and REGION.isdigit()):
    raise ValueError(f"TRACKER_PROVINCE={REGION!r}: a province's 2-digit code (54 = 西藏自治区)")
# What the province calls itself in its own documents, and so "the whole of it" and "outside it": 自治区 (全区, 区外),
# 省 (全省, 省外), or 市 for a municipality (全市, 市外)
KIND = "自治区" if REGION in {"15", "45", "54", "64", "65"} else "市" if REGION in {"11", "12", "31", "50"} else "省"
WHOLE_ZH, WHOLE_EN = {"自治区": ("全区", "Whole region"), "省": ("全省", "Whole province"), "市": ("全市", "Whole city")}[KIND]
OUT_ZH, IN_ZH, KIND_EN = {  # KIND_EN: the province's kind in English, in "Out-of-province", "within the region"
    "自治区": ("区外", "区内", "region"),
    "省": ("省外", "省内", "province"),
    "市": ("市外", "市内", "city"),
}[KIND]
# Whom the work is for: 农牧民 (farmers and herders) where the province's own documents say so (the pastoral
# regions), 农村劳动力 elsewhere as the national documents do; the workers on its projects (农牧民工 / 农民工); and
# the farmers its training programmes name (新型农牧民 / 高素质农民)
PASTORAL = {"15", "54", "63", "65"}
WORKERS_ZH, MIGRANTS_ZH, MIGRANTS_EN, TRAINED_ZH = (
    ("农牧民", "农牧民工", "farmer-herder workers", "新型农牧民")
    if REGION in PASTORAL
    else ("农村劳动力", "农民工", "rural migrant workers", "高素质农民")
)


LEVEL_LEN = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
LEN_LEVEL = {v: k for k, v in LEVEL_LEN.items()}


@dataclass(frozen=True)
class Hierarchy:
    units: pl.DataFrame  # code, level, parent_code, name_zh, name_en
    national: pl.DataFrame

    def __post_init__(self):
        object.__setattr__(self, "_name", {r[0]: (r[1], r[2]) for r in self.units.select("code", "name_zh", "name_en").iter_rows()})
        object.__setattr__(self, "_nat", {r[0]: (r[1], r[2]) for r in self.national.select("code", "name_zh", "name_en").iter_rows()})

    def exists(self, code: str) -> bool:
        return code in self._name

    def name(self, code: str | None, lang: str = "zh") -> str:
        if not code:
            return "—"
        zh, en = self._name.get(code) or self._nat.get(code) or (code, code)
        return zh if lang == "zh" else en

    def whole(self, lang: str = "zh") -> str:
        """The whole province the way its bulletins say it: 全区 (Tibet, an autonomous region), 全省, 全市."""
        return WHOLE_ZH if lang == "zh" else WHOLE_EN

    def short_name(self, code: str, lang: str = "zh") -> str:
        """Name for lists; the province is called 全区 (全省, 全市) the way bulletins do."""
        if code == REGION:
            return self.whole(lang)
        return self.name(code, lang)

    def name_expr(self, col: str | pl.Expr, lang: str = "zh", short: bool = True) -> pl.Expr:
        """`short_name` (or `name`) as a polars expression: one dict lookup, no Python callback."""
        key = f"_names_expr_{lang}_{short}"
        table = self.__dict__.get(key)
        if table is None:  # as two Series, built once: from a dict of ~6,000 names each call would cost ~2.5 ms
            i = 0 if lang == "zh" else 1
            names = {c: v[i] for c, v in self._nat.items()} | {c: v[i] for c, v in self._name.items()}
            if short:
                names[REGION] = self.whole(lang)
            table = (pl.Series(list(names), dtype=pl.String), pl.Series(list(names.values()), dtype=pl.String))
            self.__dict__[key] = table
        from tracker.labels import mapped_series

        return mapped_series(col, *table)

    def children(self, code: str) -> list[str]:
        return self.units.filter(pl.col("parent_code") == code)["code"].to_list()

    def ancestors(self, code: str) -> list[str]:
        """Region first, the code itself last."""
        return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]

    def level(self, code: str) -> int:
        return LEN_LEVEL[len(code)]

    def of_level(self, level: int, under: str = REGION) -> pl.DataFrame:
        return self.units.filter((pl.col("level") == level) & pl.col("code").str.starts_with(under))


@lru_cache(maxsize=4)
def _load(path: str) -> Hierarchy:
    schema = {"code": pl.String, "level": pl.Int8, "parent_code": pl.String, "name_zh": pl.String, "name_en": pl.String}
    units_file = settings.units_file(Path(path))
    if not units_file.exists():
        raise FileNotFoundError(f"{units_file} is missing: python scripts/derive_regions.py TARBALL {REGION}")
    units = pl.read_csv(units_file, schema=schema)
    national = pl.read_csv(f"{path}/national.csv", schema=schema)
    return Hierarchy(units, national)


def load() -> Hierarchy:
    return _load(str(settings.regions_dir()))
