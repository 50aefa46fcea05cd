"""Scheduled delivery of the weekly bulletin (订阅): each recipient gets the week's pack for their own area.

    python -m tracker.deliver --week 2026-11-20 [--if-complete] [--transport outbox|smtp]

Run it from cron or a systemd timer (e.g. Friday 18:30 with --if-complete, Monday 10:00 without). Recipients are in
`data/bulletin/subscriptions.csv` (name, email, area, lang). The pack: the Word and PDF bulletin, the Excel tables
and a one-image summary fit for a WeChat group (PNG, phone width). `outbox` (the default) writes each message as an
.eml file under `data/outbox/<week>/`; `smtp` sends through TRACKER_SMTP_HOST / _PORT / _USER / _PASSWORD /
_STARTTLS / _FROM. Every delivery is audited and kept in `data/bulletin/deliveries.jsonl`; a delivery made is never
made again for the same week and recipient; a failed one is retried (three attempts a run, and again next run) and
reported by the exit code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import smtplib
import sys
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

import polars as pl

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
    return settings.data_dir() / "bulletin" / "subscriptions.csv"


def log_file() -> Path:
    return settings.data_dir() / "bulletin" / "deliveries.jsonl"


def recipients(path: Path | None = None) -> list[Recipient]:
    p = path or subscriptions_file()
    if not p.is_file():
        return []
    df = pl.read_csv(p, schema=SUBSCRIPTIONS_SCHEMA)
    return [Recipient(r["name"], r["email"].strip(), r["area"].strip(), (r["lang"] or "zh").strip()) for r in df.iter_rows(named=True)]


def delivered(week: dt.date) -> set[tuple[str, str, str]]:
    """(email, area, lang) already sent for the week."""
    p = log_file()
    if not p.is_file():
        return set()
    out = set()
    for line in p.read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        if e["week"] == week.isoformat() and e["status"] == "sent":
            out.add((e["email"], e["area"], e["lang"]))
    return out


def _log(entry: dict) -> None:
    p = log_file()
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


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
    m["Message-ID"] = make_msgid(domain="tracker.local")
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
    ap.add_argument("--week", type=dt.date.fromisoformat, required=True, help="snapshot date (a Friday)")
    ap.add_argument("--if-complete", action="store_true", help="only for areas whose every county has this week's data")
    ap.add_argument("--transport", choices=["outbox", "smtp"], default=os.environ.get("TRACKER_DELIVERY", "outbox"))
    a = ap.parse_args(argv)
    res = run(a.week, transport_from_env(a.transport), a.if_complete)
    print(f"sent {len(res['sent'])}, already sent {len(res['skipped'])}, waiting {len(res['waiting'])}, failed {len(res['failed'])}")
    for w in res["waiting"]:
        print(f"  waiting: {w['email']} ({w['area']}): {len(w['missing'])} counties without data")
    for f in res["failed"]:
        print(f"  FAILED: {f['email']}: {f['error']}", file=sys.stderr)
    return 1 if res["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
