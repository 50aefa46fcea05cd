"""All settings in one place: a default, an environment override and a line of help each."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    help: str

    def get(self) -> str:
        return os.environ.get(self.env, self.default)


SETTINGS = {
    "data_dir": Setting("TRACKER_DATA_DIR", str(REPO / "data"), "Directory with regions/, quotas.csv, snapshots/ and rollups/."),
    "province": Setting(
        "TRACKER_PROVINCE",
        "54",
        "The province this deployment serves (2-digit code; its units in data/regions/units_XX.csv). Read once at start.",
    ),
    "secret_key_file": Setting(
        "TRACKER_SECRET_KEY_FILE",
        str(Path.home() / ".config" / "tracker" / "person_key.secret"),
        "Key for the keyed hash of ID numbers; kept outside data/ and the repo.",
    ),
    "today": Setting("TRACKER_TODAY", "", "Pretend today is this date (YYYY-MM-DD); empty = the real date. For demos and tests."),
    "pace": Setting("TRACKER_PACE", "linear", "Benchmark the status uses: 'linear' (序时进度) or 'seasonal' (last year's curve)."),
    "status_thresholds": Setting(
        "TRACKER_STATUS_THRESHOLDS", "0,-5,-15", "Gap (percentage points) lower bounds of ahead, on pace, behind; below = seriously behind."
    ),
    "org_share_min": Setting("TRACKER_ORG_SHARE_MIN", "0.60", "Default organized-share minimum when the quota table has none."),
    "demo": Setting("TRACKER_DEMO", "0", "1 = demo mode: no login, everything visible, a banner says so (`make run` sets it). Else login."),
    "users_file": Setting(
        "TRACKER_USERS_FILE", "", "Accounts file of earlier versions, imported once into the store; empty = <data_dir>/auth/users.json."
    ),
    "store_url": Setting(
        "TRACKER_STORE_URL",
        "",
        "The app's own state (accounts, sessions, lock-outs, follow-up items, audit chain, subscriptions, submission "
        "history): a SQLAlchemy URL such as "
        "postgresql+psycopg://tracker@db/tracker; empty = SQLite (WAL) at <data_dir>/state/tracker.db.",
    ),
    "audit_file": Setting(
        "TRACKER_AUDIT_FILE",
        "",
        "Audit log of earlier versions (JSON lines), imported once into the store; empty = <data_dir>/audit/audit.jsonl.",
    ),
    "audit_anchor_file": Setting(
        "TRACKER_AUDIT_ANCHOR_FILE",
        "",
        "Anchor of that earlier audit log (checked at its import); empty = "
        "<secret key file's folder>/audit-anchors/<hash of the audit file's path>.json.",
    ),
    "ingest_memory_mb": Setting(
        "TRACKER_INGEST_MEMORY_MB", "4096", "Address-space limit (MB) of the child process that ingests an upload."
    ),
    "ingest_timeout_s": Setting(
        "TRACKER_INGEST_TIMEOUT_S", "900", "Wall-clock limit (seconds) of the child process that ingests an upload."
    ),
    "submission_deadline": Setting(
        "TRACKER_SUBMISSION_DEADLINE",
        "0 18:00",
        "Weekly deadline for county submissions: days after the snapshot date and a time "
        '("0 18:00" = the snapshot\'s Friday at 18:00; "3 12:00" = Monday noon).',
    ),
    "login_attempts": Setting("TRACKER_LOGIN_ATTEMPTS", "5", "Failed logins for one name before it is locked."),
    "lockout_minutes": Setting("TRACKER_LOCKOUT_MINUTES", "15", "How long a name stays locked (and the counting window)."),
    "session_idle_minutes": Setting("TRACKER_SESSION_IDLE_MINUTES", "30", "A local login ends after this long idle."),
    "session_max_hours": Setting("TRACKER_SESSION_MAX_HOURS", "12", "A local login ends after this long in any case."),
    "duckdb_memory": Setting(
        "TRACKER_DUCKDB_MEMORY", "1.5GB", "Memory limit of the app's DuckDB (spills to disk beyond it); bounds the process under load."
    ),
    "prebuild": Setting(
        "TRACKER_PREBUILD", "1", "1 = each app process starts a niced background build of the derived files older weeks lack."
    ),
    "duckdb_threads": Setting("TRACKER_DUCKDB_THREADS", "2", "DuckDB threads per app process."),
    "data_uri": Setting(
        "TRACKER_DATA_URI",
        "",
        "Object storage holding the data (s3://bucket/prefix); TRACKER_DATA_DIR is then this process's local copy. "
        "Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) only. Empty = local only.",
    ),
    "s3_endpoint": Setting(
        "TRACKER_S3_ENDPOINT", "", "S3-compatible endpoint URL (MinIO, a provincial cloud's object storage); empty = AWS."
    ),
    "sync_s": Setting("TRACKER_SYNC_S", "30", "Seconds between two pulls of new weeks from the object storage (app processes)."),
    "spark_master": Setting(
        "TRACKER_SPARK_MASTER",
        "local[*]",
        "Spark master URL for `python -m tracker.build --engine spark` (a cluster's, e.g. spark://host:7077).",
    ),
    "spark_driver_memory": Setting(
        "TRACKER_SPARK_DRIVER_MEMORY",
        "4g",
        "Spark driver memory (with local[*] the driver does the work: Spark's 1g fails on a week of ten million records).",
    ),
    "demo_scale": Setting("TRACKER_DEMO_SCALE", "1.0", "Multiplier on the number of demo persons (benchmarks use larger values)."),
}


def data_dir() -> Path:
    return Path(SETTINGS["data_dir"].get())


@contextmanager
def using_data_dir(root: Path) -> Iterator[None]:
    """`root` as the data directory for the duration (builders that read it from the settings), then as it was."""
    var = SETTINGS["data_dir"].env
    was = os.environ.get(var)
    os.environ[var] = str(root)
    try:
        yield
    finally:
        if was is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = was


def regions_dir() -> Path:
    """The committed real hierarchy; a custom data dir may bring its own, else the repo's is used."""
    own = data_dir() / "regions"
    return own if units_file(own).exists() else REPO / "data" / "regions"


def province() -> str:
    """The 2-digit code of the province this deployment serves (TRACKER_PROVINCE)."""
    return SETTINGS["province"].get().strip()


def units_file(regions: Path | None = None) -> Path:
    """Every unit of the deployment's province: data/regions/units_XX.csv (scripts/derive_regions.py)."""
    return (regions or regions_dir()) / f"units_{province()}.csv"


def snapshots_dir() -> Path:
    return data_dir() / "snapshots"


def quotas_file() -> Path:
    own = data_dir() / "quotas.csv"
    return own if own.exists() else REPO / "data" / "quotas.csv"


def pace_method() -> str:
    v = SETTINGS["pace"].get()
    return v if v in ("linear", "seasonal") else "linear"


def status_thresholds() -> tuple[float, float, float]:
    a, b, c = (float(x) for x in SETTINGS["status_thresholds"].get().split(","))
    return a, b, c


def org_share_min() -> float | None:
    """The organized-share floor where the quota table sets none: TRACKER_ORG_SHARE_MIN, else Tibet's 60% (seed 001)
    in Tibet and none elsewhere (no province is held to another's floor)."""
    if os.environ.get(SETTINGS["org_share_min"].env, "").strip():
        return float(SETTINGS["org_share_min"].get())
    return float(SETTINGS["org_share_min"].default) if province() == "54" else None


def today():
    import datetime as dt

    v = SETTINGS["today"].get()
    return dt.date.fromisoformat(v) if v else dt.date.today()
