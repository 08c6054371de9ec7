/* The health dashboard's charts (uPlot, vendored in static/vendor/uplot/). The server renders the panel with its
   numbers as JSON (#dashboard-series); this draws one chart per [data-chart] from it, again after every HTMX swap
   of the panel (range buttons, the minute refresh) and on resize. No data → a sentence instead of an empty chart.
   Rates and response times join across buckets without data (no traffic is no news, not a drop to zero). */
(function () {
  "use strict";
  var COLORS = ["#2759c5", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d"];
  var plots = [];
  window.dashboardRenders = 0;

  function seconds(v) {
    if (v == null) return "—";
    if (v < 120) return v.toFixed(v < 10 ? 1 : 0) + " s";
    if (v < 7200) return (v / 60).toFixed(1) + " min";
    return (v / 3600).toFixed(1) + " h";
  }
  function percent(v) { return v == null ? "—" : (v * 100).toFixed(1) + " %"; }
  function count(v) { return v == null ? "—" : String(Math.round(v * 100) / 100); }
  function ms(v) { return v == null ? "—" : Math.round(v) + " ms"; }

  function hasData(lines) {
    return lines.some(function (line) { return line.values.some(function (v) { return v != null && v !== 0; }); });
  }

  function draw(el, x, lines, format, empty) {
    el.innerHTML = "";
    var points = lines.reduce(function (n, line) { return n + line.values.filter(function (v) { return v != null; }).length; }, 0);
    el.setAttribute("data-points", String(points));
    if (!lines.length || !hasData(lines)) {
      el.setAttribute("data-empty", "true");
      var p = document.createElement("p");
      p.className = "chart-empty";
      p.textContent = empty;
      el.appendChild(p);
      return;
    }
    el.removeAttribute("data-empty");
    var series = [{}].concat(lines.map(function (line, i) {
      return {
        label: line.label, stroke: line.color || COLORS[i % COLORS.length], width: 2, dash: line.dash,
        spanGaps: !!line.joined, points: { size: 4 }, value: function (u, v) { return format(v); }, paths: line.steps ? uPlot.paths.stepped({ align: 1 }) : undefined,
      };
    }));
    var opts = {
      width: Math.max(el.clientWidth, 280), height: 220, series: series,
      scales: { x: { time: true } },
      axes: [{}, { values: function (u, ticks) { return ticks.map(format); }, size: 76 }],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    };
    plots.push(new uPlot(opts, [x].concat(lines.map(function (line) { return line.values; })), el));
  }

  function render() {
    var source = document.getElementById("dashboard-series");
    if (!source || typeof uPlot === "undefined") return;
    var data = JSON.parse(source.textContent);
    plots.forEach(function (p) { p.destroy(); });
    plots = [];
    var x = data.x;
    var flows = Object.keys(data.flows).map(function (k) { return data.flows[k]; });
    var charts = {
      events: [[{ label: "events / h", values: data.events.per_hour },
                { label: "failed / h", color: "#b91c1c", values: data.events.failed_per_hour }],
               count, "No event in this range."],
      success: [flows.map(function (f) { return { label: f.label, values: f.success_rate, joined: true }; }), percent,
                "No handoff or invoice settled in this range."],
      latency: [[].concat.apply([], flows.map(function (f, i) {
        return [{ label: f.label + " p95", color: COLORS[i], values: f.latency_p95, joined: true },
                { label: f.label + " avg", color: COLORS[i], dash: [5, 4], values: f.latency_avg, joined: true }];
      })), seconds, "Nothing finished processing in this range."],
      api: [Object.keys(data.api).map(function (k) { return { label: data.api[k].label, values: data.api[k].p95_ms, joined: true, dash: data.api[k].is_erp ? undefined : [4, 3] }; }),
            ms, "No HTTP exchange with a CRM or ERP in this range."],
      dlq: [[{ label: "open dead letters", color: "#b91c1c", values: data.dlq_depth, steps: true }], count,
            "The dead-letter queue stayed empty in this range."],
      lag: [Object.keys(data.queue_lag).map(function (k) { return { label: data.queue_lag[k].label, values: data.queue_lag[k].seconds }; }),
            seconds, "No ERP outage in this range: nothing waited."],
    };
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = charts[el.getAttribute("data-chart")];
      if (spec) draw(el, x, spec[0], spec[1], spec[2]);
    });
    var first = document.querySelector("[data-chart]");
    drawnWidth = first ? first.clientWidth : 0;
    window.dashboardRenders += 1;
    document.getElementById("dashboard-panel").setAttribute("data-rendered", String(window.dashboardRenders));
  }

  document.addEventListener("DOMContentLoaded", render);
  // A swapped-in panel has not been drawn yet (no data-rendered): draw it, whichever element HTMX reports.
  document.addEventListener("htmx:afterSettle", function () {
    var panel = document.getElementById("dashboard-panel");
    if (panel && !panel.hasAttribute("data-rendered")) render();
  });
  // Redraw when the charts' width changes (a window resize, a scroll bar coming or going).
  var resizeTimer, drawnWidth = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      var chart = document.querySelector("[data-chart]");
      if (chart && chart.clientWidth !== drawnWidth) render();
    }, 200);
  });
})();
