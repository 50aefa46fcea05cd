"""County submissions (报送): a file set replaces exactly its counties' records for a week.

Counties send their ledgers one by one over several days. The week's snapshot is the union of each
county's latest accepted submission; a county that has not submitted yet keeps the previous week's
records, carried forward and marked so (cumulative numbers do not drop to zero because a file is late).
The state of every county for the week is kept in the week's manifest (`counties`).

Counties send at the same time (Monday morning, several app processes): reading a week, merging a county into it and
writing it back is one step per data directory (`writer`), else the second writer's week lacks the first's county.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from tracker import schema

SUBMITTED, CARRIED = "submitted", "carried"


@contextmanager
def writer(data_dir: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the data directory's writer lock: one submission (or rollback) at a time reads, merges and writes weeks.

    A lock on a file, so it is released when its process ends, however it ends (an ingest child killed at its
    limit). `waiting` is called once if another writer holds it (to say so on the page). Not re-entrant. With
    object storage (`TRACKER_DATA_URI`) also the store's lock across hosts, with the weeks pulled first and pushed
    after (`tracker.objstore.shared_write`).
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".writer.lock", "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting:
                waiting()
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            from tracker import objstore

            with objstore.shared_write(data_dir):  # with object storage: the lock across hosts, a pull before, a push after
                yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def counting_units(df: pl.DataFrame) -> pl.DataFrame:
    """The two counting facts of a week's records, recomputed over the whole week, row order kept:

    - `home_code`: each person counts once, in the village (township without a village) of their first-reported
      placement (ties: the smaller record id), so a person reported by two counties keeps one counting unit;
    - `counted`: a placement (the person and its start date: the record identity without the reporting county) is
      counted once, as first reported; a later report of it (a second county's) stays in the ledger, not in the sums.
    """
    own = pl.coalesce("village_code", "township_code")
    multi = df.filter(pl.col("person_key").is_duplicated())  # only persons with several records need the order
    ordered = multi.select("person_key", "start_date", "reported_date", "record_id", own.alias("_home")).sort("reported_date", "record_id")
    first = ordered.unique("person_key", keep="first").select("person_key", "_home")
    later = ordered.filter(
        pl.struct("person_key", "start_date").is_duplicated() & ~pl.struct("person_key", "start_date").is_first_distinct()
    ).select("record_id", _later=pl.lit(True))
    out = (
        df.drop("home_code", "counted", strict=False)
        .join(first, on="person_key", how="left", maintain_order="left")
        .join(later, on="record_id", how="left", maintain_order="left")
        .with_columns(home_code=pl.coalesce("_home", own), counted=pl.col("_later").is_null())
        .drop("_home", "_later")
    )
    return out.select(df.columns) if "home_code" in df.columns and "counted" in df.columns else out


def read_manifest(part: Path) -> dict:
    try:
        return json.loads((part / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def merge(
    new: pl.DataFrame, day: dt.date, data_dir: Path, when: str, user: str, replace_week: bool = False
) -> tuple[pl.DataFrame, dict[str, dict]]:
    """(the week's records after this submission, every county's state for the week).

    `new` holds the submission's accepted rows (snapshot columns). Its counties replace their own rows; every other
    county's rows stay as they were this week, or come forward from the previous week when the county has not
    submitted for this week yet. `replace_week` makes the submission the whole week (the old behaviour).
    """
    from queries.derived import partition, previous

    mine = sorted(new["county_code"].unique().to_list())
    state = {
        c: {"status": SUBMITTED, "time": when, "user": user, "rows": int((new["county_code"] == c).sum()), "this_run": True} for c in mine
    }
    if replace_week:
        return counting_units(new), state
    part = partition(day, data_dir)
    base, before = None, {}
    if (part / "records.parquet").exists():
        base, before = pl.read_parquet(part / "records.parquet"), read_manifest(part).get("counties", {})
    else:
        prev = previous(day, data_dir)
        if prev is not None:
            base = pl.read_parquet(partition(prev, data_dir) / "records.parquet")
            before = {c: {"status": CARRIED, "from": prev.isoformat()} for c in base["county_code"].unique().to_list()}
    if base is None:
        return counting_units(new), state
    keep = base.filter(~pl.col("county_code").is_in(mine)).select(new.columns)
    for c in keep["county_code"].unique().to_list():
        was = before.get(c) or {"status": SUBMITTED, "time": None}  # a week ingested before submissions were kept
        state[c] = {k: v for k, v in was.items() if k != "this_run"}
    clash = new["record_id"].is_in(keep["record_id"].implode())  # a ledger id another county uses too
    new = new.with_columns(record_id=pl.when(clash).then(pl.col("record_id") + "#" + pl.col("county_code")).otherwise(pl.col("record_id")))
    out = counting_units(pl.concat([keep, new.select(keep.columns)])).select([c.name for c in schema.COLUMNS])
    return out.sort("county_code", "township_code", "village_code", "record_id", nulls_last=True), dict(sorted(state.items()))


def refresh_carried(day: dt.date, data_dir: Path, derived: bool = True) -> list[dt.date]:
    """After week `day` was written (a late file, a correction, a rollback): the counties the next week carries (they
    have not submitted there) now carry `day`'s rows, and so on while the following weeks keep carrying them. A
    county new in `day` is carried too. Returns the weeks rewritten."""
    from queries.derived import following, partition
    from tracker.generate import write_snapshot

    rewritten = []
    while True:
        nxt = following(day, data_dir)
        if nxt is None:
            return rewritten
        part = partition(nxt, data_dir)
        man = read_manifest(part)
        if "counties" not in man:  # a week loaded before submissions were kept: nothing is marked as carried
            return rewritten
        src = pl.read_parquet(partition(day, data_dir) / "records.parquet")
        state = man["counties"]
        carried = sorted(c for c, v in state.items() if v.get("status") == CARRIED)
        carried += sorted(set(src["county_code"].unique().to_list()) - set(state))
        if not carried:
            return rewritten
        cur = pl.read_parquet(part / "records.parquet")
        keep = cur.filter(~pl.col("county_code").is_in(carried))
        rows = src.filter(pl.col("county_code").is_in(carried)).select(keep.columns)
        clash = rows["record_id"].is_in(keep["record_id"].implode())
        rows = rows.with_columns(
            record_id=pl.when(clash).then(pl.col("record_id") + "#" + pl.col("county_code")).otherwise(pl.col("record_id"))
        )
        frame = (
            counting_units(pl.concat([keep, rows]))
            .select([c.name for c in schema.COLUMNS])
            .sort("county_code", "township_code", "village_code", "record_id", nulls_last=True)
        )
        for c in carried:
            state[c] = {"status": CARRIED, "from": day.isoformat()}
        man["counties"] = dict(sorted(state.items()))
        write_snapshot(
            frame, data_dir, nxt, derived=derived, extra_files={"manifest.json": json.dumps(man, ensure_ascii=False, indent=1).encode()}
        )
        rewritten.append(nxt)
        day = nxt


def week_state(day: dt.date, data_dir: Path | None = None) -> dict[str, dict]:
    """Every county's state for the week, from its manifest (empty for demo weeks without one)."""
    from queries.derived import partition

    return read_manifest(partition(day, data_dir)).get("counties", {})


# ---------------------------------------------------------------- history and rollback


def _history_dir(data_dir: Path) -> Path:
    """Where each submission's accepted rows are kept (for rollback), next to the snapshots they belong to."""
    d = data_dir / "submissions"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def ledger_id(data_dir: Path) -> str:
    """The data directory's own id (`ledger.id`, made on first use): its submission history in the store follows
    the directory when it is moved or mounted elsewhere, and two directories never mix their histories."""
    import os
    import uuid

    p = Path(data_dir) / "ledger.id"
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".ledger.id.{os.getpid()}.{uuid.uuid4().hex}")
        tmp.write_text(uuid.uuid4().hex + "\n", encoding="ascii")
        try:
            os.link(tmp, p)  # complete or absent, never half-written; the first process to link wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    led = p.read_text(encoding="ascii").strip()
    if len(led) != 32:
        raise ValueError(f"{p} does not hold a ledger id (32 hex digits): delete it to start a new history")
    return led


EVENT_FIELDS = ("event", "week", "county", "seq", "time", "user", "rows", "persons", "rejected", "files", "report", "back_to", "reasons")
_imported: set[tuple[str, str]] = set()


def _ledger(data_dir: Path) -> str:
    """The ledger id, with a history.jsonl of earlier versions imported once (it is not read again)."""
    import sqlalchemy as sa

    from tracker import store

    led = ledger_id(data_dir)
    eng = store.engine()
    if (str(eng.url), led) in _imported:
        return led
    old = Path(data_dir) / "submissions" / "history.jsonl"
    if old.is_file():
        name = f"history.jsonl:{led}"
        try:
            with eng.begin() as c:
                if not c.execute(sa.select(store.imports.c.name).where(store.imports.c.name == name)).first():
                    rows, seen = [], set()
                    for x in old.read_bytes().split(b"\n"):
                        try:
                            r = _row(led, json.loads(x))
                        except (ValueError, KeyError, TypeError):
                            continue  # a blank or torn line
                        key = (r["event"], r["week"], r["county"], r["seq"])
                        if key not in seen:  # the old file could repeat a number (two writers): the first one stands
                            seen.add(key)
                            rows.append(r)
                    if rows:
                        c.execute(sa.insert(store.submission_events), rows)
                    at = dt.datetime.now().timestamp()
                    c.execute(sa.insert(store.imports).values(name=name, at=at, detail=f"{len(rows)} events"))
                    print(f"tracker store: imported {len(rows)} submission events from {old} (no longer read).", file=sys.stderr)
        except sa.exc.IntegrityError:
            pass  # another process imported it at the same moment
    _imported.add((str(eng.url), led))
    return led


def _row(led: str, e: dict) -> dict:
    return {k: e.get(k) for k in EVENT_FIELDS} | {"ledger": led, "week": dt.date.fromisoformat(e["week"])}


def _append(data_dir: Path, event: dict) -> None:
    _append_all(data_dir, [event])


def _append_all(data_dir: Path, events: list[dict]) -> None:
    """Several events in one transaction (a submission's line per county)."""
    import sqlalchemy as sa

    from tracker import store

    if not events:
        return
    led = _ledger(data_dir)
    with store.engine().begin() as c:
        c.execute(sa.insert(store.submission_events), [_row(led, e) for e in events])


def _events(data_dir: Path, week: dt.date | None = None, county: str | None = None, kind: str | None = None) -> list[dict]:
    import sqlalchemy as sa

    from tracker import store

    t = store.submission_events
    q = sa.select(*(t.c[k] for k in EVENT_FIELDS)).where(t.c.ledger == _ledger(data_dir)).order_by(t.c.id)
    if kind is not None:
        q = q.where(t.c.event == kind)
    if week is not None:
        q = q.where(t.c.week == week)
    if county is not None:
        q = q.where(t.c.county == county)
    with store.engine().connect() as c:
        out = [dict(r) for r in c.execute(q).mappings()]
    for e in out:
        e["week"] = e["week"].isoformat()  # as the manifests and the pages write weeks
    return out


def history(data_dir: Path, week: dt.date | None = None, county: str | None = None) -> list[dict]:
    """Every submission (oldest first) with its status: current, superseded (a later one replaced it), rolled back,
    or refused (every row rejected: nothing of it went live)."""
    events = _events(data_dir, week, county)
    subs = [e for e in events if e["event"] in ("submit", "refused")]
    undone = {(e["week"], e["county"], e["seq"]) for e in events if e["event"] == "rollback"}
    out = []
    for s in subs:
        status = "refused" if s["event"] == "refused" else "rolled_back" if (s["week"], s["county"], s["seq"]) in undone else "superseded"
        out.append({**s, "status": status})
    live: dict[tuple, dict] = {}
    for s in out:
        if s["status"] == "superseded":
            live[(s["week"], s["county"])] = s
    for s in live.values():
        s["status"] = "current"
    return out


def rejected_by_reason(subs: list[dict]) -> dict[str, int]:
    """Rows rejected per reason in each county's latest submission of these (oldest first; a rolled-back one does not
    count, a refused one does), most first. The same bad row sent twice is counted once; a submission recorded before
    reasons were kept per county adds none (its reject report has them)."""
    out: dict[str, int] = {}
    for s in latest_attempts(subs).values():
        for k, n in (s.get("reasons") or {}).items():
            out[k] = out.get(k, 0) + n
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def latest_attempts(hist: list[dict]) -> dict[str, dict]:
    """Per county, its latest submission of these (oldest first) that was not rolled back, accepted or refused: what
    the submissions page reports rejected rows and the reject report of, and the quality page sums by reason."""
    return {s["county"]: s for s in hist if s["status"] != "rolled_back"}


def live(hist: list[dict]) -> dict[str, list[dict]]:
    """Per county, its submissions not rolled back (oldest first): the last is current, the one before is where
    a rollback goes."""
    out: dict[str, list[dict]] = {}
    for s in hist:
        if s["status"] in ("current", "superseded"):
            out.setdefault(s["county"], []).append(s)
    return out


def next_seqs(data_dir: Path, day: dt.date, county: str | None = None) -> dict[str, int]:
    """Per county, the number its next submission for the week gets (1, 2, …; refused ones count too); read once
    for every county of a run (not once per county: 150 counties, 1 s). A county not in it gets 1."""
    last: dict[str, int] = {}
    for e in _events(data_dir, day, county):
        if e["event"] in ("submit", "refused"):
            last[e["county"]] = max(last.get(e["county"], 0), e["seq"])
    return {c: n + 1 for c, n in last.items()}


def next_seq(data_dir: Path, day: dt.date, county: str) -> int:
    return next_seqs(data_dir, day, county).get(county, 1)


def report_path(data_dir: Path, day: dt.date, county: str, seq: int) -> Path:
    """The county's own reject report of one submission (its rejected and flagged rows only; `tracker.rejects`)."""
    return data_dir / "rejects" / day.isoformat() / county / f"{seq}.parquet"


def record(data_dir: Path, day: dt.date, new: pl.DataFrame, res, user: str, when: str) -> None:
    """Keep each county's rows of this submission (for rollback) and a line of history per county: rows read,
    accepted, rejected, persons, files, its reject report. A county whose rows were all rejected gets a
    `refused` line (its earlier data stays)."""
    import os

    rj = res.rejects if res.rejects is not None else pl.DataFrame(schema={"county_code": pl.String})
    rejected = dict(rj.group_by("county_code").len().drop_nulls("county_code").iter_rows())
    reasons: dict[str, dict[str, int]] = {}
    if "reason" in rj.columns:
        for c, why, n in rj.group_by("county_code", "reason").len().drop_nulls("county_code").sort("reason").iter_rows():
            reasons.setdefault(c, {})[why] = n
    files = [{"file": f.get("file"), "sha256": f.get("sha256")} for f in res.files]
    accepted = set(new["county_code"].unique().to_list())
    seqs = next_seqs(data_dir, day)
    parts = new.partition_by("county_code", as_dict=True)
    events: list[dict] = []
    try:
        for c in sorted(accepted | set(rejected)):
            seq = seqs.get(c, 1)
            rep = report_path(data_dir, day, c, seq)
            event = {
                "week": day.isoformat(),
                "county": c,
                "seq": seq,
                "time": when,
                "user": user,
                "rejected": rejected.get(c, 0),
                "reasons": reasons.get(c) or None,
                "files": files,
                "report": str(rep.relative_to(data_dir)) if rep.exists() else None,
            }
            if c not in accepted:
                events.append({"event": "refused", **event, "rows": 0, "persons": 0})
                continue
            rows = parts[(c,)]
            d = _history_dir(data_dir) / day.isoformat() / c
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = d / f".{seq}.parquet"
            rows.write_parquet(tmp)
            os.replace(tmp, d / f"{seq}.parquet")
            events.append({"event": "submit", **event, "rows": rows.height, "persons": rows["person_key"].n_unique()})
    finally:  # the counties written before a failure (a full disk) keep their line, so they can be rolled back
        _append_all(data_dir, events)


class RollbackError(Exception):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def rollback(data_dir: Path, county: str, day: dt.date, user: str) -> dict:
    """Put the county's previous submission for the week back in place of its current one."""
    with writer(data_dir):
        return _rollback(data_dir, county, day, user)


def _rollback(data_dir: Path, county: str, day: dt.date, user: str) -> dict:
    from tracker.generate import write_snapshot

    subs = live(history(data_dir, day, county)).get(county, [])
    if len(subs) < 2:
        raise RollbackError("该县区本周没有更早的报送，无法回退。", "No earlier submission of this county for this week.")
    cur, prev = subs[-1], subs[-2]
    rows = pl.read_parquet(data_dir / "submissions" / day.isoformat() / county / f"{prev['seq']}.parquet")
    when = dt.datetime.now().isoformat(timespec="seconds")
    frame, state = merge(rows, day, data_dir, prev["time"], prev["user"])
    state[county] = {
        "status": SUBMITTED,
        "time": prev["time"],
        "user": prev["user"],
        "rows": rows.height,
        "rolled_back_by": user,
        "rolled_back_at": when,
    }
    part_manifest = read_manifest(Path(data_dir) / "snapshots" / f"snapshot_date={day.isoformat()}")
    manifest = {**part_manifest, "counties": state}
    write_snapshot(frame, data_dir, day, extra_files={"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=1).encode()})
    _append(
        data_dir,
        {
            "event": "rollback",
            "week": day.isoformat(),
            "county": county,
            "seq": cur["seq"],
            "time": when,
            "user": user,
            "back_to": prev["seq"],
        },
    )
    refresh_carried(day, data_dir)
    return {"undone": cur["seq"], "current": prev["seq"], "rows": rows.height}


def main(argv: list[str] | None = None) -> int:
    import argparse

    from tracker import audit, settings

    ap = argparse.ArgumentParser(description="Submission history and rollback (报送记录与回退).")
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("history")
    h.add_argument("--week", type=dt.date.fromisoformat)
    h.add_argument("--county")
    r = sub.add_parser("rollback")
    r.add_argument("--week", type=dt.date.fromisoformat, required=True)
    r.add_argument("--county", required=True)
    r.add_argument("--user", default="cli")
    ap.add_argument("--data-dir", type=Path, default=None)
    a = ap.parse_args(argv)
    root = a.data_dir or settings.data_dir()
    if a.cmd == "history":
        for s in history(root, a.week, a.county):
            print(
                f"{s['week']} {s['county']} #{s['seq']} {s['status']:<11} {s['time']} {s['user']} "
                f"{s['rows']} rows, {s['persons']} persons, {', '.join(f['file'] or '' for f in s['files'])}"
            )
        return 0
    try:
        out = rollback(root, a.county, a.week, a.user)
    except RollbackError as e:
        print(e.zh, file=sys.stderr)
        return 2
    audit.log(a.user, "rollback", a.county, f"{a.week.isoformat()} #{out['undone']} -> #{out['current']}")
    print(f"回退完成：{a.county} {a.week.isoformat()} 第{out['undone']}次报送已撤销，恢复第{out['current']}次（{out['rows']}行）。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# ---------------------------------------------------------------- the week's status per county (报送情况)

STATUS = {
    "on_time": ("按时报送", "On time"),
    "late": ("迟报", "Late"),
    "resubmitted": ("已重报", "Re-submitted"),
    "carried": ("未报送（沿用上周）", "Not submitted (last week carried)"),
    "missing": ("未报送", "Missing"),
    "refused": ("报送被拒（全部行拒收）", "Refused (every row rejected)"),
    "refused_carried": ("报送被拒（沿用上周）", "Refused (last week carried)"),
    "no_record": ("已入库（无报送记录）", "Loaded (no submission record)"),
}

# The page's four counts. A county is counted by where its numbers this week come from, so the overview's carried
# line and this page name the same counties: a refused file leaves last week's data in place (carried), or nothing.
# The fifth, for a week loaded whole, only where it has counties.
TALLY = [
    (("已报送", "Submitted"), ("on_time", "resubmitted")),
    (("迟报", "Late"), ("late",)),
    (("沿用上周数据", "Last week's data"), ("carried", "refused_carried")),
    (("无本周数据", "No data"), ("missing", "refused")),
    (("已入库（无报送记录）", "Loaded, no record"), ("no_record",)),
]


def deadline(day: dt.date, setting: str) -> dt.datetime:
    """The week's deadline: `setting` is "<days after the snapshot date> HH:MM" (default "0 18:00": Friday 18:00)."""
    days, hhmm = (setting.split() + ["18:00"])[:2] if setting.strip() else ("0", "18:00")
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day + dt.timedelta(days=int(days)), dt.time(h, m))


def county_status(entry: dict | None, submissions_count: int, due: dt.datetime, refused: bool = False) -> str:
    """One county's status for the week from its manifest entry and how many submissions it made (`refused`: it
    sent a file this week whose every row was rejected)."""
    if refused and entry is None:
        return "refused"
    if refused and entry.get("status") == CARRIED:
        return "refused_carried"
    if entry is None:
        return "missing"
    if entry.get("status") == CARRIED:
        return "carried"
    if not entry.get("time"):
        return "no_record"
    if dt.datetime.fromisoformat(entry["time"]).replace(tzinfo=None) > due:
        return "late"
    return "resubmitted" if submissions_count > 1 else "on_time"


def week_table(
    counties: list[str], day: dt.date, data_dir: Path, due: dt.datetime, state: dict | None = None, hist: list[dict] | None = None
) -> pl.DataFrame:
    """Per county of the area: status, time, user, submissions, rows and the change against its previous submission,
    rows rejected in its latest submission and where that submission's reject report is."""
    state = week_state(day, data_dir) if state is None else state  # a page that has them already passes them
    hist = history(data_dir, day) if hist is None else hist
    loaded = {}
    if loaded_whole(state, hist):  # its counties are there, unrecorded
        loaded = week_counties(day, data_dir)
        state = {c: {"status": SUBMITTED, "time": None} for c in loaded}
    subs = live(hist)
    latest = latest_attempts(hist)
    rows = []
    for c in counties:
        mine = subs.get(c, [])
        cur, prev = (mine[-1] if mine else None), (mine[-2] if len(mine) > 1 else None)
        e, last = state.get(c), latest.get(c)
        rows.append(
            {
                "county_code": c,
                "status": county_status(e, len(mine), due, refused=bool(last and last["status"] == "refused")),
                "time": (e or {}).get("time") or (last or {}).get("time"),
                "user": (e or {}).get("user") or (last or {}).get("user"),
                # what the county sent this week and was not undone, accepted or refused (the quality page's list)
                "submissions": sum(1 for s in hist if s["county"] == c and s["status"] != "rolled_back"),
                "rows": cur["rows"] if cur else loaded.get(c, (None, None))[0],
                "persons": cur["persons"] if cur else loaded.get(c, (None, None))[1],
                "rows_change": cur["rows"] - prev["rows"] if cur and prev else None,
                "persons_change": cur["persons"] - prev["persons"] if cur and prev else None,
                "rejected": last.get("rejected") if last else None,
                "report": (last or {}).get("report"),
                "carried_from": (e or {}).get("from"),
            }
        )
    schema = {
        "county_code": pl.String,
        "status": pl.String,
        "time": pl.String,
        "user": pl.String,
        "submissions": pl.Int64,
        "rows": pl.Int64,
        "persons": pl.Int64,
        "rows_change": pl.Int64,
        "persons_change": pl.Int64,
        "rejected": pl.Int64,
        "report": pl.String,
        "carried_from": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def week_counties(day: dt.date, data_dir: Path | None = None) -> dict[str, tuple[int, int]]:
    """The counties that have records in the week: their records and persons (as a submission counts them)."""
    from queries.derived import partition

    path = partition(day, data_dir) / "records.parquet"
    if not path.exists():
        return {}
    per = pl.scan_parquet(path).group_by("county_code").agg(pl.len(), pl.col("person_key").n_unique()).collect()
    return {c: (n, p) for c, n, p in per.iter_rows()}


def loaded_whole(state: dict, hist: list[dict]) -> bool:
    """A week written whole (the demo's older weeks, a week loaded before submissions were kept): no county's state
    in its manifest and no submission in its history."""
    return not state and not hist


def by_county(day: dt.date, data_dir: Path | None = None) -> bool:
    """Whether the week came in county by county, not loaded whole."""
    return not loaded_whole(week_state(day, data_dir), history(data_dir or _data_dir(), day))


def _data_dir() -> Path:
    from tracker import settings

    return settings.data_dir()


def carried_note(day: dt.date, area: str, names, lang: str = "zh") -> str | None:
    """The overview's line naming the counties of the area whose numbers this week are last week's (not submitted,
    or their file refused whole): the same counties the submissions page counts as carried."""
    late = [
        (c, v.get("from")) for c, v in week_state(day).items() if v.get("status") == CARRIED and (c.startswith(area) or area.startswith(c))
    ]
    if not late:
        return None
    # a carried county has no accepted submission left this week (none, or all rolled back), so a refused event of the
    # week is its latest attempt: the same rule as the page's (latest_attempts), without reading every event
    ledger_file = _data_dir() / "ledger.id"  # none: no submission was ever made here (nor is one made by reading)
    refused = {e["county"] for e in _events(_data_dir(), day, kind="refused")} if ledger_file.exists() else set()
    from tracker import fmt

    def when(f: str) -> str:  # 11月27日, as the page's title writes dates (an ISO date broke on a phone at its hyphen)
        return fmt.date(dt.date.fromisoformat(f), lang) if f else "—"

    def item(c: str, f: str) -> str:
        if lang == "zh":
            return f"{names(c)}（{'报送被拒，' if c in refused else ''}沿用{when(f)}数据）"
        return f"{names(c)} ({'file refused, ' if c in refused else ''}data of {when(f)})"

    items = [item(c, f) for c, f in sorted(late)]
    return (
        "本周数据沿用上周的县区：" + "、".join(items)
        if lang == "zh"
        else "Counties whose numbers this week are last week's: " + ", ".join(items)
    )
