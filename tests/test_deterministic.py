"""Every named query has a total order: two runs give identical rows, and no two rows tie on the ORDER BY."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

import queries
from tests import sample_params as S

NAMES = sorted(queries.catalogue())
ONE_ROW = {"records_count", "national_elsewhere_counts"}  # an aggregate without GROUP BY: exactly one row, nothing to order


def test_every_query_has_sample_params(fx):
    for name in NAMES:
        assert S.params(name), name


def order_columns(sql: str) -> list[str] | None:
    """The plain column names of the outermost ORDER BY (the statement's or its `final` CTE's); None where a key is an
    expression or the query has no ORDER BY."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    order = tree.args.get("order")
    if order is None:
        final = next((c.this for c in tree.find_all(exp.CTE) if c.alias == "final"), None)
        order = final.args.get("order") if final is not None else None
    if order is None:
        return None
    cols = [o.this for o in order.expressions]
    return [c.name for c in cols] if all(isinstance(c, exp.Column) for c in cols) else None


@pytest.mark.parametrize("name", NAMES)
def test_two_runs_give_identical_rows_in_a_total_order(fx, name):
    q = queries.catalogue()[name]
    for idents, params in S.params(name):
        a = S.run(name, idents, params)
        queries.reset()  # a fresh connection: nothing carried over between the runs
        b = S.run(name, idents, params)
        assert a.equals(b, null_equal=True), (name, params)
        if name in ONE_ROW:
            assert a.height == 1
            continue
        sql = q.render(idents or None)
        assert " order by " in sql.lower().replace("\n", " "), f"{name}: no ORDER BY"
        keys = order_columns(sql)
        assert keys is not None, f"{name}: ORDER BY keys not found"
        keys = [k for k in keys if k in a.columns]
        # rows that tie on the ORDER BY must be the same row (then their order does not matter)
        assert a.select(keys).unique().height == a.unique().height, (name, keys)


@pytest.mark.parametrize(
    ("sql", "keys"),
    [
        ("with final as (select 1 as a) select * from final order by a desc, b", ["a", "b"]),
        ("with final as (select a from t order by a, c limit 3) select * from final", ["a", "c"]),
        ("select a from t order by a + 1", None),
        ("select a from t", None),
    ],
)
def test_order_columns(sql, keys):
    assert order_columns(sql) == keys
