"""The README stays true: its schema table is the schema module's, and its commands exist."""

from __future__ import annotations

from tests.conftest import REPO
from tracker import schema


def test_readme_schema_table_is_current():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- schema:start -->")[1].split("<!-- schema:end -->")[0].strip()
    assert block == schema.markdown_table()


def test_the_two_commands_exist():
    mk = (REPO / "Makefile").read_text()
    assert "\nrun:" in mk and "\ntest:" in mk
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_no_python_callbacks_inside_polars_on_the_serving_path():
    """A per-row Python callback in polars waits for the interpreter lock inside polars' pool: with several users
    that froze the server. Labels are dict lookups (tracker/labels.py)."""
    offenders = [
        str(p.relative_to(REPO))
        for d in ("app_pages", "tracker", "queries")
        for p in (REPO / d).rglob("*.py")
        if ".map_elements(" in p.read_text(encoding="utf-8") or ".map_batches(" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []
