/* Dashboard charts: reads the JSON block the page carries (no inline script: the
   Content Security Policy forbids it) and draws one Chart.js line chart per metric,
   with the target and warning threshold as dashed lines. */
(function () {
  "use strict";

  var COLOURS = { own: "#2458d6", team: "#8a94a6", target: "#1f8a4c", warning: "#b7791f" };

  // Numbers the reader's way: decimal comma in Russian, the minus sign, no needless ",0".
  var LANG = document.documentElement.lang || "ru";

  function number(value, places) {
    var text = Number(value).toLocaleString(LANG, { maximumFractionDigits: places });
    return text.replace(/^-/, "\u2212");
  }

  function formatValue(value, unit) {
    if (value === null || value === undefined) { return "—"; }
    if (unit === "s") {
      var seconds = Math.round(value);
      var hours = Math.floor(seconds / 3600);
      var minutes = Math.floor((seconds % 3600) / 60);
      var rest = String(seconds % 60).padStart(2, "0");
      return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + rest : minutes + ":" + rest;
    }
    if (unit === "%") { return number(value, 1) + " %"; }
    if (unit === "count") { return number(Math.round(value), 0); }
    return number(value, 2);
  }

  function flatLine(label, value, count, colour) {
    var values = [];
    for (var i = 0; i < count; i += 1) { values.push(value); }
    return {
      label: label, data: values, borderColor: colour, borderDash: [6, 4],
      borderWidth: 1.5, pointRadius: 0, fill: false, spanGaps: true
    };
  }

  // A last period that holds only some of its days (a month still running): the
  // line into its point is dashed and the point hollow, so a smaller count there
  // does not read as a drop (the page's note says how many days it holds).
  function partialStyle(dataset, partial, colour) {
    if (partial === null || partial === undefined) { return dataset; }
    dataset.segment = {
      borderDash: function (ctx) { return ctx.p1DataIndex === partial ? [5, 4] : undefined; }
    };
    dataset.pointBackgroundColor = function (ctx) {
      return ctx.dataIndex === partial ? "#ffffff" : colour;
    };
    dataset.pointBorderColor = colour;
    return dataset;
  }

  function draw(canvas, chart, data) {
    var datasets = [partialStyle({
      label: data.own, data: chart.values, borderColor: COLOURS.own,
      backgroundColor: "rgba(36, 88, 214, 0.12)", fill: true, tension: 0.25,
      pointRadius: 3, spanGaps: false
    }, data.partial, COLOURS.own)];
    if (chart.team_values && data.team) {
      datasets.push(partialStyle({
        label: data.team, data: chart.team_values, borderColor: COLOURS.team,
        pointRadius: 2, fill: false, tension: 0.25
      }, data.partial, COLOURS.team));
    }
    if (chart.target !== null && chart.target !== undefined) {
      datasets.push(flatLine(data.target, chart.target, data.labels.length, COLOURS.target));
    }
    if (chart.warning !== null && chart.warning !== undefined) {
      datasets.push(flatLine(data.warning, chart.warning, data.labels.length, COLOURS.warning));
    }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + formatValue(item.parsed.y, chart.unit);
              }
            }
          }
        },
        scales: {
          y: { beginAtZero: chart.unit !== "points", ticks: {
            precision: chart.unit === "count" || chart.unit === "s" ? 0 : undefined,
            callback: function (value) { return formatValue(value, chart.unit); }
          } }
        }
      }
    });
    canvas.setAttribute("data-drawn", "true");
    if (data.partial !== null && data.partial !== undefined) {
      canvas.setAttribute("data-partial", String(data.partial));
    }
  }

  function start() {
    var block = document.getElementById("chart-data");
    if (!block || !window.Chart) { return; }
    var data = JSON.parse(block.textContent);
    data.charts.forEach(function (chart) {
      var canvas = document.getElementById("chart-" + chart.metric);
      if (canvas) { draw(canvas, chart, data); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
