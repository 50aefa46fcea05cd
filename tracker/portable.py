"""The named queries in Spark SQL: the DuckDB text as the loader renders it, macros inlined, then small named rewrites.

The `.sql` files stay the one definition. Most of them are written in the portable subset already (`array_length`
not `len`, `date_diff` not `date − date`, a VALUES list not `unnest([…])`); what DuckDB has and Spark has not is
rewritten here, each rule a pure function on a sqlglot tree with its own test (tests/test_portable.py):

- `inline_macros`: table macros become subqueries, scalar macros parenthesised expressions (Spark has neither);
  a literal `null` argument becomes a NULL typed by the macro parameter's name (`typed null`);
- `expand_columns`: `* exclude (…)` and `columns(* exclude (…))` expanded from the columns the source has;
- `recursive_unnest`: `unnest(x, recursive := true)` of a list of structs → `inline(x)`;
- `tuple_order`: `arg_min/arg_max(v, (a, b))` orders by a struct in Spark;
- `list_overlap`: `list_has_any` → `arrays_overlap` (sqlglot writes Spark's `&&`, which Spark does not parse);
- `bind`: `$name` parameters as typed literals (a None as a typed NULL), `read_parquet(path)` as a parquet table.

- `hive_scan` (`hive_view`): the views of `_views.sql` over the weeks' partition files, with the `snapshot_date`
  column DuckDB reads from the paths, as Spark views whose partition discovery gives the same column.

`UNPIVOT … INTO` appears in no `.sql` file, so it has no rule (the lint refuses it). `to_spark` raises on
anything sqlglot reports as unsupported and `lint` on what it passes through silently.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

# the type of a macro or query parameter that may be NULL (Spark needs the type of a NULL it compares or calls on)
NULL_TYPES = {
    "channels": "array<string>",
    "scopes": "array<string>",
    "groups": "array<string>",
    "grp": "string",
    "kind": "string",
    "area": "string",
    "organized_": "boolean",
    "organized": "boolean",
}

MACRO = re.compile(r"create\s+or\s+replace\s+macro\s+(\w+)\s*\(([^)]*)\)\s+as\s+(table\s+)?(.*?);\s*(?=\n--|\ncreate|\Z)", re.S | re.I)


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...]
    body: exp.Expression
    table: bool


def parse_macros(text: str) -> dict[str, Macro]:
    """The macros of `_macros.sql` (catalogue blocks expanded), their bodies parsed in the DuckDB dialect."""
    text = re.sub(r"--[^\n]*", "", text)
    out = {}
    for m in MACRO.finditer(text):
        params = tuple(p.strip() for p in m.group(2).split(",") if p.strip())
        out[m.group(1).lower()] = Macro(m.group(1).lower(), params, sqlglot.parse_one(m.group(4), read="duckdb"), bool(m.group(3)))
    return out


FILTER_TYPES = {"enum": "array<string>", "flag": "boolean", "prefix": "string", "contains": "string", "date_range": "date"}


def null_type(name: str) -> str | None:
    """The Spark type of a NULL for parameter `name`: the table above, or the records filter's (the catalogue's)."""
    if name in NULL_TYPES:
        return NULL_TYPES[name]
    from tracker.catalogue import filters

    for f in filters():
        if name in f.params():
            return FILTER_TYPES.get(f.kind, "double")
    return None


def _typed_null(name: str) -> exp.Expression:
    kind = null_type(name)
    if kind is None:
        raise ValueError(f"a NULL for {name!r} needs a type in portable.NULL_TYPES")
    return exp.cast(exp.Null(), exp.DataType.build(kind, dialect="spark"), dialect="spark")


def _substitute(body: exp.Expression, args: dict[str, exp.Expression]) -> exp.Expression:
    """The macro body with each parameter replaced by its argument; `r.col` with `r` a parameter → `<arg>.col`."""

    def one(node):
        if isinstance(node, exp.Column):
            if not node.table and node.name in args:
                return args[node.name].copy()
            if node.table in args and isinstance(args[node.table], exp.Column):
                return exp.column(node.name, table=args[node.table].name)
        return node

    return body.copy().transform(one)


def inline_macros(tree: exp.Expression, macros: dict[str, Macro]) -> exp.Expression:
    """Rule `inline_macros` (with `typed null`): every macro call replaced by its body, until none is left."""

    def call_args(m: Macro, fn: exp.Anonymous) -> dict[str, exp.Expression]:
        if len(fn.expressions) != len(m.params):
            raise ValueError(f"macro {m.name}: {len(m.params)} arguments needed, got {len(fn.expressions)}")
        return {p: _typed_null(p) if isinstance(a, exp.Null) else a for p, a in zip(m.params, fn.expressions, strict=True)}

    def one(node):
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) and node.this.name.lower() in macros:
            m = macros[node.this.name.lower()]
            sub = exp.Subquery(this=_substitute(m.body, call_args(m, node.this)))
            return sub.as_(node.alias or m.name, copy=False)
        if isinstance(node, exp.Anonymous) and node.name.lower() in macros and not macros[node.name.lower()].table:
            m = macros[node.name.lower()]
            return exp.Paren(this=_substitute(m.body, call_args(m, node)))
        return node

    for _ in range(10):  # macros call macros
        new = tree.transform(one)
        if new.sql("duckdb") == tree.sql("duckdb"):
            return new
        tree = new
    raise ValueError("macros nested more than 10 deep")


# ---------------------------------------------------------------- star expansion


def _excluded(star: exp.Star) -> set[str]:
    return {e.name for e in (star.args.get("except_") or star.args.get("except") or [])}


def _source_columns(src: exp.Expression, ctes: dict[str, exp.Expression], records: list[str]) -> list[str]:
    if isinstance(src, exp.Subquery):
        return output_columns(src.this, ctes, records)
    if isinstance(src, exp.Table):
        if _is_read_parquet(src):
            return list(records) + [k for k, _ in hive_columns(src) if k not in records]
        if src.name in ctes:
            return output_columns(ctes[src.name], ctes, records)
    raise ValueError(f"columns of {src.sql('duckdb')[:80]!r} unknown: expand the star in the .sql file")


def _is_read_parquet(t: exp.Table) -> bool:
    return isinstance(t.this, exp.ReadParquet) or (isinstance(t.this, exp.Anonymous) and t.this.name.lower() == "read_parquet")


def _sources(select: exp.Select) -> list[exp.Expression]:
    out = []
    if select.args.get("from_") is not None:
        out.append(select.args["from_"].this)
    out += [j.this for j in select.args.get("joins") or []]
    return out


def output_columns(q: exp.Expression, ctes: dict[str, exp.Expression], records: list[str]) -> list[str]:
    """The names of the columns a query returns (stars resolved through CTEs, subqueries and the records' schema)."""
    if isinstance(q, exp.Union):
        return output_columns(q.left, ctes, records)
    if isinstance(q, exp.Subquery):
        return output_columns(q.this, ctes, records)
    ctes = {**ctes, **{c.alias: c.this for c in (q.args.get("with_") or exp.With()).expressions}}
    out: list[str] = []
    for p in q.expressions:
        star = p if isinstance(p, exp.Star) else p.find(exp.Star)
        if isinstance(p, exp.Column) and isinstance(p.this, exp.Star):  # m.*
            src = next(s for s in _sources(q) if s.alias_or_name == p.table)
            out += _source_columns(src, ctes, records)
        elif star is not None and (isinstance(p, exp.Star) or p.find(exp.Columns)):
            cols = [c for s in _sources(q) for c in _source_columns(s, ctes, records)]
            out += [c for c in cols if c not in _excluded(star)]
        else:
            out.append(p.alias_or_name)
    return out


def expand_columns(tree: exp.Expression, records: list[str]) -> exp.Expression:
    """Rule `expand_columns`: `* exclude (…)` and `columns(* exclude (…))` become the listed columns (each expression
    around `columns(…)` repeated per column, named by it, as DuckDB names them)."""
    tree = tree.copy()

    all_ctes: dict[str, exp.Expression] = {}
    for w in tree.find_all(exp.With):
        all_ctes.update({c.alias: c.this for c in w.expressions})
    for select in reversed(list(tree.find_all(exp.Select))):  # innermost first
        new = []
        changed = False
        for p in select.expressions:
            star = p if isinstance(p, exp.Star) else p.find(exp.Star)
            if star is None or not (_excluded(star) or p.find(exp.Columns)):
                new.append(p)
                continue
            changed = True
            cols = [c for s in _sources(select) for c in _source_columns(s, all_ctes, records)]
            cols = [c for c in cols if c not in _excluded(star)]
            for c in cols:
                if isinstance(p, exp.Star):
                    new.append(exp.column(c))
                else:
                    body = p.this if isinstance(p, exp.Alias) else p
                    e = body.copy().transform(lambda n, c=c: exp.column(c) if isinstance(n, exp.Columns) else n)
                    new.append(e.as_(c))
        if changed:
            select.set("expressions", new)
    return tree


# ---------------------------------------------------------------- small rules


def recursive_unnest(tree: exp.Expression) -> exp.Expression:
    """Rule `recursive_unnest`: DuckDB's `unnest(list_of_structs, recursive := true)` is Spark's `inline(…)`."""

    def one(node):
        if isinstance(node, (exp.Explode, exp.Unnest)) and any(
            isinstance(e, exp.PropertyEQ) and e.name.lower() == "recursive" for e in node.expressions
        ):
            return exp.Anonymous(this="inline", expressions=[node.this])
        return node

    return tree.transform(one)


def tuple_order(tree: exp.Expression) -> exp.Expression:
    """Rule `tuple_order`: `arg_min(v, (a, b))` compares the tuple; Spark's `min_by` needs `struct(a, b)`."""

    def one(node):
        if isinstance(node, (exp.ArgMin, exp.ArgMax)) and isinstance(node.expression, exp.Tuple):
            node = node.copy()
            node.set("expression", exp.Struct(expressions=node.expression.expressions))
        return node

    return tree.transform(one)


def list_overlap(tree: exp.Expression) -> exp.Expression:
    """Rule `list_overlap`: `list_has_any(a, b)` → `arrays_overlap(a, b)`."""

    def one(node):
        if isinstance(node, exp.ArrayOverlaps):
            return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
        return node

    return tree.transform(one)


def literal(value, name: str = "") -> exp.Expression:
    """A Python value as a typed Spark literal (None as a NULL typed by the parameter's name)."""
    if value is None:
        return _typed_null(name)
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "date")
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        return exp.cast(exp.Literal.number(repr(value)), "double")
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, dict) for v in value):
            return exp.Array(expressions=[literal(v) for v in value])
        if all(isinstance(v, dt.date) for v in value) and value:
            return exp.Array(expressions=[literal(v) for v in value])
        return exp.cast(exp.Array(expressions=[literal(v) for v in value]), exp.DataType.build("array<string>", dialect="spark"))
    if isinstance(value, dict):
        return exp.Anonymous(this="named_struct", expressions=[x for k, v in value.items() for x in (exp.Literal.string(k), literal(v, k))])
    raise TypeError(f"no Spark literal for {type(value).__name__}")


def bind_params(tree: exp.Expression, params: dict) -> exp.Expression:
    """Rule `bind` (1): each `$name` as a typed literal."""

    def one(node):
        if isinstance(node, (exp.Placeholder, exp.Parameter)) and node.name in params:
            return literal(params[node.name], node.name)
        return node

    return tree.transform(one)


HIVE_TYPES = {"snapshot_date": "date"}  # the types DuckDB infers for the partition keys of this project's paths


def hive_columns(table: exp.Table) -> list[tuple[str, str]]:
    """The partition columns DuckDB adds by itself to `read_parquet('…/key=value/file')` (hive auto-detection):
    [(key, value)] of the file's directories, none for an unbound path."""
    path = table.this.expressions[0] if table.this.expressions else None
    if not isinstance(path, exp.Literal) or not path.is_string:
        return []
    return re.findall(r"/([a-z_]+)=([^/]+)(?=/)", path.this)


def parquet_tables(tree: exp.Expression, views: dict[str, str] | None = None) -> exp.Expression:
    """Rule `bind` (2) with `hive_columns`: `read_parquet('<file>')` as Spark's parquet table (or the view `views[file]`
    the caller registered: a file read by several queries, cached once), with the partition columns DuckDB reads from
    the file's directories added as literals."""

    def tables(node):
        if isinstance(node, exp.Table) and _is_read_parquet(node):
            path = node.this.expressions[0]
            if not isinstance(path, exp.Literal):
                raise ValueError("read_parquet needs a bound path")
            alias = node.alias or "_p"
            if path.this in (views or {}):
                src = exp.to_table(views[path.this])
            else:
                src = exp.Table(this=exp.Identifier(this=path.this, quoted=True), db=exp.Identifier(this="parquet"))
            hive = hive_columns(node)
            if not hive:
                return src.as_(alias, copy=False)
            cols = [exp.cast(exp.Literal.string(v), HIVE_TYPES.get(k, "string")).as_(k) for k, v in hive]
            return exp.Subquery(this=exp.select(exp.Star(), *cols).from_(src)).as_(alias, copy=False)
        return node

    return tree.transform(tables)


def bind(tree: exp.Expression, params: dict, views: dict[str, str] | None = None) -> exp.Expression:
    """Rule `bind`: parameters as literals, then the parquet files as tables."""
    return parquet_tables(bind_params(tree, params), views)


HIVE_DIR = re.compile(r"^(?P<base>.*)/(?P<key>[a-z_]+)=[^/]+/(?P<file>[^/]+)$")


def hive_view(stmt: str) -> str:
    """Rule `hive_scan`: DuckDB's view over a list of partition files with `hive_partitioning = true` (its
    `snapshot_date` column comes from the paths) → a Spark view over the partitions' glob with `basePath`, where Spark's
    partition discovery adds the same column (typed by inference: `snapshot_date=2026-11-20` is a date). The order a
    DuckDB table is stored in does not carry over: every query orders its own rows."""
    tree = sqlglot.parse_one(stmt, read="duckdb")
    scan = tree.find(exp.ReadParquet)
    if not isinstance(tree, exp.Create) or scan is None or not scan.expressions or not isinstance(scan.expressions[0], exp.Array):
        raise ValueError("hive_view takes `create … as select * from read_parquet([files], hive_partitioning = true …)`")
    hive = any(isinstance(e, exp.EQ) and e.this.name == "hive_partitioning" for e in scan.expressions[1:])
    parts = {HIVE_DIR.match(f.this).groups() if HIVE_DIR.match(f.this) else None for f in scan.expressions[0].expressions}
    if not hive or len(parts) != 1 or None in parts:
        raise ValueError("the files must be one file name in one kind of hive partition directory")
    base, key, file = parts.pop()
    path, basepath = (exp.Literal.string(x).sql("spark") for x in (f"{base}/{key}=*/{file}", base))
    return f"CREATE OR REPLACE TEMPORARY VIEW {tree.this.name} USING parquet OPTIONS (path {path}, basePath {basepath})"


# ---------------------------------------------------------------- the pipeline


RULES = ("inline_macros", "expand_columns", "recursive_unnest", "tuple_order", "list_overlap")


def portable_tree(
    sql: str, macros: dict[str, Macro], records: list[str], params: dict | None = None, views: dict[str, str] | None = None
) -> exp.Expression:
    """A named query's rendered DuckDB text with every rule applied; bound if `params` are given (before the stars are
    expanded: a bound file's partition columns are part of `*`)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = inline_macros(tree, macros)
    if params is not None:
        tree = bind_params(tree, params)
    tree = expand_columns(tree, records)
    tree = list_overlap(tuple_order(recursive_unnest(tree)))
    return parquet_tables(tree, views) if params is not None else tree


def to_spark(tree: exp.Expression) -> str:
    """Spark SQL text; raises on anything sqlglot reports as unsupported."""
    return tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)


# what sqlglot writes for Spark without a warning although Spark has no such thing
_LINT = [
    (re.compile(r"\bEXCEPT\s*\(", re.I), "* EXCEPT (…)"),
    (re.compile(r"\bCOLUMNS\s*\(", re.I), "COLUMNS(…)"),
    (re.compile(r"\bEXPLODE\s*\([^)]*:=", re.I), "named argument in EXPLODE"),
    (re.compile(r"&&"), "&& on arrays"),
    (re.compile(r"\bUNPIVOT\b[^;]*\bINTO\b", re.I), "UNPIVOT … INTO"),
    (re.compile(r"\b(READ_PARQUET|READ_CSV|LIST_\w+|LEN|STRUCT_PACK|UNNEST)\s*\(", re.I), "DuckDB function"),
    (re.compile(r"\bASOF\s+JOIN\b", re.I), "ASOF JOIN"),
    (re.compile(r"\bU?INT128\b", re.I), "128-bit integer"),
    (re.compile(r"\$\w+|(?<![:\w]):[a-z_]+\b"), "unbound parameter"),
]


def lint(spark_sql: str, bound: bool = True) -> list[str]:
    """What Spark would not take in `spark_sql` although sqlglot wrote it without a warning; and it must parse back."""
    code = re.sub(r"/\*.*?\*/|'(?:[^'\\]|\\.)*'|`[^`]*`", "''", spark_sql, flags=re.S)  # comments, strings, paths
    found = [what for rx, what in _LINT if (bound or what != "unbound parameter") and rx.search(code)]
    try:
        sqlglot.parse_one(spark_sql, read="spark")
    except sqlglot.errors.ParseError as e:
        found.append(f"does not parse as Spark SQL: {str(e)[:120]}")
    return found


def query_sql(name: str, params: dict | None = None, idents: dict | None = None, views: dict[str, str] | None = None) -> str:
    """A named query of the catalogue in Spark SQL: rendered, macros inlined, rewritten, bound (if `params`)."""
    import queries
    from tracker import schema

    q = queries.catalogue()[name]
    if idents is None:
        idents = {k: sorted(v)[0] for k, v in q.idents.items()}
    if params is not None:
        queries.check_params(q, params)
    tree = portable_tree(q.render(idents), parse_macros(queries.macros_sql()), list(schema.POLARS_SCHEMA), params, views)
    return to_spark(tree)
