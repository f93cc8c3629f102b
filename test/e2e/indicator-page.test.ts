import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();

t.test('the indicator page draws its chart, and the table beside it holds the same figures', { skip: unavailable }, async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));

  await page.goto(`${address}/p/coventry/indicators/PERSISTENT_ABSENCE`);
  t.match(page.url(), /\/sign-in\?next=/, 'signed out, sent to sign in');
  await page.fill('#email', 'viewer@demo.example');
  await page.fill('#password', 'demo-viewer-pass');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/indicators\/PERSISTENT_ABSENCE$/);

  await page.waitForSelector('canvas#chart-main[data-drawn="true"]');
  const chart = await page.evaluate(() => {
    const canvas = document.querySelector('canvas#chart-main') as HTMLCanvasElement & { ttcChart: any };
    const { width, height } = canvas.getBoundingClientRect();
    return {
      width,
      height,
      labels: canvas.ttcChart.data.labels as string[],
      datasets: canvas.ttcChart.data.datasets.map((d: any) => ({ label: d.label, role: d.ttcSeries.role, data: d.data })),
    };
  });
  t.ok(chart.width > 300 && chart.height > 200, 'the chart has a real size on the page');
  const figures = chart.datasets.filter((d: any) => !['forecast', 'band_high', 'band_low'].includes(d.role));
  t.same(figures.map((d: any) => d.label), ['Coventry', 'England', 'West Midlands', 'Statistical neighbours (average, DfE April 2021 model)']);
  const forecast = chart.datasets.find((d: any) => d.role === 'forecast');
  t.match(forecast?.label, /^Baseline forecast \(version 1\)$/, 'the agreed baseline\'s forecast is drawn');

  const table = await page.$$eval('table[data-table-for="chart-main"] tbody tr', (rows) =>
    rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent!.trim())),
  );
  t.same(table.map((row) => row[0]), chart.labels, 'one table row per period on the chart');
  for (const [r, row] of table.entries()) {
    for (const [s, dataset] of figures.entries()) {
      const cell = row[s + 1]!;
      const value = dataset.data[r];
      if (value === null) t.match(cell, /^x \(not available\)$/, `${row[0]} ${dataset.label}: a break, spelled out in the table`);
      else t.equal(cell, `${value.toFixed(2)}%`, `${row[0]} ${dataset.label}`);
    }
  }
  // The forecast column of the table holds the forecast line's values.
  const forecastColumn = figures.length + 1;
  for (const [r, row] of table.entries()) {
    const value = forecast.data[r];
    if (value === null) t.equal(row[forecastColumn], '', `${row[0]}: no forecast`);
    else t.match(row[forecastColumn], new RegExp(`^${value.toFixed(2).replace('.', '\\.')}( ± [\\d.]+)?$`), `${row[0]}: forecast ${value.toFixed(2)}`);
  }
  t.match(await page.textContent('[data-testid=status-sentence]'), /forecast/);
  await page.waitForSelector('canvas#chart-spc[data-drawn="true"]');
  t.same(problems, [], 'no script errors, nothing blocked by the Content-Security-Policy');
});
