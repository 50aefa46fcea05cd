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
