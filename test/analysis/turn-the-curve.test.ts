import t from 'tap';
import { forecastFromFit, linearForecast, manualForecast } from '../../server/analysis/forecast.ts';
import type { Observation } from '../../server/analysis/forecast.ts';
import { periodFromPosition } from '../../server/analysis/periods.ts';
import {
  changeSinceBaselineStart,
  compareValues,
  currentStreak,
  directionOfTravel,
  judgePoint,
  turnTheCurveStatus,
} from '../../server/analysis/turn-the-curve.ts';

const series = (start: number, values: (number | null)[]): Observation[] =>
  values.map((value, i) => ({ position: start + i, value }));

const academicYear = (position: number) => periodFromPosition('academic_year', position).label;
const percent = (v: number) => `${v.toFixed(1)}%`;
const plain = (v: number) => v.toFixed(1);

// History 2018/19 … 2022/23 alternating 10, 11: a flat forecast of 10.4 with σ = √(1.2/3).
// Bands: t(0.90, 3) · σ · √(1 + 1/5 + (x − x̄)²/10) = 1.501 at 2023/24 and 1.733 at 2024/25.
const noisyHistory = series(2018, [10, 11, 10, 11, 10]);
const baseline = 2022;

function status(actuals: (number | null)[], polarity: 'higher' | 'lower' | 'neutral') {
  return turnTheCurveStatus({
    observations: [...noisyHistory, ...series(2023, actuals)],
    baseline,
    polarity,
    formatValue: percent,
    formatBand: plain,
    formatPeriod: academicYear,
  });
}

t.test('judgePoint', async (t) => {
  t.equal(judgePoint(8, 10, 1, 'lower'), 'better');
  t.equal(judgePoint(8, 10, 1, 'higher'), 'worse', 'flipping the polarity flips the judgement');
  t.equal(judgePoint(10.5, 10, 1, 'higher'), 'on_baseline', 'inside the band');
  t.equal(judgePoint(11, 10, 1, 'higher'), 'on_baseline', 'exactly on the edge of the band is not beyond it');
  t.equal(judgePoint(11.001, 10, 1, 'higher'), 'better');
  t.equal(judgePoint(5, 5, 0, 'higher'), 'on_baseline', 'exactly on a band-0 forecast');
  t.equal(judgePoint(0.1 + 0.2, 0.3, 0, 'higher'), 'on_baseline', 'float noise does not decide');
  t.equal(judgePoint(0.3, 0.1 + 0.2, 0, 'lower'), 'on_baseline');
  t.equal(judgePoint(0, 0, 0, 'lower'), 'on_baseline');
  t.equal(judgePoint(5.01, 5, 0, 'higher'), 'better', 'a real difference on a band-0 forecast counts');
  t.equal(judgePoint(12, 10, 1, 'neutral'), 'above_forecast');
  t.equal(judgePoint(8, 10, 1, 'neutral'), 'below_forecast');
  t.equal(judgePoint(10.2, 10, 1, 'neutral'), 'on_baseline');
});

t.test('a value exactly on a straight forecast is on baseline', async (t) => {
  const result = turnTheCurveStatus({
    observations: series(8096, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]),
    baseline: 8100,
    polarity: 'higher',
    formatValue: (v) => v.toFixed(2),
    formatPeriod: (p) => periodFromPosition('fy_quarter', p).label,
  });
  t.equal(result.code, 'on_baseline');
  t.same(result.points.map((p) => p.judgement), ['on_baseline', 'on_baseline']);
  t.equal(result.sentence, '2025-26 Q3: 0.70, forecast 0.70: on baseline for 2 periods: within the noise band of the forecast');
});

t.test('turned: the latest two are better than baseline', async (t) => {
  const result = status([8, 8.5], 'lower');
  t.equal(result.code, 'turned');
  t.equal(result.streak, 2);
  t.equal(result.sentence, '2024/25: 8.5%, forecast 10.4% (±1.7): better than baseline for 2 periods — the curve has turned');
  t.same(result.points.map((p) => [p.position, p.actual, p.judgement]), [[2023, 8, 'better'], [2024, 8.5, 'better']]);
  t.ok(Math.abs(result.points[0].forecast - 10.4) < 1e-12);
  t.ok(Math.abs(result.points[0].band - 1.501) < 1e-3, `band ${result.points[0].band}`);
  t.ok(Math.abs(result.points[1].band - 1.733) < 1e-3, `band ${result.points[1].band}`);
});

t.test('turning: the latest is better, the one before is not (or there is only one)', async (t) => {
  const after = status([10, 8.5], 'lower');
  t.equal(after.code, 'turning');
  t.same(after.points.map((p) => p.judgement), ['on_baseline', 'better']);
  t.equal(after.sentence, '2024/25: 8.5%, forecast 10.4% (±1.7): better than baseline in the latest period — the curve is turning');

  const only = status([8], 'lower');
  t.equal(only.code, 'turning');

  const afterWorse = status([13, 8, 8], 'lower');
  t.equal(afterWorse.code, 'turned', 'two better at the end after an earlier worse one');
});

t.test('worse, on baseline', async (t) => {
  const worse = status([13, 13], 'lower');
  t.equal(worse.code, 'worse');
  t.equal(worse.sentence, '2024/25: 13.0%, forecast 10.4% (±1.7): worse than baseline for 2 periods — the curve has not turned');
  const worseOnce = status([8, 13], 'lower');
  t.equal(worseOnce.code, 'worse');
  t.match(worseOnce.sentence, /: worse than baseline — the curve has not turned$/);

  const flipped = status([8, 8.5], 'higher');
  t.equal(flipped.code, 'worse', 'the same numbers are worse when higher is better');

  const onBaseline = status([11, 9.5], 'lower');
  t.equal(onBaseline.code, 'on_baseline');
  t.match(onBaseline.sentence, /^2024\/25: 9\.5%, forecast 10\.4% \(±1\.7\): on baseline for 2 periods/);
});

t.test('slowing a worsening trend is turning the curve', async (t) => {
  // Rising by 2 a year where lower is better; 19 against a forecast of 20 is better than baseline.
  const result = turnTheCurveStatus({
    observations: [...series(2018, [10, 12, 14, 16, 18]), { position: 2023, value: 19 }],
    baseline: 2022,
    polarity: 'lower',
    formatValue: String,
    formatPeriod: academicYear,
  });
  t.equal(result.code, 'turning');
  t.equal(result.sentence, '2023/24: 19, forecast 20: better than baseline in the latest period — the curve is turning');
});

t.test('neutral polarity never says better or worse', async (t) => {
  const above = status([13, 13], 'neutral');
  t.equal(above.code, 'above_forecast');
  t.equal(above.sentence, '2024/25: 13.0%, forecast 10.4% (±1.7): above the forecast for 2 periods (neither better nor worse: this indicator has no better direction)');
  t.equal(status([8], 'neutral').code, 'below_forecast');
  t.equal(status([10], 'neutral').code, 'on_baseline');
  t.notMatch(above.sentence, /better than|worse than/);
});

t.test('no_data says which thing is missing', async (t) => {
  const tooFew = turnTheCurveStatus({
    observations: [...series(2020, [5, null, 6]), { position: 2023, value: 4 }],
    baseline: 2022,
    polarity: 'lower',
    formatValue: String,
    formatPeriod: academicYear,
  });
  t.same(tooFew, {
    code: 'no_data',
    noDataReason: 'no_forecast',
    sentence: 'No forecast for the baseline 2022/23: only 2 values up to it, and a forecast needs at least 3',
    streak: 0,
    points: [],
  });

  const noActual = turnTheCurveStatus({
    observations: [...noisyHistory, { position: 2023, value: null }],
    baseline,
    polarity: 'lower',
    formatValue: String,
    formatPeriod: academicYear,
  });
  t.equal(noActual.code, 'no_data');
  t.equal(noActual.noDataReason, 'no_actual_after_baseline');
  t.equal(noActual.sentence, 'No actual value after the baseline 2022/23 yet', 'a suppressed value is not an actual');

  const manualElsewhere = turnTheCurveStatus({
    observations: [...noisyHistory, { position: 2023, value: 9 }],
    baseline,
    polarity: 'lower',
    forecast: manualForecast([{ position: 2025, value: 9 }]),
    formatValue: String,
    formatPeriod: academicYear,
  });
  t.equal(manualElsewhere.noDataReason, 'no_forecast_for_actuals');
  t.equal(manualElsewhere.sentence, 'No agreed forecast for the periods with actuals after the baseline (2023/24)');
});

t.test('judged against the forecast as agreed', async (t) => {
  const manual = turnTheCurveStatus({
    observations: [...noisyHistory, ...series(2023, [9.9, 9.9])],
    baseline,
    polarity: 'lower',
    forecast: manualForecast([{ position: 2023, value: 10 }, { position: 2024, value: 10 }]),
    formatValue: percent,
    formatPeriod: academicYear,
  });
  t.equal(manual.code, 'turned', 'a manual forecast has no band: any real improvement on it counts');
  t.equal(manual.sentence, '2024/25: 9.9%, forecast 10.0%: better than baseline for 2 periods — the curve has turned');

  // A stored fit keeps judging the same way after history is revised upwards.
  const agreed = linearForecast({ observations: noisyHistory, baseline });
  if (!agreed.ok) throw new Error('expected a forecast');
  const revisedHistory = series(2018, [14, 15, 14, 15, 14]);
  const result = turnTheCurveStatus({
    observations: [...revisedHistory, { position: 2023, value: 12.5 }],
    baseline,
    polarity: 'lower',
    forecast: forecastFromFit(JSON.parse(JSON.stringify(agreed.fit))),
    formatValue: percent,
    formatPeriod: academicYear,
  });
  t.equal(result.code, 'worse', 'judged against 10.4, not a refit to the revised history');
});

t.test('compareValues', async (t) => {
  t.equal(compareValues(5, 4, 'lower'), 'improved');
  t.equal(compareValues(5, 4, 'higher'), 'worsened');
  t.equal(compareValues(5, 6, 'neutral'), 'increased');
  t.equal(compareValues(5, 4, 'neutral'), 'decreased');
  t.equal(compareValues(0.3, 0.1 + 0.2, 'higher'), 'no_change');
  t.equal(compareValues(null, 4, 'higher'), 'not_comparable');
  t.equal(compareValues(4, undefined, 'higher'), 'not_comparable');
});

t.test('direction of travel: previous period and the same period a year before', async (t) => {
  // Quarterly, seasonal: Q3 is always high. 2023-24 Q1 … 2024-25 Q3.
  const q1 = 2023 * 4;
  const observations = series(q1, [10, 11, 15, 12, 9, 10, 14]);
  const result = directionOfTravel({ observations, polarity: 'lower', periodsPerYear: 4 });
  t.equal(result.latest, q1 + 6);
  t.same(result.againstPrevious, { direction: 'worsened', comparedWith: q1 + 5, change: 4 }, 'Q3 up on Q2');
  t.same(result.againstYearBefore, { direction: 'improved', comparedWith: q1 + 2, change: -1 }, 'but down on last Q3');

  const gap = directionOfTravel({
    observations: [...series(2020, [5, 6, null]), { position: 2023, value: 7 }],
    polarity: 'higher',
    periodsPerYear: 1,
  });
  t.same(gap.againstPrevious, { direction: 'not_comparable', comparedWith: 2022, change: null },
    'a suppressed previous value is not compared with an older one');

  const none = directionOfTravel({ observations: series(2020, [null]), polarity: 'higher', periodsPerYear: 1 });
  t.same(none, { latest: null, againstPrevious: null, againstYearBefore: null });

  const neutral = directionOfTravel({ observations: series(2020, [5, 6]), polarity: 'neutral', periodsPerYear: 1 });
  t.equal(neutral.againstPrevious?.direction, 'increased');
  t.equal(neutral.againstYearBefore?.direction, 'increased', 'annual data: a year before is the previous period');
});

t.test('current streak', async (t) => {
  t.same(currentStreak({ observations: series(2018, [9, 5, 4, 3, 2]), polarity: 'lower' }), { direction: 'improved', periods: 4 });
  t.same(currentStreak({ observations: series(2018, [1, 5, 4, 3, 2]), polarity: 'lower' }), { direction: 'improved', periods: 3 });
  t.same(currentStreak({ observations: series(2018, [5, 4, 3, 2]), polarity: 'higher' }), { direction: 'worsened', periods: 3 });
  t.same(currentStreak({ observations: series(2018, [5, 4, 4, 4]), polarity: 'higher' }), { direction: 'no_change', periods: 2 });
  t.same(currentStreak({ observations: series(2018, [5, 4, null, 3, 2]), polarity: 'lower' }), { direction: 'improved', periods: 1 },
    'a missing period ends the run');
  t.same(currentStreak({ observations: series(2018, [5, null]), polarity: 'lower' }), { direction: 'not_comparable', periods: 0 });
  t.same(currentStreak({ observations: [], polarity: 'lower' }), { direction: 'not_comparable', periods: 0 });
  t.same(currentStreak({ observations: series(2018, [1, 2, 3]), polarity: 'neutral' }), { direction: 'increased', periods: 2 });
});

t.test('change since the first value of the baseline', async (t) => {
  const observations = series(2016, [50, 40, 30, 20, 22, 24, 26, 28, 18]); // 2016 … 2024
  const change = changeSinceBaselineStart({ observations, baseline: 2022, polarity: 'lower' });
  // Baseline history 2018 … 2022 (window 5) starts at 30; latest is 18 in 2024.
  t.same(change, {
    from: { position: 2018, value: 30 },
    to: { position: 2024, value: 18 },
    change: -12,
    relativeChange: -0.4,
    direction: 'improved',
  });
  const window3 = changeSinceBaselineStart({ observations, baseline: 2022, polarity: 'lower', window: 3 });
  t.same(window3?.from, { position: 2020, value: 22 });
  t.equal(changeSinceBaselineStart({ observations: [], baseline: 2022, polarity: 'lower' }), null);
  t.equal(changeSinceBaselineStart({ observations: series(2022, [5]), baseline: 2022, polarity: 'lower' }), null);
  const fromZero = changeSinceBaselineStart({ observations: series(2020, [0, 1, 2]), baseline: 2022, polarity: 'neutral' });
  t.same([fromZero?.relativeChange, fromZero?.direction], [null, 'increased']);
});
