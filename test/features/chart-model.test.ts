// Issue 16, item 1: a chart's value axis fits its unit. The view-model gives each chart its axis (the unit's limits and
// a title with the unit) and draws forecasts, noise bands and process limits inside those limits; the table beside the
// chart keeps the computed figure and says where the chart drew it.
import t from 'tap';
import type { IndicatorAnalysis } from '../../server/analysis/indicator-analysis.ts';
import * as format from '../../server/format.ts';
import { chartAxis, clampToAxis, indicatorCharts, spcChart, type ChartModel } from '../../server/features/indicators/view-model.ts';
import type { IndicatorRecord } from '../../server/features/indicators/queries.ts';
import { buildTestApp, signIn } from '../helpers/app.ts';

function indicator(over: Partial<IndicatorRecord>): IndicatorRecord {
  return { id: 1, code: 'X', title: 'Permanent exclusion rate', unit: 'percentage', decimals: 2, rate_base: null, kind: 'single', polarity: 'lower', period_type: 'academic_year', focus_label: null, comparison_label: null, ...over } as unknown as IndicatorRecord;
}

const observations = [0.06, 0.05, 0.04, 0.03].map((value, i) => ({ role: 'local' as const, period_position: 2020 + i, period_label: `${2020 + i}/${String(21 + i)}`, value, marker: null, status: 'final' as const }));

t.test('each unit gets the axis it allows, with the unit in the title', async (t) => {
  const percentage = chartAxis(format.unitSpecOf(indicator({})));
  t.same([percentage.min, percentage.max], [0, 100], 'a percentage runs from 0 to 100');
  t.match(percentage.title, /%/, 'and says so');
  const gap = chartAxis(format.unitSpecOf(indicator({ kind: 'gap' })));
  t.equal(gap.title, 'Gap (percentage points)', "a percentage gap's axis is in percentage points");
  t.ok(gap.min! < 0, 'a gap may be negative (the focus group ahead)');
  const scoreGap = chartAxis(format.unitSpecOf(indicator({ kind: 'gap', unit: 'score' })));
  t.equal(scoreGap.min, undefined, 'a score gap has no floor');
  t.match(scoreGap.title, /^Gap \(score\)$/);
  const rate = chartAxis(format.unitSpecOf(indicator({ unit: 'rate', rate_base: 1000 })));
  t.equal(rate.min, 0, 'a rate cannot go below 0');
  t.match(rate.title, /per 1,000/, 'and its axis says per what');
  t.equal(chartAxis(format.unitSpecOf(indicator({ unit: 'count' }))).min, 0, 'nor can a count');
  t.equal(clampToAxis(-0.02, percentage), 0);
  t.equal(clampToAxis(101, percentage), 100);
  t.equal(clampToAxis(-3, gap), -3, 'a negative gap is drawn where it is');
});

t.test('a falling small percentage: the forecast and its band are drawn at 0, the table keeps the computed figures', async (t) => {
  // The forecast runs on past the last observation and its band widens: below 0% by the end.
  const forecastLine = [0.06, 0.05, 0.04, 0.03, 0.02, 0.01, -0.005].map((value, i) => ({ position: 2020 + i, value, band: i > 3 ? 0.02 * (i - 3) : 0 }));
  const analysis = { forecastLine, judgedPoints: [], status: { baselineVersion: 1 } } as unknown as IndicatorAnalysis;
  const { charts } = indicatorCharts(indicator({}), [{ role: 'local', label: 'Coventry' }], observations, analysis);
  const main = charts.find((c) => c.chart.id === 'chart-main')!;
  t.same(main.chart.axis, chartAxis(format.unitSpecOf(indicator({}))), 'the chart carries its axis');
  const drawn = (key: string) => main.chart.series.find((s) => s.key === key)!.values.filter((v): v is number => v !== null);
  const computedLow = forecastLine.filter((p) => p.band).map((p) => p.value - p.band);
  t.ok(computedLow.some((v) => v < 0), 'the computed lower edge does go below 0');
  t.ok(drawn('band_low').every((v) => v >= 0), 'the lower edge of the band is drawn at or above 0%');
  t.ok(drawn('forecast').every((v) => v >= 0), 'the forecast is drawn at or above 0%');
  t.same(drawn('band_high'), forecastLine.filter((p) => p.band).map((p) => p.value + p.band), 'the upper edge, inside the limits, is drawn where it is');

  const column = main.table.columns.indexOf('Baseline forecast (version 1)');
  const cells = main.table.rows.map((r) => r.cells[column]!.text);
  const last = cells.at(-1)!;
  t.match(last, /^-0\.01 ± 0\.06 \(below 0, drawn at 0\)$/, 'a forecast below 0 keeps its computed figure in the table and says where it is drawn');
  t.match(cells.at(-2)!, /^0\.01 ± 0\.04 \(lower edge below 0, drawn at 0\)$/, 'so does a band whose lower edge is below 0');
  t.equal(cells[1], '0.05', 'a forecast inside the limits is written as it is');
});

t.test('SPC limits below 0% are drawn at 0, and the table says so', async (t) => {
  const points = [0.1, 0.5, 0.05, 0.6, 0.1].map((value, i) => ({ position: 2020 + i, value, type: 'common_cause', rule: null }));
  const analysis = { spc: { points, segments: [{ from: 2020, to: 2024, mean: 0.27, lpl: -0.4, upl: 0.94 }] } } as unknown as IndicatorAnalysis;
  const { chart, table } = spcChart(indicator({}), analysis);
  t.same(chart.axis?.min, 0);
  const lpl = chart.series.find((s) => s.key === 'lpl')!;
  t.same(lpl.values, points.map(() => 0), 'the lower process limit is drawn at 0%');
  t.same(chart.series.find((s) => s.key === 'upl')!.values, points.map(() => 0.94), 'the upper one where it is');
  t.ok(table.rows.every((r) => r.cells[2]!.text === '-0.400 (below 0, drawn at 0)'), 'the table gives the computed limit and where the chart drew it');
  t.ok(table.rows.every((r) => r.cells[3]!.text === '0.940'));
  const gapChart = spcChart(indicator({ kind: 'gap' }), analysis).chart;
  t.same(gapChart.series.find((s) => s.key === 'lpl')!.values, points.map(() => -0.4), "a gap's limit may be negative");
  t.equal(gapChart.axis?.title, 'Gap (percentage points)');
});

t.test('the demo pages carry the axis to the browser', async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  const viewer = await signIn(app, 'viewer@demo.example');
  const chartsOn = async (code: string) => {
    const page = await app.inject({ url: `/p/coventry/indicators/${code}`, headers: { cookie: viewer.cookie } });
    t.equal(page.statusCode, 200);
    return [...page.body.matchAll(/<script type="application\/json" id="([^"]+)-data">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[2]!) as ChartModel);
  };
  const exclusions = await chartsOn('PERMANENT_EXCLUSION_RATE');
  for (const chart of exclusions) {
    t.equal(chart.axis?.min, 0, `${chart.id}: a percentage axis starts no lower than 0`);
    t.match(chart.axis?.title, /%/, `${chart.id}: its title has the unit`);
    for (const s of chart.series) t.ok(s.values.every((v) => v === null || (v >= 0 && v <= 100)), `${chart.id} ${s.label}: drawn between 0% and 100%`);
  }
  const gap = await chartsOn('EYFS_GLD_FSM_GAP');
  t.equal(gap.find((c) => c.id === 'chart-main')?.axis?.title, 'Gap (percentage points)');
  t.match(gap.find((c) => c.id === 'chart-groups')?.axis?.title, /%/, 'the two groups are percentages');
});
