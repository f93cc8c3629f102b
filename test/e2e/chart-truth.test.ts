// Charts a room can trust, read back from the rendered chart in Chromium at a phone's width, a laptop's and a
// projector's: the value axis fits the unit (no negative percentage, no tick printed twice, the unit in its title),
// the period labels do not overlap, each series keeps its own colour and dash in the legend and the key, and marks on
// the chart are drawn with a key. Screenshots of each chart are kept under test-output/screenshots/ to be looked at.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser, signInInBrowser } from '../helpers/browser.ts';
import { fillDate } from '../helpers/date-input.ts';

const unavailable = browserUnavailable();
const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'test-output', 'screenshots');
const WIDTHS = [320, 1280, 1920];

interface Box { label: string; left: number; right: number; rotation: number }
interface Read {
  legendBoxes: { left: number; right: number }[];
  chartWidth: number;
  unit: string;
  decimals: number;
  labels: string[];
  yTicks: string[];
  yMin: number;
  yMax: number;
  title: string;
  boxes: Box[];
  canvasWidth: number;
  legend: { text: string; pointStyle: string; lineDash: number[]; strokeStyle: string; role: string }[] | null;
  datasets: { role: string; data: (number | null)[]; dash: number[]; colour: string }[];
  styles: Record<string, { colour: string; dash: number[]; stepped?: string }>;
}

/** Everything a reader sees of a chart's axes and legend, read from the Chart.js instance on the canvas. */
function readChart(page: Page, id: string): Promise<Read> {
  return page.evaluate((id) => {
    const canvas = document.getElementById(id) as HTMLCanvasElement & { ttcChart: any };
    const chart = canvas.ttcChart;
    const model = chart.config.options.ttcModel;
    const ctx = canvas.getContext('2d')!;
    const x = chart.scales.x;
    const y = chart.scales.y;
    // Each drawn period label's box, measured in the label's own font.
    const boxes = x.getLabelItems().map((item: any) => {
      ctx.font = item.font.string;
      const width = ctx.measureText(String(item.label)).width;
      const [cx] = item.options.translation;
      const align = item.options.textAlign;
      const left = align === 'left' ? cx : align === 'right' ? cx - width : cx - width / 2;
      return { label: String(item.label), left, right: left + width, rotation: item.options.rotation };
    });
    const legend = chart.options.plugins.legend.display === false ? null : chart.legend.legendItems.map((item: any) => ({
      text: item.text,
      pointStyle: item.pointStyle,
      lineDash: item.lineDash,
      strokeStyle: item.strokeStyle,
      role: chart.data.datasets[item.datasetIndex].ttcSeries.role,
    }));
    const legendBoxes = chart.options.plugins.legend.display === false ? [] : chart.legend.legendHitBoxes.map((b: any) => ({ left: b.left, right: b.left + b.width }));
    return {
      legendBoxes,
      chartWidth: chart.width as number,
      unit: model.suffix,
      decimals: model.decimals,
      labels: chart.data.labels as string[],
      yTicks: y.ticks.map((tick: any) => tick.label).filter((l: unknown) => l !== null && l !== undefined && l !== ''),
      yMin: y.min as number,
      yMax: y.max as number,
      title: chart.options.scales.y.title.text as string,
      boxes,
      canvasWidth: canvas.getBoundingClientRect().width,
      legend,
      datasets: chart.data.datasets.map((d: any) => ({ role: d.ttcSeries.role, data: d.data, dash: d.borderDash, colour: d.borderColor })),
      styles: (window as any).ttcCharts.SERIES,
    };
  }, id);
}

function checkChart(t: Test, chart: Read, where: string, expect: { percentage?: boolean; gap?: 'percentage' | 'other' }) {
  t.ok(chart.yTicks.length >= 2, `${where}: the value axis has ticks`);
  t.same([...new Set(chart.yTicks)], chart.yTicks, `${where}: no value tick is printed twice (${chart.yTicks.join(', ')})`);
  const places = new RegExp(chart.decimals ? `\\.\\d{${chart.decimals}}(%| pp)?$` : '^-?[\\d,]+(%| pp)?$');
  for (const tick of chart.yTicks) t.match(tick, places, `${where}: tick ${tick} has the indicator's ${chart.decimals} decimal places`);
  if (expect.percentage) {
    t.ok(chart.yMin >= 0, `${where}: the axis starts at or above 0% (${chart.yMin})`);
    t.ok(chart.yMax <= 100, `${where}: the axis ends at or below 100% (${chart.yMax})`);
    for (const d of chart.datasets) t.ok(d.data.every((v: number | null) => v === null || (v >= 0 && v <= 100)), `${where}: ${d.role} is drawn between 0% and 100%`);
    t.match(chart.title, /%/, `${where}: the axis title says the unit`);
  }
  if (expect.gap === 'percentage') t.match(chart.title, /percentage points/, `${where}: a gap's axis is in percentage points`);
  if (expect.gap === 'other') t.match(chart.title, /^Gap \(/, `${where}: a gap's axis says it is a gap, and in what`);

  // Period labels: horizontal, inside the chart, and no two overlapping.
  t.ok(chart.boxes.length >= 2, `${where}: period labels are drawn`);
  for (const box of chart.boxes) t.equal(box.rotation, 0, `${where}: ${box.label} is level`);
  const overlaps = chart.boxes.slice(1).filter((box, i) => box.left < chart.boxes[i]!.right);
  t.same(overlaps.map((b) => b.label), [], `${where}: no period label overlaps the one before it`);
  t.ok(chart.boxes[0]!.left >= -1 && chart.boxes.at(-1)!.right <= chart.canvasWidth + 1, `${where}: the labels stay on the chart`);
  // On the axis a year is short; the full label stays in the chart's data (tooltip) and the table.
  if (/^\d{4}\/\d\d$/.test(chart.labels[0]!)) t.ok(chart.boxes.every((b) => /^\d\d\/\d\d$/.test(b.label)), `${where}: 2023/24 is written 23/24 on the axis`);
  if (/ Q\d$/.test(chart.labels[0]!)) t.ok(chart.boxes.every((b) => /^Q\d \d\d-\d\d$/.test(b.label)), `${where}: a quarter is written Q3 23-24 on the axis`);

  // Each series as itself: the legend draws a line with the series' dash and colour, never a dot.
  if (chart.legend) {
    t.ok(chart.legendBoxes.every((b) => b.left >= 0 && b.right <= chart.chartWidth + 1), `${where}: every legend entry, line and name, fits on the chart`);
    for (const item of chart.legend) {
      const style = chart.styles[item.role];
      if (item.role === 'band_high') {
        t.equal(item.pointStyle, 'rect', `${where}: the noise band is a filled box in the legend`);
        continue;
      }
      t.equal(item.pointStyle, 'line', `${where}: ${item.text} is a line in the legend`);
      t.same(item.lineDash, style.dash, `${where}: ${item.text} has its own dash in the legend`);
      t.equal(item.strokeStyle, style.colour, `${where}: ${item.text} has its own colour in the legend`);
    }
  }
  for (const d of chart.datasets) {
    if (!chart.styles[d.role]) continue;
    t.same(d.dash, chart.styles[d.role].dash, `${where}: ${d.role} is drawn with its style's dash`);
  }
}

t.test('charts tell the truth at 320, 1280 and 1920 pixels', { skip: unavailable }, async (t) => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const { app } = await buildTestApp(t, 'demo');
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  // A manager, who may also plan the data day whose slides are checked at the end.
  await signInInBrowser(page, address, 'manager@demo.example', 'demo-manager-pass');

  // The style table: England, region and neighbours (and the forecast) each differ in colour and in dash.
  const pages = [
    { code: 'PERMANENT_EXCLUSION_RATE', charts: { 'chart-main': { percentage: true }, 'chart-spc': { percentage: true } } },
    { code: 'EYFS_GLD_FSM_GAP', charts: { 'chart-groups': { percentage: true }, 'chart-main': { gap: 'percentage' } } },
    { code: 'KS4_ATT8_FSM_GAP', charts: { 'chart-main': { gap: 'other' } } },
    { code: 'RE_REFERRALS_12M', charts: { 'chart-main': { percentage: true }, 'chart-spc': { percentage: true } } },
  ] as const;
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    for (const p of pages) {
      await page.goto(`${address}/p/coventry/indicators/${p.code}`);
      for (const [id, expect] of Object.entries(p.charts)) {
        await page.waitForSelector(`canvas#${id}[data-drawn="true"]`);
        const chart = await readChart(page, id);
        checkChart(t, chart, `${p.code} ${id} at ${width}px`, expect as { percentage?: boolean; gap?: 'percentage' | 'other' });
        await page.locator(`figure:has(canvas#${id})`).screenshot({ path: path.join(SCREENSHOTS, `${p.code}-${id}-${width}.png`) });
      }
    }
  }

  const styles = await page.evaluate(() => (window as any).ttcCharts.SERIES);
  const comparators = ['england', 'region', 'neighbours', 'forecast'].map((role) => ({ role, colour: styles[role].colour, dash: styles[role].dash.join(',') }));
  t.equal(new Set(comparators.map((c) => c.colour)).size, comparators.length, 'England, region, neighbours and the forecast each have their own colour');
  t.equal(new Set(comparators.map((c) => c.dash)).size, comparators.length, '… and their own dash, so colour is never the only difference');
  t.ok(styles.target.stepped, 'a target is a stepped line');

  // Permanent exclusions at 0.1%: the noise band and the lower process limit would run below zero; the chart draws
  // them at 0 and the table keeps the computed figure and says so.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${address}/p/coventry/indicators/PERMANENT_EXCLUSION_RATE`);
  await page.waitForSelector('canvas#chart-spc[data-drawn="true"]');
  const limits = await page.$$eval('table[data-table-for="chart-spc"] tbody tr', (rows) => rows.map((row) => row.querySelectorAll('td')[2]!.textContent!.trim()));
  const spc = await readChart(page, 'chart-spc');
  const lower = spc.datasets.filter((d) => d.role === 'limit').flatMap((d) => d.data).filter((v) => v !== null) as number[];
  t.ok(lower.every((v) => v >= 0), 'the process limits are drawn at or above 0%');
  for (const text of limits.filter((l) => l.startsWith('-'))) t.match(text, /\(below 0, drawn at 0\)$/, `the table keeps the computed limit ${text} and says where it is drawn`);

  // Marks: lines with their own dash and a label, a shaded box for the story's periods, a key under the chart, and
  // the full words in the tooltip. Drawn from marks put into the chart's model, whatever the demo holds.
  const marked = await page.evaluate(() => {
    const canvas = document.getElementById('chart-main') as HTMLCanvasElement & { ttcChart: any };
    const block = document.getElementById('chart-main-data')!;
    const model = JSON.parse(block.textContent!);
    const last = model.labels.length - 1;
    model.marks = [
      { kind: 'action', at: last - 3, label: 'Action: inclusion panels start', description: 'Inclusion panels in every secondary school started in September 2021' },
      { kind: 'action', at: last - 3, label: 'Action: family support', description: 'Family support workers started in September 2021' },
      { kind: 'dataday', at: last - 2, label: 'Data day', description: 'Data day on 12 March 2024' },
      { kind: 'baseline', at: last - 1, label: 'Baseline v2', description: 'Baseline version 2 agreed on 1 April 2024' },
      { kind: 'dataday', at: last, label: 'Data day: spring 2025', description: 'Data day on 20 March 2025' },
      { kind: 'story', at: last - 2, to: last, label: 'Story', description: 'The current story covers 2021/22 to 2023/24' },
    ];
    block.textContent = JSON.stringify(model);
    canvas.ttcChart.destroy();
    (window as any).ttcCharts.draw(canvas);
    const chart = canvas.ttcChart;
    const placed = chart.$ttcMarks.map((p: any) => ({ kind: p.mark.kind, x: p.x, box: p.box, label: p.label }));
    const key = [...document.querySelectorAll('.ttc-mark-key[data-mark-key-for="chart-main"] li')].map((li) => ({
      kind: li.getAttribute('data-kind'),
      text: li.textContent!.trim(),
      dash: li.querySelector('svg line, svg rect')?.getAttribute('stroke-dasharray') ?? '',
    }));
    const footer = chart.options.plugins.tooltip.callbacks.footer([{ dataIndex: last - 3, chart }]);
    return { placed, key, footer, area: { left: chart.chartArea.left, right: chart.chartArea.right }, styles: (window as any).ttcCharts.MARKS };
  });
  t.equal(marked.placed.length, 6, 'every mark is drawn');
  t.ok(marked.placed.every((p: any) => p.label && p.label.text), 'every mark has a text label');
  t.ok(marked.placed.every((p: any) => p.label.x >= marked.area.left && p.label.x + p.label.width <= marked.area.right), 'every label is inside the chart, the last one too');
  const labelled = marked.placed.map((p: any) => p.label);
  for (const [i, a] of labelled.entries()) {
    for (const b of labelled.slice(i + 1)) {
      const apart = a.y !== b.y || a.x + a.width <= b.x || b.x + b.width <= a.x;
      t.ok(apart, `the labels "${a.text}" and "${b.text}" do not overlap`);
    }
  }
  t.ok(marked.placed.find((p: any) => p.kind === 'story').box.right > marked.placed.find((p: any) => p.kind === 'story').box.left, "the story's periods are a shaded box");
  t.same(marked.key.map((k: any) => k.kind), ['action', 'dataday', 'baseline', 'story'], 'the key lists each kind of mark once');
  for (const k of marked.key) t.equal(k.dash, marked.styles[k.kind!].dash.join(' '), `the key draws ${k.kind} with its dash`);
  t.equal(new Set(Object.values(marked.styles).map((s: any) => s.dash.join(','))).size, 4, 'each kind of mark has its own dash');
  t.same(marked.footer, ['Linked action started: Inclusion panels in every secondary school started in September 2021', 'Linked action started: Family support workers started in September 2021'], 'the tooltip gives the marks at that period in full');
  await page.locator('figure:has(canvas#chart-main)').screenshot({ path: path.join(SCREENSHOTS, 'PERMANENT_EXCLUSION_RATE-marks-1280.png') });

  // The data book hides the chart's legend and writes a key under it: each entry is a line sample from the same style.
  await page.goto(`${address}/p/coventry/data-book`);
  await page.waitForSelector('canvas[data-chart][data-drawn="true"]');
  const keys = await page.evaluate(() => {
    const styles = (window as any).ttcCharts.SERIES;
    return [...document.querySelectorAll('.ttc-key__item svg[data-role]')].map((svg) => {
      const role = svg.getAttribute('data-role')!;
      const shape = svg.querySelector('line, rect')!;
      return { role, ok: shape.getAttribute('stroke-dasharray') === (styles[role].dash.length ? styles[role].dash.join(' ') : null) && (shape.getAttribute('stroke') ?? styles[role].colour) === styles[role].colour };
    });
  });
  t.ok(keys.length > 0, 'the data book key draws line samples');
  t.same(keys.filter((k) => !k.ok), [], 'each key sample has its series\' colour and dash');
  t.equal(await page.locator('.ttc-key__swatch').count(), 0, 'no plain swatch is left in the key');
  await page.locator('figure:has(canvas[data-chart])').first().screenshot({ path: path.join(SCREENSHOTS, 'data-book-key-1280.png') });

  // Projected: the data day slide of the same indicator at 1280×720 and 1920×1080. Its chart hides the legend; the
  // key under it draws the same line samples.
  await page.goto(`${address}/p/coventry/data-days/new`);
  await page.fill('#title', 'Chart check');
  await fillDate(page, 'held_on', '2025-11-20');
  await page.click('main button:text-is("Plan the data day")');
  await page.waitForURL(/\/data-days\/[0-9a-f-]{36}$/);
  const present = `${page.url()}/present`;
  for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height });
    await page.goto(present);
    const slide = await page.$$eval('.ttc-slide', (slides) => slides.findIndex((s) => (s as HTMLElement).dataset.label === 'Permanent exclusion rate' && s.querySelector('canvas[data-chart]')) + 1);
    t.ok(slide > 0, 'permanent exclusions has a slide with its chart');
    await page.goto(`${present}#slide-${slide}`);
    const canvas = page.locator(`#slide-${slide} canvas[data-chart]`);
    await canvas.waitFor();
    await page.waitForFunction((n) => document.querySelector(`#slide-${n} canvas[data-chart]`)?.getAttribute('data-drawn') === 'true', slide);
    await page.waitForTimeout(100); // the slide's chart resizes to the slide once shown
    const id = (await canvas.getAttribute('id'))!;
    const chart = await readChart(page, id);
    t.equal(chart.legend, null, 'the slide hides the chart legend');
    checkChart(t, chart, `slide at ${width}×${height}`, { percentage: true });
    const samples = await page.$$eval(`#slide-${slide} .ttc-key__item svg[data-role]`, (svgs) => svgs.map((svg) => svg.getAttribute('data-role')));
    t.ok(samples.includes('local') && samples.includes('england'), 'the slide key draws line samples of the series');
    await page.screenshot({ path: path.join(SCREENSHOTS, `slide-PERMANENT_EXCLUSION_RATE-${width}.png`) });
  }

  t.same(problems, [], 'no script errors, nothing blocked by the Content-Security-Policy');
});
