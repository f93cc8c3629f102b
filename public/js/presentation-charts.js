// Presentation mode: chart type sized for a projector. Loaded after Chart.js and before indicator-chart.js, so every
// slide chart is drawn with these defaults from the start (indicator-chart.js sets no font sizes of its own).
/* global Chart */
(function () {
  'use strict';
  // Slides fill the screen from now on (presentation.js then shows one at a time): charts measure their real size.
  document.documentElement.classList.add('ttc-deck-js');
  if (!window.Chart) return;
  // 21px at 1280×720, 32px at 1920×1080: the size of the slide's smaller text.
  function fontSize() {
    return Math.round(Math.max(14, Math.min(window.innerHeight / 34, window.innerWidth / 60)));
  }
  Chart.defaults.font.size = fontSize();
  Chart.defaults.font.family = 'Arial, "Helvetica Neue", Helvetica, "Liberation Sans", sans-serif';
  Chart.defaults.color = '#0b0c0c';
  // The key is written under each chart in the slide's own type, where a long series name can wrap.
  Chart.defaults.plugins.legend.display = false;
  window.addEventListener('resize', function () {
    var size = fontSize();
    if (size === Chart.defaults.font.size) return;
    Chart.defaults.font.size = size;
    document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      if (canvas.ttcChart) canvas.ttcChart.update('none');
    });
  });
})();
