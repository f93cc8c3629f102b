// The Data Book: a print button, and charts sharp enough for paper. Loaded after indicator-chart.js, which has drawn
// every chart by the time this runs (all three scripts are deferred, in order).
(function () {
  'use strict';
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () { window.print(); });
  });

  function charts() {
    return Array.prototype.map.call(document.querySelectorAll('canvas[data-chart]'), function (c) { return c.ttcChart; }).filter(Boolean);
  }

  // Paper needs more pixels than a screen: three times the canvas size, so a printed or PDF chart is not blurred.
  charts().forEach(function (chart) {
    chart.options.devicePixelRatio = Math.max(window.devicePixelRatio || 1, 3);
    chart.resize();
  });

  // On A4 a chart's box is the width it has on a wide screen (see databook-print.css); on a narrower window it is
  // not, so redraw each chart to fit when the print layout comes in, and again when it goes.
  function fit() { charts().forEach(function (chart) { chart.resize(); }); }
  window.addEventListener('beforeprint', fit);
  window.addEventListener('afterprint', fit);
  if (window.matchMedia) {
    var print = window.matchMedia('print');
    if (print.addEventListener) print.addEventListener('change', fit);
  }
})();
