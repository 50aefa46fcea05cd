"""Scheduled delivery against a real SMTP server (aiosmtpd) on loopback: each recipient gets the pack of their own
area in their language, once; a refused recipient is retried, reported and served on the next run; an area whose
counties have not all sent waits with --if-complete; every delivery is in the audit log."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket

import pytest

from tests import fixture as F
from tracker import deliver

WEEK = F.CUR


class Inbox:
    def __init__(self, refuse: set[str]):
        self.messages: list[email.message.Message] = []
        self.refuse = refuse
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            self.refused += 1
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox({"broken@xz.gov.cn"})
    c = Controller(inbox, hostname="127.0.0.1", port=free_port())
    c.start()
    yield inbox, c.port
    c.stop()


@pytest.fixture
def data(tmp_path, monkeypatch):
    import queries

    root = F.build(tmp_path / "d")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(root))
    queries.reset()
    yield root
    queries.reset()


def subs(*rows):
    return [deliver.Recipient(*r) for r in rows]


def test_delivery_to_a_real_smtp_server(data, smtp):
    inbox, port = smtp
    people = subs(
        ("洛隆县人社局", "ll@xz.gov.cn", "540329", "zh"),
        ("Analyst", "an@xz.gov.cn", "54", "en"),
        ("坏地址", "broken@xz.gov.cn", "540329", "zh"),  # the same pack as 洛隆县's: built once a run
    )
    t = deliver.SMTP("127.0.0.1", port)
    res = deliver.run(WEEK, t, subs=people, pause=0)
    assert sorted(res["sent"]) == ["an@xz.gov.cn", "ll@xz.gov.cn"]
    assert [f["email"] for f in res["failed"]] == ["broken@xz.gov.cn"] and "550" in res["failed"][0]["error"]
    assert inbox.refused == deliver.ATTEMPTS  # retried three times, then reported
    by_to = {m["To"].split("<")[-1].rstrip(">"): m for m in inbox.messages}
    m = by_to["ll@xz.gov.cn"]
    assert m["Subject"] == "洛隆县农牧民转移就业工作调度通报（第2期）"
    names = sorted(p.get_filename() for p in m.iter_attachments())
    assert names == [
        "调度通报_洛隆县_2026-11-20.docx",
        "调度通报_洛隆县_2026-11-20.pdf",
        "调度通报_洛隆县_2026-11-20.xlsx",
        "调度通报_洛隆县_2026-11-20_摘要.png",
    ]
    body = m.get_body(("plain",)).get_content()
    assert "截至11月20日，洛隆县累计实现农牧民转移就业4人" in body  # its own area's figures
    png = next(p for p in m.iter_attachments() if p.get_filename().endswith(".png")).get_content()
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(png))
    assert img.width == 750 and img.height > 400  # phone width
    en = by_to["an@xz.gov.cn"]
    assert en["Subject"] == "Transfer employment progress, Whole region (No. 2)"
    assert "bulletin_Whole region_2026-11-20.pdf" in [p.get_filename() for p in en.iter_attachments()]
    # a second run sends nothing twice; the refused address is tried again
    again = deliver.run(WEEK, t, subs=people, pause=0)
    assert sorted(again["skipped"]) == ["an@xz.gov.cn", "ll@xz.gov.cn"] and len(inbox.messages) == 2
    assert [f["email"] for f in again["failed"]] == ["broken@xz.gov.cn"]
    inbox.refuse.clear()
    third = deliver.run(WEEK, t, subs=people, pause=0)
    assert third["sent"] == ["broken@xz.gov.cn"] and len(inbox.messages) == 3
    log = [json.loads(x) for x in (data / "audit" / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    acts = [(r["action"], r["area"]) for r in log if r["action"].startswith("delivery")]
    assert acts.count(("delivery", "540329")) == 2 and acts.count(("delivery_failed", "540329")) == 2
    assert acts.count(("delivery", "54")) == 1


def test_waits_until_every_county_has_sent(data, tmp_path):
    """--if-complete: 洛隆县's week has a submission, 卡若区's has none yet: 昌都市 waits, 洛隆县 is served (outbox)."""
    from queries.derived import partition

    part = partition(WEEK, data)
    (part / "manifest.json").write_text(
        json.dumps({"counties": {"540329": {"status": "submitted", "time": "2026-11-20T11:00:00"}}}), encoding="utf-8"
    )
    people = subs(("昌都市专班", "cd@xz.gov.cn", "5403", "zh"), ("洛隆县人社局", "ll@xz.gov.cn", "540329", "zh"))
    res = deliver.run(WEEK, deliver.Outbox(tmp_path / "outbox"), only_complete=True, subs=people, pause=0)
    assert res["sent"] == ["ll@xz.gov.cn"]
    assert res["waiting"][0]["email"] == "cd@xz.gov.cn" and "540302" in res["waiting"][0]["missing"]
    eml = tmp_path / "outbox" / "2026-11-20" / "ll@xz.gov.cn.eml"
    m = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert len(list(m.walk())) > 4 and dt.date(2026, 11, 20).isoformat() in eml.parent.name
