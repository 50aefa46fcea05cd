"""The audit trail: who did what, when, for which area (logins, record views, exports, data and user changes).

One JSON object per line; lines are split on b"\\n" only. Any character that could split or disguise a
line (control characters, U+0085, U+2028, U+2029, bidi controls, …) is written as a \\u escape, so one
line is always one record. ID-shaped text is masked before it is written.

A keyed chain: each line carries `mac` = HMAC-SHA256(audit key, previous line's mac + "\\n" + this line's
canonical JSON without `mac`); the audit key is derived from the secret key (`ids.load_key`), which lives
outside the data directory. Writers append under an exclusive file lock and, under the same lock,
replace an anchor file (outside the data directory, next to the secret key) holding the line count and
the head mac. `status`/`verify` find an edited, inserted or deleted line (including the last), cut-off
trailing lines, truncation to nothing, a rewrite without the key and a missing anchor.

Logs written before the key (lines with `prev` = SHA-256 of the line before) stay readable: their own
chain is checked, and the first keyed line chains from the hash of the last old line, so they are
covered from then on. `log` never raises: a read-only directory or a full disk costs the line (a note
on stderr), never a sign-in.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

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


def _read_anchor() -> dict | str | None:
    """The anchor, None when there is none, "damaged" when it cannot be read as one."""
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


def _write_anchor(count: int, mac: str, start: int) -> None:
    p = anchor_path()
    p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = json.dumps(
        {
            "log": str(path().resolve()),
            "count": count,
            "mac": mac,
            "start": start,
            "ts": dt.datetime.now(BEIJING).isoformat(timespec="seconds"),
        },
        ensure_ascii=True,
    )
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body.encode() + b"\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --- writing ---------------------------------------------------------------------------------------------


def _append(who: str, action: str, area: str, detail: str) -> None:
    key = _key()  # before touching the log: no key, no line
    p = path()
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # released when the file is closed
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size:
            f.seek(size - 1)
            if f.read(1) != b"\n":  # a torn earlier write: end it, it stays a (damaged) line of its own
                f.write(b"\n")
        anchor = _read_anchor()
        if isinstance(anchor, dict):
            # the anchor is the authority: a cut or edited log does not get healed by the next line
            prev, n, start = anchor["mac"], anchor["count"] + 1, anchor["start"]
        else:
            # the first keyed line (a new log, or an old unkeyed one), or the anchor went missing: it starts
            # here; `status` tells when the anchor did not start together with the keyed chain
            f.seek(0)
            lines = _split(f.read())
            prev = _link(lines[-1], _parse(lines[-1])) if lines else ""
            n, start = len(lines) + 1, len(lines)
        rec = {
            "ts": dt.datetime.now(BEIJING).isoformat(timespec="seconds"),
            "who": redact(str(who))[:80],
            "action": redact(str(action))[:40],
            "area": redact(str(area))[:20],
            "detail": redact(str(detail))[:500],
        }
        rec["mac"] = _mac(key, prev, rec)
        f.write(_line(rec) + b"\n")
        f.flush()
        os.fsync(f.fileno())
        _write_anchor(n, rec["mac"], start)


def log(who: str, action: str, area: str = "", detail: str = "") -> bool:
    """Append one line; True when it (and the anchor) were written. Never raises: a read-only directory,
    a full disk or a missing key leave a note on stderr (IDs masked) and return False."""
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


def _snapshot() -> tuple[bytes, dict | str | None]:
    """The log's bytes and the anchor, read under a shared lock (no half-written line, anchor in step)."""
    p = path()
    try:
        fd = os.open(p, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return b"", _read_anchor()
    with os.fdopen(fd, "rb") as f:
        fcntl.flock(f, fcntl.LOCK_SH)
        return f.read(), _read_anchor()


def read() -> list[dict]:
    """Every line as a record (FIELDS as text, plus `line`, 1-based, and `damaged`). A line that is not a
    record comes back as action "damaged" with its text (escaped, IDs masked) as the detail."""
    try:
        data, _ = _snapshot()
    except OSError as e:
        print(f"audit: cannot read the log ({type(e).__name__})", file=sys.stderr)
        return []
    out = []
    for i, line in enumerate(_split(data), 1):
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
        data, anchor = _snapshot()
    except OSError:
        return Chain(0, 1, "unreadable")
    lines = _split(data)
    n = len(lines)
    damaged = tuple(i for i, ln in enumerate(lines, 1) if _parse(ln) is None)
    start = anchor["start"] if isinstance(anchor, dict) else None
    try:
        key = _key() if n else b""
    except OSError:
        return Chain(n, 1 if n else None, "no_key" if n else "empty", damaged=damaged)

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
    data, _ = _snapshot()
    lines = _split(data)
    return (len(lines), _link(lines[-1], _parse(lines[-1]))) if lines else (0, "")


def confirms(count: int, mac: str) -> bool:
    """Whether line `count` of the log still carries `mac` (a head recorded earlier, e.g. in a manifest)."""
    if count == 0:
        return True
    data, _ = _snapshot()
    lines = _split(data)
    return len(lines) >= count and hmac.compare_digest(_link(lines[count - 1], _parse(lines[count - 1])), mac)


# --- for the page ----------------------------------------------------------------------------------------


def beijing(ts: str) -> str:
    """An ISO time as Beijing time, "2026-11-23 09:38"; text that is not a time comes back as it is."""
    try:
        t = dt.datetime.fromisoformat(ts)
    except (TypeError, ValueError):
        return visible(str(ts))
    return (t.astimezone(BEIJING) if t.tzinfo else t).strftime("%Y-%m-%d %H:%M")


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
            L("详情", "Detail"): [visible(r["detail"]) for r in rows],
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
    "bad_line": ("第 {b} 行不是有效记录（损坏或被插入）", "line {b} is not a valid record (damaged or inserted)"),
    "bad_mac": ("第 {b} 行被改动、插入，或其前一行被删除", "line {b} was edited or inserted, or the line before it removed"),
    "bad_prev": ("第 {b} 行（旧格式）与前一行不相接", "line {b} (old form) does not link to the line before"),
    "unkeyed": ("第 {b} 行应有密钥校验却没有（被插入或改写）", "line {b} should carry a keyed MAC but does not (inserted or rewritten)"),
    "truncated": ("日志末尾被删除：锚点记录 {a} 行，现仅 {n} 行", "lines were cut off the end: the anchor records {a}, the log has {n}"),
    "unanchored": (
        "第 {b} 行起的记录未被锚点确认（锚点记录 {a} 行，日志有 {n} 行）",
        "lines from {b} on are not confirmed by the anchor (it records {a}, the log has {n})",
    ),
    "no_anchor": (
        "锚点文件缺失，自第 {b} 行起的密钥链无法确认",
        "the anchor file is missing: the keyed chain from line {b} cannot be confirmed",
    ),
    "anchor_damaged": (
        "锚点文件损坏，自第 {b} 行起的密钥链无法确认",
        "the anchor file is damaged: the keyed chain from line {b} cannot be confirmed",
    ),
    "anchor_mismatch": (
        "日志与锚点不一致（被整体改写？），自第 {b} 行起无法确认",
        "the log does not match its anchor (rewritten?): nothing from line {b} on is confirmed",
    ),
    "anchor_reset": (
        "锚点文件曾丢失后重建，自第 {b} 行起无法完全确认",
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
                f"（第 1–{chain.legacy} 行为旧格式，无密钥；自第 {chain.legacy + 1} 行起为密钥链。）"
                if zh
                else f" (Lines 1–{chain.legacy} are in the old unkeyed form; the keyed chain starts at line {chain.legacy + 1}.)"
            )
        return s
    why = WHY.get(chain.reason, ("自第 {b} 行起有问题", "a problem from line {b} on"))
    text = why[0 if zh else 1].format(b=b, a=chain.anchor, n=chain.lines)
    return f"日志自第 {b} 行起被改动或删除过：{text}。" if zh else f"The log was edited or cut from line {b} on: {text}."
