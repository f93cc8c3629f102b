// The turn-the-curve report: a print button, and charts sharp enough for paper. Loaded after indicator-chart.js,
// which has drawn every chart by the time this runs (both are deferred, in order).
(function () {
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () { window.print(); });
  });

  function charts() {
    return Array.prototype.map.call(document.querySelectorAll('canvas[data-chart]'), function (c) { return c.ttcChart; }).filter(Boolean);
  }

  // Paper needs more pixels than a screen: draw the canvases at three times their size, so a printed or PDF chart is
  // not blurred. The chart's box is the same on screen and on A4 (see report-print.css), so nothing else changes.
  charts().forEach(function (chart) {
    chart.options.devicePixelRatio = Math.max(window.devicePixelRatio || 1, 3);
    // A small chart in the priority report's grid: a compact legend and axis, so the lines keep the room.
    if (chart.canvas.closest('.ttc-report__chart--small')) {
      chart.options.plugins.legend.labels.font = { size: 10 };
      chart.options.plugins.legend.labels.boxWidth = 8;
      chart.options.plugins.legend.labels.pointStyleWidth = 22; // a shorter line sample, its dash still visible
      chart.options.plugins.legend.labels.padding = 6;
      chart.options.scales.x.ticks = Object.assign({}, chart.options.scales.x.ticks, { maxRotation: 0, font: { size: 10 } });
      chart.options.scales.y.title.display = false;
      chart.options.scales.y.ticks.font = { size: 10 };
      chart.options.scales.y.ticks.maxTicksLimit = 5;
      chart.update();
    }
    chart.resize();
  });

  // If the print layout does change a chart's box after all, redraw it to fit before the page is printed.
  window.addEventListener('beforeprint', function () { charts().forEach(function (chart) { chart.resize(); }); });
  window.addEventListener('afterprint', function () { charts().forEach(function (chart) { chart.resize(); }); });
})();
