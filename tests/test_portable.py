"""Every named query transpiles from DuckDB to Spark SQL (no Java): macros inlined, the named rewrite rules applied,
no sqlglot unsupported-warning and nothing Spark would refuse (`portable.lint`). Each rule has its own cases."""

from __future__ import annotations

import datetime as dt
import logging

import pyarrow.parquet as pq
import pytest
import sqlglot

import queries
from tests import sample_params as S
from tracker import portable, schema

MACROS = """
-- a comment
create or replace macro scoped(path, area, channels) as table
select * from read_parquet(path) where starts_with(home_code, area) and (channels is null or list_contains(channels, channel));

create or replace macro has(r, organized_) as (organized_ is null or r.organized = organized_);
"""


def spark(tree) -> str:
    return portable.to_spark(tree)


def duck(sql: str):
    return sqlglot.parse_one(sql, read="duckdb")


def test_parse_macros():
    m = portable.parse_macros(MACROS)
    assert set(m) == {"scoped", "has"}
    assert m["scoped"].params == ("path", "area", "channels") and m["scoped"].table
    assert m["has"].params == ("r", "organized_") and not m["has"].table


@pytest.mark.parametrize(
    ("sql", "want"),
    [
        # a table macro becomes a subquery named by its alias; the arguments replace the parameters
        ("select x from scoped($p, '54', ['a']) as s", "FROM (SELECT * FROM parquet.`p` WHERE STARTSWITH(home_code, '54')"),
        # typed null: a literal null argument gets the type of the parameter it fills
        ("select x from scoped($p, '54', null)", "CAST(NULL AS ARRAY<STRING>) IS NULL OR ARRAY_CONTAINS(CAST(NULL AS ARRAY<STRING>)"),
        # a scalar macro: `r.col` reads the table alias passed for `r`
        ("select * from t as q where has(q, true)", "WHERE ((TRUE IS NULL OR q.organized = TRUE))"),
        ("select * from t as q where has(q, null)", "(CAST(NULL AS BOOLEAN) IS NULL OR q.organized = CAST(NULL AS BOOLEAN))"),
    ],
)
def test_rule_inline_macros(sql, want):
    out = spark(portable.inline_macros(duck(sql), portable.parse_macros(MACROS)))
    assert want in out
    assert "SCOPED(" not in out.upper() and "HAS(" not in out.upper()


def test_rule_inline_macros_refuses_a_null_of_unknown_type():
    m = portable.parse_macros("create or replace macro f(mystery) as table select mystery as x;")
    with pytest.raises(ValueError, match="NULL_TYPES"):
        portable.inline_macros(duck("select * from f(null)"), m)


@pytest.mark.parametrize(
    ("sql", "want"),
    [
        ("with c as (select a, b, c from t) select * exclude (b) from c", "SELECT a, c FROM c"),
        (
            "with c as (select a, 1 as n, 2 as m from t) select a, coalesce(sum(columns(* exclude (a))), 0) from c",
            "SELECT a, COALESCE(SUM(n), 0) AS n, COALESCE(SUM(m), 0) AS m FROM c",
        ),
        # through a join's `m.*` and the records' schema for read_parquet
        ("with c as (select 1 as u, 2 as v) select x.*, y.w from c as x join d as y on true", None),
        ("select * exclude (person_key, record_id) from read_parquet($p)", "SELECT id_masked, id_check_ok"),
    ],
)
def test_rule_expand_columns(sql, want):
    tree = portable.expand_columns(duck(sql), list(schema.POLARS_SCHEMA))
    out = spark(tree)
    if want:
        assert want in out
    assert "EXCEPT" not in out and "COLUMNS(" not in out


def test_rule_expand_columns_refuses_an_unknown_source():
    with pytest.raises(ValueError, match="unknown"):
        portable.expand_columns(duck("select * exclude (a) from some_table"), [])


def test_output_columns():
    tree = duck("with c as (select a, 1 as n from t) select c.*, 2 as z from c")
    assert portable.output_columns(tree, {}, []) == ["a", "n", "z"]


@pytest.mark.parametrize(
    ("rule", "sql", "want"),
    [
        (portable.recursive_unnest, "select unnest($rules, recursive := true)", "SELECT INLINE(:rules)"),
        (portable.recursive_unnest, "select unnest(xs) as x", "EXPLODE(xs)"),  # a plain unnest is left alone
        (portable.tuple_order, "select arg_min(v, (a, b)) from t", "MIN_BY(v, STRUCT(a, b))"),
        (portable.tuple_order, "select arg_max(v, (a, b, c)) from t", "MAX_BY(v, STRUCT(a, b, c))"),
        (portable.tuple_order, "select arg_max(v, a) from t", "MAX_BY(v, a)"),
        (portable.list_overlap, "select list_has_any(a, b) from t", "ARRAYS_OVERLAP(a, b)"),
    ],
)
def test_small_rules(rule, sql, want):
    assert want in spark(rule(duck(sql)))


@pytest.mark.parametrize(
    ("value", "name", "want"),
    [
        (None, "grp", "CAST(NULL AS STRING)"),
        (None, "channels", "CAST(NULL AS ARRAY<STRING>)"),
        (None, "f_county", "CAST(NULL AS STRING)"),  # the records filters' types come from the catalogue
        (None, "f_channel", "CAST(NULL AS ARRAY<STRING>)"),
        (None, "f_start_from", "CAST(NULL AS DATE)"),
        (None, "f_income_min", "CAST(NULL AS DOUBLE)"),
        (None, "f_women", "CAST(NULL AS BOOLEAN)"),
        (True, "", "TRUE"),
        (3, "", "3"),
        (0.5, "", "CAST(0.5 AS DOUBLE)"),
        ("5403'x", "", "'5403\\'x'"),
        (dt.date(2026, 11, 20), "", "CAST('2026-11-20' AS DATE)"),
        ([], "scopes", "CAST(ARRAY() AS ARRAY<STRING>)"),
        (["a", "b"], "scopes", "CAST(ARRAY('a', 'b') AS ARRAY<STRING>)"),
        ([{"key": "k", "organized": None}], "rules", "ARRAY(NAMED_STRUCT('key', 'k', 'organized', CAST(NULL AS BOOLEAN)))"),
    ],
)
def test_rule_bind_literals(value, name, want):
    assert portable.literal(value, name).sql("spark") == want


def test_rule_bind_parameters_and_files():
    out = spark(
        portable.bind(
            duck("select * from read_parquet($path) where a = $area and b = $grp"), {"path": "/d/r.parquet", "area": "54", "grp": None}
        )
    )
    assert out == "SELECT * FROM parquet.`/d/r.parquet` AS _p WHERE a = '54' AND b = CAST(NULL AS STRING)"
    cached = portable.bind(duck("select * from read_parquet($path) as r"), {"path": "/d/r.parquet"}, {"/d/r.parquet": "week_1"})
    assert spark(cached) == "SELECT * FROM week_1 AS r"


def test_rule_hive_columns():
    """DuckDB adds `snapshot_date` to a file read from a `snapshot_date=…/` directory: so does the Spark form, and a
    star over it lists it."""
    tree = portable.portable_tree(
        "select * exclude (b) from read_parquet($p)", {}, ["a", "b"], {"p": "/d/snapshot_date=2026-11-20/r.parquet"}
    )
    assert spark(tree) == (
        "SELECT a, snapshot_date FROM (SELECT *, CAST('2026-11-20' AS DATE) AS snapshot_date "
        "FROM parquet.`/d/snapshot_date=2026-11-20/r.parquet`) AS _p"
    )
    assert (
        spark(portable.bind(duck("select * from read_parquet($p)"), {"p": "/d/r.parquet"})) == "SELECT * FROM parquet.`/d/r.parquet` AS _p"
    )


@pytest.mark.parametrize(
    ("spark_sql", "what"),
    [
        ("SELECT * EXCEPT (a) FROM t", "* EXCEPT (…)"),
        ("SELECT COLUMNS(*) FROM t", "COLUMNS(…)"),
        ("SELECT EXPLODE(x, recursive := TRUE)", "named argument in EXPLODE"),
        ("SELECT a && b FROM t", "&& on arrays"),
        ("SELECT LEN(a) FROM t", "DuckDB function"),
        ("SELECT * FROM t WHERE a = :area", "unbound parameter"),
        ("SELECT a FROM t ASOF JOIN u ON t.x >= u.x", "ASOF JOIN"),
        ("SELECT CAST(a AS INT128)", "128-bit integer"),
    ],
)
def test_lint_catches_what_sqlglot_passes_silently(spark_sql, what):
    assert what in portable.lint(spark_sql)


def test_records_schema_is_the_parquet_schema(fx):
    """`expand_columns` reads the records' columns from the schema module: the files have exactly those."""
    assert pq.read_schema(S.records()).names == list(schema.POLARS_SCHEMA)


@pytest.mark.parametrize("name", sorted(queries.catalogue()))
def test_every_query_transpiles_to_spark(fx, name, caplog):
    for idents, params in S.params(name):
        with caplog.at_level(logging.WARNING, logger="sqlglot"):
            sql = portable.query_sql(name, params, idents or None)
        assert not [r for r in caplog.records if r.name.startswith("sqlglot")], caplog.text
        assert portable.lint(sql) == [], (name, sql)


def test_rule_hive_scan_on_the_views(fx):
    scans = [s for s in S.view_statements() if "hive_partitioning" in s]
    assert len(scans) == 2  # records and rollup
    out = [portable.hive_view(s) for s in scans]
    snaps = fx / "snapshots"
    view = "CREATE OR REPLACE TEMPORARY VIEW {} USING parquet OPTIONS (path '{}/snapshot_date=*/{}', basePath '{}')"
    assert out == [view.format("records", snaps, "records.parquet", snaps), view.format("rollup", snaps, "rollup_village.parquet", snaps)]
    assert all(portable.lint(s) == [] for s in out)


@pytest.mark.parametrize(
    "stmt",
    [
        "create view v as select * from read_parquet(['/a/x.parquet'], hive_partitioning = true)",  # no partition directory
        "create view v as select * from read_parquet(['/a/d=1/x.parquet', '/a/d=2/y.parquet'], hive_partitioning = true)",
        "create view v as select * from read_parquet(['/a/d=1/x.parquet'])",  # not hive
        "select * from t",
    ],
)
def test_rule_hive_scan_refuses(stmt):
    with pytest.raises(ValueError):
        portable.hive_view(stmt)
