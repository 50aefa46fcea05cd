"""Reject reports: the rows ingest refused (with the reason) and the rows it flagged, kept for each run and for each
county's submission.

Kept as Parquet (masked values only: ID-shaped text, phone numbers and names never get this far) and turned into
the Excel report when someone asks for it, so a week of 78 county submissions costs no spreadsheet writing.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import polars as pl

from tracker import ids

REJECT_SCHEMA = {
    "source_file": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
    "reason_zh": pl.String,
    "reason_en": pl.String,
    "county_code": pl.String,
    "header": pl.String,  # the column as the county's own file names it
    "original": pl.String,  # the refused row as sent (JSON: the file's headers -> values, IDs masked), to correct and resend
}
FLAG_SCHEMA = {"source_file": pl.String, "sheet": pl.String, "row": pl.Int64, "flag": pl.String, "county_code": pl.String}
_ID_SHAPED = r"(\d{6})\d{8}(\d{3}[0-9Xx])"


def masked(df: pl.DataFrame) -> pl.DataFrame:
    """ID-shaped text masked in every text cell (file and sheet names too)."""
    return df.with_columns(pl.col(pl.String).str.replace_all(_ID_SHAPED, "${1}********${2}"))


def private_dir(path: Path) -> Path:
    """A directory only the service account can read (0700), made so if it already exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o777 != 0o700:
        path.chmod(0o700)
    return path


def store(rejects: pl.DataFrame, flagged: pl.DataFrame, path: Path) -> Path:
    """Both tables in one Parquet file (`kind` = rejected / flag), mode 0600."""
    df = pl.concat(
        [
            masked(rejects.cast(REJECT_SCHEMA)).with_columns(kind=pl.lit("rejected")),
            masked(flagged.cast(FLAG_SCHEMA)).with_columns(kind=pl.lit("flag")),
        ],
        how="diagonal_relaxed",
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        df.write_parquet(out)
        out.flush()
        os.fsync(out.fileno())
    return path


def load(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = pl.read_parquet(path)
    df = df.with_columns([pl.lit(None, dtype=t).alias(c) for c, t in REJECT_SCHEMA.items() if c not in df.columns])  # older reports
    rj = df.filter(pl.col("kind") == "rejected").select(list(REJECT_SCHEMA))
    fl = df.filter(pl.col("kind") == "flag").select(list(FLAG_SCHEMA))
    return rj, fl


def for_people(rejects: pl.DataFrame) -> pl.DataFrame:
    """The refused cells as the county reads them: its own file, sheet, row and column header, the value, the reason."""
    from tracker.ledger_read import HEADERS

    label = {c: names[0] for c, names in HEADERS.items()}
    col = rejects["column"].to_list()
    head = rejects["header"].to_list() if "header" in rejects.columns else [None] * rejects.height
    return pl.DataFrame(
        {
            "文件 file": rejects["source_file"],
            "工作表 sheet": rejects["sheet"].fill_null(""),
            "行号 row": rejects["row"],
            "列 column": [h or label.get(c or "", c or "") for h, c in zip(head, col, strict=True)],
            "填写的值 value": rejects["value"],
            "原因": rejects["reason_zh"],
            "reason": rejects["reason_en"],
        },
        schema={
            "文件 file": pl.String,
            "工作表 sheet": pl.String,
            "行号 row": pl.Int64,
            "列 column": pl.String,
            "填写的值 value": pl.String,
            "原因": pl.String,
            "reason": pl.String,
        },
    )


def rows_to_correct(rejects: pl.DataFrame) -> pl.DataFrame:
    """One line per refused row: where it was, every reason, then the row as sent under the county's own headers (ID
    numbers masked: the county fills them back from its own ledger), ready to be corrected and sent again."""
    import json

    order: list[str] = []
    rows: dict[tuple, dict] = {}
    for r in rejects.iter_rows(named=True):
        key = (r["source_file"], r["sheet"] or "", r["row"])
        if key not in rows:
            rows[key] = {"文件 file": key[0], "工作表 sheet": key[1], "行号 row": key[2], "原因": []}
            for h, v in json.loads(r.get("original") or "{}").items():
                if h not in order:
                    order.append(h)
                rows[key][h] = v
        rows[key]["原因"].append(r["reason_zh"])
    base = {"文件 file": pl.String, "工作表 sheet": pl.String, "行号 row": pl.Int64, "原因": pl.String}
    out = [
        {**v, "原因": "；".join(dict.fromkeys(v["原因"]))} for _, v in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2]))
    ]
    schema = {**base, **{h: pl.String for h in order if h not in base}}
    return pl.DataFrame([{c: o.get(c) for c in schema} for o in out], schema=schema)


def workbook_bytes(summary: list[str], rejects: pl.DataFrame, flagged: pl.DataFrame) -> bytes:
    """The Excel reject report: summary, rejected rows, flags; text neutralised (no formulas), IDs masked."""
    from tracker.exports import safe_frame, workbook

    sheets = {
        "汇总 summary": pl.DataFrame({"项目 item": [ids.redact(x) for x in summary]}, schema={"项目 item": pl.String}),
        "拒收 rejected": masked(for_people(rejects)),
        "待更正行 to correct": masked(rows_to_correct(rejects)),
        "提示 flags": masked(flagged),
    }
    buf = io.BytesIO()
    with workbook(buf) as wb:
        for name, df in sheets.items():
            safe_frame(df).write_excel(wb, worksheet=name[:31], autofit=True, freeze_panes=(1, 0))
    return buf.getvalue()


def write_xlsx(path: Path, summary: list[str], rejects: pl.DataFrame, flagged: pl.DataFrame) -> Path:
    """`workbook_bytes` to a file of mode 0600, flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = workbook_bytes(summary, rejects, flagged)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(path, 0o600)
    return path


def stored_report(path: Path, summary: list[str]) -> bytes:
    """The Excel report of a stored submission (the 报送情况 page's download)."""
    rj, fl = load(path)
    return workbook_bytes(summary, rj, fl)
