"""The maps of the workbench pages (issue 18): the China map of the targets on 推荐目标, the city's map of
its units on a county's page (that unit outlined), drawn with :mod:`matcher.outputs.maps` from the
workbench's own tables — the targets snapshot and the pipeline — within what the user may see.

A page embeds the map as JSON (``<script type="application/json">``, no inline script: the pages' CSP
allows scripts from the server only); ``static/maps.js`` draws it with the vendored ECharts served under
``/assets`` (the package's ``matcher/outputs/assets``: offline, no CDN). A city without boundary data
gets no map and a sentence saying so.
"""

from __future__ import annotations

from typing import Any

from matcher.outputs import maps
from matcher.workbench import config as C
from matcher.workbench.services import Actor, Workbench

#: where the page's script fetches the province boundaries (the static mount of the vendored assets)
PROVINCES_URL = "/assets/boundaries/provinces.json"


def china_map(wb: Workbench, actor: Actor, filters: dict[str, str]) -> dict[str, Any]:
    """The targets on the page's filters by home province and city, flows to the city."""
    t = wb.map_targets(actor, **filters)
    t["home_city_code"] = maps.home_city_codes(t["home_province"], t["home_city"])
    try:
        m = maps.china_map(t, wb.city_code(), title="推荐目标的总部分布与流向", with_nanhai=False)
    except maps.MapError:
        return {"error": "未能绘制全国分布图"}
    return {"map_name": m["map_name"], "geojson_url": PROVINCES_URL, "views": {"目标企业": m["option"]},
            "nanhai": maps.nanhai_series(), "notes": m["notes"]}


def _pipeline_lines(pipe: dict[str, dict[str, int]]) -> dict[str, str]:
    return {code: "项目库：" + "、".join(f"{C.STAGE_LABELS.get(s, s)}{n}个" for s, n in sorted(st.items(), key=lambda x: C.STAGES.index(x[0])
                                                                                                 if x[0] in C.STAGES else 99))
            for code, st in pipe.items() if st}


def county_map(wb: Workbench, actor: Actor, code: str) -> dict[str, Any]:
    """The city's units shaded by the targets suggested to land there, or by the pipeline (two views), the
    unit ``code`` outlined; a county user sees the figures of their own unit only."""
    units = wb.unit_geography()
    targets = wb.map_targets(actor)
    pipe = wb.unit_pipeline(actor)
    layer = maps.unit_layer(units, targets, extra=_pipeline_lines(pipe))
    views: dict[str, Any] = {}
    try:
        m = maps.city_map(layer, wb.city_code(), value_label="推荐落地目标企业数", title="各县区推荐落地的目标企业",
                          map_name="city_units", highlight=code)
        by_pipe = layer.assign(value=layer["county_code"].map(lambda c: sum(pipe.get(str(c), {}).values())))
        p = maps.city_map(by_pipe, wb.city_code(), value_label="项目库项目数", title="各县区项目库项目数",
                          map_name="city_units", highlight=code)
    except maps.MapError:
        return {"error": "边界数据中没有本市各县区的边界（或有的县区既无边界也无位置），未绘制县区地图"}
    for opt in (m["option"], p["option"]):
        opt["title"]["subtext"] = ""
    views["推荐目标"], views["项目库"] = m["option"], p["option"]
    return {"map_name": m["map_name"], "geojson": m["geojson"], "views": views,
            "notes": list(m["stand_ins"].values()) + m["notes"]}

