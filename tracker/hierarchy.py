"""The real administrative hierarchy (GB/T 2260 + 12-digit village codes) of region 54."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from tracker import settings

REGION = "54"
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

    def short_name(self, code: str, lang: str = "zh") -> str:
        """Name for lists; the region is called 全区 the way bulletins do."""
        if code == REGION:
            return "全区" if lang == "zh" else "Whole region"
        return self.name(code, lang)

    def name_expr(self, col: str | pl.Expr, lang: str = "zh", short: bool = True) -> pl.Expr:
        """`short_name` (or `name`) as a polars expression: one dict lookup, no Python callback."""
        key = f"_names_expr_{lang}_{short}"
        table = self.__dict__.get(key)
        if table is None:  # as two Series, built once: from a dict of ~6,000 names each call would cost ~2.5 ms
            i = 0 if lang == "zh" else 1
            names = {c: v[i] for c, v in self._nat.items()} | {c: v[i] for c, v in self._name.items()}
            if short:
                names[REGION] = "全区" if lang == "zh" else "Whole region"
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
    units = pl.read_csv(f"{path}/tibet_units.csv", schema=schema)
    national = pl.read_csv(f"{path}/national.csv", schema=schema)
    return Hierarchy(units, national)


def load() -> Hierarchy:
    return _load(str(settings.regions_dir()))
