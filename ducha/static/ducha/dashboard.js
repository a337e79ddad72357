/* 驾驶舱: draws the dashboard's charts with ECharts (served by the app) from the JSON in #dashboard-data.
 * Every word shown comes from that JSON (translated on the server); the tables beside the charts hold the same
 * figures, so nothing is lost without JavaScript or without the chart library. A click on a segment opens the
 * ledger with exactly its items: each data item carries its ledger address (`link`, from the JSON's `links`). */
(function () {
  "use strict";

  var PALETTE = ["#a31515", "#1f4e79", "#c58b00", "#2e7d32", "#6b4c9a", "#00838f", "#8d6e63", "#546e7a",
    "#d4612a", "#3f6fb5", "#7c8b2d"];
  var LIGHT_COLOURS = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32" };
  var FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

  function rateColour(rate) {
    if (rate >= 90) return LIGHT_COLOURS.green;
    if (rate >= 70) return "#c58b00";
    return LIGHT_COLOURS.red;
  }

  function base(extra) {
    var option = {
      color: PALETTE,
      textStyle: { fontFamily: FONT, color: "#1f2933" },
      animationDuration: 400,
      tooltip: { trigger: "item", confine: true },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true }
    };
    Object.keys(extra).forEach(function (key) { option[key] = extra[key]; });
    // The tooltip is drawn on the chart's canvas: as HTML it would carry style attributes, which the page's
    // Content-Security-Policy (style-src 'self', no 'unsafe-inline') refuses.
    if (option.tooltip) option.tooltip.renderMode = "richText";
    return option;
  }

  function empty(text) {
    return base({
      title: { text: text.no_data, left: "center", top: "middle", textStyle: { color: "#8a949e", fontSize: 14, fontWeight: "normal" } }
    });
  }

  function statusOption(stats, text, links) {
    var rows = stats.by_status.filter(function (row) { return row.count > 0; });
    if (!rows.length) return empty(text);
    return base({
      legend: { type: "scroll", bottom: 0, icon: "circle", itemWidth: 10, itemHeight: 10 },
      series: [{
        type: "pie", radius: ["42%", "68%"], center: ["50%", "45%"], avoidLabelOverlap: true,
        label: { formatter: "{b}\n{c}", fontSize: 12 },
        data: rows.map(function (row) { return { name: row.label, value: row.count, link: links.by_status[row.status] }; })
      }]
    });
  }

  function lightOption(stats, text, links) {
    var rows = stats.by_light;
    if (!rows.some(function (row) { return row.count > 0; })) return empty(text);
    return base({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      xAxis: { type: "category", data: rows.map(function (row) { return row.label; }), axisTick: { show: false } },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eceff2" } } },
      series: [{
        type: "bar", name: text.items, barMaxWidth: 56,
        label: { show: true, position: "top" },
        data: rows.map(function (row) {
          return { value: row.count, link: links.by_light[row.light],
            itemStyle: { color: LIGHT_COLOURS[row.light], borderRadius: [3, 3, 0, 0] } };
        })
      }]
    });
  }

  function monthlyOption(stats, text, links) {
    // Months that have not begun yet are left out of the lines rather than drawn as zeros.
    var today = stats.today.split("-").map(Number);
    var lastMonth = stats.year < today[0] ? 12 : stats.year > today[0] ? 0 : today[1];
    function upToToday(field) {
      return stats.monthly.map(function (row, index) {
        return row.month <= lastMonth ? { value: row[field], link: links.monthly[index][field] } : null;
      });
    }
    return base({
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, right: 8 },
      xAxis: { type: "category", boundaryGap: false, data: text.months },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eceff2" } } },
      series: [
        { type: "line", name: text.assigned, symbolSize: 6, areaStyle: { opacity: 0.08 }, data: upToToday("assigned") },
        { type: "line", name: text.completed, symbolSize: 6, areaStyle: { opacity: 0.08 }, data: upToToday("completed") }
      ]
    });
  }

  function sourceOption(stats, text, links) {
    var rows = stats.by_source.slice().sort(function (a, b) { return a.items - b.items; });
    if (!rows.length) return empty(text);
    return base({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      legend: { top: 0, right: 8 },
      xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eceff2" } } },
      yAxis: { type: "category", data: rows.map(function (row) { return row.label; }), axisTick: { show: false },
        axisLabel: { width: 110, overflow: "truncate" } },
      series: [
        { type: "bar", name: text.items, barMaxWidth: 16, data: rows.map(function (row) {
          return { value: row.items, link: links.by_source[row.source_type].items };
        }) },
        { type: "bar", name: text.on_time, barMaxWidth: 16, data: rows.map(function (row) {
          return { value: row.on_time, link: links.by_source[row.source_type].on_time };
        }) }
      ]
    });
  }

  function signOption(stats, text, labels) {
    var sign = stats.sign;
    var rows = [
      { name: labels.in_time, value: sign.in_time, itemStyle: { color: LIGHT_COLOURS.green } },
      { name: labels.late, value: sign.late, itemStyle: { color: LIGHT_COLOURS.red } },
      { name: labels.pending, value: sign.pending, itemStyle: { color: "#90a4ae" } }
    ].filter(function (row) { return row.value > 0; });
    if (!rows.length) return empty(text);
    return base({
      legend: { bottom: 0, icon: "circle", itemWidth: 10, itemHeight: 10 },
      series: [{ type: "pie", radius: ["42%", "68%"], center: ["50%", "45%"], label: { formatter: "{c}" }, data: rows }],
      graphic: sign.in_time_rate === null ? [] : [{
        type: "text", left: "center", top: "39%",
        style: { text: sign.in_time_rate + "%", font: "bold 20px " + FONT, fill: "#1f2933" }
      }]
    });
  }

  function unitsOption(stats, text, links) {
    var rows = stats.units.filter(function (row) { return row.on_time_rate !== null; })
      .sort(function (a, b) { return a.on_time_rate - b.on_time_rate || a.completed - b.completed; });
    if (!rows.length) return empty(text);
    return base({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true,
        valueFormatter: function (value) { return value + "%"; } },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { lineStyle: { color: "#eceff2" } } },
      yAxis: { type: "category", data: rows.map(function (row) { return row.short_name; }), axisTick: { show: false },
        axisLabel: { width: 120, overflow: "truncate" } },
      series: [{
        type: "bar", name: text.on_time_rate, barMaxWidth: 14,
        label: { show: true, position: "right", formatter: "{c}%", fontSize: 11 },
        data: rows.map(function (row) {
          // The rate of the unit's completed items: the bar opens them.
          return { value: row.on_time_rate, link: links.units[row.unit_id].completed,
            itemStyle: { color: rateColour(row.on_time_rate), borderRadius: [0, 3, 3, 0] } };
        })
      }]
    });
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    var dash = document.querySelector(".dash");
    if (!source || !dash) return;
    if (typeof window.echarts === "undefined") {
      dash.classList.add("no-charts");
      return;
    }
    var data = JSON.parse(source.textContent);
    var stats = data.stats;
    var text = data.text;
    var links = data.links;
    var units = document.getElementById("chart-units");
    var unitsWithRate = stats.units.filter(function (row) { return row.on_time_rate !== null; }).length;
    if (units) units.style.height = Math.max(220, 28 * unitsWithRate + 60) + "px";
    var charts = [
      ["chart-status", statusOption(stats, text, links)],
      ["chart-light", lightOption(stats, text, links)],
      ["chart-monthly", monthlyOption(stats, text, links)],
      ["chart-source", sourceOption(stats, text, links)],
      ["chart-sign", signOption(stats, text, text.sign)],
      ["chart-units", unitsOption(stats, text, links)]
    ];
    var drawn = [];
    charts.forEach(function (pair) {
      var element = document.getElementById(pair[0]);
      if (!element) return;
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(pair[1]);
      chart.on("click", function (params) {
        var link = params.data && params.data.link;
        if (link) window.location.assign(link);
      });
      drawn.push(chart);
    });
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) window.clearTimeout(pending);
      pending = window.setTimeout(function () { drawn.forEach(function (chart) { chart.resize(); }); }, 120);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
