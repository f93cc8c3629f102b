import t from 'tap';
import { assurance, spc } from '../../server/analysis/spc.ts';
import type { SpcOptions, SpcResult } from '../../server/analysis/spc.ts';

const points = (values: number[], start = 1) => values.map((value, i) => ({ position: start + i, value }));

function chart(values: number[], options: Partial<SpcOptions> = {}): SpcResult {
  return spc({ points: points(values), polarity: 'higher', screen: false, ...options });
}

/** "-" for common cause, else rule number and the type without its prefix, e.g. "1improvement". */
const signals = (result: SpcResult) =>
  result.points.map((p) => (p.rule === null ? '-' : `${p.rule}${p.type.replace('special_cause_', '')}`));

const close = (actual: number | null, expected: number, places = 4) =>
  actual !== null && Math.abs(actual - expected) < 0.5 * 10 ** -places;

const alternating = (count: number, first: number, second: number) =>
  Array.from({ length: count }, (_, i) => (i % 2 ? second : first));

// The NHSRplotthedots documentation's example.
const checkSeries = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1];

t.test('check values from docs/method.md, SPC (NHSRplotthedots)', async (t) => {
  const unscreened = chart(checkSeries);
  t.ok(close(unscreened.mean, 1.9444), `mean ${unscreened.mean}`);
  t.ok(close(unscreened.lpl, -3.0626), `unscreened lower limit ${unscreened.lpl}`);
  t.ok(close(unscreened.upl, 6.9515), `unscreened upper limit ${unscreened.upl}`);
  t.equal(unscreened.screened, false);
  t.equal(unscreened.trial, false, '18 points: not trial limits');

  const screened = chart(checkSeries, { screen: true });
  t.ok(close(screened.mean, 1.9444), `mean ${screened.mean}`);
  t.ok(close(screened.lpl, -0.7156), `screened lower limit ${screened.lpl}`);
  t.ok(close(screened.upl, 4.6044), `screened upper limit ${screened.upl}`);
  t.equal(screened.screened, true);

  for (const result of [unscreened, screened]) {
    t.equal(result.points[4].type, 'special_cause_improvement', 'point 5 is special cause improvement');
    t.equal(result.points[4].rule, 1, 'outside the limits');
    t.ok(result.points.every((p, i) => i === 4 || (p.type === 'common_cause' && p.rule === null)), 'the rest common cause');
  }
});

t.test('polarity decides improvement or concern', async (t) => {
  t.equal(chart(checkSeries, { polarity: 'lower' }).points[4].type, 'special_cause_concern');
  t.equal(chart(checkSeries, { polarity: 'neutral' }).points[4].type, 'special_cause_neutral_high');
  const dip = checkSeries.map((v, i) => (i === 4 ? -6 : v));
  t.equal(chart(dip, { polarity: 'higher' }).points[4].type, 'special_cause_concern');
  t.equal(chart(dip, { polarity: 'lower' }).points[4].type, 'special_cause_improvement');
  t.equal(chart(dip, { polarity: 'neutral' }).points[4].type, 'special_cause_neutral_low');
});

t.test('rule 2: a trend of 7, and equal neighbours break it', async (t) => {
  // 8 → 14 rises at every step. Mean 10.69, limits 5.72 / 15.65, so nothing is outside and no run of 7 on one side.
  const rising = [10, 12, 9, 11, 10, 12, 8, 9, 10, 11, 12, 13, 14, 9, 11, 10];
  const result = chart(rising);
  t.same(signals(result), [
    '-', '-', '-', '-', '-', '-',
    '2improvement', '2improvement', '2improvement', '2improvement', '2improvement', '2improvement', '2improvement',
    '-', '-', '-',
  ], 'all 7 flagged, and a rising trend is an improvement even where it is still below the mean');
  t.same(signals(chart(rising, { polarity: 'lower' })).slice(6, 13), Array(7).fill('2concern'));
  t.same(signals(chart(rising, { polarity: 'neutral' }))[6], '2neutral_high');

  const falling = chart([...rising].reverse());
  t.same(signals(falling).slice(3, 10), Array(7).fill('2concern'), 'a falling trend, higher is better');

  // 8, 9, 10, 10, 11, 12, 13, 14: the repeated 10 breaks the run into 3 and 5 rises.
  const flat = chart([10, 12, 9, 11, 10, 12, 8, 9, 10, 10, 12, 13, 14, 9, 11, 10]);
  t.ok(flat.points.every((p) => p.rule === null), 'equal neighbours break a trend');

  const six = chart([10, 12, 9, 11, 10, 12, 9, 10, 11, 12, 13, 14, 10, 11, 10]);
  t.ok(six.points.every((p) => p.rule !== 2), 'six rising points are not a trend');
});

t.test('rule 3: two of three close to a limit, on the same side of the mean', async (t) => {
  // 24 points: mean 10.5125, mean MR 54.6/23 = 2.3739, so "close" above is beyond 14.72 and the limit is 16.83.
  const base = [...alternating(12, 9, 11)];
  const after = alternating(9, 11, 9);
  const high = chart([...base, 15, 11, 15.3, ...after]);
  t.ok(close(high.upl, 16.8271), `upper limit ${high.upl}`);
  const flagged = signals(high);
  t.same(flagged.slice(12, 15), ['3improvement', '-', '3improvement'], 'the two close points are flagged, the middle one is not');
  t.ok(flagged.every((s, i) => s === '-' || i === 12 || i === 14), 'nothing else');

  // Same two close points, but the middle one below the mean: not all three on one side, no signal.
  const split = chart([...base, 15, 9, 15.3, ...after]);
  t.ok(split.points[12].value > split.mean! + (2 / 3) * (split.upl! - split.mean!), '15 is still close to the limit');
  t.ok(split.points.every((p) => p.rule === null), 'the 2-of-3 rule needs all three on the same side');

  const low = chart([...base, 5, 9, 4.7, ...after], { polarity: 'lower' });
  t.same(signals(low).slice(12, 15), ['3improvement', '-', '3improvement'], 'close to the lower limit, lower is better');
  t.same(signals(chart([...base, 5, 9, 4.7, ...after])).slice(12, 15), ['3concern', '-', '3concern']);
});

t.test('rule 4: a shift of 7, and a point exactly on the mean breaks it', async (t) => {
  // Mean exactly 10 (130 / 13): the 10 sits on the mean, leaving runs of 3 and 3 above it.
  const broken = chart([9, 8, 9, 8, 9, 8, 11, 12, 11, 10, 12, 11, 12]);
  t.equal(broken.mean, 10);
  t.ok(broken.points.every((p) => p.rule === null), 'a point on the mean breaks the run');

  // 10.5 instead: mean 10.04, and the last seven are all above it.
  const shifted = chart([9, 8, 9, 8, 9, 8, 11, 12, 11, 10.5, 12, 11, 12]);
  t.same(signals(shifted), ['-', '-', '-', '-', '-', '-', ...Array(7).fill('4improvement')]);
  t.same(signals(chart([9, 8, 9, 8, 9, 8, 11, 12, 11, 10.5, 12, 11, 12], { polarity: 'lower' })).slice(6),
    Array(7).fill('4concern'));

  const sixAbove = chart([9, 8, 9, 8, 9, 8, 11, 12, 11, 10.5, 12, 11]);
  t.ok(sixAbove.points.every((p) => p.rule === null), 'six on one side is not a shift');
});

t.test('the first rule that applies names the signal', async (t) => {
  // Limits fixed from the first 12 points: mean 10.2, mean MR 0.4, close above 10.909, upper limit 11.264.
  // The last 7 are a shift (rule 4); the 11s are also two-of-three close (rule 3); 16 is outside (rule 1).
  const values = [...alternating(12, 10, 10.4), 11, 10.8, 11, 10.8, 11, 10.8, 16];
  const result = chart(values, { fixAfter: 12 });
  t.same(signals(result).slice(12), [
    '3improvement', '4improvement', '3improvement', '4improvement', '3improvement', '4improvement', '1improvement',
  ]);
});

t.test('trial limits', async (t) => {
  t.equal(chart(checkSeries.slice(0, 11)).trial, true, '11 points: trial limits');
  t.equal(chart(checkSeries.slice(0, 12)).trial, false, '12 points: firm limits');
  t.equal(chart(checkSeries, { fixAfter: 6 }).trial, true, 'limits from 6 points are trial limits');
  const one = chart([5]);
  t.same([one.mean, one.lpl, one.upl, one.trial], [5, null, null, true], 'a single point has a mean but no limits');
  const none = chart([]);
  t.same([none.mean, none.lpl, none.upl, none.segments, none.points, none.assurance], [null, null, null, [], [], null]);
});

t.test('fixed baseline: limits from the first k points, held for the rest', async (t) => {
  const values = [...alternating(12, 10, 11), 13.5, 13.5, 13.5, 13.5];
  const fixed = chart(values, { fixAfter: 12 });
  t.equal(fixed.mean, 10.5);
  t.ok(close(fixed.upl, 10.5 + 2.66), `upper limit from the first 12 only: ${fixed.upl}`);
  t.same(fixed.segments.map((s) => s.limitPoints), [12]);
  t.same(signals(fixed).slice(12), Array(4).fill('1improvement'), 'the later points are outside the fixed limits');

  const moving = chart(values);
  t.ok(moving.upl! > 13.5, 'without fixing, the later points widen the limits');
  t.ok(moving.points.slice(12).every((p) => p.rule !== 1));

  t.throws(() => chart(values, { fixAfter: 1 }), RangeError);
});

t.test('rebasing: each segment has its own limits and is judged on its own', async (t) => {
  const values = [...alternating(12, 10, 11), ...alternating(12, 20, 21)];
  const single = chart(values);
  t.ok(single.points.every((p) => p.rule !== null), 'one set of limits across the step flags every point');

  const rebased = chart(values, { rebaseAt: [13] });
  t.same(rebased.segments.map((s) => [s.from, s.to, s.mean, s.trial]), [[1, 12, 10.5, false], [13, 24, 20.5, false]]);
  t.ok(rebased.points.every((p) => p.rule === null), 'within each segment it is common cause');
  t.same([rebased.mean, rebased.lpl, rebased.upl], [20.5, 20.5 - 2.66, 20.5 + 2.66], 'the current limits are the last segment’s');

  // A rebase at a period with no value starts at the next value.
  const gap = spc({
    points: [...points(alternating(12, 10, 11)), ...points(alternating(12, 20, 21), 14)],
    polarity: 'higher',
    screen: false,
    rebaseAt: [13],
  });
  t.same(gap.segments.map((s) => [s.from, s.to]), [[1, 12], [14, 25]]);

  const shortSecond = chart(values.slice(0, 18), { rebaseAt: [13] });
  t.same(shortSecond.segments.map((s) => s.trial), [false, true], 'a short new segment has trial limits');
  t.equal(shortSecond.trial, true);
});

t.test('assurance against a target', async (t) => {
  // Screened check series: limits −0.7156 / 4.6044.
  const at = (target: number | undefined, polarity: SpcOptions['polarity']) =>
    chart(checkSeries, { screen: true, target, polarity }).assurance;
  t.equal(at(-1, 'higher'), 'consistent_pass', 'the whole process is above a target below it');
  t.equal(at(5, 'higher'), 'consistent_fail', 'the whole process is below a target above it');
  t.equal(at(3, 'higher'), 'inconsistent', 'a target between the limits is hit and miss');
  t.equal(at(-1, 'lower'), 'consistent_fail');
  t.equal(at(5, 'lower'), 'consistent_pass');
  t.equal(at(3, 'lower'), 'inconsistent');
  t.equal(at(5, 'neutral'), null, 'no assurance for a neutral indicator');
  t.equal(at(undefined, 'higher'), null, 'no target, no assurance');
  t.equal(assurance({ lpl: null, upl: null }, 5, 'higher'), null);
});

t.test('input order does not matter; duplicates are refused', async (t) => {
  const shuffled = spc({ points: [...points(checkSeries)].reverse(), polarity: 'higher', screen: false });
  t.same(shuffled.points.map((p) => p.position), checkSeries.map((_, i) => i + 1));
  t.equal(shuffled.points[4].rule, 1);
  t.throws(() => spc({ points: [{ position: 1, value: 1 }, { position: 1, value: 2 }], polarity: 'neutral', screen: false }));
});
