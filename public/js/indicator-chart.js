// Draws every indicator chart on the page from its JSON block. The same figures are in the table beside it.
// Each series is drawn from one style table (SERIES below), on every page that has a chart: the indicator page, the
// reports, the data day slides, the data book and the programmes. The legend, or the key written under a chart that
// hides its legend, is drawn from the same table, so a series in the key looks as it does on the chart.
/* global Chart */
(function () {
  'use strict';
  if (!window.Chart) return;

  // How each series looks. Never colour alone: each line that can appear beside another has its own dash too.
  // dash: the line's dash pattern (canvas setLineDash / SVG stroke-dasharray); width: its thickness; point: the
  // point radius (0: no points); shape: the point's shape; stepped: drawn as steps (a target holds until it changes).
  const SERIES = {
    local: { colour: '#1d4e5f', dash: [], width: 3, point: 4, shape: 'circle' },
    gap: { colour: '#1d4e5f', dash: [], width: 3, point: 4, shape: 'circle' },
    focus: { colour: '#912b88', dash: [], width: 3, point: 4, shape: 'circle' },
    comparison: { colour: '#28a197', dash: [12, 4], width: 3, point: 4, shape: 'triangle' },
    england: { colour: '#0b0c0c', dash: [2, 3], width: 2, point: 2, shape: 'circle' },
    region: { colour: '#b58840', dash: [8, 4], width: 2, point: 2, shape: 'rect' },
    neighbours: { colour: '#d4351c', dash: [10, 3, 2, 3], width: 2, point: 2, shape: 'triangle' },
    target: { colour: '#00703c', dash: [], width: 2, point: 3, shape: 'rectRot', stepped: 'after' },
    forecast: { colour: '#6f777b', dash: [16, 6], width: 2, point: 0 },
    band_high: { colour: '#6f777b', fill: 'rgba(111, 119, 123, 0.2)', dash: [], width: 0, point: 0 },
    band_low: { colour: '#6f777b', fill: 'rgba(111, 119, 123, 0.2)', dash: [], width: 0, point: 0 },
    spc: { colour: '#505a5f', dash: [], width: 1.5, point: 4, shape: 'circle' },
    mean: { colour: '#0b0c0c', dash: [], width: 2, point: 0, stepped: 'middle' },
    limit: { colour: '#6f777b', dash: [6, 4], width: 1.5, point: 0, stepped: 'middle' },
  };
  const FALLBACK = { colour: '#0b0c0c', dash: [], width: 2, point: 2, shape: 'circle' };
  // A provisional figure: a hollow point, and a short dash on the line into it.
  const PROVISIONAL_DASH = [3, 3];

  // Marks on the chart: something that happened at a period (docs/method.md, "Marks on the chart"). A vertical line
  // with its own dash and a short text label; a story's periods are a shaded box.
  const MARKS = {
    action: { colour: '#1d70b8', dash: [], width: 2, tag: 'Action', name: 'Linked action started' },
    dataday: { colour: '#4c2c92', dash: [7, 3], width: 2, tag: 'Data day', name: 'Data day' },
    baseline: { colour: '#0b0c0c', dash: [2, 2], width: 2, tag: 'Baseline', name: 'Baseline agreed or changed' },
    story: { colour: '#a05a00', dash: [4, 2], width: 1, fill: 'rgba(244, 119, 56, 0.12)', tag: 'Story', name: 'Periods the current story covers' },
  };
  const MARK_ORDER = ['action', 'dataday', 'baseline', 'story'];

  // Making Data Count colours; never colour alone: each signal also gets a label on the chart and a row in the table.
  const SIGNAL = {
    special_cause_improvement: { colour: '#00B0F0', text: '#005a7a', label: '▲ improvement', style: 'triangle' },
    special_cause_concern: { colour: '#E46C0A', text: '#8a3c00', label: '▼ concern', style: 'rectRot' },
    special_cause_neutral_high: { colour: '#7030A0', text: '#7030A0', label: '▲ high', style: 'triangle' },
    special_cause_neutral_low: { colour: '#7030A0', text: '#7030A0', label: '▼ low', style: 'rectRot' },
  };

  function styleOf(role) { return SERIES[role] || FALLBACK; }

  /** A period label short enough for the axis: 2023/24 → 23/24, 2023-24 Q3 → Q3 23-24, 2024-11 → Nov 24. */
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function shortPeriod(label) {
    const text = String(label);
    let m = /^\d\d(\d\d)([/-])(\d\d)$/.exec(text);
    if (m) return m[1] + m[2] + m[3];
    m = /^\d\d(\d\d)([/-])(\d\d) (Q[1-4])$/.exec(text);
    if (m) return m[4] + ' ' + m[1] + m[2] + m[3];
    m = /^\d\d(\d\d)-(\d\d)$/.exec(text);
    if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return MONTHS[Number(m[2]) - 1] + ' ' + m[1];
    return text;
  }

  /**
   * Keeps every n-th period label, counted back from the latest (the period a room asks about), with n the smallest
   * whole step at which the widest label and its padding fit between two kept ones. (Chart.js's own autoSkip can
   * round its step down, which lets neighbouring labels touch on a narrow screen.)
   */
  function thinPeriodLabels(scale) {
    const ticks = scale.ticks;
    const n = ticks.length;
    if (n < 2 || !scale._length) return;
    const between = scale._length / (n - 1);
    const step = Math.max(1, Math.ceil(scale._tickSize() / between));
    if (step === 1) return;
    scale.ticks = ticks.filter(function (tick, i) { return (n - 1 - i) % step === 0; });
    scale._labelSizes = null;
  }

  function format(value, model, decimals) {
    if (value === null || value === undefined) return 'no data';
    const places = decimals === undefined ? model.decimals : decimals;
    return value.toLocaleString('en-GB', { minimumFractionDigits: places, maximumFractionDigits: places }) + model.suffix;
  }

  // Writes each special-cause point's label above it, so a signal is never told by colour alone.
  const signalLabels = {
    id: 'ttcSignalLabels',
    afterDatasetsDraw: function (chart) {
      const model = chart.config.options.ttcModel;
      if (!model || !model.signals) return;
      const meta = chart.getDatasetMeta(0);
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = 'bold ' + Math.round(Chart.defaults.font.size) + 'px Arial, sans-serif';
      ctx.textAlign = 'center';
      model.signals.forEach(function (type, i) {
        const signal = SIGNAL[type];
        const point = meta.data[i];
        if (!signal || !point) return;
        ctx.fillStyle = signal.text;
        ctx.fillText(signal.label, point.x, point.y - 12);
      });
      ctx.restore();
    },
  };

  function marksOf(chart) {
    const model = chart.config.options.ttcModel;
    const count = chart.data.labels.length;
    return ((model && model.marks) || []).filter(function (m) {
      return MARKS[m.kind] && Number.isInteger(m.at) && m.at >= 0 && m.at < count;
    });
  }

  /** Where each mark is drawn: its line (or box) and its text label, laid out in rows so no two labels overlap. */
  function layoutMarks(chart) {
    const area = chart.chartArea;
    const x = chart.scales.x;
    const ctx = chart.ctx;
    const size = Math.max(10, Math.round(Chart.defaults.font.size * 0.85));
    const step = chart.data.labels.length > 1 ? Math.abs(x.getPixelForValue(1) - x.getPixelForValue(0)) : area.right - area.left;
    const rowEnds = [];
    const rows = 4;
    ctx.save();
    ctx.font = size + 'px Arial, sans-serif';
    const fit = function (text, room) {
      if (ctx.measureText(text).width <= room) return text;
      let cut = text;
      while (cut.length > 1 && ctx.measureText(cut + '…').width > room) cut = cut.slice(0, -1);
      return cut.length > 1 ? cut + '…' : '';
    };
    const placed = marksOf(chart).slice().sort(function (a, b) { return a.at - b.at; }).map(function (mark) {
      const style = MARKS[mark.kind];
      const at = x.getPixelForValue(mark.at);
      const box = mark.kind === 'story'
        ? { left: Math.max(area.left, at - step / 2), right: Math.min(area.right, x.getPixelForValue(Math.min(mark.to === undefined ? mark.at : mark.to, chart.data.labels.length - 1)) + step / 2) }
        : null;
      // Right of the line, shortened to the chart's edge; a mark at the right edge writes its kind's tag to the left.
      let start = (box ? box.left : at) + 3;
      let room = area.right - start - 2;
      let wanted = mark.label || style.tag;
      if (room < ctx.measureText(style.tag).width) {
        wanted = style.tag;
        room = ctx.measureText(wanted).width;
        start = Math.max(area.left, at - 3 - room);
      }
      // The first row free at that point takes the label. On a crowded chart a mark may find no free row: its dash,
      // the key and the tooltip still tell it.
      let label = null;
      for (let row = 0; row < rows && !label; row++) {
        if (rowEnds[row] !== undefined && rowEnds[row] + 6 > start) continue;
        const text = fit(wanted, room);
        if (!text) break;
        const width = ctx.measureText(text).width;
        label = { text: text, x: start, y: area.top + 2 + row * (size + 4), width: width, height: size + 2 };
        rowEnds[row] = start + width;
      }
      return { mark: mark, style: style, x: at, box: box, label: label, font: size };
    });
    ctx.restore();
    return placed;
  }

  // Draws the marks: boxes and lines behind the data, their labels over it.
  const marksPlugin = {
    id: 'ttcMarks',
    beforeDatasetsDraw: function (chart) {
      const placed = layoutMarks(chart);
      chart.$ttcMarks = placed;
      if (!placed.length) return;
      const area = chart.chartArea;
      const ctx = chart.ctx;
      ctx.save();
      placed.forEach(function (p) {
        ctx.strokeStyle = p.style.colour;
        ctx.lineWidth = p.style.width;
        ctx.setLineDash(p.style.dash);
        if (p.box) {
          ctx.fillStyle = p.style.fill;
          ctx.fillRect(p.box.left, area.top, p.box.right - p.box.left, area.bottom - area.top);
          ctx.strokeRect(p.box.left, area.top, p.box.right - p.box.left, area.bottom - area.top);
        } else {
          ctx.beginPath();
          ctx.moveTo(p.x, area.top);
          ctx.lineTo(p.x, area.bottom);
          ctx.stroke();
        }
      });
      ctx.restore();
    },
    afterDatasetsDraw: function (chart) {
      const placed = chart.$ttcMarks || [];
      const ctx = chart.ctx;
      ctx.save();
      ctx.textBaseline = 'top';
      placed.forEach(function (p) {
        if (!p.label) return;
        ctx.font = p.font + 'px Arial, sans-serif';
        ctx.fillStyle = 'rgba(255, 255, 255, 0.9)';
        ctx.fillRect(p.label.x - 2, p.label.y - 1, p.label.width + 4, p.label.height);
        ctx.fillStyle = p.style.colour === '#a05a00' ? '#6e3d00' : p.style.colour;
        ctx.fillText(p.label.text, p.label.x, p.label.y);
      });
      ctx.restore();
    },
  };

  /** A small SVG sample of a series or mark as it is drawn: its colour, thickness and dash (SVG attributes: no inline style). */
  const SVG = 'http://www.w3.org/2000/svg';
  function sample(style, kind) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'ttc-key__sample');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const vertical = kind === 'mark';
    // Sized in the key's own type, so a projected slide's key is as legible as its text.
    svg.setAttribute('width', vertical ? '1em' : '2.6em');
    svg.setAttribute('height', '1em');
    svg.setAttribute('viewBox', vertical ? '0 0 14 14' : '0 0 36 14');
    if (style.fill) {
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', '1');
      rect.setAttribute('y', vertical ? '1' : '3');
      rect.setAttribute('width', vertical ? '12' : '34');
      rect.setAttribute('height', vertical ? '12' : '8');
      rect.setAttribute('fill', style.fill);
      if (style.width) {
        rect.setAttribute('stroke', style.colour);
        rect.setAttribute('stroke-width', String(style.width));
        if (style.dash.length) rect.setAttribute('stroke-dasharray', style.dash.join(' '));
      }
      svg.appendChild(rect);
      return svg;
    }
    const line = document.createElementNS(SVG, 'line');
    if (vertical) {
      line.setAttribute('x1', '7'); line.setAttribute('x2', '7'); line.setAttribute('y1', '0'); line.setAttribute('y2', '14');
    } else {
      line.setAttribute('x1', '0'); line.setAttribute('x2', '36'); line.setAttribute('y1', '7'); line.setAttribute('y2', '7');
    }
    line.setAttribute('stroke', style.colour);
    line.setAttribute('stroke-width', String(Math.max(style.width, 1.5)));
    if (style.dash.length) line.setAttribute('stroke-dasharray', style.dash.join(' '));
    svg.appendChild(line);
    return svg;
  }

  /**
   * Where a chart hides its legend (slides, data book), the page writes a key under it in its own type; each entry's
   * swatch becomes a sample drawn from the same style table as the line.
   */
  function drawSeriesKey(canvas) {
    const figure = canvas.closest('figure');
    if (!figure) return;
    figure.querySelectorAll('.ttc-key__item').forEach(function (item) {
      const role = Array.prototype.map.call(item.classList, function (c) { return /^ttc-key--(.+)$/.exec(c); }).filter(Boolean).map(function (m) { return m[1]; })[0];
      const swatch = item.querySelector('.ttc-key__swatch');
      if (!role || !swatch) return;
      const svg = sample(styleOf(role), 'series');
      svg.setAttribute('data-role', role);
      swatch.replaceWith(svg);
    });
  }

  /**
   * The key to the marks on a chart: one entry per kind present, with its line or box as drawn. Where the page writes
   * a key of its own (slides, data book) the entries join it; elsewhere they make a list under the chart.
   */
  function drawMarkKey(canvas, chart) {
    const figure = canvas.closest('figure') || canvas.parentElement;
    figure.querySelectorAll('[data-mark-key-for="' + canvas.id + '"]').forEach(function (old) { old.remove(); });
    const kinds = MARK_ORDER.filter(function (kind) { return marksOf(chart).some(function (m) { return m.kind === kind; }); });
    if (!kinds.length) return;
    let list = figure.querySelector('ul.ttc-key');
    if (!list) {
      list = document.createElement('ul');
      list.className = 'govuk-list govuk-body-s ttc-mark-key';
      list.setAttribute('aria-label', 'Marks on the chart');
      list.setAttribute('data-mark-key-for', canvas.id);
      const holder = canvas.parentElement;
      holder.parentNode.insertBefore(list, holder.nextSibling);
    }
    kinds.forEach(function (kind) {
      const item = document.createElement('li');
      item.className = 'ttc-key__item ttc-mark-key__item';
      item.setAttribute('data-kind', kind);
      if (list.getAttribute('data-mark-key-for') !== canvas.id) item.setAttribute('data-mark-key-for', canvas.id);
      item.appendChild(sample(MARKS[kind], 'mark'));
      item.appendChild(document.createTextNode(' ' + MARKS[kind].name));
      list.appendChild(item);
    });
  }

  function datasetFor(s, model) {
    const style = styleOf(s.role);
    const headline = s.role === 'local' || s.role === 'gap' || s.role === 'focus' || s.role === 'comparison';
    const dataset = {
      label: s.label,
      data: s.values,
      borderColor: style.colour,
      backgroundColor: s.provisional.map(function (p) { return p ? '#ffffff' : style.colour; }),
      pointBorderColor: style.colour,
      pointBorderWidth: 2,
      pointRadius: style.point,
      pointHoverRadius: style.point ? style.point + 2 : 0,
      pointStyle: style.shape || 'circle',
      borderWidth: style.width,
      borderDash: style.dash,
      stepped: style.stepped || false,
      spanGaps: false, // a missing or suppressed period is a break, never a zero
      segment: {
        borderDash: function (ctx) { return s.provisional[ctx.p1DataIndex] ? PROVISIONAL_DASH : undefined; },
      },
      order: headline ? 0 : 1,
      ttcSeries: s,
      ttcStyle: style,
    };
    if (s.role === 'forecast') dataset.spanGaps = true;
    if (s.role === 'band_high' || s.role === 'band_low') {
      Object.assign(dataset, { backgroundColor: style.fill, spanGaps: true, fill: s.role === 'band_high' ? '+1' : false, order: 2 });
    }
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
  }

  // The legend draws each series as a short line in its colour, thickness and dash; the band as a filled box.
  // A name too long for a narrow chart is shortened with an ellipsis (Chart.js cannot wrap it); the table has it whole.
  function legendLabels(chart) {
    const labels = chart.options.plugins.legend.labels;
    const ctx = chart.ctx;
    ctx.save();
    ctx.font = Chart.helpers.toFont(labels.font).string;
    const room = chart.width - (labels.pointStyleWidth || labels.boxWidth) - 4 * labels.padding;
    const fit = function (text) {
      if (ctx.measureText(text).width <= room) return text;
      let cut = text;
      while (cut.length > 4 && ctx.measureText(cut + '…').width > room) cut = cut.slice(0, -1);
      return cut + '…';
    };
    const items = chart.data.datasets.map(function (dataset, i) {
      const style = dataset.ttcStyle;
      const band = Boolean(style.fill);
      // The lower limit is left out of the legend (it looks as the upper one does): this entry stands for both.
      const both = dataset.ttcSeries.key === 'upl' && chart.data.datasets.some(function (d) { return d.ttcSeries.key === 'lpl'; });
      return {
        text: fit(both ? 'Process limits (upper and lower)' : dataset.label),
        datasetIndex: i,
        hidden: !chart.isDatasetVisible(i),
        fillStyle: band ? style.fill : style.colour,
        strokeStyle: style.colour,
        lineWidth: band ? 1 : Math.max(style.width, 1.5),
        lineDash: style.dash,
        pointStyle: band ? 'rect' : 'line',
        fontColor: Chart.defaults.color,
      };
    }).filter(function (item) {
      const s = chart.data.datasets[item.datasetIndex].ttcSeries;
      return s.role !== 'band_low' && s.key !== 'lpl';
    });
    ctx.restore();
    return items;
  }

  function draw(canvas) {
    const block = document.getElementById(canvas.dataset.chart);
    if (!block) return;
    const model = JSON.parse(block.textContent);
    const axis = model.axis || { title: model.unitLabel };
    const datasets = model.series.map(function (s) { return datasetFor(s, model); });
    const chart = new Chart(canvas, {
      type: 'line',
      data: { labels: model.labels, datasets: datasets },
      plugins: [marksPlugin, signalLabels],
      options: {
        ttcModel: model,
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          y: {
            title: { display: true, text: axis.title },
            // Never below what the unit allows (no negative percentage), whatever the nice tick numbers would give.
            afterDataLimits: function (scale) {
              if (axis.min !== undefined && scale.min < axis.min) scale.min = axis.min;
              if (axis.max !== undefined && scale.max > axis.max) scale.max = axis.max;
            },
            ticks: {
              // Steps no finer than the indicator's decimals, so no two ticks print the same figure.
              precision: model.decimals,
              callback: function (value, index, ticks) {
                const text = format(Number(value), model);
                return index > 0 && format(Number(ticks[index - 1].value), model) === text ? null : text;
              },
            },
          },
          x: {
            title: { display: false },
            afterCalculateLabelRotation: thinPeriodLabels,
            ticks: {
              autoSkip: false, // thinned by thinPeriodLabels instead
              autoSkipPadding: 12,
              maxRotation: 0,
              callback: function (value) { return shortPeriod(this.getLabelForValue(value)); },
            },
          },
        },
        plugins: {
          legend: {
            position: 'bottom',
            labels: { usePointStyle: true, pointStyle: 'line', pointStyleWidth: 36, generateLabels: legendLabels },
          },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                const s = ctx.dataset.ttcSeries;
                if (s.role === 'band_high' || s.role === 'band_low' || s.key === 'lpl' || s.key === 'upl') {
                  return s.label + ': ' + format(ctx.parsed.y, model, model.decimals + (s.role === 'limit' ? 1 : 0));
                }
                const marker = s.markers[ctx.dataIndex];
                const text = marker ? marker + ' (no figure published)' : format(ctx.parsed.y, model);
                return s.label + ': ' + text + (s.provisional[ctx.dataIndex] ? ' (provisional)' : '');
              },
              // The marks at this period, in full words.
              footer: function (items) {
                if (!items.length) return [];
                const i = items[0].dataIndex;
                return marksOf(items[0].chart).filter(function (m) {
                  return m.kind === 'story' ? i >= m.at && i <= (m.to === undefined ? m.at : m.to) : m.at === i;
                }).map(function (m) { return MARKS[m.kind].name + ': ' + (m.description || m.label); });
              },
            },
          },
        },
      },
    });
    canvas.dataset.drawn = 'true';
    canvas.ttcChart = chart;
    drawSeriesKey(canvas);
    drawMarkKey(canvas, chart);
  }

  // For the browser tests and for scripts loaded after this one (report.js): the style table and the drawer.
  window.ttcCharts = { SERIES: SERIES, MARKS: MARKS, shortPeriod: shortPeriod, draw: draw };
  document.querySelectorAll('canvas[data-chart]').forEach(draw);
})();
