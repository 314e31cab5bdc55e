/* The workbench's maps (matcher/workbench/maps.py): the page carries the map as JSON in
   #wb-map-data; this script registers the boundaries with the vendored ECharts and draws it.
   Tooltips show the texts prepared (and escaped) on the server; nothing from the data becomes markup here. */
(function () {
  var el = document.getElementById('wb-map');
  var src = document.getElementById('wb-map-data');
  if (!el || !src || typeof echarts === 'undefined') { return; }
  var data = JSON.parse(src.textContent);
  var sel = document.getElementById('wb-map-view');
  var chart = null;
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function option() {
    var keys = Object.keys(data.views);
    var o = JSON.parse(JSON.stringify(data.views[sel ? sel.value : keys[0]]));
    o.tooltip = {trigger: 'item', formatter: function (p) {
      var d = p.data || {};
      return (d.tooltip && d.tooltip.formatter) || esc(p.name || '');
    }};
    if (data.nanhai) { o.series.push(data.nanhai); }
    return o;
  }
  function regions() {
    try { return chart.getModel().getComponent('geo').coordinateSystem.regions.length; } catch (e) { return 0; }
  }
  function draw(geojson) {
    echarts.registerMap(data.map_name, geojson);
    chart = echarts.init(el, null, {renderer: 'canvas'});
    chart.setOption(option());
    if (sel) { sel.addEventListener('change', function () { chart.setOption(option(), true); }); }
    window.addEventListener('resize', function () { chart.resize(); });
    el.setAttribute('data-regions', String(regions()));
  }
  if (data.geojson) { draw(data.geojson); }
  else { fetch(data.geojson_url, {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(draw); }
})();
