"""Look at the named queries as DuckDB runs them:

python -m queries list          every query with its first comment
python -m queries show NAME     the SQL with the catalogue's blocks expanded (NAME = a query, or _macros)
"""

from __future__ import annotations

import sys

from queries import catalogue, macros_sql


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("list", "show") or (args[0] == "show" and len(args) != 2):
        print(__doc__, file=sys.stderr)
        return 2
    if args[0] == "list":
        for name, q in catalogue().items():
            print(f"{name:<28} {q.doc}")
        return 0
    name = args[1]
    if name == "_macros":
        print(macros_sql())
        return 0
    q = catalogue().get(name)
    if q is None:
        print(f"unknown query {name!r}: python -m queries list", file=sys.stderr)
        return 2
    print(q.sql)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
