// Draws the charts page from the JSON the server embedded in it (no requests of its own).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const inks = ["#1f4e79", "#d9822b"];
  for (const canvas of document.querySelectorAll("canvas[data-series]")) {
    const series = data[canvas.dataset.series];
    const horizontal = canvas.dataset.horizontal === "true";
    const valueAxis = { beginAtZero: true, ticks: { precision: 0 } };
    if (canvas.dataset.max) valueAxis.max = Number(canvas.dataset.max);
    // One series ({labels, values}), or several to compare ({labels, datasets}).
    const sets = series.datasets || [{ label: canvas.dataset.label, values: series.values }];
    new Chart(canvas, {
      type: canvas.dataset.kind,
      data: {
        labels: series.labels,
        datasets: sets.map((set, i) => ({
          label: set.label,
          data: set.values,
          borderColor: inks[i % inks.length],
          backgroundColor: canvas.dataset.kind === "line" ? "rgba(31, 78, 121, 0.15)" : inks[i % inks.length],
          fill: canvas.dataset.kind === "line",
          tension: 0.2,
        })),
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: sets.length > 1 } },
        scales: horizontal ? { x: valueAxis } : { y: valueAxis },
      },
    });
    canvas.dataset.drawn = "true";
  }
})();
