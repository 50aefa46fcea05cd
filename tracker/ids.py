"""National ID numbers (GB 11643): check digit, masking, keyed person hash. Pure functions."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    s = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[s % 11]


def check_index(first17: np.ndarray) -> np.ndarray:
    """The position in CHECK_CHARS of each row's check character, for an (n, 17) array of digits."""
    return (first17 * WEIGHTS).sum(axis=1) % 11


def check_chars(first17: np.ndarray) -> np.ndarray:
    """Vectorised check_char for an (n, 17) array of digits."""
    return np.array(list(CHECK_CHARS))[check_index(first17)]


def is_valid(id18: str) -> bool:
    id18 = id18.strip().upper()
    return len(id18) == 18 and id18[:17].isdigit() and id18[17] in "0123456789X" and check_char(id18[:17]) == id18[17]


def mask(id18: str) -> str:
    """First 6 + last 4, the rest starred: the only form that reaches a screen."""
    return id18[:6] + "*" * 8 + id18[-4:]


def mask_expr(col: str | pl.Expr) -> pl.Expr:
    """`mask` for a whole column (ingest, the generator and tests use this one)."""
    e = pl.col(col) if isinstance(col, str) else col
    return e.str.slice(0, 6) + "********" + e.str.slice(14, 4)


def load_key(path: str | Path) -> bytes:
    """The secret key for person hashing; created (0600) on first use."""
    env = os.environ.get("TRACKER_SECRET_KEY")
    if env:
        return env.encode()
    p = Path(path)
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(secrets.token_hex(32).encode())
        p.chmod(0o600)
    return p.read_bytes().strip()


def person_key(id18: str, key: bytes) -> int:
    """Keyed hash (HMAC-SHA256) of the normalised ID, first 8 bytes as a signed 64-bit integer."""
    d = hmac.digest(key, id18.strip().upper().encode(), hashlib.sha256)
    return int.from_bytes(d[:8], "big", signed=True)


def _pads(key: bytes) -> tuple[bytes, bytes]:
    k = hashlib.sha256(key).digest() if len(key) > 64 else key
    k = k.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in k), bytes(b ^ 0x5C for b in k)


_HMAC_SQL = """
with hashed as (
    select i, ('0x' || left(sha256($opad || unhex(sha256($ipad || upper(trim(v))::blob))), 16))::ubigint::hugeint as u
    from src
)
select ((u + 9223372036854775808) % 18446744073709551616 - 9223372036854775808)::bigint as k from hashed order by i
"""


def person_keys(id18: pl.Series, key: bytes) -> pl.Series:
    """`person_key` of a whole column at once (HMAC-SHA256 written out with DuckDB's sha256: the same numbers,
    a few times faster than a Python loop on two cores). Nulls give nulls."""
    ipad, opad = _pads(key)
    src = pl.DataFrame({"i": pl.int_range(len(id18), eager=True), "v": id18.cast(pl.String)})
    con = duckdb.connect(config={"threads": 2})
    try:
        con.register("src", src.to_arrow())
        out = con.sql(_HMAC_SQL, params={"ipad": ipad, "opad": opad}).pl()
    finally:
        con.close()
    return out["k"].rename("person_key")


def placement_ids(person_key: pl.Series, start: pl.Series, county: pl.Series) -> pl.Series:
    """The record id of a placement whose ledger has none: `L` + 15 hex digits of SHA-256 over the keyed person
    hash, the start date and the reporting county. It reveals nothing and is the same next week whatever the file
    is called and however its rows are ordered (the identity rule, see the README)."""
    src = pl.DataFrame(
        {
            "i": pl.int_range(len(person_key), eager=True),
            "k": person_key.cast(pl.Int64),
            "s": start.cast(pl.Date),
            "c": county.cast(pl.String),
        }
    )
    con = duckdb.connect(config={"threads": 2})
    try:
        con.register("src", src.to_arrow())
        out = con.sql(
            "select 'L' || left(sha256(k::varchar || '|' || strftime(s, '%Y-%m-%d') || '|' || c), 15) as r from src order by i"
        ).pl()
    finally:
        con.close()
    return out["r"].rename("record_id")


_ID_LIKE = re.compile(r"(?<![0-9])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9])")


def redact(text: str) -> str:
    """Any 18-character ID-shaped run in free text (a log line, an error) masked like `mask`."""
    return _ID_LIKE.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
