"""Who may see what: roles, the users file (salted argon2 hashes), login throttling and sessions.

Plain Python, no Streamlit: the app asks `resolve` for the user of a run and hands `user.scope()` to the
query layer, which enforces it for every query. The user is always re-read from the server-side file,
so a disabled account or a changed area takes effect at the next click.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path

from tracker import settings
from tracker.errors import TrackerError
from tracker.hierarchy import REGION

# role -> (zh, en, may read person-level records, administrator)
ROLES = {
    "leader": ("领导", "Leader", False, False),
    "analyst": ("专班分析员", "Analyst", True, False),
    "staff": ("县乡工作人员", "County/township staff", True, False),
    "admin": ("管理员", "Administrator", True, True),
}
# pages that need more than a login; every other page is open to every role (within its area)
PAGE_NEEDS = {"records": "records", "quotas": "admin", "upload": "submit", "users": "admin", "audit": "admin"}
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")


@dataclass(frozen=True)
class User:
    username: str
    role: str
    area: str
    name: str = ""
    disabled: bool = False
    oidc: tuple[str, ...] = ()  # SSO subjects or e-mail addresses mapped to this account
    hash: str = field(default="", repr=False)
    source: str = "local"  # local, oidc or demo

    def can(self, need: str) -> bool:
        if need == "records":
            return ROLES[self.role][2]
        if need == "admin":
            return ROLES[self.role][3]
        if need == "submit":  # administrators, and the staff of a county (or above): a submission replaces a county
            return ROLES[self.role][3] or (self.role == "staff" and len(self.area) <= 6)
        if need == "report":  # the units' own figures (填报指标): administrators and any unit's staff, in their area
            return ROLES[self.role][3] or self.role == "staff"
        return True

    def may_open(self, page: str) -> bool:
        return self.can(PAGE_NEEDS.get(page, "login"))

    def covers(self, code: str) -> bool:
        return code.startswith(self.area)

    def scope(self):
        from queries import Scope

        return Scope(self.area, self.can("records"), self.username)

    def role_label(self, lang: str) -> str:
        return ROLES[self.role][0 if lang == "zh" else 1]


DEMO_USER = User("demo", "admin", REGION, "演示用户", source="demo")


def demo_mode() -> bool:
    return settings.SETTINGS["demo"].get().strip().lower() in ("1", "true", "yes", "on")


# --- the users file ---------------------------------------------------------------------------------

_file_lock = threading.Lock()


def users_file() -> Path:
    return Path(settings.SETTINGS["users_file"].get() or settings.data_dir() / "auth" / "users.json")


def load_users(path: Path | None = None) -> dict[str, User]:
    path = path or users_file()
    if not path.exists():
        return {}
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["users"]
    except (ValueError, KeyError) as e:
        raise TrackerError("用户文件无法读取。", "The users file cannot be read.", detail=str(e)) from e
    return {r["username"]: User(**{**r, "oidc": tuple(r.get("oidc", ()))}) for r in rows}


def save_users(users: dict[str, User], path: Path | None = None) -> None:
    """Atomic write (temp file + rename), readable by the owner only: it holds password hashes."""
    path = path or users_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {k: v for k, v in asdict(u).items() if k != "source"} | {"oidc": list(u.oidc)}
        for u in sorted(users.values(), key=lambda u: u.username)
    ]
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"users": rows}, f, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters / 密码至少 8 位")
    return _hasher().hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_hex(8))


def verify_password(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def check_area(area: str) -> str:
    from tracker import hierarchy

    if not hierarchy.load().exists(area):
        raise ValueError(f"unknown area code {area!r} / 未知区划代码")
    return area


def add_user(username: str, password: str, role: str, area: str, name: str = "", oidc: tuple[str, ...] = ()) -> User:
    if not USERNAME.match(username):
        raise ValueError("username: 2–64 letters, digits or _.@- / 用户名格式不正确")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)} / 角色不正确")
    with _file_lock:
        users = load_users()
        if username in users:
            raise ValueError(f"user {username} exists / 用户已存在")
        u = User(username, role, check_area(area), name, False, tuple(oidc), hash_password(password) if password else "")
        users[username] = u
        save_users(users)
    return u


def update_user(username: str, **changes) -> User:
    """Change one account (role, area, name, disabled, oidc, or a new `password`)."""
    with _file_lock:
        users = load_users()
        if username not in users:
            raise ValueError(f"no user {username} / 无此用户")
        if "password" in changes:
            changes["hash"] = hash_password(changes.pop("password"))
        if "role" in changes and changes["role"] not in ROLES:
            raise ValueError("unknown role / 角色不正确")
        if "area" in changes:
            check_area(changes["area"])
        if "oidc" in changes:
            changes["oidc"] = tuple(changes["oidc"])
        users[username] = u = replace(users[username], **changes)
        save_users(users)
    return u


# --- login, throttling, sessions ---------------------------------------------------------------------


class Throttle:
    """After `limit` failed logins for a name within `window` seconds, that name is locked for `window`."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def locked_for(self, key: str, now: float | None = None) -> float:
        now = time.time() if now is None else now
        with self._lock:
            fails = [t for t in self._fails.get(key, []) if now - t < self.window]
            self._fails[key] = fails
            return self.window - (now - fails[-self.limit]) if len(fails) >= self.limit else 0.0

    def fail(self, key: str, now: float | None = None) -> None:
        with self._lock:
            self._fails.setdefault(key, []).append(time.time() if now is None else now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


THROTTLE = Throttle(int(settings.SETTINGS["login_attempts"].get()), 60 * float(settings.SETTINGS["lockout_minutes"].get()))


class LoginError(TrackerError):
    pass


def login(username: str, password: str, now: float | None = None) -> User:
    """The account for a name and password, or a LoginError that does not tell which of the two was wrong."""
    from tracker import audit

    key = username.strip().lower()
    wait = THROTTLE.locked_for(key, now)
    if wait > 0:
        audit.log(username, "login_locked", detail=f"{wait:.0f}s")
        raise LoginError(f"尝试次数过多，请 {wait / 60:.0f} 分钟后再试。", f"Too many attempts: try again in {wait / 60:.0f} min.")
    u = load_users().get(username.strip())
    ok = verify_password(u.hash if u and u.hash else _dummy_hash(), password)  # same work for unknown names
    if not (u and ok and not u.disabled):
        THROTTLE.fail(key, now)
        audit.log(username, "login_failed", detail="disabled" if u and ok else "")
        raise LoginError("用户名或密码错误，或账号已停用。", "Wrong user name or password, or the account is disabled.")
    THROTTLE.clear(key)
    audit.log(u.username, "login", area=u.area)
    return u


@dataclass
class Session:
    username: str
    created: float
    seen: float


class Sessions:
    """Server-side sessions: the browser's session holds only a random token; the user is looked up here."""

    def __init__(self):
        self._s: dict[str, Session] = {}
        self._lock = threading.Lock()

    @staticmethod
    def limits() -> tuple[float, float]:
        return (60 * float(settings.SETTINGS["session_idle_minutes"].get()), 3600 * float(settings.SETTINGS["session_max_hours"].get()))

    def create(self, username: str, now: float | None = None) -> str:
        token = secrets.token_urlsafe(32)
        now = time.time() if now is None else now
        with self._lock:
            self._s[token] = Session(username, now, now)
        return token

    def get(self, token: str | None, now: float | None = None) -> tuple[str | None, bool]:
        """(user name, expired?) for a token; touching it keeps an active session alive."""
        if not token:
            return None, False
        now = time.time() if now is None else now
        idle, most = self.limits()
        with self._lock:
            s = self._s.get(token)
            if s is None:
                return None, False
            if now - s.seen > idle or now - s.created > most:
                del self._s[token]
                return None, True
            s.seen = now
            return s.username, False

    def end(self, token: str | None) -> None:
        with self._lock:
            self._s.pop(token or "", None)


SESSIONS = Sessions()


def resolve(token: str | None, oidc_claims: dict | None, now: float | None = None) -> tuple[User | None, str | None]:
    """The user of a run, from the server-side session or the SSO claims, and a notice key if refused."""
    if demo_mode():
        return DEMO_USER, None
    if oidc_claims and oidc_claims.get("is_logged_in"):
        ids = {str(oidc_claims.get(k)) for k in ("sub", "email") if oidc_claims.get(k)}
        for u in load_users().values():
            if ids & set(u.oidc):
                return (None, "account_disabled") if u.disabled else (replace(u, source="oidc"), None)
        return None, "sso_unmapped"
    name, expired = SESSIONS.get(token, now)
    if name is None:
        return None, "session_expired" if expired else None
    u = load_users().get(name)
    if u is None or u.disabled:
        SESSIONS.end(token)
        return None, "account_disabled"
    return u, None
