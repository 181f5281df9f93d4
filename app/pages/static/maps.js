// The plan on the district's own boundaries: each .plan-map element carries a plotly figure
// (data and layout, fitted to the shapes, no base map) drawn with the plotly.js the package serves.
(function () {
  "use strict";
  function drawMaps() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll(".plan-map").forEach(function (element) {
      var figure = JSON.parse(element.dataset.figure);
      Plotly.newPlot(element, figure.data, figure.layout, { responsive: true, displaylogo: false });
    });
  }
  document.addEventListener("DOMContentLoaded", drawMaps);
})();
