"""Word → PDF through one LibreOffice kept running (tracker.office): the same pages as LibreOffice started per file,
one LibreOffice for many files, a LibreOffice that died is started again, closing stops it, and without python3-uno
each file still gets its PDF the slow way."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tracker import office

SOFFICE = "/usr/bin/soffice"
pytestmark = pytest.mark.skipif(not Path(SOFFICE).exists(), reason="LibreOffice (Debian libreoffice-writer-nogui) is not installed")


def docx(text: str) -> bytes:
    from docx import Document

    d = Document()
    d.add_heading("关于全区农牧民转移就业工作进展情况的通报", 1)
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def pdf_text(pdf: bytes, tmp: Path) -> str:
    p = tmp / "x.pdf"
    p.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True, check=True).stdout


def soffices(c: office.Converter) -> list[int]:
    """LibreOffice processes running on this converter's profile."""
    out = subprocess.run(["pgrep", "-f", f"{c.profile}/profile"], capture_output=True, text=True).stdout
    return [int(x) for x in out.split() if int(x) != os.getpid()]


@pytest.fixture
def conv():
    c = office.Converter(SOFFICE)
    yield c
    c.close()


def test_one_libreoffice_for_many_files_same_pages_as_one_each(conv, tmp_path):
    assert conv.usable  # Debian's python3 has uno (python3-uno)
    texts = []
    for i in range(3):
        src, dst = tmp_path / f"b{i}.docx", tmp_path / f"b{i}.pdf"
        src.write_bytes(docx(f"截至11月20日，全区累计实现农牧民转移就业{i + 7}人。"))
        conv.convert(src, dst)
        texts.append(pdf_text(dst.read_bytes(), tmp_path))
        if i == 0:
            worker, running = conv.proc.pid, soffices(conv)
    assert conv.proc.pid == worker and soffices(conv) == running and running  # the same LibreOffice all along
    assert "全区累计实现农牧民转移就业 9 人" in texts[2]  # pdftotext spaces Latin digits off Chinese
    once = tmp_path / "once"
    once.mkdir()
    (once / "b.docx").write_bytes(docx("截至11月20日，全区累计实现农牧民转移就业9人。"))
    conv.once(once / "b.docx", once / "b.pdf")
    assert pdf_text((once / "b.pdf").read_bytes(), tmp_path) == texts[2]  # what LibreOffice started per file prints


def test_a_libreoffice_that_died_is_started_again_and_closing_stops_it(conv, tmp_path):
    (tmp_path / "a.docx").write_bytes(docx("第一份"))
    conv.convert(tmp_path / "a.docx", tmp_path / "a.pdf")
    for pid in soffices(conv):
        os.kill(pid, signal.SIGKILL)
    (tmp_path / "b.docx").write_bytes(docx("第二份"))
    conv.convert(tmp_path / "b.docx", tmp_path / "b.pdf")
    assert "第二份" in pdf_text((tmp_path / "b.pdf").read_bytes(), tmp_path)
    assert soffices(conv)
    conv.close()
    deadline = time.monotonic() + 20
    while soffices(conv) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert soffices(conv) == []


def test_without_uno_each_file_is_converted_on_its_own(conv, tmp_path):
    conv.usable = False
    (tmp_path / "a.docx").write_bytes(docx("没有常驻进程"))
    conv.convert(tmp_path / "a.docx", tmp_path / "a.pdf")
    assert "没有常驻进程" in pdf_text((tmp_path / "a.pdf").read_bytes(), tmp_path) and conv.proc is None
