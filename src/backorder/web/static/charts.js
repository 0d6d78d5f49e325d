// Draws the charts page from the JSON the server embedded in it (no requests of its own).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const ink = "#1f4e79";
  for (const canvas of document.querySelectorAll("canvas[data-series]")) {
    const series = data[canvas.dataset.series];
    const horizontal = canvas.dataset.horizontal === "true";
    const valueAxis = { beginAtZero: true, ticks: { precision: 0 } };
    if (canvas.dataset.max) valueAxis.max = Number(canvas.dataset.max);
    new Chart(canvas, {
      type: canvas.dataset.kind,
      data: {
        labels: series.labels,
        datasets: [{
          label: canvas.dataset.label,
          data: series.values,
          borderColor: ink,
          backgroundColor: canvas.dataset.kind === "line" ? "rgba(31, 78, 121, 0.15)" : ink,
          fill: canvas.dataset.kind === "line",
          tension: 0.2,
        }],
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: horizontal ? { x: valueAxis } : { y: valueAxis },
      },
    });
    canvas.dataset.drawn = "true";
  }
})();
