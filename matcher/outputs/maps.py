"""Offline maps with real boundaries: a China map of where the targets are, and a city map of its units.

Pure functions: frames in, GeoJSON + ECharts options (or a PNG) out. The only file read is the vendored
boundary data under ``assets/boundaries/`` (see ``MAPS.md`` beside this file: source, licence, vintage,
sizes, how it was simplified). No network, no work directory.

- :func:`china_map` — provinces shaded by the number of targets at home there, one point per home city
  (size = targets), flows from each home city to the destination city; ``chain`` and ``firm_type``
  filter the targets; each chain is its own legend entry so a page can switch chains on and off.
- :func:`city_map` — the city's county units shaded by a value (targets, pipeline …) with a per-unit
  hover text; functional zones (NBS codes ``xx7x``, e.g. 130371 秦皇岛经济技术开发区, 130372 北戴河新区)
  have no boundary of their own and are drawn as **points** (a pin at the point the city pack gives),
  and the map says so in its subtitle.
- :func:`render_png` — either map as a PNG (matplotlib, CJK font) for the Markdown brief and the
  workbook (xlsxwriter ``insert_image``).

Input columns
-------------
targets (china_map): ``home_city_code`` (6-digit prefecture code; municipalities 110000/110100 both
work), ``chain``, ``tags`` (Chinese labels joined by 、, e.g. "上市公司、独角兽"); optional ``name``,
``home_city``. Home-city points come from ``points`` (code → (lon, lat)) or the cpca package's table.

units (city_map): ``county_code``, ``county_name``, ``value``; optional ``hover`` (text shown on hover,
lines separated by newline), ``lon``/``lat`` (required for zones: where the pin goes), ``is_zone``
(default: third and fourth digits of the code are 7x).
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "BOUNDARY_NOTE",
    "FIRM_TYPES",
    "TYPE_TAGS",
    "ZONE_NOTE",
    "MapError",
    "boundaries",
    "china_map",
    "city_map",
    "city_units_geojson",
    "filter_targets",
    "render_png",
]

ASSETS = Path(__file__).resolve().parent / "assets" / "boundaries"
#: firm-type keys accepted by ``firm_type`` and their names on the map
FIRM_TYPES = {"listed": "上市公司", "unicorn": "独角兽", "little_giant": "专精特新小巨人", "registry": "工商登记企业"}
#: the tag that marks each type in a target's ``tags`` (as :func:`matcher.outputs.navmap.firm_tags` writes them)
TYPE_TAGS = {"listed": "上市", "unicorn": "独角兽", "little_giant": "小巨人", "registry": "工商登记"}
BOUNDARY_NOTE = "示意图：行政边界取自开源边界数据（高德来源，已简化），不作为权属界线依据"
ZONE_NOTE = "开发区、新区等功能区没有独立的行政边界，跨越若干区县，图中以图钉标出其位置（取自城市资料包）"
_LEVEL_FILES = {"province": "provinces.json", "city": "cities.json", "county": "counties.json", "nanhai": "nanhai.json"}
_MUNICIPALITIES = {"11", "12", "31", "50"}


class MapError(ValueError):
    """Missing columns, an unknown city, or a unit that can be neither drawn nor pinned."""


@lru_cache(maxsize=8)
def _load(level: str) -> str:
    name = _LEVEL_FILES[level]
    try:
        return resources.files("matcher.outputs").joinpath("assets", "boundaries", name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):  # pragma: no cover - source checkout fallback
        return (ASSETS / name).read_text(encoding="utf-8")


def boundaries(level: str) -> dict[str, Any]:
    """The vendored GeoJSON FeatureCollection of ``level`` (province, city, county, nanhai); a fresh copy."""
    if level not in _LEVEL_FILES:
        raise MapError(f"unknown boundary level {level!r}; one of {sorted(_LEVEL_FILES)}")
    return json.loads(_load(level))


def _city_code(code: object) -> str:
    s = str(code).strip()[:6]
    if s[:2] in _MUNICIPALITIES:
        return s[:2] + "0000"
    return s


def _is_zone(code: str) -> bool:
    return len(code) == 6 and code[4] == "7"


def filter_targets(targets: pd.DataFrame, chain: str | None = None, firm_type: str | None = None) -> pd.DataFrame:
    """Targets of one chain and/or one firm type (a key of :data:`FIRM_TYPES`, or a tag such as 独角兽)."""
    t = targets
    if chain:
        t = t[t["chain"].astype(str) == chain]
    if firm_type:
        tag = TYPE_TAGS.get(firm_type, firm_type)
        t = t[t["tags"].fillna("").astype(str).str.contains(tag, regex=False)]
    return t


def _points(points: Mapping[str, tuple[float, float]] | None) -> dict[str, tuple[float, float]]:
    from matcher.geo.travel import city_points

    pts = {_city_code(k): v for k, v in city_points().items()}
    if points:
        pts.update({_city_code(k): v for k, v in points.items()})
    return pts


@lru_cache(maxsize=2)
def _names(level: str) -> dict[str, str]:
    """code → name of the vendored boundaries (cities keyed like :func:`_city_code`)."""
    key = _city_code if level == "city" else str
    return {key(f["properties"]["adcode"]): f["properties"]["name"] for f in boundaries(level)["features"]}


def _esc(text: object) -> str:
    """Text joined into an ECharts tooltip (which ECharts shows as HTML): escaped."""
    return html.escape(str(text), quote=False)


def china_map(
    targets: pd.DataFrame,
    dest_city_code: str,
    *,
    chain: str | None = None,
    firm_type: str | None = None,
    points: Mapping[str, tuple[float, float]] | None = None,
    map_name: str = "china_boundaries",
    title: str = "目标企业总部分布",
    with_nanhai: bool = True,
) -> dict[str, Any]:
    """GeoJSON + ECharts option of targets by home province and city with flows to ``dest_city_code``.

    Returns ``{"map_name", "geojson", "option", "cities", "provinces", "unplaced", "notes", "dest"}``:
    register ``geojson`` under ``map_name`` (``echarts.registerMap``) before ``setOption(option)``; the
    default name is not "china", for which ECharts would add its own South China Sea inset on top of the
    maritime lines drawn here (``with_nanhai=False`` leaves those lines out, for a page that adds them once).
    ``cities``: home city code, name, lon, lat, count, chains; ``unplaced``: targets whose home city
    has no point (counted, not drawn). A destination without a point gets no flows (said in ``notes``).
    """
    for col in ("home_city_code", "chain", "tags"):
        if col not in targets.columns:
            raise MapError(f"targets need a {col!r} column")
    pts = _points(points)
    dest = _city_code(dest_city_code)
    t = filter_targets(targets, chain, firm_type).copy()
    t["_city"] = t["home_city_code"].map(_city_code)
    placed = t[t["_city"].isin(pts)]
    unplaced = int(len(t) - len(placed))
    city_names, prov_names = _names("city"), _names("province")
    cities = _home_cities(placed, pts, city_names)
    prov = placed.assign(_prov=placed["_city"].str[:2] + "0000").groupby("_prov").size()
    provinces = pd.DataFrame({"code": prov.index, "name": [prov_names.get(c, c) for c in prov.index], "count": prov.to_numpy()})
    dest_pt = pts.get(dest)
    dest_name = city_names.get(dest, dest)
    series: list[dict[str, Any]] = [{
        "name": "目标企业数（按省）", "type": "map", "map": map_name, "geoIndex": 0,
        "data": [{"name": r.name, "value": int(r.count)} for r in provinces.itertuples()],
    }]
    for ch, g in placed.groupby("chain", sort=True):
        series += _chain_series(str(ch), g.groupby("_city").size(), pts, city_names, dest, dest_pt)
    notes = [BOUNDARY_NOTE]
    if dest_pt is not None:
        series.append({"name": dest_name, "type": "effectScatter", "coordinateSystem": "geo", "zlevel": 4,
                       "symbolSize": 14, "itemStyle": {"color": "#c0392b"},
                       "label": {"show": True, "formatter": dest_name, "position": "right"},
                       "data": [{"name": dest_name, "value": [*dest_pt, 0]}]})
    else:
        notes.append("本市不在城市点位表中，图上未画到本市的流向")
    if with_nanhai:
        series.append(nanhai_series())
    if unplaced:
        notes.append(f"{unplaced}家企业总部城市不详，未在图上标出")
    top = int(provinces["count"].max()) if len(provinces) else 1
    subtitle = "；".join(x for x in (f"产业链：{chain}" if chain else "", f"企业类型：{FIRM_TYPES.get(firm_type or '', firm_type or '')}"
                                     if firm_type else "", BOUNDARY_NOTE) if x)
    option = {
        "title": {"text": title, "subtext": subtitle, "left": "center"},
        "tooltip": {"trigger": "item"},
        "legend": {"type": "scroll", "bottom": 0, "data": sorted({str(c) for c in placed["chain"]})},
        "visualMap": {"min": 0, "max": top, "left": 10, "bottom": 40, "text": ["多", "少"], "calculable": True,
                      "seriesIndex": 0, "inRange": {"color": ["#dbe7f3", "#2e6da4"]}},
        "geo": {"map": map_name, "roam": True, "zoom": 1.1, "center": [105, 36],
                "itemStyle": {"areaColor": "#eef2f7", "borderColor": "#7b8fa6"}, "emphasis": {"label": {"show": False}}},
        "series": series,
    }
    dest_info = {"code": dest, "name": dest_name, "lon": dest_pt[0] if dest_pt else None, "lat": dest_pt[1] if dest_pt else None}
    return {"map_name": map_name, "geojson": boundaries("province"), "option": option, "cities": cities, "provinces": provinces,
            "unplaced": unplaced, "notes": notes, "dest": dest_info, "kind": "china"}


def _home_cities(placed: pd.DataFrame, pts: Mapping[str, tuple[float, float]], city_names: Mapping[str, str]) -> pd.DataFrame:
    rows = []
    for code, g in placed.groupby("_city", sort=True):
        name = city_names.get(code) or (str(g["home_city"].iloc[0]) if "home_city" in g and g["home_city"].notna().any() else code)
        lon, lat = pts[code]
        rows.append({"code": code, "name": name, "lon": lon, "lat": lat, "count": len(g),
                     "chains": "、".join(g["chain"].astype(str).value_counts().index[:5])})
    return pd.DataFrame(rows, columns=["code", "name", "lon", "lat", "count", "chains"])


def _chain_series(ch: str, per: pd.Series, pts: Mapping[str, tuple[float, float]], city_names: Mapping[str, str],
                  dest: str, dest_pt: tuple[float, float] | None) -> list[dict[str, Any]]:
    """One chain's flows (to the destination) and home-city points; tooltips escaped."""
    dest_name = city_names.get(dest, dest)
    out = []
    if dest_pt is not None:
        flows = [{"coords": [list(pts[c]), list(dest_pt)], "value": int(n),
                  "tooltip": {"formatter": _esc(f"{city_names.get(c, c)} → {dest_name}：{ch} {int(n)}家")}}
                 for c, n in per.items() if c != dest]
        out.append({"name": ch, "type": "lines", "coordinateSystem": "geo", "zlevel": 2,
                    "effect": {"show": True, "symbol": "arrow", "symbolSize": 5, "period": 6},
                    "lineStyle": {"width": 1, "opacity": 0.5, "curveness": 0.2}, "data": flows})
    out.append({"name": ch, "type": "scatter", "coordinateSystem": "geo", "zlevel": 3, "symbolSize": 8,
                "data": [{"name": city_names.get(c, c), "value": [*pts[c], int(n)],
                          "tooltip": {"formatter": _esc(f"{city_names.get(c, c)}：{ch} {int(n)}家")}} for c, n in per.items()]})
    return out


def nanhai_series() -> dict[str, Any]:
    """The South China Sea maritime lines as a lines series (drawn on every China map)."""
    return {"name": "南海诸岛海域线", "type": "lines", "coordinateSystem": "geo", "polyline": True, "silent": True,
            "lineStyle": {"color": "#7f8c8d", "width": 1},
            "data": [{"coords": line} for f in boundaries("nanhai")["features"] for line in f["geometry"]["coordinates"]]}


def city_units_geojson(city_code: str) -> dict[str, Any]:
    """The county units of a prefecture city as a FeatureCollection (properties adcode, name, parent)."""
    code = str(city_code)[:6]
    parent = code[:2] + "0100" if code[:2] in _MUNICIPALITIES else code
    feats = [f for f in boundaries("county")["features"] if f["properties"]["parent"] == parent]
    if not feats:
        raise MapError(f"no county boundaries for city {city_code}")
    return {"type": "FeatureCollection", "features": feats}


def city_map(
    units: pd.DataFrame,
    city_code: str,
    *,
    value_label: str = "目标企业数",
    map_name: str | None = None,
    title: str | None = None,
    highlight: str | None = None,
) -> dict[str, Any]:
    """GeoJSON + ECharts option of the city's units shaded by ``value``, zones as pins, hover texts.

    Returns ``{"map_name", "geojson", "option", "units", "stand_ins", "notes"}``; ``stand_ins`` maps
    each unit drawn without a boundary of its own to how it is drawn. A unit that has neither a
    boundary nor a point raises :class:`MapError` (nothing is silently left off the map).
    ``highlight``: a unit code drawn with a thick red outline (or a larger red pin).
    """
    for col in ("county_code", "county_name", "value"):
        if col not in units.columns:
            raise MapError(f"units need a {col!r} column")
    geo = city_units_geojson(city_code)
    shapes = {f["properties"]["adcode"]: f["properties"]["name"] for f in geo["features"]}
    u = units.copy()
    u["county_code"] = u["county_code"].astype(str).str[:6]
    if "is_zone" not in u.columns:
        u["is_zone"] = u["county_code"].map(_is_zone)
    hover = u["hover"].fillna("").astype(str) if "hover" in u.columns else pd.Series("", index=u.index)
    stand_ins: dict[str, str] = {}
    areas, pins, outline = [], [], []  # outline: the highlighted unit (a geo region style: the map shares the geo)
    for r, h in zip(u.itertuples(index=False), hover, strict=True):
        text = f"{_esc(r.county_name)}<br/>{_esc(value_label)}：{_fmt(r.value)}" + (
            ("<br/>" + "<br/>".join(_esc(x) for x in h.split("\n"))) if h else "")
        mark = r.county_code == highlight
        if r.county_code in shapes and not r.is_zone:
            areas.append({"name": shapes[r.county_code], "value": _num(r.value), "tooltip": {"formatter": text}})
            if mark:
                outline.append({"name": shapes[r.county_code], "itemStyle": {"borderColor": "#c0392b", "borderWidth": 3}})
            continue
        lon, lat = getattr(r, "lon", None), getattr(r, "lat", None)
        if lon is None or lat is None or pd.isna(lon) or pd.isna(lat):
            raise MapError(f"unit {r.county_code} {r.county_name} has no boundary and no point to pin it at")
        why = "功能区，无独立行政边界" if r.is_zone else "边界数据中没有该单元"
        stand_ins[r.county_code] = f"{r.county_name}：{why}，以图钉标出（{float(lon):.4f}, {float(lat):.4f}）"
        pins.append({"name": str(r.county_name), "value": [float(lon), float(lat), _num(r.value)],
                     "tooltip": {"formatter": text + f"<br/>（{why}，以图钉标示位置）"},
                     **({"symbolSize": 42, "itemStyle": {"color": "#c0392b"}} if mark else {})})
    name = map_name or f"city_{str(city_code)[:6]}"
    vals = [a["value"] for a in areas] + [p["value"][2] for p in pins]
    top = max([v for v in vals if v is not None] or [1])
    notes = [BOUNDARY_NOTE] + ([ZONE_NOTE] if pins else [])
    option = {
        "title": {"text": title or f"各县区{value_label}", "subtext": "\n".join(notes[1:] + notes[:1]), "left": "center"},
        "tooltip": {"trigger": "item"},
        "visualMap": {"min": 0, "max": top, "left": 10, "bottom": 20, "text": ["多", "少"], "calculable": True,
                      "seriesIndex": 0, "inRange": {"color": ["#f7fbf2", "#2f8f4e"]}},
        "geo": {"map": name, "roam": True, "label": {"show": True, "fontSize": 11}, "top": 70, "bottom": 20,
                "itemStyle": {"areaColor": "#f7fbf2", "borderColor": "#6c7a89"}, "regions": outline},
        "series": [
            {"name": value_label, "type": "map", "map": name, "geoIndex": 0, "data": areas},
            {"name": "功能区", "type": "scatter", "coordinateSystem": "geo", "symbol": "pin", "symbolSize": 30,
             "itemStyle": {"color": "#d35400"}, "label": {"show": True, "formatter": "{b}", "position": "bottom"},
             "data": pins},
        ],
    }
    return {"map_name": name, "geojson": geo, "option": option, "units": u, "stand_ins": stand_ins, "notes": notes,
            "kind": "city", "value_label": value_label}


def _num(v: object) -> float | None:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if f != f else (int(f) if f.is_integer() else round(f, 3))


def _fmt(v: object) -> str:
    n = _num(v)
    return "—" if n is None else f"{n:g}"


# --------------------------------------------------------------------------------------------------
# PNG
# --------------------------------------------------------------------------------------------------
def _rings(geom: dict[str, Any]) -> list[list[list[float]]]:
    if geom["type"] == "Polygon":
        return [geom["coordinates"][0]]
    if geom["type"] == "MultiPolygon":
        return [p[0] for p in geom["coordinates"]]
    return []


def render_png(map_data: dict[str, Any], path: str | Path | None = None, *, width_in: float = 8.0, dpi: int = 120) -> bytes:
    """Draw a map from :func:`china_map` or :func:`city_map` as a PNG; return its bytes (and write ``path``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import colormaps
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import Normalize

    from matcher.plotting import use_cjk_font

    use_cjk_font()
    kind = map_data.get("kind")
    geo = map_data["geojson"]
    opt = map_data["option"]
    values = {d["name"]: d["value"] for d in opt["series"][0]["data"]}
    vmax = max([v for v in values.values() if v is not None] or [1])
    cmap = colormaps["Blues" if kind == "china" else "Greens"]
    norm = Normalize(0, vmax)
    fig, ax = plt.subplots(figsize=(width_in, width_in * 0.8))
    polys, colors = [], []
    for f in geo["features"]:
        v = values.get(f["properties"]["name"])
        for ring in _rings(f["geometry"]):
            polys.append(ring)
            colors.append(cmap(0.08 + 0.85 * norm(v)) if v else "#f4f6f8")
    ax.add_collection(PolyCollection(polys, facecolors=colors, edgecolors="#7b8a99", linewidths=0.4))
    if kind == "china":
        d = map_data["dest"]
        for line in (x["coords"] for x in nanhai_series()["data"]):
            xs, ys = zip(*line, strict=True)
            ax.plot(xs, ys, color="#7f8c8d", lw=0.8)
        cities = map_data["cities"]
        for r in cities.itertuples(index=False):
            if r.code != d["code"] and d["lon"] is not None:
                ax.plot([r.lon, d["lon"]], [r.lat, d["lat"]], color="#e67e22", lw=0.3 + 0.3 * min(r.count, 10), alpha=0.5)
        if len(cities):
            ax.scatter(cities["lon"], cities["lat"], s=12 + 8 * cities["count"].clip(upper=20), color="#e67e22",
                       edgecolor="white", lw=0.5, zorder=3)
            shown: list[tuple[float, float]] = []  # labels of the biggest cities, none within 1.5° of another
            for r in cities.sort_values(["count", "code"], ascending=[False, True]).itertuples(index=False):
                if len(shown) < 8 and all(abs(r.lon - x) + abs(r.lat - y) > 1.5 for x, y in shown + [(d["lon"] or 0, d["lat"] or 0)]):
                    ax.annotate(f"{r.name} {r.count}", (r.lon, r.lat), fontsize=7, xytext=(3, 3), textcoords="offset points")
                    shown.append((r.lon, r.lat))
        if d["lon"] is not None:
            ax.scatter([d["lon"]], [d["lat"]], s=90, marker="*", color="#c0392b", zorder=4)
            ax.annotate(d["name"], (d["lon"], d["lat"]), fontsize=9, color="#c0392b", xytext=(4, -10), textcoords="offset points")
        ax.set_xlim(73, 136)
        ax.set_ylim(3, 54)
    else:
        for f in geo["features"]:
            rings = _rings(f["geometry"])
            if rings:
                big = max(rings, key=len)
                xs, ys = zip(*big, strict=True)
                v = values.get(f["properties"]["name"])
                ax.annotate(f"{f['properties']['name']}\n{_fmt(v)}", (sum(xs) / len(xs), sum(ys) / len(ys)),
                            ha="center", va="center", fontsize=8)
        pins = opt["series"][1]["data"]
        for p in pins:
            lon, lat, v = p["value"]
            ax.scatter([lon], [lat], marker="v", s=80, color="#d35400", edgecolor="white", zorder=4)
            ax.annotate(f"{p['name']} {_fmt(v)}", (lon, lat), fontsize=8, color="#d35400", xytext=(5, 5), textcoords="offset points")
        ax.autoscale_view()
    ax.set_aspect(1.2)
    ax.set_axis_off()
    ax.set_title(opt["title"]["text"], fontsize=12)
    fig.text(0.5, 0.02, "；".join(map_data["notes"]), ha="center", fontsize=7, color="#555555", wrap=True)
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, shrink=0.5, label=map_data.get("value_label", "目标企业数"))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    data = buf.getvalue()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(data)
    return data


# --------------------------------------------------------------------------------------------------
# what a page shows: every filter view of the China map, the city's units with their profiles
# --------------------------------------------------------------------------------------------------
def china_views(targets: pd.DataFrame, dest_city_code: str, *,
                points: Mapping[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    """The China map for a page with two filters (产业链, 企业类型): one ECharts option per combination
    (key ``"chain|type"``, empty = all), the province boundaries and the South China Sea lines once.

    Returns ``{"map_name", "geojson", "nanhai", "views", "chains", "types", "notes"}``; ``types`` lists
    ``[key, name]`` of the firm types that occur among the targets.
    """
    chains = [""] + [str(c) for c in targets["chain"].astype(str).value_counts().index]
    types = [""] + [k for k in FIRM_TYPES if len(filter_targets(targets, None, k))]
    views = {f"{c}|{t}": china_map(targets, dest_city_code, chain=c or None, firm_type=t or None, points=points,
                                   with_nanhai=False)["option"] for c in chains for t in types}
    base = china_map(targets, dest_city_code, points=points, with_nanhai=False)
    return {"map_name": base["map_name"], "geojson": base["geojson"], "nanhai": nanhai_series(), "views": views,
            "chains": chains[1:], "types": [[k, FIRM_TYPES[k]] for k in types[1:]], "notes": base["notes"]}


#: pack fact kinds shown in a unit's hover, in this order, with their labels
PROFILE_KINDS = {"leading_industry": "主导产业", "targeted_chain": "重点产业链", "park": "园区", "constraint": "约束"}


def unit_profiles(facts: pd.DataFrame | None, per_kind: int = 3) -> dict[str, str]:
    """unit code → its profile in a few lines (主导产业 / 重点产业链 / 园区 / 约束), from the pack's facts
    (:func:`matcher.regions.profile.curated_facts`: region_code, kind, text — the Chinese text)."""
    if facts is None or facts.empty:
        return {}
    col = "text" if "text" in facts.columns else "value"
    out = {}
    for code, g in facts.groupby("region_code", sort=True):
        lines = []
        for kind, label in PROFILE_KINDS.items():
            xs = [str(x) for x in g.loc[g["kind"] == kind, col].dropna()]
            if xs:
                lines.append(f"{label}：{'；'.join(xs[:per_kind])}{'等' if len(xs) > per_kind else ''}")
        if lines:
            out[str(code)] = "\n".join(lines)
    return out


def unit_layer(units: pd.DataFrame, targets: pd.DataFrame, *, extra: Mapping[str, str] | None = None,
               top: int = 3) -> pd.DataFrame:
    """The city map's units: ``value`` = targets suggested to land there; ``hover`` = the unit's profile
    (``units["profile"]`` when given), its targets by action and the first ``top`` names, and ``extra``
    (unit code → a line, e.g. the pipeline)."""
    u = units.copy()
    u["county_code"] = u["county_code"].astype(str)
    t = targets.assign(county_code=targets["county_code"].astype(str))
    if "rank" in t.columns:
        t = t.sort_values("rank", kind="stable")
    counts = t.groupby("county_code").size()
    u["value"] = u["county_code"].map(counts).fillna(0).astype(int)
    hovers = []
    for r in u.itertuples(index=False):
        g = t[t["county_code"] == r.county_code]
        lines = [str(getattr(r, "profile", "") or "")] if str(getattr(r, "profile", "") or "") else []
        if len(g):
            acts = g["action"].fillna("").astype(str).value_counts() if "action" in g.columns else pd.Series(dtype=int)
            split = "、".join(f"{a}{int(n)}家" for a, n in acts.items() if a)
            lines.append(f"推荐落地目标：{len(g)}家" + (f"（{split}）" if split else ""))
            lines.append("首选：" + "、".join(g["name"].astype(str).head(top)))
        if extra and extra.get(r.county_code):
            lines.append(str(extra[r.county_code]))
        hovers.append("\n".join(lines))
    u["hover"] = hovers
    return u


#: the PNG files of :func:`map_pngs` (written beside navmap.md, shown in the brief and the workbook's 总览)
PNG_FILES = {"china": "navmap_china.png", "city": "navmap_city.png"}


def map_pngs(targets: pd.DataFrame, units: pd.DataFrame, city_code: str, city: str) -> dict[str, bytes]:
    """The China map and the city map of a navigation map as PNG bytes, keyed by :data:`PNG_FILES` names;
    a map that cannot be drawn (a city without boundary data) is left out."""
    out = {}
    try:
        out[PNG_FILES["china"]] = render_png(china_map(targets, city_code, title=f"目标企业总部分布（流向{city}）"))
    except MapError:
        pass
    try:
        out[PNG_FILES["city"]] = render_png(city_map(unit_layer(units, targets), city_code, value_label="推荐落地目标企业数",
                                                     title=f"{city}各县区推荐落地的目标企业"))
    except MapError:
        pass
    return out


@lru_cache(maxsize=1)
def _city_index() -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """(province name, city name) → city code, and city name → code where the name is unique."""
    prov = _names("province")
    pairs: dict[tuple[str, str], str] = {}
    by_name: dict[str, list[str]] = {}
    for f in boundaries("city")["features"]:
        p = f["properties"]
        code = _city_code(p["adcode"])
        pairs[(prov.get(str(p.get("parent", "")), ""), p["name"])] = code
        by_name.setdefault(p["name"], []).append(code)
    return pairs, {n: c[0] for n, c in by_name.items() if len(set(c)) == 1}


def home_city_codes(provinces: pd.Series, cities: pd.Series) -> pd.Series:
    """City codes from home province and city names as the targets table writes them (大连市 in 辽宁省;
    北京市 in 北京市), by the boundary data's names; None where a name is not found."""
    pairs, unique = _city_index()
    out = [pairs.get((str(p), str(c))) or unique.get(str(c)) for p, c in zip(provinces, cities, strict=True)]
    return pd.Series(out, index=cities.index, dtype="object")
