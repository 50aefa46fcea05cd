"""Turn the weekly ledger exports (实名制台账, .xlsx / .csv, Chinese headers) into a snapshot.

    python -m tracker.ingest FILE [FILE …] --snapshot-date YYYY-MM-DD [--data-dir DIR] [--user NAME]
                             [--report PATH] [--json-out PATH] [--max-memory-mb N] [--progress-lines]

Every row in is accounted for: accepted + rejected = rows read, always. Every file gets an answer, never a
traceback: a file that cannot be used gets a message in Chinese and English saying why (encrypted, a PDF, an
HTML page, damaged, no header …). Files are read by `tracker.readers` (xlsx cell by cell from its XML, only the
cells that exist, every visible sheet with the ledger's header; CSV of any line ending and separator).

Valid rows go to the snapshot partition, rejected rows to a reject report with a reason in Chinese and
English, the original files to an archive with their checksums, and a manifest records what happened
(files, sheets read and skipped, counts). All or nothing per run: if any file cannot be read, nothing is
written; the archive copies and the reject report are written under temporary names first, the snapshot's
swap into place comes next, the temporary names are renamed last, and a failed write (a full disk) removes
what it had started and leaves the live snapshot as it was. The raw ID number never leaves this module: the
snapshot holds only the keyed hash (HMAC-SHA256, secret key outside data/ and the repo) and the masked form;
a record id that is an ID number is replaced by a derived one; the reject report masks ID-shaped text and
hides text that may be a name or a phone number.

Exit codes:
    0  written; every row accepted
    1  written; some rows rejected (see the reject report)
    2  nothing written: the files were read but no row is usable (or the snapshot failed its data contract)
    3  nothing written: a file could not be read (so none of the files is loaded), or writing failed
       (e.g. a full disk) and the live snapshot was left unchanged
The upload page runs this command in a child process with a memory and a time limit (`tracker.ingest_child`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker import hierarchy, ids, schema, settings
from tracker import rejects as rejects_mod
from tracker.generate import write_snapshot
from tracker.ledger_read import (  # noqa: F401  (re-exported: the names callers and tests know ingest by)
    HEADERS,
    PII_IGNORED,
    REQUIRED,
    ZERO_WIDTH,
    header_unit,
    load_file,
    map_headers,
    norm_header,
    norm_text,
    read_raw,
    with_source,
)
from tracker.readers import IngestError
from tracker.rejects import FLAG_SCHEMA, REJECT_SCHEMA
from tracker.validate import (  # noqa: F401
    FLAG_REASONS,
    FLAGS,
    GROUP_FLAGS,
    HIDDEN_PII,
    HIDDEN_TEXT,
    INCOME_MAX,
    Lookup,
    R,
    _lookup,
    classify_id,
    classify_ids,
    parse_date,
    parse_flag,
    shown_value,
    validate,
)

__all__ = ["IngestError", "Result", "classify_id", "classify_ids", "ingest", "main", "norm_header", "read_raw"]


@dataclass
class Result:
    snapshot_date: dt.date
    rows_in: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    record_ids_replaced: int = 0  # record ids that were ID numbers, replaced by a derived id
    by_reason: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    file_errors: list[dict] = field(default_factory=list)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    contract: list[str] = field(default_factory=list)  # data-contract violations of the snapshot (none expected)
    write_error: dict | None = None  # {"zh", "en"}: writing failed (nothing written), or publishing it did
    counties: dict[str, dict] = field(default_factory=dict)  # every county's state for the week (tracker.submissions)
    notes: list[dict] = field(default_factory=list)  # {"zh", "en"}: things worth knowing that are not errors
    rejects: pl.DataFrame | None = None
    flagged: pl.DataFrame | None = None
    partition: Path | None = None
    report: Path | None = None  # the Excel reject report, when one was asked for (`report=`)
    stored_report: Path | None = None  # the run's rejected and flagged rows as kept (tracker.rejects)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        if self.file_errors or self.write_error:
            return 3
        if self.accepted == 0 or self.contract:
            return 2
        return 1 if self.rejected else 0

    def summary(self, lang: str = "zh") -> str:
        zh = lang == "zh"
        lines = [
            f"{'快照日期' if zh else 'Snapshot'}: {self.snapshot_date.isoformat()}",
            f"{'读取行数' if zh else 'Rows read'}: {self.rows_in:,}",
            f"{'接收' if zh else 'Accepted'}: {self.accepted:,}",
            f"{'拒收' if zh else 'Rejected'}: {self.rejected:,}",
            f"{'重复（已去重）' if zh else 'Duplicates (dropped)'}: {self.duplicates:,}",
        ]
        if self.counties:
            h = hierarchy.load()
            mine = [h.name(c, lang) for c, v in self.counties.items() if v.get("this_run")]
            carried = [h.name(c, lang) for c, v in self.counties.items() if v["status"] == "carried"]
            lines.append(f"{'本次替换的县区' if zh else 'Counties replaced'}: {'、'.join(mine) if zh else ', '.join(mine)}")
            if carried:
                lines.append(
                    f"{'数据沿用上周的县区' if zh else 'Carried from last week'}: " + ("、".join(carried) if zh else ", ".join(carried))
                )
        for code, n in sorted(self.by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
            zh_r, en_r = R.get(code, (code, code))
            lines.append(f"  - {zh_r if zh else en_r}: {n:,}")
        for code, n in sorted(self.flags.items(), key=lambda kv: (-kv[1], kv[0])):
            zh_r, en_r = FLAG_REASONS.get(code, (code, code))
            lines.append(f"  * {'提示' if zh else 'flag'} {zh_r if zh else en_r}: {n:,}")
        if self.record_ids_replaced:
            what = "记录编号是身份证号，已替换为系统编号（未保存）" if zh else "record ids that were ID numbers, replaced (not stored)"
            lines.append(f"  * {what}: {self.record_ids_replaced:,}")
        for f in self.files:
            if f.get("sheets"):
                read = ", ".join(f"{s['sheet'] or 'CSV'} ({s['rows']:,})" for s in f["sheets"])
                lines.append(f"  {'已读取工作表' if zh else 'sheets read'} {f['file']}: {read}")
            for s in f.get("sheets_skipped", []):
                lines.append(f"  {'未读取工作表' if zh else 'sheet not read'} {f['file']}「{s['sheet']}」: {s['zh'] if zh else s['en']}")
        for e in self.file_errors:
            lines.append(f"  ! {e['file']}: {e['zh'] if zh else e['en']}")
        if self.file_errors:
            lines.append(
                "  ! "
                + (
                    "有文件无法读取，本次导入未写入任何数据（全部文件都未导入），请处理后重新导入全部文件。"
                    if zh
                    else "A file could not be read: nothing was written (none of the files was loaded). "
                    "Fix it and load all the files again."
                )
            )
        if self.write_error:
            lines.append(f"  ! {self.write_error['zh'] if zh else self.write_error['en']}")
        for c in self.contract:
            lines.append(f"  ! {'数据契约检查未通过，快照未写入' if zh else 'data contract violated, snapshot not written'}: {c}")
        for n in self.notes:
            lines.append(f"  {n['zh'] if zh else n['en']}")
        for f, cols in self.extra_columns.items():
            lines.append(f"  {'未识别列（已忽略）' if zh else 'unrecognised columns (set aside)'} {f}: {', '.join(cols)}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        """What a parent process needs (the upload page): counts, messages, where things went."""
        return {
            "snapshot_date": self.snapshot_date.isoformat(),
            "rows_in": self.rows_in,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "exit_code": self.exit_code,
            "by_reason": self.by_reason,
            "flags": self.flags,
            "file_errors": self.file_errors,
            "write_error": self.write_error,
            "record_ids_replaced": self.record_ids_replaced,
            "files": self.files,
            "summary_zh": self.summary("zh"),
            "summary_en": self.summary("en"),
            "partition": str(self.partition) if self.partition else None,
            "report": str(self.report) if self.report else None,
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------- the whole run

Progress = Callable[[float, str], None]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit)


def _internal(name: str, e: BaseException) -> dict:
    """A file that hit a bug or ran out of memory: a message, never a traceback (the fuzz counts these)."""
    if isinstance(e, MemoryError) or "spawn" in str(e) or "alloc" in str(e):
        return {
            "file": name,
            "code": "memory",
            "zh": "文件过大，内存不足，无法导入：请按县区或乡镇拆分后导入。",
            "en": "The file is too large for the memory available: split it by county or township.",
        }
    return {
        "file": name,
        "code": "internal",
        "zh": f"处理此文件时出现内部错误（{type(e).__name__}），未导入任何数据：请把文件交给技术人员。",
        "en": f"Internal error while processing this file ({type(e).__name__}); nothing was loaded: "
        "please pass the file on to the technical team.",
    }


def ingest(
    files: list[Path],
    snapshot: dt.date,
    data_dir: Path | None = None,
    user: str | None = None,
    key: bytes | None = None,
    progress: Progress | None = None,
    write: bool = True,
    report: Path | None = None,
    replace_week: bool = False,
    when: dt.datetime | None = None,
    scope: str | None = None,
    derived: bool = True,
) -> Result:
    """Read, validate and (with `write`) store the files as the snapshot of `snapshot`; see the module doc.

    `report`: also write the reject report there (whatever happens; the upload page offers it for download).
    `when`: the submission's time (default now). `scope`: the uploader's area; rows of a county outside it are
    rejected (a county's staff sends its own county only). `derived=False` leaves the week's derived files to
    be built later (the demo builder ingests several submissions of a week, then builds them once).
    """
    held = contextlib.ExitStack()  # the writer lock (tracker.submissions.writer), from reading the weeks to writing them
    res = None
    try:
        res = _ingest(held, files, snapshot, data_dir, user, key, progress, write, report, replace_week, when, scope, derived)
    finally:
        from tracker.objstore import PublishError

        try:
            held.close()  # with object storage: the push of what was written
        except PublishError as e:
            if res is None:
                raise
            res.write_error = {"zh": e.zh, "en": e.en}
    return res


def _ingest(
    held: contextlib.ExitStack,
    files: list[Path],
    snapshot: dt.date,
    data_dir: Path | None = None,
    user: str | None = None,
    key: bytes | None = None,
    progress: Progress | None = None,
    write: bool = True,
    report: Path | None = None,
    replace_week: bool = False,
    when: dt.datetime | None = None,
    scope: str | None = None,
    derived: bool = True,
) -> Result:
    t0 = time.perf_counter()
    say = progress or (lambda f, m: None)
    data_dir = Path(data_dir or settings.data_dir())
    key = key or ids.load_key(settings.SETTINGS["secret_key_file"].get())
    lk = _lookup(hierarchy.load())
    res = Result(snapshot)
    loaded, pii, rejects, flags = [], set(), [], []
    own_headers: dict[tuple[str, str], dict[str, str]] = {}  # (file, sheet) -> column -> the file's own header
    for i, f in enumerate(files):
        f = Path(f)
        say(i / max(1, len(files)) * 0.5, f"{f.name}: 读取 / reading")
        info = {"file": f.name, "sha256": None, "rows": 0, "sheets": [], "sheets_skipped": []}
        res.files.append(info)
        try:
            if not f.is_file():
                raise IngestError("文件不存在。", "File not found.", "missing")
            info["sha256"] = sha256(f)
            ld = load_file(f)
            info["sheets"], info["sheets_skipped"] = ld.sheets, ld.skipped
        except IngestError as e:
            res.file_errors.append({"file": f.name, "code": e.code, "zh": e.zh, "en": e.en})
            continue
        except _FATAL:
            raise
        except BaseException as e:  # any file gets an answer, never a traceback (a Rust panic is a BaseException)
            res.file_errors.append(_internal(f.name, e))
            continue
        info["rows"] = ld.frame.height
        res.rows_in += ld.frame.height
        if ld.extra:
            res.extra_columns[f.name] = ld.extra
        if ld.dropped_cells:
            res.notes.append(
                {
                    "zh": f"{f.name}：表头范围以外的{ld.dropped_cells:,}个单元格未读取。",
                    "en": f"{f.name}: {ld.dropped_cells:,} cells outside the header's columns were not read.",
                }
            )
        loaded.append(with_source(ld.frame, f.name))
        own_headers.update({(f.name, sheet): h for sheet, h in ld.headers.items()})
        pii |= ld.pii
    frames = []
    if loaded:
        say(0.5, f"校验{res.rows_in:,}行 / validating")
        results, errors = _validate_all(loaded, snapshot, lk, pii)
        res.file_errors += errors
        for ok, rj, fl, stats in results:
            res.record_ids_replaced += stats["record_ids_replaced"]
            rejects += rj
            flags += fl
            if ok.height:
                frames.append(ok)
    if scope and frames:  # a county's staff may replace its own county only: other counties' rows are refused
        outside = [f.filter(~pl.col("county_code").str.starts_with(scope)) for f in frames]
        for o in outside:
            rejects += [
                {
                    "source_file": fi,
                    "sheet": sh,
                    "row": r,
                    "column": "county",
                    "value": c,
                    "reason": "out_of_scope",
                    "reason_zh": R["out_of_scope"][0],
                    "reason_en": R["out_of_scope"][1],
                    "county_code": c,
                }
                for fi, sh, r, c in o.select("_file", "_sheet", "_row", "county_code").iter_rows()
            ]
        frames = [f.filter(pl.col("county_code").str.starts_with(scope)) for f in frames]
        flags = [f for f in flags if (f.get("county_code") or "").startswith(scope)]
    try:
        accepted = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
        if accepted.height:
            accepted, dups = _dedupe(accepted)
            res.duplicates = len(dups)
            for d in dups:
                rejects.append(
                    {
                        "source_file": d["_file"],
                        "sheet": d["_sheet"],
                        "row": d["_row"],
                        "column": "id_number",
                        "value": ids.mask(d["_id"]),
                        "reason": "duplicate",
                        "reason_zh": R["duplicate"][0],
                        "reason_en": R["duplicate"][1],
                        "county_code": d["county_code"],
                    }
                )
            from queries.derived import partition, previous

            if write:  # the writer lock from here: the previous week read below is the one this week is written after
                from tracker import submissions

                wait = "等待另一份报送写入完成 / waiting for another submission to be written"
                held.enter_context(submissions.writer(data_dir, waiting=lambda: say(0.6, wait)))
            before = previous(snapshot, data_dir)
            accepted, outliers = _finish(accepted, snapshot, key, partition(before, data_dir) / "records.parquet" if before else None)
            flags += outliers
    except _FATAL:
        raise
    except BaseException as e:
        res.file_errors.append(_internal("*", e))
        accepted = pl.DataFrame()
    if scope:  # a sender's refused rows are the sender's: never another county's report or history
        own = scope if len(scope) == 6 else None
        for r in rejects:
            if not (r.get("county_code") or "").startswith(scope):
                r["county_code"] = own
    _in_own_words(rejects, loaded, own_headers, pii)
    res.accepted = accepted.height
    res.rejected = len(rejects)
    if res.accepted + res.rejected != res.rows_in:  # a bug, never expected: refuse rather than lose a row
        res.contract.append(f"rows_in {res.rows_in} != accepted {res.accepted} + rejected {res.rejected}")
    res.rejects = pl.DataFrame(rejects, schema=REJECT_SCHEMA)
    res.by_reason = dict(res.rejects["reason"].value_counts().iter_rows()) if rejects else {}
    res.flagged = pl.DataFrame(flags, schema=FLAG_SCHEMA)
    res.flags = dict(res.flagged["flag"].value_counts().iter_rows()) if flags else {}
    snapshot_frame = None
    stamp, user = (when or dt.datetime.now()).isoformat(timespec="seconds"), user or getpass.getuser()  # the run's
    if res.accepted and not res.file_errors:
        snapshot_frame = accepted.select([pl.col(c.name).cast(c.dtype) for c in schema.COLUMNS])
        if write:  # this submission's counties replace their own rows; the other counties' stay or carry forward
            from tracker import submissions

            submitted = snapshot_frame
            snapshot_frame, res.counties = submissions.merge(snapshot_frame, snapshot, data_dir, stamp, user, replace_week)
        from tracker.contracts import check_snapshot  # the same data contract as the fixture and the demo

        res.contract += [f"{v.check} {v.column}: {v.rows} ({v.example})" for v in check_snapshot(snapshot_frame, lk.h)]
    if write and snapshot_frame is not None and not res.contract:
        say(0.9, "写入快照 / writing the snapshot")
        try:
            _write_all(res, snapshot_frame, [Path(f) for f in files], data_dir, snapshot, user, stamp, derived)
            try:  # the history (and each county's rows, for rollback); the snapshot is live either way
                submissions.record(data_dir, snapshot, submitted, res, user, stamp)
            except Exception as e:  # a full disk, the store unreachable or busy: the week is live all the same
                why = getattr(e, "strerror", None) or type(e).__name__
                res.notes.append({"zh": f"报送记录未保存：{why}", "en": f"Submission history not saved: {why}"})
            if not replace_week:  # later weeks that carry these counties now carry this week's rows
                try:
                    for d in submissions.refresh_carried(snapshot, data_dir, derived):
                        res.notes.append(
                            {
                                "zh": f"{d.isoformat()}：未报送县区的沿用数据已按本周更新。",
                                "en": f"{d.isoformat()}: the counties carried there now carry this week's data.",
                            }
                        )
                except OSError as e:  # this week is live; the later week keeps its older carried rows
                    res.notes.append(
                        {
                            "zh": f"后续周的沿用数据未能更新：{e.strerror}",
                            "en": f"The carried data of later weeks was not updated: {e.strerror}",
                        }
                    )
        except _FATAL:
            raise
        except BaseException as e:  # a full disk (OSError) or anything else: nothing written, temporary files gone
            res.partition = None
            why = getattr(e, "strerror", None) or type(e).__name__
            res.write_error = {
                "zh": f"写入失败（{why}），快照未更新，已写入的临时文件已清理；请检查磁盘空间后重新导入。",
                "en": f"Writing failed ({why}): the snapshot was not changed and the temporary files "
                "were removed. Check the disk space and load the files again.",
            }
    if write and not res.accepted and res.rejected and not res.file_errors and not res.contract:
        # every row refused: no data changes, but the counties' attempt is kept (报送被拒 on the submissions page,
        # its reasons on the quality page, its reject report to download), as for a county refused in a larger run
        try:
            _record_refused(res, held, data_dir, snapshot, user, stamp)
        except _FATAL:
            raise
        except Exception as e:  # a full disk, the store unreachable: the files were refused all the same
            why = getattr(e, "strerror", None) or type(e).__name__
            res.notes.append({"zh": f"报送记录未保存：{why}", "en": f"Submission history not saved: {why}"})
    if report is not None:
        try:
            res.report = write_reject_report(res, Path(report))
        except (OSError, MemoryError):
            res.report = None
    res.seconds = time.perf_counter() - t0
    say(1.0, "完成 / done")
    return res


def _validate_all(loaded: list[pl.DataFrame], snapshot: dt.date, lk: Lookup, pii: set[str]) -> tuple[list, list[dict]]:
    """Every file's rows validated in one pass; if that fails, file by file, so the failing file is named."""
    try:
        return [validate(pl.concat(loaded, how="diagonal_relaxed"), snapshot, lk, pii=pii)], []
    except _FATAL:
        raise
    except BaseException as e:
        if len(loaded) == 1:
            return [], [_internal(loaded[0]["_file"][0] if loaded[0].height else "*", e)]
    out, errors = [], []
    for part in loaded:
        try:
            out.append(validate(part, snapshot, lk, pii=pii))
        except _FATAL:
            raise
        except BaseException as e:
            errors.append(_internal(part["_file"][0] if part.height else "*", e))
    return out, errors


def _audit_head() -> dict | None:
    """The audit log's head (line count, MAC) as of this week: an external anchor, checked by `audit.confirms`."""
    from tracker import audit

    try:
        n, mac = audit.head()
    except OSError:
        return None
    return {"lines": n, "mac": mac}


def identity() -> pl.Expr:
    """What makes two rows the same placement. With the ledger's own record id: that id (as before, per file,
    person, start, channel and county). Without one (most real exports): the person, the placement's start
    date and the reporting county, whatever the file name, sheet, row or column order; a changed destination,
    channel, flag, industry, months or income is then a restatement of the same record."""
    given = pl.concat_str(
        [
            pl.lit("R"),
            pl.col("_file"),
            pl.col("record_id"),
            pl.col("_id"),
            pl.col("start_date").cast(pl.String),
            pl.col("channel").fill_null(""),
            pl.col("county_code"),
        ],
        separator="|",
    )
    derived = pl.concat_str([pl.lit("P"), pl.col("_id"), pl.col("start_date").cast(pl.String), pl.col("county_code")], separator="|")
    return pl.when(pl.col("record_id").is_null()).then(derived).otherwise(given)


def _dedupe(df: pl.DataFrame) -> tuple[pl.DataFrame, list[dict]]:
    """Two rows of one placement (any file, any sheet): keep the first, report the rest as duplicates."""
    is_dup = df.select(identity().is_first_distinct().not_().alias("d"))["d"]
    dups = df.filter(is_dup).select("_file", "_sheet", "_row", "_id", "county_code").to_dicts()
    return df.filter(~is_dup), dups


def _finish(df: pl.DataFrame, snapshot: dt.date, key: bytes, prev_records: Path | None = None) -> tuple[pl.DataFrame, list[dict]]:
    """Hash and mask IDs, derive gender/birth year, record ids, counting unit; income outliers."""
    df = df.with_columns(
        person_key=ids.person_keys(df["_id"], key),
        id_masked=ids.mask_expr("_id"),
        id_check_ok=pl.lit(True),
        gender=pl.when(pl.col("_id").str.slice(16, 1).cast(pl.Int32) % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")),
        birth_year=pl.col("_id").str.slice(6, 4).cast(pl.Int16),
        job_source=pl.col("job_source").fill_null("flexible"),
        industry=pl.col("industry").fill_null("other"),
        _given_reported=pl.col("reported_date"),
        months_employed=pl.col("months_employed").cast(pl.Float64).round(1),
        income_yuan=pl.col("income_yuan").cast(pl.Float64).round().cast(pl.Int64),
    )
    df = df.with_columns([pl.col(c).fill_null(False) for c in GROUP_FLAGS])
    # record ids: the ledger's own when given, else derived from the placement's identity (see `identity`)
    df = df.with_columns(
        record_id=pl.coalesce(pl.col("record_id"), ids.placement_ids(df["person_key"], df["start_date"], df["county_code"]))
    )
    if prev_records is not None and prev_records.exists():  # 录入时间 missing: the week the record first appeared
        seen = pl.read_parquet(prev_records, columns=["record_id", "reported_date"]).unique("record_id", keep="first")
        df = (
            df.join(seen.rename({"reported_date": "_seen"}), on="record_id", how="left")
            .with_columns(reported_date=pl.coalesce("_given_reported", "_seen", pl.lit(snapshot)))
            .drop("_seen")
        )
    else:
        df = df.with_columns(reported_date=pl.coalesce("_given_reported", pl.lit(snapshot)))
    df = df.with_columns(
        record_id=pl.when(pl.col("record_id").is_duplicated())
        .then(pl.col("record_id") + "#" + pl.int_range(pl.len()).over("record_id").cast(pl.String))
        .otherwise(pl.col("record_id"))
    )
    from tracker.submissions import counting_units

    df = counting_units(df)
    per_month = pl.col("income_yuan") / pl.col("months_employed").clip(lower_bound=0.5)
    med = df.select(per_month.median()).item() or 0
    out = df.with_columns(_pm=per_month).filter((pl.col("_pm") > max(20_000, 10 * med)) & (pl.col("income_yuan") > 0))
    flags = [
        {"source_file": f, "sheet": s, "row": r, "flag": "income_outlier"} for f, s, r in out.select("_file", "_sheet", "_row").iter_rows()
    ]
    return df.sort("county_code", "township_code", "village_code", "record_id", nulls_last=True), flags


# ---------------------------------------------------------------- writing (all or nothing)

_private_dir = rejects_mod.private_dir


def _copy_private(src: Path, dest: Path) -> None:
    """Copy to a new 0600 file, flushed to disk (a full disk raises here, not later)."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
        shutil.copyfileobj(inp, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())


def _write_all(
    res: Result, frame: pl.DataFrame, files: list[Path], data_dir: Path, snapshot: dt.date, user: str, stamp: str, derived: bool = True
) -> None:
    """Archive copies and reject reports under temporary names, then the snapshot swap, then the renames.

    On any failure the temporary files and the snapshot's staging directory are removed and the live snapshot
    is what it was; the exception goes up to `ingest`, which turns it into a message. The run's reject report
    covers every file of the run; each county of the run also gets its own (see `submissions.report_path`).
    """
    from tracker import submissions

    day = snapshot.isoformat()
    tag = f".tmp-{os.getpid()}-{time.monotonic_ns()}"
    staged: list[tuple[Path, Path]] = []
    try:
        arch = _private_dir(_private_dir(data_dir / "archive") / day)
        for f in files:
            final = arch / f"{sha256(f)[:16]}-{f.name}"
            tmp = arch / f"{tag}-{f.name}"
            staged.append((tmp, final))
            _copy_private(f, tmp)
        rej = _private_dir(_private_dir(data_dir / "rejects") / day)
        run_report = rej / f"run-{len(list(rej.glob('run-*.parquet'))) + 1:03d}-{stamp.replace(':', '')}.parquet"
        seqs = submissions.next_seqs(data_dir, snapshot)
        for county, (rj, fl) in _by_county(res).items():
            final = submissions.report_path(data_dir, snapshot, county, seqs.get(county, 1))
            _private_dir(final.parent)
            tmp = final.with_name(f"{tag}-{final.name}")
            staged.append((tmp, final))
            rejects_mod.store(rj, fl, tmp)
        tmp = rej / f"{tag}-run.parquet"
        staged.append((tmp, run_report))
        rejects_mod.store(_or_empty(res.rejects, REJECT_SCHEMA), _or_empty(res.flagged, FLAG_SCHEMA), tmp)
        part = data_dir / "snapshots" / f"snapshot_date={day}"
        before = submissions.read_manifest(part)  # the week's earlier runs stay listed
        this_run = {
            "time": stamp,
            "user": user,
            "files": res.files,
            "rows_in": res.rows_in,
            "accepted": res.accepted,
            "rejected": res.rejected,
            "duplicates": res.duplicates,
            "rejected_by_reason": res.by_reason,
            "flags": res.flags,
            "counties": sorted(c for c, v in res.counties.items() if v.get("this_run")),
            "report": str(run_report.relative_to(data_dir)),
        }
        manifest = {
            "snapshot_date": day,
            "files": res.files,
            "rows_in": res.rows_in,
            "accepted": res.accepted,
            "rejected": res.rejected,
            "duplicates": res.duplicates,
            "rejected_by_reason": res.by_reason,
            "flags": res.flags,
            "file_errors": res.file_errors,
            "record_ids_replaced": res.record_ids_replaced,
            "contract_violations": res.contract,
            "time": stamp,
            "user": user,
            "audit_head": _audit_head(),
            "counties": {c: {k: v for k, v in e.items() if k != "this_run"} for c, e in res.counties.items()},
            "runs": [*before.get("runs", []), this_run],
        }
        res.partition = write_snapshot(
            frame,
            data_dir,
            snapshot,
            derived=derived,
            extra_files={"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=1).encode()},
        )
    except BaseException:
        for tmp, _final in staged:
            tmp.unlink(missing_ok=True)
        staging = data_dir / ".staging"
        if staging.is_dir():  # write_snapshot's own staging directory of this process, if it stopped half-way
            for p in staging.glob(f"{day}-{os.getpid()}-*"):
                shutil.rmtree(p, ignore_errors=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    res.stored_report = run_report
    if not derived:
        return
    try:
        from tracker.generate import _prebuild_dims

        _prebuild_dims(data_dir, [snapshot])
    except (OSError, MemoryError) as e:  # derived files are rebuilt on first use: the snapshot itself is complete
        res.notes.append(
            {
                "zh": f"派生文件未能预先生成（{type(e).__name__}），首次查看时会自动生成。",
                "en": f"Derived files were not prebuilt ({type(e).__name__}); they are built on first use.",
            }
        )


def _record_refused(res: Result, held: contextlib.ExitStack, data_dir: Path, snapshot: dt.date, user: str, stamp: str) -> None:
    """A run with no row accepted: each county's reject report, then its `refused` line in the week's history."""
    from tracker import submissions

    held.enter_context(submissions.writer(data_dir))  # not held yet: it is taken once there are rows to merge
    seqs = submissions.next_seqs(data_dir, snapshot)
    for county, (rj, fl) in _by_county(res).items():
        final = submissions.report_path(data_dir, snapshot, county, seqs.get(county, 1))
        _private_dir(final.parent)
        tmp = final.with_name(f".tmp-{os.getpid()}-{final.name}")
        rejects_mod.store(rj, fl, tmp)
        os.replace(tmp, final)
    none = pl.DataFrame(schema={c.name: c.dtype for c in schema.COLUMNS})
    submissions.record(data_dir, snapshot, none, res, user, stamp)


def _by_county(res: Result) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """Each county of the run (accepted or rejected rows) with its own rejected and flagged rows."""
    rj = res.rejects if res.rejects is not None else pl.DataFrame(schema=REJECT_SCHEMA)
    fl = res.flagged if res.flagged is not None else pl.DataFrame(schema=FLAG_SCHEMA)
    mine = {c for c, v in res.counties.items() if v.get("this_run")} | set(rj["county_code"].drop_nulls().to_list())
    return {c: (rj.filter(pl.col("county_code") == c), fl.filter(pl.col("county_code") == c)) for c in sorted(mine)}


def write_reject_report(res: Result, path: Path, rejects: pl.DataFrame | None = None, flagged: pl.DataFrame | None = None) -> Path:
    """Summary, rejected rows and flags (the run's, or one county's when given) as Excel: text neutralised (no
    formulas), ID-shaped text masked, file mode 0600."""
    return rejects_mod.write_xlsx(
        path,
        res.summary("zh").splitlines(),
        rejects if rejects is not None else _or_empty(res.rejects, REJECT_SCHEMA),
        flagged if flagged is not None else _or_empty(res.flagged, FLAG_SCHEMA),
    )


def _in_own_words(rejects: list[dict], loaded: list[pl.DataFrame], headers: dict, pii: set[str]) -> None:
    """Each refused cell gets the county's own column header, and a copy of its row as sent (under the file's headers,
    what the reject report may show: IDs masked, names and phone numbers never), so the county can correct and resend."""
    import json

    if not rejects or not loaded:
        return
    keys = pl.DataFrame(
        [(r["source_file"], r["sheet"] or "", r["row"]) for r in rejects],
        schema={"_file": pl.String, "_sheet": pl.String, "_row": pl.Int64},
        orient="row",
    ).unique()
    rows = pl.concat([f.with_columns(pl.col("_sheet").fill_null("")) for f in loaded], how="diagonal_relaxed")
    rows = rows.with_columns(pl.col("_row").cast(pl.Int64)).join(keys, on=["_file", "_sheet", "_row"], how="semi")
    copies = {}
    for d in rows.iter_rows(named=True):
        own = headers.get((d["_file"], d["_sheet"]), {})
        copies[(d["_file"], d["_sheet"], d["_row"])] = json.dumps(
            {h: shown_value(c, d.get(c), pii) for c, h in own.items()}, ensure_ascii=False
        )
    for r in rejects:
        key = (r["source_file"], r["sheet"] or "", r["row"])
        r["header"] = headers.get(key[:2], {}).get(r["column"])
        r["original"] = copies.get(key)


def _or_empty(df: pl.DataFrame | None, schema_: dict) -> pl.DataFrame:
    return df if df is not None else pl.DataFrame(schema=schema_)


# ---------------------------------------------------------------- command line


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    """Address-space and CPU-time limits of this process (the upload page's child)."""
    import resource

    if memory_mb:
        limit = int(memory_mb) << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (int(cpu_seconds), int(cpu_seconds) + 5))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Ingest ledger exports into a weekly snapshot (exit codes: see the module doc).")
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--snapshot-date", required=True, type=dt.date.fromisoformat)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--user", default=None)
    ap.add_argument("--lang", default="zh", choices=["zh", "en"])
    ap.add_argument("--report", type=Path, default=None, help="also write the reject report here (whatever happens)")
    ap.add_argument("--json-out", type=Path, default=None, help="write the result as JSON here (for the upload page)")
    ap.add_argument("--max-memory-mb", type=int, default=0, help="address-space limit of this process (0 = none)")
    ap.add_argument("--max-cpu-seconds", type=int, default=0, help="CPU-time limit of this process (0 = none)")
    ap.add_argument("--progress-lines", action="store_true", help="progress as '@progress <fraction> <text>' lines")
    ap.add_argument(
        "--replace-week",
        action="store_true",
        help="the files are the whole week (the old behaviour); default: they replace only their counties",
    )
    ap.add_argument("--dry-run", action="store_true", help="read and validate only; write nothing to the data dir")
    ap.add_argument("--scope", default=None, help="the uploader's area code: rows of counties outside it are refused")
    a = ap.parse_args(argv)
    if a.max_memory_mb or a.max_cpu_seconds:
        _limit(a.max_memory_mb, a.max_cpu_seconds)

    def bar(frac: float, msg: str) -> None:
        if a.progress_lines:
            print(f"@progress {frac:.4f} {msg}", file=sys.stderr, flush=True)
            return
        filled = int(frac * 30)
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {frac:5.1%} {msg[:50]:<50}", end="", file=sys.stderr)

    try:
        res = ingest(
            a.files,
            a.snapshot_date,
            a.data_dir,
            a.user,
            progress=bar,
            write=not a.dry_run,
            report=a.report,
            replace_week=a.replace_week,
            scope=a.scope,
        )
    except _FATAL:
        raise
    except BaseException as e:  # out of memory (or a thread that could not start) outside a file's own handling
        msg = {
            "zh": f"内存不足或内部错误（{type(e).__name__}），导入已停止，未写入任何数据。",
            "en": f"Out of memory or an internal error ({type(e).__name__}): ingest stopped, nothing was written.",
        }
        print(msg[a.lang], file=sys.stderr)
        if a.json_out:
            _write_json(
                a.json_out,
                {"exit_code": 3, "file_errors": [{"file": "*", "code": "memory", **msg}], "summary_zh": msg["zh"], "summary_en": msg["en"]},
            )
        return 3
    if not a.progress_lines:
        print(file=sys.stderr)
    print(res.summary(a.lang))
    if res.partition:
        print(("快照：" if a.lang == "zh" else "Snapshot: ") + str(res.partition))
    if a.json_out:
        _write_json(a.json_out, res.to_json())
    print(f"{res.seconds:.1f} s", file=sys.stderr)
    return res.exit_code


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    raise SystemExit(main())
