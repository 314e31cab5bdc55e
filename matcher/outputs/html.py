"""navmap.html: one self-contained offline page (no CDN, no map tiles).

The charting library (Apache ECharts, vendored from the npm registry into ``assets/``, see
``assets/VENDORED.md``) and its licence texts are inlined; the data travel as JSON inside the page.
Views: where the targets are (lon/lat scatter of their home cities with labels, the city's counties
marked), targets by chain and action, by home region, landing counties, and the tables (searchable).
When every chart has been drawn the page sets ``data-rendered`` on ``<body>`` (used by the tests).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from matcher.outputs.navmap import CHAIN_HEADERS, COUNTY_HEADERS, OUTBOUND_HEADERS, TARGET_HEADERS
from matcher.outputs.safe import JS_ESCAPE

if TYPE_CHECKING:
    from matcher.outputs.navmap import Navmap

ASSETS = Path(__file__).resolve().parent / "assets"
ECHARTS_FILE = ASSETS / "echarts.min.js"
LICENCE_FILES = ("LICENSE-echarts", "LICENSE-echarts-NOTICE", "LICENSE-d3")

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


def city_points(targets: pd.DataFrame) -> list[dict[str, Any]]:
    """Targets aggregated by home city: name, lon, lat (mean of the firms'), count, best rank, firms."""
    t = targets.dropna(subset=["lon", "lat"])
    if t.empty:
        return []
    t = t.assign(home_city=t["home_city"].fillna(t["home_province"]).fillna("不详"))
    out = []
    for cty, g in t.groupby("home_city", sort=True):
        g = g.sort_values("rank", kind="stable")
        out.append({
            "name": str(cty), "lon": round(float(g["lon"].mean()), 4), "lat": round(float(g["lat"].mean()), 4),
            "n": len(g), "best": int(g["rank"].min()), "firms": "、".join(g["name"].astype(str).head(5)),
            "region": str(g["home_region"].iloc[0]),
        })
    return sorted(out, key=lambda d: (-d["n"], d["best"], d["name"]))


def chain_counts(targets: pd.DataFrame, top: int = 15) -> dict[str, Any]:
    """Targets per chain (top chains by count) split by action, for a stacked bar."""
    if targets.empty:
        return {"chains": [], "series": {}}
    counts = targets.groupby(["chain", "action"]).size().unstack(fill_value=0)
    order = counts.sum(axis=1).sort_values(ascending=False, kind="stable")
    chains = [str(c) for c in order.index[:top]]
    series = {a: [int(counts.at[c, a]) if a in counts.columns else 0 for c in chains] for a in ("强链", "补链", "延链")}
    return {"chains": chains, "series": series}


def payload(navmap: Navmap) -> dict[str, Any]:
    """Everything the page draws, as one JSON-able dict."""
    t = navmap.targets
    reg = t.groupby("home_region").size().sort_values(ascending=False, kind="stable") if len(t) else pd.Series(dtype=int)
    first = t.groupby("county_name").size() if len(t) else pd.Series(dtype=int)
    return {
        "city": navmap.city,
        "meta": {k: _json_safe(v) if not isinstance(v, list) else v for k, v in navmap.meta.items()},
        "units": [{"code": str(r.county_code), "name": str(r.county_name), "lon": _json_safe(r.lon), "lat": _json_safe(r.lat),
                   "first": int(first.get(r.county_name, 0))} for r in navmap.units.itertuples(index=False)],
        "points": city_points(t),
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

  // 1. where the targets are: lon/lat scatter (no tiles), city counties marked
  var pts = D.points, units = D.units.filter(function(u){return u.lon!==null && u.lat!==null;});
  var lats = pts.map(function(p){return p.lat;}).concat(units.map(function(u){return u.lat;}));
  var midLat = lats.length ? lats.reduce(function(a,b){return a+b;},0)/lats.length : 35;
  var maxN = pts.reduce(function(a,p){return Math.max(a,p.n);},1);
  mk('map').setOption({
    tooltip:{formatter:function(p){var d=p.data.raw; if(!d) return esc(p.name);
      return esc(d.name)+'<br/>目标企业 '+(d.n!==undefined?esc(d.n)+' 家（最高第'+esc(d.best)+'名）<br/>'+esc(d.firms):'（本市县区）');}},
    grid:{left:50,right:30,top:36,bottom:40},
    xAxis:{type:'value',name:'经度',scale:true,splitLine:{lineStyle:{color:'#eee'}}},
    yAxis:{type:'value',name:'纬度',scale:true,splitLine:{lineStyle:{color:'#eee'}}},
    series:[
      {type:'scatter',name:'目标企业所在城市',data:pts.map(function(p){return {name:p.name,value:[p.lon,p.lat],raw:p};}),
       symbolSize:function(v,p){return 6+24*Math.sqrt(p.data.raw.n/maxN);},itemStyle:{color:'#2E75B6',opacity:.7},
       label:{show:true,formatter:function(p){return p.data.raw.n>=Math.max(2,maxN/6)?p.name:'';},position:'right',fontSize:11}},
      {type:'scatter',name:D.city,data:units.map(function(u){return {name:u.name,value:[u.lon,u.lat],raw:{name:u.name}};}),
       symbol:'pin',symbolSize:22,itemStyle:{color:'#C00000'},label:{show:false}}
    ]
  });

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
})();
"""


def render_html(navmap: Navmap) -> str:
    """The page as one string (deterministic: no time, sorted JSON keys)."""
    data = json.dumps(payload(navmap), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
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
<div class="card"><h2>目标企业分布（按总部城市，经纬度散点；红色标记为{html.escape(navmap.city)}各县区）</h2><div id="map" class="chart"></div></div>
<div class="card"><h2>目标企业按产业链与招商方向</h2><div id="chains" class="chart"></div></div>
<div class="card"><h2>目标企业来源区域（走出去）</h2><div id="regions" class="chart"></div></div>
<div class="card"><h2>建议落地县区（首选县区的目标企业数）</h2><div id="counties" class="chart"></div></div>
</div>
<section id="tbl-targets"><h2>目标企业清单</h2>{search('targets')}<div class="tablewrap" id="t-targets"></div></section>
<section id="tbl-chains"><h2>产业链图谱</h2>{search('chains')}<div class="tablewrap" id="t-chains"></div></section>
<section id="tbl-counties"><h2>县区落地建议</h2>{search('counties')}<div class="tablewrap" id="t-counties"></div></section>
<section id="tbl-outbound"><h2>走出去</h2>{search('outbound')}<div class="tablewrap" id="t-outbound"></div></section>
<section id="tbl-overview"><h2>总览</h2><div class="tablewrap" id="t-overview"></div></section>
<footer>由 matcher 生成。图表：Apache ECharts 5.6.0（Apache-2.0，许可证全文内嵌于本页 licence-echarts 段）。
距离为直线距离，地图为经纬度散点示意，不含行政区划边界。</footer>"""
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
