// Draws every indicator chart on the page from its JSON block. The same figures are in the table beside it.
/* global Chart */
(function () {
  const COLOURS = {
    local: '#1d4e5f',
    gap: '#1d4e5f',
    focus: '#912b88',
    comparison: '#28a197',
    england: '#505a5f',
    region: '#b58840',
    neighbours: '#d4351c',
    target: '#00703c',
    forecast: '#1d4e5f',
  };
  const DASHES = { england: [6, 4], region: [2, 3], neighbours: [10, 3, 2, 3], target: [1, 4] };

  function format(value, model) {
    if (value === null || value === undefined) return 'no data';
    return value.toLocaleString('en-GB', { minimumFractionDigits: model.decimals, maximumFractionDigits: model.decimals }) + model.suffix;
  }

  function draw(canvas) {
    const block = document.getElementById(canvas.dataset.chart);
    if (!block) return;
    const model = JSON.parse(block.textContent);
    const datasets = model.series.map(function (s) {
      const colour = COLOURS[s.role] || '#0b0c0c';
      const headline = s.role === 'local' || s.role === 'gap' || s.role === 'focus' || s.role === 'comparison';
      return {
        label: s.label,
        data: s.values,
        borderColor: colour,
        backgroundColor: s.provisional.map(function (p) { return p ? '#ffffff' : colour; }),
        pointBorderColor: colour,
        pointRadius: headline ? 4 : 2,
        pointHoverRadius: 6,
        pointStyle: s.role === 'target' ? 'rectRot' : 'circle',
        borderWidth: headline ? 3 : 2,
        borderDash: DASHES[s.role] || [],
        spanGaps: false, // a missing or suppressed period is a break, never a zero
        segment: {
          borderDash: function (ctx) { return s.provisional[ctx.p1DataIndex] ? [4, 4] : undefined; },
        },
        ttcSeries: s,
      };
    });
    const chart = new Chart(canvas, {
      type: 'line',
      data: { labels: model.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          y: { title: { display: true, text: model.unitLabel }, ticks: { callback: function (v) { return format(Number(v), Object.assign({}, model, { decimals: Math.min(model.decimals, 1) })); } } },
          x: { title: { display: false } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                const s = ctx.dataset.ttcSeries;
                const marker = s.markers[ctx.dataIndex];
                const text = marker ? marker + ' (no figure published)' : format(ctx.parsed.y, model);
                return s.label + ': ' + text + (s.provisional[ctx.dataIndex] ? ' (provisional)' : '');
              },
            },
          },
        },
      },
    });
    canvas.dataset.drawn = 'true';
    canvas.ttcChart = chart;
  }

  document.querySelectorAll('canvas[data-chart]').forEach(draw);
})();
