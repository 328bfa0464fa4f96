(function () {
  "use strict";
  var nodes = document.querySelectorAll("script.chart-data");
  var pending = [];
  nodes.forEach(function (node) {
    var spec = JSON.parse(node.textContent);
    var target = document.getElementById(node.getAttribute("data-target"));
    var drawn = Plotly.newPlot(target, spec.data, spec.layout,
      {displayModeBar: false, responsive: true}).then(function () {
      target.on("plotly_click", function (event) {
        var point = event && event.points && event.points[0];
        var anchor = point && point.customdata;
        if (typeof anchor === "string" && anchor.charAt(0) === "#") {
          window.location.hash = anchor;
        }
      });
    });
    pending.push(drawn);
  });
  Promise.all(pending).then(function () {
    document.body.setAttribute("data-charts-ready", String(pending.length));
  });
})();
