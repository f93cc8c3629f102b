import t from 'tap';
import {
  PERCENT_BOUNDS,
  NON_NEGATIVE_BOUNDS,
  forecastFromFit,
  linearForecast,
  manualForecast,
} from '../../server/analysis/forecast.ts';
import type { Observation } from '../../server/analysis/forecast.ts';
import { studentTCdf, studentTQuantile } from '../../server/analysis/student-t.ts';

const series = (start: number, values: (number | null)[]): Observation[] =>
  values.map((value, i) => ({ position: start + i, value }));

function fitted(observations: Observation[], baseline: number) {
  const forecast = linearForecast({ observations, baseline });
  if (!forecast.ok) throw new Error(forecast.message);
  return forecast;
}

t.test('Student t quantile against published table values', async (t) => {
  const table: [number, number, number][] = [
    [0.9, 1, 3.0777],
    [0.9, 2, 1.8856],
    [0.9, 3, 1.6377],
    [0.9, 10, 1.3722],
    [0.9, 30, 1.3104],
    [0.975, 1, 12.7062],
    [0.975, 5, 2.5706],
    [0.95, 20, 1.7247],
    [0.995, 4, 4.6041],
  ];
  for (const [p, df, expected] of table) {
    t.ok(Math.abs(studentTQuantile(p, df) - expected) < 5e-5, `t(${p}, ${df}) = ${expected}`);
  }
  t.ok(Math.abs(studentTQuantile(0.1, 3) + 1.6377) < 5e-5, 'lower tail is the mirror image');
  t.equal(studentTQuantile(0.5, 7), 0);
  t.ok(Math.abs(studentTCdf(studentTQuantile(0.9, 7), 7) - 0.9) < 1e-12, 'quantile inverts the CDF');
  t.throws(() => studentTQuantile(1, 3), RangeError);
  t.throws(() => studentTQuantile(0.9, 0), RangeError);
});

t.test('check values from docs/method.md, Baselines and forecasts', async (t) => {
  const rising = fitted(series(1, [1, 3, 2]), 3);
  t.same([1, 2, 3].map((x) => rising.forecastAt(x).value), [1.5, 2.0, 2.5], 'y = 1, 3, 2 → 1.5, 2.0, 2.5');

  const flat = fitted(series(1, [5, 5, 5]), 3);
  t.same([1, 2, 3, 4].map((x) => flat.forecastAt(x).value), [5, 5, 5, 5], 'y = 5, 5, 5 → 5, 5, 5');
  t.equal(flat.fit.sigma, 0);
  t.equal(flat.forecastAt(10).band, 0, 'no noise, no band');
});

t.test('the fit and the band, worked by hand', async (t) => {
  // x = 1, 2, 3; y = 1, 3, 2: x̄ = 2, Sxx = 2, b = 0.5, a = 1, residuals −0.5, 1, −0.5, SSE = 1.5, σ = √1.5.
  const forecast = fitted(series(1, [1, 3, 2]), 3);
  const { fit } = forecast;
  t.equal(fit.a, 1);
  t.equal(fit.b, 0.5);
  t.equal(fit.n, 3);
  t.equal(fit.xbar, 2);
  t.equal(fit.sxx, 2);
  t.ok(Math.abs(fit.sigma - Math.sqrt(1.5)) < 1e-12);
  t.same(fit.historyPositions, [1, 2, 3]);
  // At x = 4: w = t(0.90, 1) · √1.5 · √(1 + 1/3 + 4/2) = 3.0777 · 1.2247 · 1.8257 ≈ 6.882.
  const next = forecast.forecastAt(4);
  t.equal(next.value, 3);
  t.ok(Math.abs(next.band - 6.882) < 1e-3, `band at x = 4 is ${next.band}`);
  // The band is narrowest at x̄ and widens either side.
  t.ok(forecast.forecastAt(2).band < forecast.forecastAt(3).band);
  t.ok(forecast.forecastAt(5).band > next.band);
});

t.test('uses the last n values up to the baseline, skipping markers', async (t) => {
  const observations = series(2015, [9, 9, 9, 1, 2, 3, 4, 5, 100, 200]); // 2015 … 2024
  const forecast = fitted(observations, 2022);
  t.same(forecast.fit.historyPositions, [2018, 2019, 2020, 2021, 2022], 'five values ending at the baseline');
  t.equal(forecast.fit.b, 1, 'values after the baseline do not move the line');
  t.equal(forecast.forecastAt(2024).value, 7);

  const withMarker = series(2015, [9, 9, 0, 1, 2, null, 4, 5]); // 2020 suppressed
  const skipped = fitted(withMarker, 2022);
  t.same(skipped.fit.historyPositions, [2017, 2018, 2019, 2021, 2022], 'the marker is skipped and the gap keeps its x');

  const window3 = linearForecast({ observations, baseline: 2022, window: 3 });
  t.ok(window3.ok && window3.fit.n === 3);
  t.throws(() => linearForecast({ observations, baseline: 2022, window: 2 }), RangeError);

  const unsorted = fitted([...observations].reverse(), 2022);
  t.same(unsorted.fit, forecast.fit, 'the order of the input does not matter');

  t.throws(() => linearForecast({ observations: [...observations, { position: 2020, value: 3 }], baseline: 2022 }),
    /Two values were given for position 2020/);
});

t.test('gaps in the data keep their x', async (t) => {
  // 2, 4, 8 at 2018, 2019, 2021 (2020 missing): the line is fitted against the true years.
  const forecast = fitted([
    { position: 2018, value: 2 },
    { position: 2019, value: 4 },
    { position: 2020, value: null },
    { position: 2021, value: 8 },
  ], 2021);
  t.ok(Math.abs(forecast.fit.b - 2) < 1e-12, 'slope 2 a year');
  t.ok(Math.abs(forecast.forecastAt(2022).value - 10) < 1e-12);
});

t.test('fewer than 3 history values: no forecast, and why', async (t) => {
  const two = linearForecast({ observations: series(2020, [1, null, 2, 5]), baseline: 2022 });
  t.same(two, {
    ok: false,
    reason: 'too_few_points',
    found: 2,
    message: 'No forecast: only 2 values up to the baseline period, and a forecast needs at least 3',
  });
  const none = linearForecast({ observations: [], baseline: 2022 });
  t.match(none, { ok: false, found: 0, message: /no values/ });
  const one = linearForecast({ observations: series(2022, [4]), baseline: 2022 });
  t.match(one, { ok: false, found: 1, message: /only 1 value /});
});

t.test('the forecast stays within the unit range', async (t) => {
  const falling = series(2020, [40, 30, 20]);
  const rate = linearForecast({ observations: falling, baseline: 2022, bounds: NON_NEGATIVE_BOUNDS });
  t.ok(rate.ok);
  if (!rate.ok) return;
  t.equal(rate.forecastAt(2023).value, 10);
  t.equal(rate.forecastAt(2025).value, 0, 'a rate never forecast below zero');
  t.ok(rate.forecastAt(2025).band === 0, 'a perfect fit has no band');

  const percent = linearForecast({ observations: series(2020, [90, 95, 99]), baseline: 2022, bounds: PERCENT_BOUNDS });
  t.ok(percent.ok && percent.forecastAt(2024).value === 100, 'a percentage never forecast above 100');

  const unbounded = linearForecast({ observations: falling, baseline: 2022 });
  t.ok(unbounded.ok && unbounded.forecastAt(2025).value === -10, 'no bounds, no clamp');
});

t.test('a straight line with decimals has no band from rounding error', async (t) => {
  const forecast = fitted(series(8096, [0.1, 0.2, 0.3, 0.4, 0.5]), 8100);
  t.equal(forecast.fit.sigma, 0);
  t.ok(Math.abs(forecast.forecastAt(8102).value - 0.7) < 1e-12);
});

t.test('a recorded fit gives the same forecast, whatever later happens to history', async (t) => {
  const original = fitted(series(2018, [10, 12, 11, 14, 13]), 2022);
  const stored = JSON.parse(JSON.stringify(original.fit));
  const restored = forecastFromFit(stored);
  for (const x of [2018, 2023, 2026]) t.same(restored.forecastAt(x), original.forecastAt(x), `at ${x}`);
});

t.test('a manual forecast is the agreed value where agreed, and nothing elsewhere', async (t) => {
  const manual = manualForecast([
    { position: 2024, value: 3.5 },
    { position: 2023, value: 3.8 },
    { position: 2025, value: null },
  ]);
  t.equal(manual.method, 'manual');
  t.same(manual.forecastAt(2023), { value: 3.8, band: 0 });
  t.same(manual.forecastAt(2024), { value: 3.5, band: 0 });
  t.equal(manual.forecastAt(2025), null, 'a point without a value is not a forecast');
  t.equal(manual.forecastAt(2026), null);
  t.same(manual.points.map((p) => p.position), [2023, 2024], 'points in period order');
  t.throws(() => manualForecast([{ position: 1, value: 1 }, { position: 1, value: 2 }]), /Two values/);
});
