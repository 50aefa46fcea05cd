"""Codes → labels as polars expressions (`replace_strict` over a dict), never Python callbacks.

A Python function inside a polars expression (a per-row callback) runs in polars' thread pool and needs
the interpreter lock; with several script threads at once that deadlocks the server. Every label in
a table is therefore a dict lookup built in Python beforehand and applied by polars natively.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

NONE = "—"


def _expr(col: str | pl.Expr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def mapped(col: str | pl.Expr, mapping: Mapping[str, str], null: str = NONE) -> pl.Expr:
    """Each code replaced by its label; an unknown code stays as it is, a missing one becomes `null`."""
    e = _expr(col)
    if not mapping:
        return e.cast(pl.String).fill_null(null)
    return e.replace_strict(dict(mapping), default=e.cast(pl.String), return_dtype=pl.String).fill_null(null)


def mapped_series(col: str | pl.Expr, old: pl.Series, new: pl.Series, null: str = NONE) -> pl.Expr:
    """`mapped` for a large table kept as two Series (codes, labels) by its owner."""
    e = _expr(col)
    return e.replace_strict(old, new, default=e.cast(pl.String), return_dtype=pl.String).fill_null(null)


def pairs(col: str | pl.Expr, table: Mapping[str, tuple], lang: str, null: str = NONE) -> pl.Expr:
    """For the project's usual `{code: (zh, en, …)}` tables."""
    i = 0 if lang == "zh" else 1
    return mapped(col, {k: v[i] for k, v in table.items()}, null)


def date_slash(col: str | pl.Expr) -> pl.Expr:
    """2026/3/1, the way Chinese ledgers write dates."""
    e = _expr(col)
    return pl.format("{}/{}/{}", e.dt.year(), e.dt.month(), e.dt.day())
