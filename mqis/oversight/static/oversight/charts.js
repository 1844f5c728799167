// Draws the dashboard charts described in the page's #mqis-charts-data JSON with Plotly.
// Each chart's figures are also in a table on the page; without JavaScript only the
// tables show.
(function () {
  "use strict";
  var source = document.getElementById("mqis-charts-data");
  if (!source || !window.Plotly) { return; }
  var charts = JSON.parse(source.textContent);
  var font = { family: "arial, sans-serif", size: 16, color: "#0b0c0c" };

  function draw(chart) {
    var target = document.getElementById(chart.id);
    if (!target) { return; }
    var percent = chart.unit === "%";
    var narrow = target.clientWidth < 600;
    var traces = chart.lines.map(function (line) {
      return {
        x: chart.dates, y: line.values, name: line.name, type: "scatter", mode: "lines+markers",
        line: { color: line.colour, width: 3, dash: line.dash },
        marker: { size: 7, symbol: line.symbol, color: line.colour },
        connectgaps: false,
        hovertemplate: "%{x|%-d %B %Y}: %{y:" + (percent ? ".1f}%" : ",.0f}") + "<extra>" + line.name + "</extra>"
      };
    });
    var layout = {
      font: font,
      height: narrow ? 260 : 320,
      margin: { l: narrow ? 45 : 60, r: 10, t: chart.lines.length > 1 ? 40 : 10, b: 40 },
      showlegend: chart.lines.length > 1,
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      xaxis: { tickformat: "%-d %b", gridcolor: "#f3f2f1", fixedrange: true },
      yaxis: { ticksuffix: percent ? "%" : "", rangemode: "tozero", gridcolor: "#f3f2f1",
               fixedrange: true, tickformat: percent ? ".0f" : ",d" },
      hovermode: "x unified",
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff"
    };
    if (!percent) {
      // Counts are whole numbers: with small ones, tick every one rather than at halves.
      var most = Math.max.apply(null, chart.lines.map(function (line) {
        return Math.max.apply(null, line.values.map(function (v) { return v || 0; }));
      }));
      if (most < 5) { layout.yaxis.range = [0, 5]; layout.yaxis.dtick = 1; }
    }
    Plotly.newPlot(target, traces, layout, { responsive: true, displayModeBar: false });
  }

  charts.forEach(draw);
})();
