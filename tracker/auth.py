"""Who may see what: roles, accounts (salted argon2 hashes), login throttling and sessions, all in the store.

Plain Python, no Streamlit: the app asks `resolve` for the user of a run and hands `user.scope()` to the
query layer, which enforces it for every query. The user is always re-read from the store (`tracker.store`),
so a disabled account or a changed area takes effect at the next click, in every app process.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path

import sqlalchemy as sa

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

    def shown_name(self, lang: str) -> str:
        """A person's name as written; the demo's own user in the page's language."""
        if self.source == "demo":  # DEMO_USER, named in Chinese
            return self.name if lang == "zh" else "Demo user"
        return self.name or self.username


DEMO_USER = User("demo", "admin", REGION, "演示用户", source="demo")


def demo_mode() -> bool:
    return settings.SETTINGS["demo"].get().strip().lower() in ("1", "true", "yes", "on")


# --- accounts (in the store; an users.json of earlier versions is imported once) -----------------------


def users_file() -> Path:
    """Where earlier versions kept the accounts: read once by `tracker.store`, never written."""
    return Path(settings.SETTINGS["users_file"].get() or settings.data_dir() / "auth" / "users.json")


def _user(r) -> User:
    return User(r.username, r.role, r.area, r.name, bool(r.disabled), tuple(r.oidc or ()), r.hash)


def load_users() -> dict[str, User]:
    from tracker import store

    with store.engine().connect() as c:
        return {r.username: _user(r) for r in c.execute(sa.select(store.users).order_by(store.users.c.username))}


def get_user(username: str) -> User | None:
    from tracker import store

    with store.engine().connect() as c:
        r = c.execute(sa.select(store.users).where(store.users.c.username == username)).first()
    return _user(r) if r else None


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
    from tracker import store

    if not USERNAME.match(username):
        raise ValueError("username: 2–64 letters, digits or _.@- / 用户名格式不正确")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)} / 角色不正确")
    u = User(username, role, check_area(area), name, False, tuple(oidc), hash_password(password) if password else "")
    try:
        with store.engine().begin() as c:
            c.execute(store.users.insert().values(_row(u)))
    except sa.exc.IntegrityError:
        raise ValueError(f"user {username} exists / 用户已存在") from None
    return u


def _row(u: User) -> dict:
    return {k: v for k, v in asdict(u).items() if k != "source"} | {"oidc": list(u.oidc)}


def update_user(username: str, **changes) -> User:
    """Change one account (role, area, name, disabled, oidc, or a new `password`)."""
    from tracker import store

    if "password" in changes:
        changes["hash"] = hash_password(changes.pop("password"))
    if "role" in changes and changes["role"] not in ROLES:
        raise ValueError("unknown role / 角色不正确")
    if "area" in changes:
        check_area(changes["area"])
    if "oidc" in changes:
        changes["oidc"] = tuple(changes["oidc"])
    old = get_user(username)
    if old is None:
        raise ValueError(f"no user {username} / 无此用户")
    u = replace(old, **changes)
    with store.engine().begin() as c:  # only the changed columns: two admins changing different fields both win
        c.execute(store.users.update().where(store.users.c.username == username).values({k: _row(u)[k] for k in changes}))
    return u


# --- login, throttling, sessions ---------------------------------------------------------------------


class Throttle:
    """After `limit` failed logins for a name within `window` seconds, that name is locked for `window`.

    The failures are rows in the store, so every app process sees them and a restart keeps them."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window

    def locked_for(self, key: str, now: float | None = None) -> float:
        from tracker import store

        now = time.time() if now is None else now
        t = store.login_failures
        with store.engine().connect() as c:
            recent = c.execute(
                sa.select(t.c.at).where(t.c.key == key, t.c.at > now - self.window).order_by(t.c.at.desc()).limit(self.limit)
            ).scalars()
            recent = list(recent)
        return self.window - (now - recent[-1]) if len(recent) >= self.limit else 0.0

    def fail(self, key: str, now: float | None = None) -> None:
        from tracker import store

        now = time.time() if now is None else now
        t = store.login_failures
        with store.engine().begin() as c:
            c.execute(t.insert().values(key=key, at=now))
            c.execute(t.delete().where(t.c.key == key, t.c.at <= now - self.window))  # old ones count for nothing

    def clear(self, key: str | None = None) -> None:
        """Forget a name's failures (after a good login), or everybody's (tests)."""
        from tracker import store

        t = store.login_failures
        with store.engine().begin() as c:
            c.execute(t.delete() if key is None else t.delete().where(t.c.key == key))


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
        raise LoginError(f"尝试次数过多，请{wait / 60:.0f}分钟后再试。", f"Too many attempts: try again in {wait / 60:.0f} min.")
    u = get_user(username.strip())
    ok = verify_password(u.hash if u and u.hash else _dummy_hash(), password)  # same work for unknown names
    if not (u and ok and not u.disabled):
        THROTTLE.fail(key, now)
        audit.log(username, "login_failed", detail="disabled" if u and ok else "")
        raise LoginError("用户名或密码错误，或账号已停用。", "Wrong user name or password, or the account is disabled.")
    THROTTLE.clear(key)
    audit.log(u.username, "login", area=u.area)
    return u


class Sessions:
    """Server-side sessions: the browser holds only a random token; the store holds its hash and the user name.
    Every app process on the same store knows every session, and a restart keeps them."""

    @staticmethod
    def limits() -> tuple[float, float]:
        return (60 * float(settings.SETTINGS["session_idle_minutes"].get()), 3600 * float(settings.SETTINGS["session_max_hours"].get()))

    @staticmethod
    def _key(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def create(self, username: str, now: float | None = None) -> str:
        from tracker import store

        token = secrets.token_urlsafe(32)
        now = time.time() if now is None else now
        idle, most = self.limits()
        t = store.sessions
        with store.engine().begin() as c:
            c.execute(t.insert().values(token_hash=self._key(token), username=username, created=now, seen=now))
            c.execute(t.delete().where(sa.or_(t.c.seen < now - idle, t.c.created < now - most)))  # sweep the expired
        return token

    def get(self, token: str | None, now: float | None = None) -> tuple[str | None, bool]:
        """(user name, expired?) for a token; touching it keeps an active session alive."""
        from tracker import store

        if not isinstance(token, str) or not token:  # AppTest's session state can hand back other objects
            return None, False
        now = time.time() if now is None else now
        idle, most = self.limits()
        t, key = store.sessions, self._key(token)
        with store.engine().begin() as c:
            s = c.execute(sa.select(t).where(t.c.token_hash == key)).first()
            if s is None:
                return None, False
            if now - s.seen > idle or now - s.created > most:
                c.execute(t.delete().where(t.c.token_hash == key))
                return None, True
            if now - s.seen > 5:  # a write per click is enough; not one per rerun of a busy page
                c.execute(t.update().where(t.c.token_hash == key).values(seen=now))
            return s.username, False

    def end(self, token: str | None) -> None:
        from tracker import store

        if isinstance(token, str) and token:
            with store.engine().begin() as c:
                c.execute(store.sessions.delete().where(store.sessions.c.token_hash == self._key(token)))


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
    u = get_user(name)
    if u is None or u.disabled:
        SESSIONS.end(token)
        return None, "account_disabled"
    return u, None
