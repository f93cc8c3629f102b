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

t.test('gapValue: one period, worked by hand for each direction', async (t) => {
  const { gapValue } = await import('../../server/analysis/gap.ts');
  // KS2 expected standard, higher is better: FSM 46%, others 67% → 67 − 46 = 21 points behind.
  t.equal(gapValue(46, 67, 'higher'), 21);
  // Persistent absence, lower is better: children in need 38%, all pupils 20% → −1 × (20 − 38) = 18 points behind.
  t.equal(gapValue(38, 20, 'lower'), 18);
  // The focus group ahead is a negative gap, whichever way: 70 against 67 (higher), 15 against 20 (lower).
  t.equal(gapValue(70, 67, 'higher'), -3);
  t.equal(gapValue(15, 20, 'lower'), -5);
  t.throws(() => gapValue(1, 2, 'neutral'), RangeError, 'no gap without a better direction');
  t.same(gapSeries([{ position: 1, value: 38 }], [{ position: 1, value: 20 }], 'lower')[0]!.gap, gapValue(38, 20, 'lower'), 'the series is made of the same values');
});

t.test('narrowing, levelling down, and the reason in words', async (t) => {
  const { gapNarrowed, isLevellingDown, gapChangeSentence } = await import('../../server/analysis/gap.ts');
  t.same(
    (Object.keys(GAP_CHANGE_DESCRIPTIONS) as (keyof typeof GAP_CHANGE_DESCRIPTIONS)[]).filter(gapNarrowed),
    ['narrowed_both_improved', 'narrowed_focus_improved', 'narrowed_comparison_worsened'],
  );
  t.same((Object.keys(GAP_CHANGE_DESCRIPTIONS) as (keyof typeof GAP_CHANGE_DESCRIPTIONS)[]).filter(isLevellingDown), ['narrowed_comparison_worsened']);
  t.equal(
    gapChangeSentence('narrowed_comparison_worsened', '2023/24', '2024/25'),
    'Between 2023/24 and 2024/25, the gap narrowed because the comparison group got worse (levelling down).',
  );
  t.equal(gapChangeSentence('narrowed_both_improved', '2023', '2024'), 'Between 2023 and 2024, the gap narrowed and both groups improved.');
});

t.test('the status sentence gives the reason whenever the gap narrowed, and only then', async (t) => {
  const { analyseIndicator } = await import('../../server/analysis/indicator-analysis.ts');
  const { gapValue } = await import('../../server/analysis/gap.ts');
  const points = (values: number[]) => values.map((value, i) => ({ position: 2019 + i, value }));
  const analyse = (focusValues: number[], comparisonValues: number[], polarity: 'higher' | 'lower') => {
    const focus = points(focusValues);
    const comparison = points(comparisonValues);
    return analyseIndicator({
      kind: 'gap',
      polarity,
      unit: 'percentage',
      measured: focus.map((f, i) => ({ position: f.position, value: gapValue(f.value, comparison[i]!.value, polarity) })),
      focus,
      comparison,
      comparators: {},
      baseline: null,
      spc: { screen: false },
      ragRule: { greenWithinPercent: 5, amberIfImproved: true },
      periodsPerYear: 1,
      formatValue: String,
      formatBand: String,
      formatPeriod: (p) => `Y${p}`,
    });
  };
  // Higher is better. Comparison 60 → 55 with the focus group still at 40: the gap 20 → 15 by levelling down.
  const levelled = analyse([40, 40, 40], [60, 60, 55], 'higher');
  t.match(levelled.gap, { change: 'narrowed_comparison_worsened', narrowed: true, levellingDown: true, from: 2020, to: 2021 });
  t.match(levelled.status.sentence, /^No baseline has been agreed.*\. Between Y2020 and Y2021, the gap narrowed because the comparison group got worse \(levelling down\)\.$/);
  // Lower is better (absence). Focus 38 → 34, comparison 20 → 19: gap 18 → 15, both better.
  const both = analyse([40, 38, 34], [21, 20, 19], 'lower');
  t.match(both.gap, { change: 'narrowed_both_improved', narrowed: true, levellingDown: false });
  t.match(both.status.sentence, /Between Y2020 and Y2021, the gap narrowed and both groups improved\.$/);
  t.notMatch(both.status.sentence, /levelling down/);
  // Lower is better, the comparison group's absence rising 20 → 24 with the focus group unchanged: levelling down.
  t.match(analyse([38, 38, 38], [20, 20, 24], 'lower').gap, { change: 'narrowed_comparison_worsened', levellingDown: true });
  const widened = analyse([40, 40, 38], [60, 60, 61], 'higher');
  t.match(widened.gap, { change: 'widened', narrowed: false, levellingDown: false });
  t.notMatch(widened.status.sentence, /gap/, 'a gap that did not narrow adds nothing to the sentence');
});

t.test('every gap is computed by gap.ts: the indicator\'s own series uses it, and no copy of the formula is left', async (t) => {
  const { gapValue } = await import('../../server/analysis/gap.ts');
  const { measuredSeries } = await import('../../server/features/indicators/measure.ts');
  const row = (role: 'focus' | 'comparison', value: number) => ({ role, period_position: 2023, period_label: '2023/24', value, marker: null, status: 'final' as const });
  const rows = [row('focus', 38), row('comparison', 20)];
  t.equal(measuredSeries({ kind: 'gap', polarity: 'lower' }, rows)[0]!.value, gapValue(38, 20, 'lower'));
  t.equal(measuredSeries({ kind: 'gap', polarity: 'lower' }, rows)[0]!.value, 18);
  t.equal(measuredSeries({ kind: 'gap', polarity: 'neutral' }, rows)[0]!.value, -18, 'a gap stored before one needed a direction still draws, as comparison − focus');

  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const root = new URL('../../', import.meta.url).pathname;
  // The formula written out: "comparison - focus", "c.value - f.value", "focus.value - comparison" and the like.
  const copy = /\b(comparison|c)(\.value|Value)?\s*-\s*(focus|f)(\.value|Value)?\b|\b(focus|f)(\.value|Value)?\s*-\s*(comparison|c)(\.value|Value)?\b/;
  t.match('return roundSignificant(s * (comparison - focus), 10);', copy, 'the check recognises a copy');
  const files = ['server', 'seeds', 'bench'].flatMap((folder) =>
    readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' }).filter((f) => /\.ts$/.test(f)).map((f) => join(folder, f)),
  );
  t.ok(files.length > 50, `${files.length} files read`);
  const copies = files.filter((f) => f !== join('server', 'analysis', 'gap.ts') && copy.test(readFileSync(join(root, f), 'utf8')));
  t.same(copies, [], 'no file but server/analysis/gap.ts computes a gap itself');
});
