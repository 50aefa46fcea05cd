"""The audit trail: who did what, when, for which area (logins, record views, exports, data and user changes).

The lines live in the app's store (`tracker.store`: SQLite by default, PostgreSQL for several hosts), one row per
line, each line one JSON object. Any character that could split or disguise a line (control characters, U+0085,
U+2028, U+2029, bidi controls, …) is written as a \\u escape, so an export keeps one line per record. ID-shaped
text is masked before it is written.

A keyed chain: each line carries `mac` = HMAC-SHA256(audit key, previous line's mac + "\\n" + this line's
canonical JSON without `mac`); the audit key is derived from the secret key (`ids.load_key`), which lives
outside the data directory and the store. A line and the anchor (line count, head mac, sealed with the same key)
are written in one transaction; a concurrent writer retries. `status`/`verify` find an edited, inserted or deleted
line (including the last), cut-off trailing lines, truncation to nothing, a rewrite without the key, a missing or
forged anchor, and an older anchor put back while later lines remain. The anchor lives in the same database: someone
who can write it can cut the last lines and put back an anchor copied earlier, or empty both tables; each week's
manifest records `head()` outside the store, and `confirms` finds that.

An `audit.jsonl` of earlier versions (`TRACKER_AUDIT_FILE`, anchor file beside the secret key) is checked and
imported once into an empty store, lines unchanged, so its chain and its verdict carry over; it is not written
again. Logs written before the key (lines with `prev` = SHA-256 of the line before) stay readable: their own chain
is checked, and the first keyed line chains from the hash of the last old line. `log` never raises: a store that
refuses the line costs the line (a note on stderr), never a sign-in.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tracker import settings
from tracker.ids import load_key, redact

FIELDS = ("ts", "who", "action", "area", "detail")
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")  # China has kept UTC+8 without DST since 1991
_KEY_LABEL = b"tracker/audit-chain/v1"

ANCHOR_SETTING = settings.SETTINGS["audit_anchor_file"]

# action code -> (zh, en)
ACTIONS = {
    "login": ("登录", "Sign-in"),
    "login_failed": ("登录失败", "Failed sign-in"),
    "login_locked": ("登录被锁定", "Sign-in locked"),
    "login_sso": ("单点登录", "SSO sign-in"),
    "sso_unmapped": ("单点登录未授权", "SSO account not mapped"),
    "logout": ("退出登录", "Sign-out"),
    "denied_area": ("越权访问区划（已拒绝）", "Area refused"),
    "denied_page": ("越权访问页面（已拒绝）", "Page refused"),
    "view_records": ("查看明细记录", "Viewed records"),
    "export": ("导出/下载", "Export / download"),
    "ingest": ("导入台账", "Ledger import"),
    "rollback": ("回退报送", "Submission rolled back"),
    "quota_save": ("保存目标任务", "Quotas saved"),
    "report_entry": ("填报指标", "Figures reported"),
    "report_import": ("导入填报指标", "Reported figures imported"),
    "quota_load": ("导入目标任务", "Quotas loaded"),
    "bulletin_letterhead": ("修改通报版头", "Bulletin letterhead changed"),
    "delivery": ("通报投递", "Bulletin delivered"),
    "delivery_failed": ("通报投递失败", "Bulletin delivery failed"),
    "user_add": ("新增账号", "Account added"),
    "subscription_add": ("新增通报订阅", "Bulletin subscription added"),
    "subscription_remove": ("取消通报订阅", "Bulletin subscription removed"),
    "followup_open": ("发起督办", "Follow-up opened"),
    "followup_reply": ("督办回复", "Follow-up reply"),
    "followup_close": ("督办办结", "Follow-up closed"),
    "user_set": ("修改账号", "Account changed"),
    "user_disable": ("停用账号", "Account disabled"),
    "user_enable": ("启用账号", "Account enabled"),
    "user_reset": ("重置密码", "Password reset"),
    "damaged": ("损坏的行", "Damaged line"),
}


def action_label(code: str, lang: str) -> str:
    """The readable name of an action code (the code itself when unknown)."""
    pair = ACTIONS.get(code)
    return code if pair is None else pair[0 if lang == "zh" else 1]


def path() -> Path:
    """The audit.jsonl of earlier versions (imported once into the store)."""
    return Path(settings.SETTINGS["audit_file"].get() or settings.data_dir() / "audit" / "audit.jsonl")


def anchor_path() -> Path:
    explicit = ANCHOR_SETTING.get()
    if explicit:
        return Path(explicit)
    tag = hashlib.sha256(str(path().resolve()).encode()).hexdigest()[:16]
    return Path(settings.SETTINGS["secret_key_file"].get()).parent / "audit-anchors" / f"{tag}.json"


def _key() -> bytes:
    """The chain's own key, derived from the secret key (never the person-hash key itself)."""
    return hmac.digest(load_key(settings.SETTINGS["secret_key_file"].get()), _KEY_LABEL, hashlib.sha256)


# --- one line --------------------------------------------------------------------------------------------


def _u(o: int) -> str:
    if o > 0xFFFF:  # JSON escapes only the BMP: a surrogate pair
        o -= 0x10000
        return f"\\u{0xD800 + (o >> 10):04x}\\u{0xDC00 + (o & 0x3FF):04x}"
    return f"\\u{o:04x}"


def visible(text: str) -> str:
    """Text with every non-printable character (line and paragraph separators, controls, bidi marks…)
    shown as a \\u escape: the same string can neither split a line nor disguise itself."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or unicodedata.category(c) == "Zs" else _u(ord(c)) for c in text)


def _canonical(rec: dict) -> bytes:
    return json.dumps(rec, ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode()


def _mac(key: bytes, prev: str, rec: dict) -> str:
    return hmac.new(key, prev.encode("ascii", "replace") + b"\n" + _canonical(rec), hashlib.sha256).hexdigest()


def _line(rec: dict) -> bytes:
    # json escapes " \ and C0 controls; `visible` escapes the rest that is not printable (only inside
    # strings: JSON's own syntax is plain ASCII). Chinese stays readable in the file.
    return visible(json.dumps(rec, ensure_ascii=False)).encode("utf-8")


def _parse(line: bytes) -> dict | None:
    try:
        rec = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError; RecursionError: [[[[…
        return None
    return rec if isinstance(rec, dict) else None


def _link(line: bytes, rec: dict | None) -> str:
    """What the next line chains from: a keyed line's mac, else the SHA-256 of the raw line."""
    if rec is not None and isinstance(rec.get("mac"), str):
        return rec["mac"]
    return hashlib.sha256(line).hexdigest()


def _split(data: bytes) -> list[bytes]:
    """The lines (on b"\\n" only); an unterminated tail (a torn write) is a line of its own."""
    if not data:
        return []
    parts = data.split(b"\n")
    return parts[:-1] if parts[-1] == b"" else parts


# --- the anchor ------------------------------------------------------------------------------------------


def _seal(key: bytes, count: int, mac: str, start: int) -> str:
    return hmac.new(key, f"anchor\n{count}\n{mac}\n{start}".encode("ascii", "replace"), hashlib.sha256).hexdigest()


def _anchor_of(row, key: bytes | None) -> dict | str | None:
    """The anchor row as a dict; "damaged" when its seal does not match (edited, or written without the key)."""
    if row is None:
        return None
    a = {"count": row.count, "mac": row.mac, "start": row.start}
    if key is None or not hmac.compare_digest(row.seal or "", _seal(key, row.count, row.mac, row.start)):
        return "damaged"
    return a


class _Moved(Exception):
    """Another writer moved the anchor since we read it."""


def _write_anchor(c, key: bytes, count: int, mac: str, start: int, was: str | None = None) -> None:
    """Set the anchor; with `was` (the seal read before) only if nobody changed it since (compare and swap)."""
    from tracker import store

    t = store.audit_anchor
    values = dict(count=count, mac=mac, start=start, ts=_now(), seal=_seal(key, count, mac, start))
    if was is not None:
        if c.execute(sa.update(t).where(t.c.id == 1, t.c.seal == was).values(**values)).rowcount != 1:
            raise _Moved
    elif c.execute(sa.update(t).where(t.c.id == 1).values(**values)).rowcount == 0:
        c.execute(sa.insert(t).values(id=1, **values))


def _now() -> str:
    return dt.datetime.now(BEIJING).isoformat(timespec="seconds")


# --- writing ---------------------------------------------------------------------------------------------


def _conflict(e: Exception) -> bool:
    """A concurrent writer got there first (same line number, or SQLite's snapshot moved on): try again."""
    text = str(getattr(e, "orig", e)).lower()
    return any(w in text for w in ("unique", "duplicate key", "database is locked", "could not serialize"))


def _append(who: str, action: str, area: str, detail: str) -> None:
    from tracker import store

    key = _key()  # before touching the log: no key, no line
    rec = {
        "ts": _now(),
        "who": redact(str(who))[:80],
        "action": redact(str(action))[:40],
        "area": redact(str(area))[:20],
        "detail": redact(str(detail))[:500],
    }
    eng = store.engine()
    t, a = store.audit_lines, store.audit_anchor
    one = a.c.id == 1
    last = sa.select(sa.func.max(t.c.seq)).scalar_subquery()
    # one statement, so the anchor and the last line are read as of one moment (SQLite runs reads outside a
    # transaction); the writes below then fail if another writer came in between, and we start again
    probe = sa.select(
        *(sa.select(col).where(one).scalar_subquery().label(col.name) for col in (a.c.count, a.c.mac, a.c.start, a.c.seal)),
        last.label("seq"),
        sa.select(t.c.line).where(t.c.seq == last).scalar_subquery().label("line"),
        sa.select(sa.func.count()).select_from(t).scalar_subquery().label("n"),
    )
    for attempt in range(60):
        try:
            with eng.begin() as c:
                r = c.execute(probe).one()
                anchor = _anchor_of(r if r.seal is not None else None, key)
                if isinstance(anchor, dict):
                    # the anchor is the authority: a cut or edited log does not get healed by the next line
                    prev, n, start = anchor["mac"], anchor["count"] + 1, anchor["start"]
                else:
                    # the first keyed line (a new log, or an old unkeyed one), or the anchor went missing or bad: it
                    # starts here; `status` tells when the anchor did not start together with the keyed chain
                    lb = r.line.encode("utf-8") if r.line is not None else b""
                    prev = _link(lb, _parse(lb)) if r.line is not None else ""
                    n, start = r.n + 1, r.n
                body = dict(rec, mac=_mac(key, prev, rec))
                c.execute(sa.insert(t).values(seq=(r.seq or 0) + 1, line=_line(body).decode("utf-8")))
                _write_anchor(c, key, n, body["mac"], start, was=r.seal)
            return
        except (sa.exc.IntegrityError, sa.exc.OperationalError, _Moved) as e:
            if not (isinstance(e, _Moved) or _conflict(e)) or attempt == 59:
                raise
            time.sleep(0.002 * (attempt + 1))


def log(who: str, action: str, area: str = "", detail: str = "") -> bool:
    """Append one line; True when it (and the anchor) were written. Never raises: a store that cannot be
    reached or refuses the line, or a missing key leave a note on stderr (IDs masked) and return False."""
    try:
        _append(who, action, area, detail)
        return True
    except Exception as e:
        msg = f"audit: line not written ({type(e).__name__}: {e}): {who} {action} {area} {detail}"
        try:
            print(visible(redact(msg))[:1000], file=sys.stderr, flush=True)
        except Exception:
            pass
        return False


# --- reading and checking ------------------------------------------------------------------------------


def _snapshot() -> tuple[list[bytes], object]:
    """The lines and the anchor row, in step (read again if a writer came in between)."""
    from tracker import store

    anchor = sa.select(store.audit_anchor).where(store.audit_anchor.c.id == 1)
    every = sa.select(store.audit_lines.c.line).order_by(store.audit_lines.c.seq)
    with store.engine().connect() as c:
        for _ in range(20):
            # each read is its own snapshot (SQLite outside a transaction, PostgreSQL's READ COMMITTED), and every
            # append moves the anchor: an anchor that is the same before and after the lines is in step with them
            row = c.execute(anchor).first()
            lines = [ln.encode("utf-8") for ln in c.execute(every).scalars()]
            if c.execute(anchor).first() == row:
                break
    return lines, row


def read() -> list[dict]:
    """Every line as a record (FIELDS as text, plus `line`, 1-based, and `damaged`). A line that is not a
    record comes back as action "damaged" with its text (escaped, IDs masked) as the detail."""
    try:
        lines, _ = _snapshot()
    except Exception as e:
        print(f"audit: cannot read the log ({type(e).__name__})", file=sys.stderr)
        return []
    return _records(lines)


def _records(lines: list[bytes]) -> list[dict]:
    out = []
    for i, line in enumerate(lines, 1):
        rec = _parse(line)
        if rec is None or not isinstance(rec.get("action"), str):
            text = visible(redact(line.decode("utf-8", "replace")))[:500]
            out.append({"ts": "", "who": "", "action": "damaged", "area": "", "detail": text, "line": i, "damaged": True})
            continue
        r = {f: ("" if rec.get(f) is None else rec[f] if isinstance(rec.get(f), str) else str(rec[f])) for f in FIELDS}
        out.append(r | {"line": i, "damaged": False})
    return out


@dataclass(frozen=True)
class Chain:
    """The result of checking the log. `first_bad` is the 1-based number of the first line that is wrong
    or missing (lines + 1 when lines were cut off at the end), None when all is well."""

    lines: int
    first_bad: int | None
    reason: str  # ok | empty | bad_line | bad_mac | bad_prev | unkeyed | truncated | unanchored |
    #              no_anchor | anchor_damaged | anchor_mismatch | anchor_reset | no_key | unreadable
    legacy: int = 0  # old unkeyed lines at the start (the keyed chain starts at legacy + 1)
    anchor: int | None = None  # the line count the anchor holds
    damaged: tuple[int, ...] = field(default_factory=tuple)  # lines that are not records at all

    @property
    def keyed_from(self) -> int | None:
        return self.legacy + 1 if self.lines > self.legacy else None


def status() -> Chain:
    try:
        lines, row = _snapshot()
    except Exception:
        return Chain(0, 1, "unreadable")
    try:
        key = _key() if lines or row is not None else b""
    except OSError:
        return Chain(len(lines), 1 if lines else None, "no_key" if lines else "empty")
    return _check(lines, _anchor_of(row, key), key)


def _check(lines: list[bytes], anchor: dict | str | None, key: bytes) -> Chain:
    """The chain of `lines` against its anchor (a dict, "damaged" or None)."""
    n = len(lines)
    damaged = tuple(i for i, ln in enumerate(lines, 1) if _parse(ln) is None)
    start = anchor["start"] if isinstance(anchor, dict) else None

    def bad(i: int, reason: str, legacy: int) -> Chain:
        return Chain(n, i, reason, legacy, anchor["count"] if isinstance(anchor, dict) else None, damaged)

    prev, legacy, keyed = "", 0, False
    for i, line in enumerate(lines, 1):
        rec = _parse(line)
        if rec is None:
            return bad(i, "bad_line", legacy)
        if "mac" in rec:
            mac = rec.pop("mac")
            if not (isinstance(mac, str) and hmac.compare_digest(mac, _mac(key, prev, rec))):
                return bad(i, "bad_mac", legacy)
            prev, keyed = mac, True
        elif "prev" in rec:
            if keyed or (start is not None and i > start):  # an unkeyed line where the keyed chain runs
                return bad(i, "unkeyed", legacy)
            if rec["prev"] != prev:
                return bad(i, "bad_prev", legacy)
            prev, legacy = hashlib.sha256(line).hexdigest(), i
        else:
            return bad(i, "bad_line", legacy)
    if anchor is None:
        if keyed:
            return bad(legacy + 1, "no_anchor", legacy)
        return Chain(n, None, "ok" if n else "empty", legacy, None, damaged)  # nothing keyed yet (old log)
    if anchor == "damaged":
        return bad(legacy + 1, "anchor_damaged", legacy)
    if anchor["count"] > n:
        return bad(n + 1, "truncated", legacy)
    if anchor["count"] < n:
        return bad(anchor["count"] + 1, "unanchored", legacy)
    if not hmac.compare_digest(anchor["mac"], prev):
        return bad(legacy + 1, "anchor_mismatch", legacy)
    if anchor["start"] != legacy:  # the anchor was lost and started again over keyed lines
        return bad(legacy + 1, "anchor_reset", legacy)
    return Chain(n, None, "ok", legacy, anchor["count"], damaged)


def verify() -> int | None:
    """The 1-based number of the first line that was edited, inserted or removed (the line count + 1 when
    trailing lines were cut off), or None when the log is intact. Details: `status`."""
    return status().first_bad


def head() -> tuple[int, str]:
    """(line count, mac of the last line) of the log as it stands: what a weekly manifest records, so that
    a later `confirms(count, mac)` shows the log still holds that line unchanged. (0, "") when empty."""
    lines, _ = _snapshot()
    return (len(lines), _link(lines[-1], _parse(lines[-1]))) if lines else (0, "")


def confirms(count: int, mac: str) -> bool:
    """Whether line `count` of the log still carries `mac` (a head recorded earlier, e.g. in a manifest)."""
    if count == 0:
        return True
    lines, _ = _snapshot()
    return len(lines) >= count and hmac.compare_digest(_link(lines[count - 1], _parse(lines[count - 1])), mac)


# --- the log file of earlier versions --------------------------------------------------------------------


def _file_anchor() -> dict | str | None:
    """The anchor file of an audit.jsonl (None when there is none, "damaged" when it cannot be read as one)."""
    p = anchor_path()
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return "damaged"
    a = _parse(raw.strip())
    ok = (
        a is not None
        and all(isinstance(a.get(k), int) and not isinstance(a.get(k), bool) for k in ("count", "start"))
        and isinstance(a.get("mac"), str)
    )
    return a if ok else "damaged"


def import_file(eng) -> Chain | None:
    """An audit.jsonl of earlier versions, once, into an empty store: its chain is checked against its own anchor
    first, the lines go in unchanged and the anchor with them (sealed), so the store's check gives the file's
    verdict. None when there was nothing to import."""
    from tracker import store

    p = path()
    if not p.is_file():
        return None
    name = f"audit.jsonl:{p.resolve()}"
    with eng.begin() as c:
        if c.execute(sa.select(store.imports.c.name).where(store.imports.c.name == name)).first():
            return None
        with p.open("rb") as f:
            fcntl.flock(f, fcntl.LOCK_SH)  # an old process may still be appending
            lines = _split(f.read())
        have = c.execute(sa.select(sa.func.count()).select_from(store.audit_lines)).scalar_one()
        if have:
            detail = f"not imported: the store already holds {have} audit lines"
            c.execute(sa.insert(store.imports).values(name=name, at=time.time(), detail=detail))
            print(f"tracker store: {p}: {detail}; keep the file as the archive of the old log.", file=sys.stderr, flush=True)
            return None
        key = _key()
        anchor = _file_anchor()
        chain = _check(lines, anchor, key)
        if lines:
            c.execute(
                sa.insert(store.audit_lines),
                [{"seq": i, "line": ln.decode("utf-8", "replace")} for i, ln in enumerate(lines, 1)],
            )
        if isinstance(anchor, dict):
            _write_anchor(c, key, anchor["count"], anchor["mac"], anchor["start"])
        verdict = "chain intact" if chain.first_bad is None else f"chain broken from line {chain.first_bad} ({chain.reason})"
        c.execute(sa.insert(store.imports).values(name=name, at=time.time(), detail=f"{len(lines)} lines, {verdict}"))
    print(
        f"tracker store: imported {len(lines)} audit lines from {p} ({verdict}); the file is no longer written.",
        file=sys.stderr,
        flush=True,
    )
    return chain


# --- for the page ----------------------------------------------------------------------------------------


def beijing(ts: str) -> str:
    """An ISO time as Beijing time, "2026-11-23 09:38"; text that is not a time comes back as it is."""
    try:
        t = dt.datetime.fromisoformat(ts)
    except (TypeError, ValueError):
        return visible(str(ts))
    return (t.astimezone(BEIJING) if t.tzinfo else t).strftime("%Y-%m-%d %H:%M")


# the `key=value` words of a detail (e.g. an ingest's counts) as the page shows them
DETAIL_WORDS = {
    "files": ("文件数", "files"),
    "accepted": ("接收行", "accepted"),
    "rejected": ("拒收行", "rejected"),
    "outside_scope": ("非本辖区行", "outside scope"),
    "exit": ("结果", "exit"),
}


def readable(detail: str, lang: str) -> str:
    """A detail with its known `key=value` words named in the page's language (the log keeps the keys)."""
    return re.sub(
        r"\b([a-z_]+)=",
        lambda m: f"{DETAIL_WORDS[m.group(1)][0 if lang == 'zh' else 1]}=" if m.group(1) in DETAIL_WORDS else m.group(0),
        detail,
    )


def table(rows: list[dict], lang: str):
    """The lines as the page shows and exports them: line number, Beijing time, user, readable action, action
    code, area, detail; every text escaped with `visible`."""
    import polars as pl

    L = (lambda zh, en: zh) if lang == "zh" else (lambda zh, en: en)
    return pl.DataFrame(
        {
            L("行号", "Line"): [r["line"] for r in rows],
            L("时间", "Time"): [beijing(r["ts"]) for r in rows],
            L("用户", "User"): [visible(r["who"]) for r in rows],
            L("操作名称", "Action name"): [action_label(r["action"], lang) for r in rows],
            L("操作", "Action"): [visible(r["action"]) for r in rows],
            L("区划", "Area"): [visible(r["area"]) for r in rows],
            L("详情", "Detail"): [visible(readable(r["detail"], lang)) for r in rows],
        },
        schema_overrides={L("行号", "Line"): pl.Int64}
        | {
            c: pl.String
            for c in (
                L("时间", "Time"),
                L("用户", "User"),
                L("操作名称", "Action name"),
                L("操作", "Action"),
                L("区划", "Area"),
                L("详情", "Detail"),
            )
        },
    )


# why a chain is broken: reason -> (zh, en), with {b} the first bad line, {a} the anchor's count, {n} the lines
WHY = {
    "bad_line": ("第{b}行不是有效记录（损坏或被插入）", "line {b} is not a valid record (damaged or inserted)"),
    "bad_mac": ("第{b}行被改动、插入，或其前一行被删除", "line {b} was edited or inserted, or the line before it removed"),
    "bad_prev": ("第{b}行（旧格式）与前一行不相接", "line {b} (old form) does not link to the line before"),
    "unkeyed": ("第{b}行应有密钥校验却没有（被插入或改写）", "line {b} should carry a keyed MAC but does not (inserted or rewritten)"),
    "truncated": ("日志末尾被删除：锚点记录{a}行，现仅{n}行", "lines were cut off the end: the anchor records {a}, the log has {n}"),
    "unanchored": (
        "第{b}行起的记录未被锚点确认（锚点记录{a}行，日志有{n}行）",
        "lines from {b} on are not confirmed by the anchor (it records {a}, the log has {n})",
    ),
    "no_anchor": (
        "锚点缺失，自第{b}行起的密钥链无法确认",
        "the anchor is missing: the keyed chain from line {b} cannot be confirmed",
    ),
    "anchor_damaged": (
        "锚点损坏或被改写，自第{b}行起的密钥链无法确认",
        "the anchor is damaged or was rewritten: the keyed chain from line {b} cannot be confirmed",
    ),
    "anchor_mismatch": (
        "日志与锚点不一致（被整体改写？），自第{b}行起无法确认",
        "the log does not match its anchor (rewritten?): nothing from line {b} on is confirmed",
    ),
    "anchor_reset": (
        "锚点曾丢失后重建，自第{b}行起无法完全确认",
        "the anchor was lost and started again: lines from {b} on are not fully confirmed",
    ),
    "no_key": ("密钥不可用，无法校验日志", "the key is not available: the log cannot be checked"),
    "unreadable": ("日志无法读取", "the log cannot be read"),
}


def describe(chain: Chain, lang: str) -> str:
    """One sentence on the chain's state."""
    zh = lang == "zh"
    b = chain.first_bad
    if b is None:
        if chain.lines and chain.legacy == chain.lines:
            return (
                "日志链完整，但全部为旧格式（无密钥）；下一条记录起启用密钥链。"
                if zh
                else "The log's chain is intact, but all lines are in the old unkeyed form; the keyed chain starts with the next line."
            )
        s = "日志链完整：未发现改动或删除。" if zh else "The log's chain is intact: nothing edited or removed."
        if chain.legacy:
            s += (
                f"（第1–{chain.legacy}行为旧格式，无密钥；自第{chain.legacy + 1}行起为密钥链。）"
                if zh
                else f" (Lines 1–{chain.legacy} are in the old unkeyed form; the keyed chain starts at line {chain.legacy + 1}.)"
            )
        return s
    why = WHY.get(chain.reason, ("自第{b}行起有问题", "a problem from line {b} on"))
    text = why[0 if zh else 1].format(b=b, a=chain.anchor, n=chain.lines)
    return f"日志自第{b}行起被改动或删除过：{text}。" if zh else f"The log was edited or cut from line {b} on: {text}."
