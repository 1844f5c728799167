// Draws the forecast chart from the page's #mqis-forecast-data JSON with Plotly: the weekly
// history, the forecast, and its 80% and 95% ranges as bands. The tables on the page hold
// the same figures; without JavaScript only they show.
(function () {
  "use strict";
  var source = document.getElementById("mqis-forecast-data");
  var target = document.getElementById("mqis-forecast-chart");
  if (!source || !target || !window.Plotly) { return; }
  var data = JSON.parse(source.textContent);
  var narrow = target.clientWidth < 600;
  var ahead = data.forecast;
  var number = ",.0f";

  function band(upper, lower, name, colour, rank) {
    // Plotly fills between a trace and the one before it: the upper edge, then the lower.
    return [
      { x: ahead.dates, y: upper, type: "scatter", mode: "lines", line: { width: 0 },
        hoverinfo: "skip", showlegend: false },
      { x: ahead.dates, y: lower, type: "scatter", mode: "lines", line: { width: 0 },
        fill: "tonexty", fillcolor: colour, name: name, legendrank: rank, hoverinfo: "skip" }
    ];
  }

  var traces = band(ahead.hi95, ahead.lo95, "95% range", "rgba(29, 112, 184, 0.18)", 4)
    .concat(band(ahead.hi80, ahead.lo80, "80% range", "rgba(29, 112, 184, 0.40)", 3))
    .concat([
      { x: data.history.dates, y: data.history.values, name: "Returns", legendrank: 1, type: "scatter",
        mode: "lines+markers", line: { color: "#0b0c0c", width: 3 }, marker: { size: 6 },
        hovertemplate: "%{x|%-d %B %Y}: %{y:" + number + "} " + data.unit + "<extra>Returns</extra>" },
      { x: ahead.dates.slice(1), y: ahead.mean.slice(1), name: "Forecast", legendrank: 2, type: "scatter",
        mode: "lines+markers", line: { color: "#1d70b8", width: 3, dash: "dash" },
        marker: { size: 7, symbol: "diamond", color: "#1d70b8" },
        hovertemplate: "%{x|%-d %B %Y}: %{y:" + number + "} " + data.unit + "<extra>Forecast</extra>" },
      // The dashed line starts from the last week of returns, so the two lines join.
      { x: ahead.dates.slice(0, 2), y: ahead.mean.slice(0, 2), type: "scatter", mode: "lines",
        line: { color: "#1d70b8", width: 3, dash: "dash" }, hoverinfo: "skip", showlegend: false }
    ]);
  var layout = {
    font: { family: "arial, sans-serif", size: narrow ? 14 : 16, color: "#0b0c0c" },
    height: narrow ? 320 : 400,
    margin: { l: 10, r: 10, t: 10, b: 40 },
    showlegend: true,
    legend: { orientation: "h", x: 0, y: -0.12, yanchor: "top", traceorder: "normal" },
    xaxis: { tickformat: "%-d %b", gridcolor: "#f3f2f1", fixedrange: true },
    // automargin: room for the title beside tick labels as wide as "14,000".
    yaxis: { tickformat: ",d", gridcolor: "#f3f2f1", fixedrange: true, automargin: true,
             title: { text: data.label, standoff: 8 } },
    hovermode: "x unified",
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff"
  };
  layout.margin.b = narrow ? 90 : 70;
  target.style.minHeight = layout.height + "px";
  Plotly.newPlot(target, traces, layout, { responsive: true, displayModeBar: false });
})();
