"""Subsidy estimates from policy rules kept in data/policy/*.toml (configuration, not code)."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from queries import cached, ensure_subsidy, snapshot_file
from tracker import settings
from tracker.dispatch import child_len

PAYEES = {
    "worker_travel": ("劳动者路费补贴", "Worker travel subsidy"),
    "worker_jobseeking": ("劳动者求职创业补贴", "Worker job-seeking subsidy"),
    "market_entity": ("市场主体服务补助", "Market entity service subsidy"),
    "enterprise": ("企业吸纳奖励", "Enterprise absorption reward"),
}


MONTHS_READINGS = {
    "cumulative": ("年度就业时间累计（本人全年各次就业合计）", "months cumulative over the year (all placements)"),
    "per_placement": ("单次就业时间（按一次就业计）", "months of one placement"),
}


@dataclass(frozen=True)
class Rule:
    key: str
    payee: str
    zh: str
    en: str
    amount: float
    min_months: float = 0.0
    organized: bool | None = None
    dest_scope: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()  # key groups: the person must be in one of them (e.g. 脱贫人口)
    months: str = "cumulative"  # how `min_months` is read: see MONTHS_READINGS

    def params(self) -> dict:
        """The conditions as the queries take them (an empty list = any value)."""
        return {
            "organized": self.organized,
            "scopes": list(self.dest_scope),
            "channels": list(self.channel),
            "groups": list(self.groups),
            "min_months": float(self.min_months),
            "cumulative": self.months == "cumulative",
        }

    def eligible(self, placement: dict, year_months: float | None = None) -> bool:
        """The rule on one placement of a person whose months this year over all placements are `year_months` (the
        pure form of the subsidy queries, for tests and the docs)."""
        months = year_months if self.months == "cumulative" and year_months is not None else placement["months_employed"]
        return (
            (self.organized is None or placement["organized"] == self.organized)
            and (not self.dest_scope or placement["dest_scope"] in self.dest_scope)
            and (not self.channel or placement["channel"] in self.channel)
            and (not self.groups or any(placement.get(g) for g in self.groups))
            and months >= self.min_months
        )


@dataclass(frozen=True)
class Policy:
    key: str
    name_zh: str
    name_en: str
    source: str
    rules: tuple[Rule, ...]
    months: str = "cumulative"
    not_modelled: tuple[dict, ...] = ()  # the policy's measures the ledger cannot estimate, said so on the page
    notes: tuple[dict, ...] = ()  # how a condition was read from the document
    source_en: str = ""  # the document in English words (its Chinese title follows), for the English page

    def cited(self, lang: str) -> str:
        """The document the rules come from, as the page cites it."""
        if lang == "zh" or not self.source_en:
            return self.source
        return f"{self.source_en} ({self.source})" if self.source else self.source_en


def policy_dir() -> Path:
    own = settings.data_dir() / "policy"
    return own if own.exists() else settings.REPO / "data" / "policy"


class NoPolicy(FileNotFoundError):
    """No subsidy policy is set for the deployment's province (TRACKER_POLICY)."""


def active_key() -> str | None:
    """TRACKER_POLICY (a file stem in data/policy/); Tibet's own 2020 policy where the province is Tibet; None
    elsewhere: no province is estimated under another's rules unless someone picks them."""
    from tracker.hierarchy import REGION

    return os.environ.get("TRACKER_POLICY", "").strip() or ("tibet_2020" if REGION == "54" else None)


def load(key: str | None = None) -> Policy:
    """A policy by its file stem; the deployment's active one by default (NoPolicy where none is set)."""
    key = key or active_key()
    if key is None:
        raise NoPolicy("no subsidy policy set for this province (TRACKER_POLICY)")
    path = policy_dir() / f"{key}.toml"
    if not path.exists():
        raise FileNotFoundError(f"policy {key!r} not found in {policy_dir()}")
    return _parse(str(path), key, path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _parse(path_s: str, key: str, _mtime: int) -> Policy:
    """Parsed once per file version (the page asks on every rerun)."""
    path = Path(path_s)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    reading = raw.get("months", "cumulative")
    rules = tuple(
        Rule(
            r["key"],
            r["payee"],
            r["zh"],
            r["en"],
            float(r["amount"]),
            float(r.get("min_months", 0)),
            r.get("organized"),
            tuple(r.get("dest_scope", ())),
            tuple(r.get("channel", ())),
            tuple(r.get("groups", ())),
            r.get("months", reading),
        )
        for r in raw["rule"]
    )
    from tracker.catalogue import groups

    for r in rules:
        if r.payee not in PAYEES:
            raise ValueError(f"{path.name}: rule {r.key} has an unknown payee {r.payee!r}")
        if r.months not in MONTHS_READINGS:
            raise ValueError(f"{path.name}: rule {r.key}: months must be one of {', '.join(MONTHS_READINGS)}")
        unknown = [g for g in r.groups if g not in groups()]
        if unknown:
            raise ValueError(f"{path.name}: rule {r.key} has unknown key groups {unknown}")
    return Policy(
        key,
        raw["name_zh"],
        raw["name_en"],
        raw.get("source", ""),
        rules,
        reading,
        tuple(raw.get("not_modelled", ())),
        tuple(raw.get("note", ())),
        raw.get("source_en", ""),
    )


def available() -> list[str]:
    return sorted(p.stem for p in policy_dir().glob("*.toml"))


def months_left(day: dt.date) -> float:
    return max(0.0, (dt.date(day.year, 12, 31) - day).days / 30.4)


def ensure_file(day: dt.date, policy: Policy) -> str:
    return ensure_subsidy(day, [{"key": r.key, **r.params()} for r in policy.rules], months_left(day))


def estimate(area: str, day: dt.date, policy: Policy) -> pl.DataFrame:
    """Per unit and rule: eligible persons and amounts now, within a month, and projected to year end."""
    got = cached("subsidy_units", sub_path=ensure_file(day, policy), area=area, child_len=child_len(area))
    rules = pl.DataFrame(
        {
            "rule": [r.key for r in policy.rules],
            "payee": [r.payee for r in policy.rules],
            "amount": [r.amount for r in policy.rules],
            "label_zh": [r.zh for r in policy.rules],
            "label_en": [r.en for r in policy.rules],
            "order": list(range(len(policy.rules))),
        }
    )
    # every rule has an area row, with zeros where nobody in the area meets it
    zero = rules.select(
        "rule",
        unit_code=pl.lit(area),
        is_area=pl.lit(True),
        eligible=pl.lit(0, pl.Int64),
        within_month=pl.lit(0, pl.Int64),
        by_year_end=pl.lit(0, pl.Int64),
    )
    missing = zero.join(got.filter(pl.col("is_area")), on="rule", how="anti")
    out = pl.concat([got, missing]).join(rules, on="rule").sort("order", pl.col("is_area").not_(), "unit_code")
    return out.drop("order").with_columns(
        yuan=pl.col("eligible") * pl.col("amount"),
        yuan_within_month=pl.col("within_month") * pl.col("amount"),
        yuan_year_end=pl.col("by_year_end") * pl.col("amount"),
    )


def records(area: str, day: dt.date, rule: Rule) -> pl.DataFrame:
    p = rule.params()
    return cached("subsidy_records", path=snapshot_file(day), area=area, **p)


def list_xlsx(recs: pl.DataFrame, rule: Rule, area_name: str, day: dt.date, lang: str = "zh") -> bytes:
    """The eligible-persons list for the finance office: `recs` as the page shows it (masked IDs, labels), a title,
    a 合计 row (persons and yuan) and the sign-off line; the sheet is named by the rule, never its key."""
    from tracker.exports import document_xlsx

    zh = lang == "zh"
    name = rule.zh if zh else rule.en
    title = f"{area_name}{rule.zh}对象清单（截至{day.month}月{day.day}日）" if zh else f"{rule.en}: eligible persons, {area_name}, {day}"
    yuan = "金额(元)" if zh else "Yuan"
    total = {recs.columns[0]: (f"合计{recs.height:,}人" if zh else f"Total {recs.height:,} persons"), yuan: int(recs[yuan].sum() or 0)}
    footer = (
        "经办人：　　　　　　审核人：　　　　　　单位（盖章）：　　　　　　日期："
        if zh
        else "Prepared by:        Checked by:        Seal:        Date:"
    )
    months = {c: "0.0" for c in recs.columns if c in ("计补月数", "务工月数", "Months counted", "Months employed")}
    return document_xlsx(name, title, recs, total, footer, months)
