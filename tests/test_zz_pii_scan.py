"""No output of the test suite contains a full ID number (runs last: `make test` runs it in its serial part, after
the parallel one; alone, file order puts it last).

Scanned: every file the suite wrote under TRACKER_SCAN_ROOT (`make test`: the parent of both runs' base temp dirs,
so every xdist worker's too) or else pytest's base temp dir — exports and downloads, bulletins (docx,
xlsx, pdf), reject reports, manifests, snapshots and rollups (parquet), audit logs, the app servers' logs
and every AppTest run's rendered elements (tests/conftest.py `outputs`). Not scanned, on purpose: the
ledger files the tests feed to ingest (inputs, named in INPUTS) and ingest's archive of those originals.
A hit is an 18-character ID with a valid GB 11643 check digit.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO
from tracker import ids

pytestmark = pytest.mark.serial
ID = re.compile(rb"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


def inputs(root: Path) -> set[str]:
    """Source ledgers the tests wrote or fed to ingest (tests/conftest.py `mark_input`)."""
    return {ln for f in root.rglob("inputs.txt") if f.parent.name == "outputs" for ln in f.read_text(encoding="utf-8").splitlines()}


def is_input(p: Path, marked: set[str]) -> bool:
    return "archive" in p.parts or str(p.resolve()) in marked  # ingest keeps the originals as they came


def blobs(p: Path, data: bytes | None = None):
    """The bytes a reader of this file could see: zip members, PDF text, parquet string values, an email's decoded
    parts (its attachments read the same way; base64 is not what a reader sees, and it has digit runs), or the raw
    bytes."""
    data = p.read_bytes() if data is None else data
    if p.suffix.lower() == ".eml":
        import email
        import tempfile

        for k, part in enumerate(email.message_from_bytes(data).walk()):
            if part.is_multipart():
                continue
            name = part.get_filename() or f"part{k}.txt"
            if Path(name).suffix.lower() in IMAGES:
                continue
            payload = part.get_payload(decode=True) or b""
            with tempfile.TemporaryDirectory() as d:  # a PDF attachment goes through pdftotext like any PDF
                f = Path(d) / Path(name).name
                f.write_bytes(payload)
                for where, blob in blobs(f, payload):
                    yield f"{p}#{where.replace(str(f), name)}", blob
    elif data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for n in z.namelist():
                yield f"{p}!{n}", z.read(n)
    elif data[:4] == b"%PDF":
        yield f"{p} (text)", subprocess.run(["pdftotext", str(p), "-"], capture_output=True, check=True).stdout
        yield str(p), data
    elif data[:4] == b"PAR1":
        import pyarrow.compute as pc

        t = pq.read_table(p)
        for c in t.column_names:
            if pa.types.is_string(t[c].type) or pa.types.is_large_string(t[c].type):
                # a vectorised pre-filter (a superset of ID-shaped text): only columns that may hold one go to Python
                if pc.any(pc.match_substring_regex(t[c], r"[1-9][0-9]{16}[0-9Xx]")).as_py():
                    yield f"{p}:{c}", "\n".join(x for x in t[c].to_pylist() if x).encode()
    else:
        yield str(p), data


HEX = re.compile(rb"[0-9a-fA-F]{32,}")


def full_ids(data: bytes) -> list[str]:
    """Valid IDs in the bytes; digits inside a long hex run (a hash or MAC) are not an ID."""
    hexes = [m.span() for m in HEX.finditer(data)]
    return [
        m.group().decode()
        for m in ID.finditer(data)
        if ids.is_valid(m.group().decode()) and not any(a <= m.start() and m.end() <= b for a, b in hexes)
    ]


def scan(root: Path) -> tuple[dict[str, list[str]], int]:
    hits, n, marked = {}, 0, inputs(root)
    for p in sorted(root.rglob("*")):
        if not p.is_file() or p.suffix.lower() in IMAGES or is_input(p, marked) or p.name == "inputs.txt":
            continue
        n += 1
        for where, data in blobs(p):
            found = full_ids(data)
            if found:
                hits[where] = found[:3]
    return hits, n


def test_the_scanner_finds_a_planted_id():
    import tempfile

    with tempfile.TemporaryDirectory() as d:  # outside the suite's temp dir, which the next test scans
        planted(Path(d))


def planted(tmp_path: Path) -> None:
    from tests.fixture import fixture_id

    good = fixture_id(7)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "log.txt").write_text(f"error for {good}\n", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "data" / "export.xlsx", "w") as z:
        z.writestr("xl/sharedStrings.xml", f"<t>{good}</t>")
    pq.write_table(pa.table({"id": [good]}), tmp_path / "data" / "x.parquet")
    (tmp_path / "data" / "masked.txt").write_text(ids.mask(good) + " " + good[:17] + "0", encoding="utf-8")
    from email.message import EmailMessage

    mail = EmailMessage()  # an ID in a mail's base64 text is found; an image's base64 is not read
    mail.set_content(f"名单：{good}", charset="utf-8", cte="base64")
    mail.add_attachment(b"\x89PNG" + good.encode(), maintype="image", subtype="png", filename="summary.png")
    (tmp_path / "data" / "out.eml").write_bytes(mail.as_bytes())
    hits, n = scan(tmp_path)
    assert n == 5 and sorted(hits) == sorted(
        [
            f"{tmp_path}/data/log.txt",
            f"{tmp_path}/data/export.xlsx!xl/sharedStrings.xml",
            f"{tmp_path}/data/x.parquet:id",
            f"{tmp_path}/data/out.eml#part1.txt",
        ]
    )
    assert all(v == [good] for v in hits.values())


def test_no_output_of_the_suite_holds_a_full_id(fx, tmp_path_factory):
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils is missing: `make test` installs it")
    # one more run of the records page and its export, so that the scan never looks at nothing
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/records.py")
    at.run()
    assert not at.exception and at.dataframe[0].value.shape[0] == 10
    root = Path(os.environ.get("TRACKER_SCAN_ROOT") or tmp_path_factory.getbasetemp())
    hits, n = scan(root)
    assert len(list(root.rglob("outputs/apptest-*.bin"))) >= 2
    assert n >= 10
    assert hits == {}
