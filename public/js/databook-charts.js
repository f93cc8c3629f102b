// The Data Book's charts: loaded after Chart.js and before indicator-chart.js. The key is written under each chart
// in the page's own type (where a long series name can wrap), so the chart draws none of its own.
/* global Chart */
(function () {
  'use strict';
  if (!window.Chart) return;
  Chart.defaults.plugins.legend.display = false;
  Chart.defaults.font.family = 'Arial, "Helvetica Neue", Helvetica, "Liberation Sans", sans-serif';
  Chart.defaults.color = '#0b0c0c';
})();
