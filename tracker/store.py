"""The app's own state in one database: accounts, sessions, failed logins, follow-up items (督办) and replies, the
audit chain, bulletin subscriptions and deliveries, and the history of county submissions.

SQLite (WAL) at `<data_dir>/state/tracker.db` by default; PostgreSQL (psycopg 3) through `TRACKER_STORE_URL`
for a deployment with several app processes. SQLAlchemy Core only; the schema is versioned by Alembic
(`tracker/migrations/versions/`) and brought up to date the first time a process touches the store, with a
line on stderr saying so. An `users.json`, `audit.jsonl` (chain verified first), `subscriptions.csv` and
submission history of earlier versions are imported once, in the same step.

    python -m tracker.store status            # URL (no password), revision, rows per table
    python -m tracker.store upgrade           # apply migrations now (the app does it on start anyway)
    python -m tracker.store backup FILE       # SQLite: an online copy (sqlite3 backup API); PostgreSQL: use pg_dump
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from tracker import settings
from tracker.errors import TrackerError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# The tables as the code reads them; the migrations create them (a test checks that the two agree).
meta = sa.MetaData()
users = sa.Table(
    "users",
    meta,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("area", sa.String(12), nullable=False),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("oidc", sa.JSON, nullable=False),
    sa.Column("hash", sa.Text, nullable=False, server_default=""),
)
sessions = sa.Table(
    "sessions",
    meta,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # sha256 of the token: a copy of the table signs nobody in
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("seen", sa.Float, nullable=False),
)
login_failures = sa.Table(
    "login_failures",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(200), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
)
followups = sa.Table(
    "followups",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit", sa.String(12), nullable=False, index=True),
    sa.Column("metrics", sa.JSON, nullable=False),
    sa.Column("instruction", sa.Text, nullable=False),
    sa.Column("owner_unit", sa.String(12), nullable=False),
    sa.Column("owner_person", sa.String(200), nullable=False, server_default=""),
    sa.Column("due", sa.Date, nullable=False),
    sa.Column("snapshot", sa.Date, nullable=False),
    sa.Column("gap_at_open", sa.JSON, nullable=False),
    sa.Column("status", sa.String(10), nullable=False, server_default="open"),
    sa.Column("opened_by", sa.String(64), nullable=False),
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("closed_by", sa.String(64)),
    sa.Column("closed_at", sa.Float),
    sa.Column("close_note", sa.Text),
)
followup_events = sa.Table(
    "followup_events",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("followups.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(10), nullable=False),  # open | reply | close
    sa.Column("who", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)
audit_lines = sa.Table(  # the audit chain, one row per line; `line` is the line exactly as chained (tracker.audit)
    "audit_lines",
    meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("line", sa.Text, nullable=False),
)
audit_anchor = sa.Table(  # one row: the chain's head, sealed with the audit key (a copy of an older row shows)
    "audit_anchor",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("mac", sa.String(64), nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("ts", sa.String(40), nullable=False),
    sa.Column("seal", sa.String(64), nullable=False),
)
subscriptions = sa.Table(  # who gets the week's bulletin pack of which area, in which language
    "subscriptions",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("area", sa.String(12), nullable=False),
    sa.Column("lang", sa.String(2), nullable=False, server_default="zh"),
    sa.Column("added_by", sa.String(64), nullable=False, server_default=""),
    sa.Column("added_at", sa.Float, nullable=False),
    sa.UniqueConstraint("email", "area", "lang", name="uq_subscription"),
)
deliveries = sa.Table(  # every delivery attempt: a sent one is never made again for the week and recipient
    "deliveries",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("week", sa.Date, nullable=False, index=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("area", sa.String(12), nullable=False),
    sa.Column("lang", sa.String(2), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # sent | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("target", sa.Text),
    sa.Column("message_id", sa.Text),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("files", sa.JSON, nullable=False),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
)
submission_events = sa.Table(  # the history of county submissions (报送) and rollbacks, per ledger (data directory)
    "submission_events",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ledger", sa.String(64), nullable=False),  # the data directory's ledger.id
    sa.Column("event", sa.String(10), nullable=False),  # submit | refused | rollback
    sa.Column("week", sa.Date, nullable=False),
    sa.Column("county", sa.String(12), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("time", sa.String(40), nullable=False),
    sa.Column("user", sa.String(64), nullable=False),
    sa.Column("rows", sa.Integer),
    sa.Column("persons", sa.Integer),
    sa.Column("rejected", sa.Integer),
    sa.Column("files", sa.JSON),
    sa.Column("report", sa.Text),
    sa.Column("back_to", sa.Integer),
    sa.Column("reasons", sa.JSON),  # rows rejected by reason (0005)
    sa.UniqueConstraint("ledger", "event", "week", "county", "seq", name="uq_submission_event"),
    sa.Index("ix_submission_events_week", "ledger", "week", "county"),
)
imports = sa.Table(
    "imports",
    meta,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)


def url() -> str:
    v = settings.SETTINGS["store_url"].get().strip()
    return v or f"sqlite:///{settings.data_dir() / 'state' / 'tracker.db'}"


def shown(u: sa.engine.URL | str) -> str:
    return sa.make_url(u).render_as_string(hide_password=True)


_engines: dict[str, sa.Engine] = {}
_lock = threading.Lock()


def engine() -> sa.Engine:
    """The engine for the configured URL, migrated and with the legacy users file imported (once per process)."""
    u = url()
    eng = _engines.get(u)
    if eng is not None:
        return eng
    with _lock:
        if u not in _engines:
            eng = _create(u)
            try:
                migrate(eng)
            except sa.exc.OperationalError as e:
                eng.dispose()
                raise TrackerError(
                    f"状态库无法连接（{shown(u)}），请检查 TRACKER_STORE_URL。",
                    f"The store cannot be reached ({shown(u)}): check TRACKER_STORE_URL.",
                    detail=str(e.orig),
                ) from e
            _engines[u] = eng
    return _engines[u]


def _create(u: str) -> sa.Engine:
    if u.startswith("sqlite"):
        path = sa.make_url(u).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # it holds password hashes: owner only
        eng = sa.create_engine(u, connect_args={"timeout": 15})

        @sa.event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            # WAL: readers never wait for the writer, and several app processes can share the file
            for p in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=15000"):
                cur.execute(f"PRAGMA {p}")
            cur.close()

        return eng
    return sa.create_engine(u, pool_pre_ping=True)


@contextmanager
def _named_lock(eng: sa.Engine, name: str, key: int):
    """One holder at a time among all processes on this store: a PostgreSQL advisory lock (any host), or for SQLite
    (one host) a lock file beside the database. Released when the holder's connection or process ends."""
    if eng.dialect.name == "sqlite":
        path = sa.make_url(eng.url).database or ""
        if not path or path == ":memory:":
            yield
            return
        with open(f"{path}.{name}-lock", "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            yield
        return
    with eng.connect() as c:
        c.execute(sa.text("select pg_advisory_lock(:k)"), {"k": key})
        try:
            yield
        finally:
            c.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": key})
            c.commit()


def _migration_lock(eng: sa.Engine):
    """One process migrates at a time; the others wait and then find nothing to do."""
    return _named_lock(eng, "migrate", 190019)


def writer_lock():
    """The data's writer lock across hosts (app processes sharing object storage): one submission at a time reads
    the weeks from the object store, merges and writes them back."""
    return _named_lock(engine(), "writer", 190020)


def _alembic_config(conn):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def revisions(eng: sa.Engine) -> tuple[str | None, str]:
    """(the database's revision, the code's head)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with eng.connect() as c:
        current = MigrationContext.configure(c).get_current_revision()
    head = ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
    return current, head


def migrate(eng: sa.Engine) -> None:
    from alembic import command

    with _migration_lock(eng):
        current, head = revisions(eng)
        if current != head:
            print(f"tracker store: {shown(eng.url)}: migrating schema {current or '(empty)'} → {head} …", file=sys.stderr, flush=True)
            with eng.begin() as c:
                command.upgrade(_alembic_config(c), "head")
            print(f"tracker store: schema at {head}.", file=sys.stderr, flush=True)
        from tracker import audit, deliver

        for name, step in (("users.json", import_users_file), ("audit.jsonl", audit.import_file), ("bulletin", deliver.import_files)):
            try:
                step(eng)
            except Exception as e:  # a damaged old file must not keep the app from starting: said, tried again next start
                print(f"tracker store: {name} of an earlier version not imported: {type(e).__name__}: {e}", file=sys.stderr, flush=True)


def import_users_file(eng: sa.Engine) -> int:
    """Accounts of an existing users.json, once: the file is not read again (delete it after checking the import)."""
    from tracker import auth

    path = auth.users_file()
    if not path.exists():
        return 0
    name = f"users.json:{path.resolve()}"
    with eng.begin() as c:
        if c.execute(sa.select(imports.c.name).where(imports.c.name == name)).first():
            return 0
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))["users"]
        except (ValueError, KeyError) as e:
            print(f"tracker store: {path} cannot be read, not imported: {e}", file=sys.stderr)
            return 0
        have = set(c.execute(sa.select(users.c.username)).scalars())
        new = [
            {k: r.get(k, d) for k, d in (("role", ""), ("area", ""), ("name", ""), ("disabled", False), ("hash", ""))}
            | {"username": r["username"], "oidc": list(r.get("oidc", ()))}
            for r in rows
            if r["username"] not in have
        ]
        if new:
            c.execute(users.insert(), new)
        c.execute(imports.insert().values(name=name, at=time.time(), detail=f"{len(new)} of {len(rows)} accounts"))
    print(f"tracker store: imported {len(new)} accounts from {path} (it is no longer read; delete it).", file=sys.stderr, flush=True)
    return len(new)


def reset() -> None:
    """Forget the engines (tests switching URLs; a forked worker)."""
    with _lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()


def backup(target: Path) -> None:
    eng = engine()
    if eng.dialect.name != "sqlite":
        raise SystemExit("PostgreSQL: back up with pg_dump (see README)")
    import sqlite3

    src = sqlite3.connect(sa.make_url(eng.url).database)
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)  # consistent while the app keeps writing
    dst.close()
    src.close()
    os.chmod(target, 0o600)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    cmd = args[0] if args else "status"
    if cmd == "upgrade":
        current, _ = revisions(engine())
        print(f"tracker store: {shown(engine().url)} at revision {current} (up to date).", file=sys.stderr)
    elif cmd == "backup" and len(args) == 2:
        backup(Path(args[1]))
        print(f"ok: {args[1]}")
    elif cmd == "status":
        eng = engine()
        current, head = revisions(eng)
        print(f"store: {shown(eng.url)}\nrevision: {current} (head {head})")
        with eng.connect() as c:
            for t in meta.sorted_tables:
                print(f"{t.name}: {c.execute(sa.select(sa.func.count()).select_from(t)).scalar()}")
            for name, detail in c.execute(sa.select(imports.c.name, imports.c.detail).order_by(imports.c.at)):
                print(f"imported {name}: {detail}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
