"""Bulletin PDFs in one process: LibreOffice kept running (tracker.office, now) against LibreOffice started for each
file (before), side by side on the same Word files.

    python -m bench.pdf [--data DIR] [--n 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None, help="a data directory (default: the tests' hand-made fixture)")
    ap.add_argument("--n", type=int, default=5)
    a = ap.parse_args(argv)
    import os

    import queries
    from tracker import bulletin, office

    tmp = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    if a.data is None:
        from tests import fixture as F

        data, week = F.build(tmp / "data"), F.CUR
    else:
        data = a.data
        week = queries.snapshot_dates(data)[-1]
    os.environ["TRACKER_DATA_DIR"] = str(data)
    queries.set_scope(queries.SYSTEM)
    areas = ["54", "5403", "540329"]
    docs = []
    for area in areas:
        b = bulletin.build(area, week, "zh")
        docs.append(bulletin.docx_bytes(b, bulletin.png(b)))
    conv = office.Converter(bulletin.SOFFICE)
    kept, each = [], []
    for i in range(a.n):
        d = tmp / f"run{i}"
        d.mkdir()
        src = d / "b.docx"
        src.write_bytes(docs[i % len(docs)])
        t = time.perf_counter()
        conv.convert(src, d / "kept.pdf")
        kept.append(time.perf_counter() - t)
        t = time.perf_counter()
        conv.once(src, d / "b.pdf")
        each.append(time.perf_counter() - t)
    conv.close()
    print(f"{a.n} bulletins ({', '.join(areas)} in turn), {data}")
    print(f"LibreOffice started for each file (before): median {statistics.median(each):.2f} s, max {max(each):.2f} s")
    print(f"LibreOffice kept running (now): first {kept[0]:.2f} s (starts it), then median {statistics.median(kept[1:]):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
