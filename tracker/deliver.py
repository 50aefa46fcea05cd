"""Scheduled delivery of the weekly bulletin (订阅): each recipient gets the week's pack for their own area.

    python -m tracker.deliver --week 2026-11-20 [--if-complete] [--transport outbox|smtp]
    python -m tracker.deliver --list | --add NAME EMAIL AREA [LANG] | --remove EMAIL AREA [LANG]

Run it from cron or a systemd timer (e.g. Friday 18:30 with --if-complete, Monday 10:00 without). Recipients are
subscriptions in the store (`tracker.store`: name, email, area, lang), kept on the 用户管理 page or with --add /
--remove; a `data/bulletin/subscriptions.csv` of earlier versions is imported once. The pack: the Word and PDF
bulletin, the Excel tables and a one-image summary fit for a WeChat group (PNG, phone width). `outbox` (the default)
writes each message as an .eml file under `data/outbox/<week>/`; `smtp` sends through TRACKER_SMTP_HOST / _PORT /
_USER / _PASSWORD / _STARTTLS / _FROM. Every delivery is audited and kept in the store's `deliveries`; a delivery
made is never made again for the same week and recipient; a failed one is retried (three attempts a run, and again
next run) and reported by the exit code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import smtplib
import sys
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from tracker import audit, hierarchy, settings

ATTEMPTS = 3
SUBSCRIPTIONS_SCHEMA = {"name": pl.String, "email": pl.String, "area": pl.String, "lang": pl.String}


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    area: str
    lang: str = "zh"


def subscriptions_file() -> Path:
    """The subscriptions CSV of earlier versions (imported once into the store)."""
    return settings.data_dir() / "bulletin" / "subscriptions.csv"


def log_file() -> Path:
    """The delivery log of earlier versions (imported once into the store)."""
    return settings.data_dir() / "bulletin" / "deliveries.jsonl"


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def recipients() -> list[Recipient]:
    from tracker import store

    t = store.subscriptions
    with store.engine().connect() as c:
        rows = c.execute(sa.select(t.c.name, t.c.email, t.c.area, t.c.lang).order_by(t.c.area, t.c.email, t.c.lang)).all()
    return [Recipient(*r) for r in rows]


def subscribe(r: Recipient, who: str) -> Recipient:
    """Add (or rename) a subscription; ValueError with a message in both languages when it cannot be one."""
    from tracker import store

    r = Recipient(r.name.strip(), r.email.strip().lower(), r.area.strip(), (r.lang or "zh").strip())
    if not EMAIL.match(r.email):
        raise ValueError(f"邮箱地址无效 / not an e-mail address: {r.email}")
    if not hierarchy.load().exists(r.area):
        raise ValueError(f"区划代码不存在 / no such area code: {r.area}")
    if r.lang not in ("zh", "en"):
        raise ValueError(f"语言应为 zh 或 en / language must be zh or en: {r.lang}")
    t = store.subscriptions
    with store.engine().begin() as c:
        key = (t.c.email == r.email) & (t.c.area == r.area) & (t.c.lang == r.lang)
        if c.execute(sa.update(t).where(key).values(name=r.name)).rowcount == 0:
            c.execute(sa.insert(t).values(name=r.name, email=r.email, area=r.area, lang=r.lang, added_by=who, added_at=time.time()))
    audit.log(who, "subscription_add", r.area, f"{r.email} {r.lang}")
    return r


def unsubscribe(email: str, area: str, lang: str | None, who: str) -> int:
    """Remove the subscriptions of an address for an area (one language, or both); how many were removed."""
    from tracker import store

    t = store.subscriptions
    cond = (t.c.email == email.strip().lower()) & (t.c.area == area.strip())
    if lang:
        cond &= t.c.lang == lang
    with store.engine().begin() as c:
        n = c.execute(sa.delete(t).where(cond)).rowcount
    if n:
        audit.log(who, "subscription_remove", area.strip(), f"{email.strip().lower()} {lang or ''}".strip())
    return n


def delivered(week: dt.date) -> set[tuple[str, str, str]]:
    """(email, area, lang) already sent for the week."""
    from tracker import store

    t = store.deliveries
    with store.engine().connect() as c:
        rows = c.execute(sa.select(t.c.email, t.c.area, t.c.lang).where(t.c.week == week, t.c.status == "sent")).all()
    return {tuple(r) for r in rows}


def history(week: dt.date | None = None, area: str = "", limit: int | None = None) -> list[dict]:
    """Delivery attempts kept (newest first): of a week, of the areas under `area`, at most `limit`."""
    from tracker import store

    t = store.deliveries
    q = sa.select(t).where(t.c.area.startswith(area)).order_by(t.c.id.desc()).limit(limit)
    if week is not None:
        q = q.where(t.c.week == week)
    with store.engine().connect() as c:
        return [dict(r) for r in c.execute(q).mappings()]


def _row(entry: dict) -> dict:
    """A delivery entry (as `run` makes it, and as deliveries.jsonl of earlier versions kept it) as a table row; the
    address as subscriptions keep it, so a sent one stays sent. KeyError/ValueError for an entry that is not one."""
    return {
        "week": dt.date.fromisoformat(entry["week"]),
        "email": entry["email"].strip().lower(),
        "area": entry["area"].strip(),
        "lang": entry.get("lang", "zh"),
        "status": entry["status"],
        "attempts": entry.get("attempts", 1),
        "target": entry.get("to"),
        "message_id": entry.get("message_id"),
        "at": entry.get("time", ""),
        "files": entry.get("files") or [],
        "error": entry.get("error") or "",
    }


def _log(entry: dict) -> None:
    from tracker import store

    with store.engine().begin() as c:
        c.execute(sa.insert(store.deliveries).values(**_row(entry)))


def import_files(eng) -> None:
    """subscriptions.csv and deliveries.jsonl of earlier versions, once each (the files are not read again)."""
    from tracker import store

    for path, kind in ((subscriptions_file(), "subscriptions"), (log_file(), "deliveries")):
        if not path.is_file():
            continue
        name = f"{path.name}:{path.resolve()}"
        with eng.begin() as c:
            if c.execute(sa.select(store.imports.c.name).where(store.imports.c.name == name)).first():
                continue
            if kind == "subscriptions":
                df = pl.read_csv(path, schema=SUBSCRIPTIONS_SCHEMA).fill_null("")
                t = store.subscriptions
                have = {tuple(r) for r in c.execute(sa.select(t.c.email, t.c.area, t.c.lang))}
                rows = []
                for r in df.iter_rows(named=True):
                    k = (r["email"].strip().lower(), r["area"].strip(), (r["lang"] or "zh").strip() or "zh")
                    if k not in have:
                        have.add(k)
                        rows.append(
                            {"name": r["name"].strip(), "email": k[0], "area": k[1], "lang": k[2]}
                            | {"added_by": "import", "added_at": time.time()}
                        )
                if rows:
                    c.execute(sa.insert(store.subscriptions), rows)
                detail = f"{len(rows)} of {df.height} subscriptions"
            else:
                rows = []
                for line in path.read_text(encoding="utf-8").splitlines():
                    try:
                        rows.append(_row(json.loads(line)))
                    except (ValueError, KeyError, TypeError, AttributeError):
                        continue  # a torn or foreign line: the rest still comes in
                if rows:
                    c.execute(sa.insert(store.deliveries), rows)
                detail = f"{len(rows)} deliveries"
            c.execute(sa.insert(store.imports).values(name=name, at=time.time(), detail=detail))
        print(f"tracker store: imported {detail} from {path} (it is no longer read).", file=sys.stderr, flush=True)


def complete(area: str, week: dt.date) -> tuple[bool, list[str]]:
    """Whether every county of the area has this week's data (a submission or a carried one); the missing ones."""
    from tracker import submissions

    state = submissions.week_state(week)
    if not state:  # a week built without per-county submissions (the demo's earlier weeks): complete as it stands
        return True, []
    h = hierarchy.load()
    counties = [c for c in h.units.filter(pl.col("level") == 3)["code"].to_list() if c.startswith(area)]
    missing = [c for c in counties if c not in state]
    return not missing, missing


def summary_png(b, width: int = 750) -> bytes:
    """A one-image summary for a phone screen: the headline, the comparison and the laggards, in the bulletin's
    words, drawn with the system's Noto CJK font."""
    from PIL import Image, ImageDraw, ImageFont

    from tracker.bulletin import plain

    font_path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    bold_path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
    f_title, f_head, f_body = ImageFont.truetype(bold_path, 34), ImageFont.truetype(bold_path, 28), ImageFont.truetype(font_path, 26)
    pad, line_h = 36, 40

    def wrap(text: str, font) -> list[str]:
        lines, cur = [], ""
        for ch in text:
            if font.getlength(cur + ch) > width - 2 * pad:
                lines.append(cur)
                cur = ch
            else:
                cur += ch
        return [*lines, cur] if cur else lines

    blocks: list[tuple[str, object, str]] = [(b.head.mark if b.head else b.title, f_title, "#E60012")]
    blocks.append((f"第{b.issue_no}期　{b.date_line}" if b.lang == "zh" else f"No. {b.issue_no}, {b.date_line}", f_body, "#333333"))
    for title, texts in b.sections():
        blocks.append((title, f_head, "#000000"))
        blocks += [(plain(t), f_body, "#000000") for t in texts[:2]]
    lines = [(ln, font, color) for text, font, color in blocks for ln in wrap(text, font)]
    height = pad * 2 + line_h * len(lines) + 20
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    y = pad
    for i, (ln, font, color) in enumerate(lines):
        d.text((pad, y), ln, font=font, fill=color)
        y += line_h
        if i == 1:
            d.line((pad, y + 4, width - pad, y + 4), fill="#E60012", width=3)
            y += 14
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def pack(area: str, week: dt.date, lang: str) -> tuple[object, dict[str, bytes]]:
    """The bulletin and its files for one area and language, charts drawn once."""
    from tracker import bulletin

    b = bulletin.build(area, week, lang)
    images = bulletin.png(b)
    h = hierarchy.load()
    stem = f"{'调度通报' if lang == 'zh' else 'bulletin'}_{h.short_name(area, lang)}_{week.isoformat()}"
    files = {
        f"{stem}.docx": bulletin.docx_bytes(b, images),
        f"{stem}.pdf": bulletin.pdf_bytes(b, images),
        f"{stem}.xlsx": bulletin.xlsx_bytes(b),
        f"{stem}_{'摘要' if lang == 'zh' else 'summary'}.png": summary_png(b),
    }
    return b, files


MIME = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".pdf": ("application", "pdf"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".png": ("image", "png"),
}


def message(r: Recipient, b, files: dict[str, bytes], sender: str) -> EmailMessage:
    from tracker.bulletin import plain

    m = EmailMessage()
    zh = r.lang == "zh"
    m["Subject"] = f"{b.head.mark if b.head else b.title}（第{b.issue_no}期）" if zh else f"{b.title} (No. {b.issue_no})"
    m["From"] = sender
    m["To"] = formataddr((r.name, r.email))
    # not email.utils.make_msgid: its random 64-bit decimal is, one message in a few hundred, an 18-digit number with a
    # valid ID check digit, which no ID scan can tell from a leaked ID number
    m["Message-ID"] = f"<{uuid.uuid4().hex}@tracker.local>"
    body = [f"{r.name}：" if zh else f"Dear {r.name},", ""]
    for title, texts in b.sections():
        body += [title, *[plain(t) for t in texts], ""]
    body.append(
        "附件为本期通报（Word、PDF）、附表（Excel）和一图摘要。"
        if zh
        else "Attached: the bulletin (Word, PDF), its tables (Excel) and a one-image summary."
    )
    m.set_content("\n".join(body))
    for name, data in files.items():
        maintype, subtype = MIME[Path(name).suffix]
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m


class Outbox:
    """The embedded transport: one .eml file per message, for an office's own mail client or a later relay."""

    def __init__(self, root: Path):
        self.root = root

    def send(self, m: EmailMessage, week: dt.date) -> str:
        d = self.root / week.isoformat()
        d.mkdir(parents=True, exist_ok=True)
        p = d / f"{m['To'].addresses[0].addr_spec}.eml"
        p.write_bytes(bytes(m))
        return str(p)


class SMTP:
    def __init__(self, host: str, port: int, user: str = "", password: str = "", starttls: bool = False, timeout: float = 30):
        self.host, self.port, self.user, self.password, self.starttls, self.timeout = host, port, user, password, starttls, timeout

    def send(self, m: EmailMessage, week: dt.date) -> str:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as s:
            if self.starttls:
                s.starttls()
            if self.user:
                s.login(self.user, self.password)
            s.send_message(m)
        return f"smtp://{self.host}:{self.port}"


def transport_from_env(kind: str):
    if kind == "smtp":
        return SMTP(
            os.environ.get("TRACKER_SMTP_HOST", "localhost"),
            int(os.environ.get("TRACKER_SMTP_PORT", "25")),
            os.environ.get("TRACKER_SMTP_USER", ""),
            os.environ.get("TRACKER_SMTP_PASSWORD", ""),
            os.environ.get("TRACKER_SMTP_STARTTLS", "0") == "1",
        )
    return Outbox(settings.data_dir() / "outbox")


def run(
    week: dt.date, transport, only_complete: bool = False, sender: str = "", subs: list[Recipient] | None = None, pause: float = 1.0
) -> dict:
    """Deliver the week's pack to every recipient not yet served. Returns {"sent": [...], "failed": [...],
    "skipped": [...], "waiting": [...]}."""
    import queries

    queries.set_scope(queries.SYSTEM)  # the command runs as the operator; each pack is for its recipient's area
    sender = sender or os.environ.get("TRACKER_SMTP_FROM", "tracker@localhost")
    done = delivered(week)
    out: dict[str, list] = {"sent": [], "failed": [], "skipped": [], "waiting": []}
    packs: dict[tuple[str, str], tuple] = {}
    for r in subs if subs is not None else recipients():
        key = (r.email, r.area, r.lang)
        if key in done:
            out["skipped"].append(r.email)
            continue
        if only_complete:
            ok, missing = complete(r.area, week)
            if not ok:
                out["waiting"].append({"email": r.email, "area": r.area, "missing": missing})
                continue
        if (r.area, r.lang) not in packs:
            packs[(r.area, r.lang)] = pack(r.area, week, r.lang)
        b, files = packs[(r.area, r.lang)]
        m = message(r, b, files, sender)
        error = ""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                where = transport.send(m, week)
            except (OSError, smtplib.SMTPException) as e:
                error = f"{type(e).__name__}: {e}"
                time.sleep(pause * attempt)
                continue
            entry = {
                "week": week.isoformat(),
                "email": r.email,
                "area": r.area,
                "lang": r.lang,
                "status": "sent",
                "attempts": attempt,
                "to": where,
                "message_id": m["Message-ID"],
                "time": dt.datetime.now().isoformat(timespec="seconds"),
                "files": sorted(files),
            }
            _log(entry)
            audit.log("deliver", "delivery", r.area, f"{week} {r.email} ({attempt})")
            out["sent"].append(r.email)
            break
        else:
            _log(
                {
                    "week": week.isoformat(),
                    "email": r.email,
                    "area": r.area,
                    "lang": r.lang,
                    "status": "failed",
                    "attempts": ATTEMPTS,
                    "error": error,
                    "time": dt.datetime.now().isoformat(timespec="seconds"),
                }
            )
            audit.log("deliver", "delivery_failed", r.area, f"{week} {r.email}: {error}")
            out["failed"].append({"email": r.email, "error": error})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Deliver the week's bulletin to its subscribers.")
    ap.add_argument("--week", type=dt.date.fromisoformat, help="snapshot date (a Friday)")
    ap.add_argument("--if-complete", action="store_true", help="only for areas whose every county has this week's data")
    ap.add_argument("--transport", choices=["outbox", "smtp"], default=os.environ.get("TRACKER_DELIVERY", "outbox"))
    ap.add_argument("--list", action="store_true", help="list the subscriptions")
    ap.add_argument("--add", nargs="+", metavar="NAME EMAIL AREA [LANG]", help="add a subscription")
    ap.add_argument("--remove", nargs="+", metavar="EMAIL AREA [LANG]", help="remove a subscription")
    a = ap.parse_args(argv)
    who = f"cli:{os.environ.get('USER', 'operator')}"
    if a.list:
        for r in recipients():
            print(f"{r.area}\t{r.lang}\t{r.email}\t{r.name}")
        return 0
    if a.add:
        if len(a.add) not in (3, 4):
            ap.error("--add NAME EMAIL AREA [LANG]")
        try:
            r = subscribe(Recipient(*a.add), who)
        except ValueError as e:
            print(e, file=sys.stderr)
            return 2
        print(f"ok: {r.email} ({r.area}, {r.lang})")
        return 0
    if a.remove:
        if len(a.remove) not in (2, 3):
            ap.error("--remove EMAIL AREA [LANG]")
        n = unsubscribe(*a.remove, who=who) if len(a.remove) == 3 else unsubscribe(a.remove[0], a.remove[1], None, who)
        print(f"removed {n}")
        return 0 if n else 1
    if a.week is None:
        ap.error("--week is required to deliver")
    res = run(a.week, transport_from_env(a.transport), a.if_complete)
    print(f"sent {len(res['sent'])}, already sent {len(res['skipped'])}, waiting {len(res['waiting'])}, failed {len(res['failed'])}")
    for w in res["waiting"]:
        print(f"  waiting: {w['email']} ({w['area']}): {len(w['missing'])} counties without data")
    for f in res["failed"]:
        print(f"  FAILED: {f['email']}: {f['error']}", file=sys.stderr)
    return 1 if res["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
