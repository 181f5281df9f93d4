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

  function planCharts() {
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
        document.getElementById("job-error").textContent = job.error || "";
        document.getElementById("job-failed").hidden = false;
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
    poll();
  }

  window.desaplan = { planCharts: planCharts, comparisonChart: comparisonChart };
  document.addEventListener("DOMContentLoaded", followJob);
})();
