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
    forecast: '#6f777b',
    band_high: 'rgba(111, 119, 123, 0.18)',
    band_low: 'rgba(111, 119, 123, 0.18)',
    spc: '#505a5f',
    mean: '#0b0c0c',
    limit: '#6f777b',
  };
  // Making Data Count colours; never colour alone: each signal also gets a label on the chart and a row in the table.
  const SIGNAL = {
    special_cause_improvement: { colour: '#00B0F0', label: '▲ improvement', style: 'triangle' },
    special_cause_concern: { colour: '#E46C0A', label: '▼ concern', style: 'rectRot' },
    special_cause_neutral_high: { colour: '#7030A0', label: '▲ high', style: 'triangle' },
    special_cause_neutral_low: { colour: '#7030A0', label: '▼ low', style: 'rectRot' },
  };
  const DASHES = { england: [6, 4], region: [2, 3], neighbours: [10, 3, 2, 3], target: [1, 4], forecast: [8, 5], limit: [6, 4] };

  // Writes each special-cause point's label above it, so a signal is never told by colour alone.
  const signalLabels = {
    id: 'ttcSignalLabels',
    afterDatasetsDraw: function (chart) {
      const model = chart.config.options.ttcModel;
      if (!model || !model.signals) return;
      const meta = chart.getDatasetMeta(0);
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = 'bold 12px Arial, sans-serif';
      ctx.textAlign = 'center';
      model.signals.forEach(function (type, i) {
        const signal = SIGNAL[type];
        const point = meta.data[i];
        if (!signal || !point) return;
        ctx.fillStyle = signal.colour === '#00B0F0' ? '#005a7a' : signal.colour === '#E46C0A' ? '#8a3c00' : signal.colour;
        ctx.fillText(signal.label, point.x, point.y - 12);
      });
      ctx.restore();
    },
  };

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
      const dataset = {
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
      if (s.role === 'forecast') Object.assign(dataset, { pointRadius: 0, borderWidth: 2, spanGaps: true });
      if (s.role === 'band_high' || s.role === 'band_low') {
        Object.assign(dataset, { pointRadius: 0, borderWidth: 0, backgroundColor: colour, spanGaps: true, fill: s.role === 'band_high' ? '+1' : false });
      }
      if (s.role === 'mean' || s.role === 'limit') Object.assign(dataset, { pointRadius: 0, borderWidth: s.role === 'mean' ? 2 : 1.5, stepped: 'middle' });
      if (s.role === 'spc') {
        const types = model.signals || [];
        Object.assign(dataset, {
          pointRadius: types.map(function (t) { return SIGNAL[t] ? 6 : 4; }),
          pointStyle: types.map(function (t) { return SIGNAL[t] ? SIGNAL[t].style : 'circle'; }),
          backgroundColor: types.map(function (t) { return SIGNAL[t] ? SIGNAL[t].colour : '#b1b4b6'; }),
          pointBorderColor: types.map(function (t) { return SIGNAL[t] ? SIGNAL[t].colour : '#6f777b'; }),
        });
      }
      return dataset;
    });
    const chart = new Chart(canvas, {
      type: 'line',
      data: { labels: model.labels, datasets: datasets },
      plugins: [signalLabels],
      options: {
        ttcModel: model,
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          y: { title: { display: true, text: model.unitLabel }, ticks: { callback: function (v) { return format(Number(v), Object.assign({}, model, { decimals: Math.min(model.decimals, 1) })); } } },
          x: { title: { display: false } },
        },
        plugins: {
          legend: {
            position: 'bottom',
            labels: {
              usePointStyle: true,
              filter: function (item, data) { return data.datasets[item.datasetIndex].ttcSeries.role !== 'band_low' && data.datasets[item.datasetIndex].ttcSeries.key !== 'lpl'; },
            },
          },
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
