import t from 'tap';
import { GAP_CHANGE_DESCRIPTIONS, classifyGapChange, gapSeries } from '../../server/analysis/gap.ts';

t.test('the gap is positive when the focus group is behind, whichever way the measure runs', async (t) => {
  // KS2 expected standard (higher is better): FSM pupils 46%, others 67%.
  const attainment = gapSeries(
    [{ position: 2023, value: 46 }],
    [{ position: 2023, value: 67 }],
    'higher',
  );
  t.same(attainment, [{ position: 2023, focus: 46, comparison: 67, gap: 21 }]);

  // Persistent absence (lower is better): children in need 38%, all pupils 20%.
  const absence = gapSeries([{ position: 2023, value: 38 }], [{ position: 2023, value: 20 }], 'lower');
  t.equal(absence[0].gap, 18);

  const ahead = gapSeries([{ position: 2023, value: 70 }], [{ position: 2023, value: 67 }], 'higher');
  t.equal(ahead[0].gap, -3, 'a negative gap: the focus group is ahead');
});

t.test('a gap exists only where both values exist', async (t) => {
  const focus = [
    { position: 2021, value: 40 },
    { position: 2022, value: null }, // suppressed
    { position: 2023, value: 44 },
    { position: 2024, value: 45 },
  ];
  const comparison = [
    { position: 2024, value: 66 },
    { position: 2023, value: 65 },
    { position: 2022, value: 64 },
    { position: 2020, value: 63 },
  ];
  t.same(gapSeries(focus, comparison, 'higher').map((g) => [g.position, g.gap]), [[2023, 21], [2024, 21]],
    'never a gap against a marker, sorted by period');
  t.same(gapSeries([], comparison, 'higher'), []);
});

t.test('classifying a change in the gap', async (t) => {
  const before = { focus: 40, comparison: 60 }; // gap 20, higher is better
  t.equal(classifyGapChange(before, { focus: 45, comparison: 62 }, 'higher'), 'narrowed_both_improved');
  t.equal(classifyGapChange(before, { focus: 45, comparison: 60 }, 'higher'), 'narrowed_focus_improved');
  t.equal(classifyGapChange(before, { focus: 40, comparison: 55 }, 'higher'), 'narrowed_comparison_worsened',
    'a gap that narrows because the comparison group worsened is flagged');
  t.equal(classifyGapChange(before, { focus: 38, comparison: 50 }, 'higher'), 'narrowed_comparison_worsened',
    'both worse, the comparison more so: still levelling down');
  t.equal(classifyGapChange(before, { focus: 44, comparison: 59 }, 'higher'), 'narrowed_comparison_worsened',
    'the comparison group slipping is flagged even when the focus group improved');
  t.equal(classifyGapChange(before, { focus: 42, comparison: 65 }, 'higher'), 'widened');
  t.equal(classifyGapChange(before, { focus: 45, comparison: 65 }, 'higher'), 'unchanged', 'both up by 5');
  t.equal(classifyGapChange({ focus: 0.1, comparison: 0.3 }, { focus: 0.2, comparison: 0.1 + 0.3 }, 'higher'),
    'unchanged', 'floating-point noise is not a change');
});

t.test('lower is better: the same logic with the sign flipped', async (t) => {
  const before = { focus: 38, comparison: 20 }; // absence: gap 18
  t.equal(classifyGapChange(before, { focus: 34, comparison: 19 }, 'lower'), 'narrowed_both_improved');
  t.equal(classifyGapChange(before, { focus: 34, comparison: 20 }, 'lower'), 'narrowed_focus_improved');
  t.equal(classifyGapChange(before, { focus: 38, comparison: 24 }, 'lower'), 'narrowed_comparison_worsened');
  t.equal(classifyGapChange(before, { focus: 40, comparison: 20 }, 'lower'), 'widened');
  t.equal(classifyGapChange(before, { focus: 36, comparison: 18 }, 'lower'), 'unchanged');
});

t.test('a gap needs a better direction', async (t) => {
  t.throws(() => gapSeries([], [], 'neutral'), RangeError);
  t.throws(() => classifyGapChange({ focus: 1, comparison: 2 }, { focus: 1, comparison: 2 }, 'neutral'), RangeError);
});

t.test('every change has a description for the page', async (t) => {
  t.match(GAP_CHANGE_DESCRIPTIONS.narrowed_comparison_worsened, /levelling down/);
  t.equal(Object.keys(GAP_CHANGE_DESCRIPTIONS).length, 5);
});

t.test('a gap indicator with no better direction (written before the database refused one) is analysed without a "why"', async (t) => {
  const { analyseIndicator } = await import('../../server/analysis/indicator-analysis.ts');
  const points = (values: number[]) => values.map((value, i) => ({ position: 2019 + i, value }));
  const focus = points([40, 42, 43, 45]);
  const comparison = points([60, 61, 61, 62]);
  const input = {
    kind: 'gap' as const,
    unit: 'percentage' as const,
    measured: focus.map((f, i) => ({ position: f.position, value: comparison[i]!.value - f.value })),
    focus,
    comparison,
    comparators: {},
    baseline: null,
    spc: { screen: false },
    ragRule: { greenWithinPercent: 5, amberIfImproved: true },
    periodsPerYear: 1,
    formatValue: String,
    formatBand: String,
    formatPeriod: String,
  };
  const neutral = analyseIndicator({ ...input, polarity: 'neutral' });
  t.equal(neutral.gap, null, 'no classification, and no error');
  t.equal(neutral.status.code, 'no_baseline');
  t.match(analyseIndicator({ ...input, polarity: 'higher' }).gap, { change: 'narrowed_both_improved' }, 'with a direction, the gap is explained: 18 to 17 points, both groups better');
});
