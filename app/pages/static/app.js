/* desaplan's own script: the charts (plotly.js from the installed package) and the job's progress. */
(function () {
  "use strict";
  var PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

  function chartData(element) { return JSON.parse(element.getAttribute("data-chart")); }

  function layout(title, extra) {
    var base = { title: { text: title, font: { size: 14 } }, margin: { l: 60, r: 10, t: 40, b: 120 },
      xaxis: { tickangle: -45, automargin: true }, separators: ",.", font: { family: "system-ui, sans-serif" } };
    return Object.assign(base, extra || {});
  }

  // where one more million does most: horizontal bars, the best at the top; the tables under them
  // carry the same figures for screen readers (the charts are aria-hidden, without a mode bar)
  function marginalCharts() {
    var pairs = [["chart-marginal-villages", "villages", "village_workers"],
      ["chart-marginal-kecamatan", "kecamatan", "kecamatan_workers"]];
    pairs.forEach(function (pair) {
      var element = document.getElementById(pair[0]);
      if (!element || typeof Plotly === "undefined") { return; }
      var data = chartData(element);
      Plotly.newPlot(element, [{ type: "bar", orientation: "h", x: data[pair[2]].slice().reverse(),
        y: data[pair[1]].slice().reverse(), marker: { color: "#0b6e4f" }, hoverinfo: "x+y" }],
        layout(element.dataset.title, { margin: { l: 10, r: 20, t: 40, b: 40 },
          xaxis: { tickangle: 0, automargin: true, tickformat: ",.2~f" }, yaxis: { automargin: true, type: "category" } }),
        { displayModeBar: false, responsive: true });
    });
  }

  function planCharts() {
    marginalCharts();
    var newChart = document.getElementById("chart-new");
    if (!newChart || typeof Plotly === "undefined") { return; }
    var data = chartData(newChart);
    Plotly.newPlot(newChart, [{ type: "bar", x: data.kecamatan, y: data.new_enrollments, name: newChart.dataset.label,
      marker: { color: "#0b6e4f" } }], layout(newChart.dataset.title), PLOT_CONFIG);
    var coverage = document.getElementById("chart-coverage");
    Plotly.newPlot(coverage, [
      { type: "bar", x: data.kecamatan, y: data.coverage_before, name: coverage.dataset.before, marker: { color: "#9aa7b4" } },
      { type: "bar", x: data.kecamatan, y: data.coverage_after, name: coverage.dataset.after, marker: { color: "#0b6e4f" } }
    ], layout(coverage.dataset.title, { barmode: "group", yaxis: { tickformat: ".0%" }, legend: { orientation: "h", y: 1.1 } }), PLOT_CONFIG);
  }

  function comparisonChart() {
    var element = document.getElementById("chart-delta");
    if (!element || typeof Plotly === "undefined") { return; }
    var data = chartData(element);
    var traces = data.series.map(function (s) { return { type: "bar", x: s.kecamatan, y: s.delta, name: s.plan }; });
    Plotly.newPlot(element, traces, layout(element.dataset.title, { barmode: "group", legend: { orientation: "h", y: 1.12 } }), PLOT_CONFIG);
  }

  function curveChart() {
    var element = document.getElementById("chart-curve");
    if (!element || typeof Plotly === "undefined") { return; }
    var data = chartData(element);
    var d = element.dataset;
    var traces = [
      { type: "scatter", mode: "lines+markers", x: data.x, y: data.objective, name: d.objective, line: { color: "#0b6e4f" } },
      { type: "scatter", mode: "lines", x: data.x, y: data.new_enrollments, name: d["new"], yaxis: "y2", connectgaps: true, line: { color: "#9aa7b4", dash: "dot" } }
    ];
    var shapes = [];
    function mark(value, color) {
      if (value === null || value === undefined) { return; }
      shapes.push({ type: "line", x0: value, x1: value, yref: "paper", y0: 0, y1: 1, line: { color: color, dash: "dash", width: 1.5 } });
    }
    mark(data.feasible_from, "#a33b20");
    mark(data.saturated_from, "#5b6775");
    if (data.breakpoints.length) {
      var ys = data.breakpoints.map(function (b) {
        var i = data.x.indexOf(b);
        return i >= 0 ? data.objective[i] : null;
      });
      traces.push({ type: "scatter", mode: "markers", x: data.breakpoints, y: ys, name: d.breakpoint,
        marker: { symbol: "diamond", size: 9, color: "#a33b20" } });
    }
    Plotly.newPlot(element, traces, layout(d.title, {
      margin: { l: 70, r: 70, t: 40, b: 60 }, shapes: shapes, legend: { orientation: "h", y: 1.12 },
      xaxis: { title: { text: d.xtitle }, automargin: true, tickformat: ",~r" },
      yaxis: { title: { text: d.objective }, tickformat: ",.0f" },
      yaxis2: { title: { text: d["new"] }, overlaying: "y", side: "right", tickformat: ",.0f" }
    }), PLOT_CONFIG);
  }

  function followJob() {
    var box = document.getElementById("job");
    if (!box) { return; }
    var labels = JSON.parse(box.dataset.labels);
    var bar = document.getElementById("job-progress");
    var percent = document.getElementById("job-percent");
    var status = document.getElementById("job-status");
    var formatter = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en-ID" : "id-ID", { style: "percent" });
    function show(job) {
      bar.value = job.progress;
      percent.textContent = formatter.format(job.progress);
      status.textContent = labels[job.status] || job.status;
      if (job.status === "succeeded" && job.plan_id) {
        document.getElementById("job-plan").href = "/ui/plans/" + job.plan_id;
        document.getElementById("job-done").hidden = false;
        window.location.assign("/ui/plans/" + job.plan_id);
        return true;
      }
      if (job.status === "failed" || job.status === "cancelled") {
        // the page says why in its own language: the server words the job's error
        window.location.reload();
        return true;
      }
      return false;
    }
    function poll() {
      fetch("/jobs/" + box.dataset.jobId, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (job) { if (!show(job)) { window.setTimeout(poll, 400); } })
        .catch(function () { window.setTimeout(poll, 2000); });
    }
    if (box.dataset.status === "succeeded" && box.dataset.planId) { return; }
    if (box.dataset.status === "failed" || box.dataset.status === "cancelled") { return; }
    poll();
  }

  // A table wider than the screen scrolls in its own box: a box that scrolls can be reached with
  // the keyboard (Tab, then the arrow keys) and is named after its table's caption or section heading.
  function scrollBoxes() {
    var named = {};
    Array.prototype.forEach.call(document.querySelectorAll(".table-box[aria-label]"), function (box) {
      named[box.getAttribute("aria-label")] = true;
    });
    Array.prototype.forEach.call(document.querySelectorAll(".table-box"), function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        if (box.getAttribute("tabindex") === null) {
          var table = box.querySelector("table");
          var caption = table && table.caption;
          var section = box.closest("section, fieldset");
          var heading = section && section.querySelector("h2, h3, legend");
          var name = ((caption || heading || document.querySelector("h1") || {}).textContent || "").trim();
          var first = table && table.querySelector("th");
          if (named[name] && first) { name += ": " + first.textContent.trim(); }  // a second table there
          named[name] = true;
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          if (name) { box.setAttribute("aria-label", name); }
        }
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(scrollBoxes, 150);
  });

  window.desaplan = { planCharts: planCharts, comparisonChart: comparisonChart, curveChart: curveChart };
  document.addEventListener("DOMContentLoaded", followJob);
  document.addEventListener("DOMContentLoaded", scrollBoxes);
})();
