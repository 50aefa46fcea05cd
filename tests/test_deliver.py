"""Scheduled delivery against a real SMTP server (aiosmtpd) on loopback: each recipient gets the pack of their own
area in their language, once; a refused recipient is retried, reported and served on the next run; an area whose
counties have not all sent waits with --if-complete; every delivery is in the audit log."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import socket

import pytest

from tests import fixture as F
from tests.conftest import audit_lines
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
    from tracker import store

    root = F.build(tmp_path / "d")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(root))
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{root / 'state' / 'tracker.db'}")
    store.reset()
    queries.reset()
    yield root
    queries.reset()
    store.reset()


def subs(*rows):
    return [deliver.Recipient(*r) for r in rows]


def test_delivery_to_a_real_smtp_server(data, smtp):
    inbox, port = smtp
    for r in subs(
        ("洛隆县人社局", "ll@xz.gov.cn", "540329", "zh"),
        ("Analyst", "an@xz.gov.cn", "54", "en"),
        ("坏地址", "broken@xz.gov.cn", "540329", "zh"),  # the same pack as 洛隆县's: built once a run
    ):
        deliver.subscribe(r, "root")
    people = None  # the store's subscriptions
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
    assert en["Subject"] == "Transfer employment progress, Tibet Autonomous Region (No. 2)"  # the region by its name
    assert "bulletin_Whole region_2026-11-20.pdf" in [p.get_filename() for p in en.iter_attachments()]
    assert "As of 20 Nov 2026, the Tibet Autonomous Region had placed 7 rural workers" in en.get_body(("plain",)).get_content()
    # a second run sends nothing twice; the refused address is tried again
    again = deliver.run(WEEK, t, subs=people, pause=0)
    assert sorted(again["skipped"]) == ["an@xz.gov.cn", "ll@xz.gov.cn"] and len(inbox.messages) == 2
    assert [f["email"] for f in again["failed"]] == ["broken@xz.gov.cn"]
    inbox.refuse.clear()
    third = deliver.run(WEEK, t, subs=people, pause=0)
    assert third["sent"] == ["broken@xz.gov.cn"] and len(inbox.messages) == 3
    log = audit_lines(data / "state" / "tracker.db")
    acts = [(r["action"], r["area"]) for r in log if r["action"].startswith("delivery")]
    assert acts.count(("delivery", "540329")) == 2 and acts.count(("delivery_failed", "540329")) == 2
    assert acts.count(("delivery", "54")) == 1
    kept = [(d["email"], d["status"], d["attempts"]) for d in deliver.history(WEEK)][::-1]
    assert kept == [
        ("an@xz.gov.cn", "sent", 1),
        ("broken@xz.gov.cn", "failed", 3),
        ("ll@xz.gov.cn", "sent", 1),
        ("broken@xz.gov.cn", "failed", 3),
        ("broken@xz.gov.cn", "sent", 1),
    ]


def test_subscriptions_are_checked_and_kept_once(data):
    with pytest.raises(ValueError, match="邮箱地址无效"):
        deliver.subscribe(deliver.Recipient("x", "not-an-address", "54"), "root")
    with pytest.raises(ValueError, match="区划代码不存在"):
        deliver.subscribe(deliver.Recipient("x", "x@xz.gov.cn", "549999"), "root")
    with pytest.raises(ValueError, match="zh 或 en"):
        deliver.subscribe(deliver.Recipient("x", "x@xz.gov.cn", "54", "fr"), "root")
    deliver.subscribe(deliver.Recipient("旧名", " CD@xz.gov.cn", "5403"), "root")
    deliver.subscribe(deliver.Recipient("昌都市专班", "cd@xz.gov.cn", "5403"), "root")  # renamed, not doubled
    deliver.subscribe(deliver.Recipient("Chamdo team", "cd@xz.gov.cn", "5403", "en"), "root")
    assert deliver.recipients() == [
        deliver.Recipient("Chamdo team", "cd@xz.gov.cn", "5403", "en"),
        deliver.Recipient("昌都市专班", "cd@xz.gov.cn", "5403", "zh"),
    ]
    assert deliver.unsubscribe("cd@xz.gov.cn", "5403", None, "root") == 2 and deliver.recipients() == []
    assert deliver.unsubscribe("cd@xz.gov.cn", "5403", None, "root") == 0


def test_files_of_earlier_versions_are_imported_once(data, capsys):
    from tracker import store

    (data / "bulletin").mkdir(exist_ok=True)
    (data / "bulletin" / "subscriptions.csv").write_text(
        "name,email,area,lang\n洛隆县人社局,ll@xz.gov.cn,540329,zh\nAnalyst,AN@xz.gov.cn,54,en\n洛隆县人社局,ll@xz.gov.cn,540329,zh\n",
        encoding="utf-8",
    )
    sent = {"week": "2026-11-20", "email": "LL@xz.gov.cn", "area": "540329", "lang": "zh", "status": "sent", "attempts": 1}
    failed = sent | {"email": "an@xz.gov.cn", "area": "54", "lang": "en", "status": "failed", "attempts": 3, "error": "550"}
    (data / "bulletin" / "deliveries.jsonl").write_text(
        "\n".join(json.dumps(e | {"time": "2026-11-20T18:30:00"}) for e in (sent, failed)) + '\n{"week": "2026-11-2\n',
        encoding="utf-8",
    )  # an address written with capitals then, and a torn last line
    store.reset()
    assert [(r.email, r.area, r.lang) for r in deliver.recipients()] == [("an@xz.gov.cn", "54", "en"), ("ll@xz.gov.cn", "540329", "zh")]
    assert deliver.delivered(WEEK) == {("ll@xz.gov.cn", "540329", "zh")}  # not sent twice; the failed one is tried again
    err = capsys.readouterr().err
    assert "imported 2 of 3 subscriptions" in err and "imported 2 deliveries" in err
    store.reset()
    assert len(deliver.recipients()) == 2 and len(deliver.history()) == 2  # not again


def test_the_command_keeps_subscriptions(data, capsys):
    assert deliver.main(["--add", "洛隆县人社局", "ll@xz.gov.cn", "540329"]) == 0
    assert deliver.main(["--add", "x", "bad", "540329"]) == 2
    assert deliver.main(["--list"]) == 0
    out = capsys.readouterr()
    assert "ok: ll@xz.gov.cn (540329, zh)" in out.out and "540329\tzh\tll@xz.gov.cn\t洛隆县人社局" in out.out
    assert "邮箱地址无效" in out.err
    assert deliver.main(["--remove", "ll@xz.gov.cn", "540329"]) == 0 and deliver.recipients() == []
    assert deliver.main(["--remove", "ll@xz.gov.cn", "540329"]) == 1


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
    # a random hex id: email.utils.make_msgid's decimal was once an 18-digit number with a valid ID check digit
    assert re.fullmatch(r"<[0-9a-f]{32}@tracker\.local>", m["Message-ID"]), m["Message-ID"]


def test_a_damaged_old_file_does_not_keep_the_app_from_starting(data, capsys):
    from tracker import auth, store

    (data / "bulletin").mkdir(exist_ok=True)
    (data / "bulletin" / "subscriptions.csv").write_bytes(b"\xff\xfe\x00garbage,,,\n\x00\x01")
    store.reset()
    auth.add_user("root", "correct-horse-1", "admin", "54")  # the store works
    assert auth.login("root", "correct-horse-1").area == "54"
    assert deliver.recipients() == []
    assert "bulletin of an earlier version not imported" in capsys.readouterr().err
