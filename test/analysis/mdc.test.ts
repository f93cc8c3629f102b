// Making Data Count icons: the variation icon from the latest point's signal and the assurance icon from the target
// against the limits, with cases worked by hand (the arithmetic is in each comment).
import t from 'tap';
import { spc, variation } from '../../server/analysis/spc.ts';
import type { Polarity } from '../../server/analysis/polarity.ts';

const points = (values: number[], start = 1) => values.map((value, i) => ({ position: start + i, value }));
const chart = (values: number[], polarity: Polarity, extra: { target?: number; from?: number } = {}) =>
  spc({ points: points(values), polarity, screen: false, ...extra });

const alternating = Array.from({ length: 12 }, (_, i) => (i % 2 ? 2 : 1));

t.test('variation: a latest point above the upper limit is high; improvement or concern by polarity', async (t) => {
  // 1,2 ×6 then 10: mean 28/13 = 2.1538; 12 moving ranges, eleven of 1 and one of 8: mean MR 19/12 = 1.5833;
  // upper limit 2.1538 + 2.66 × 1.5833 = 6.3655, and 10 is beyond it (rule 1).
  const values = [...alternating, 10];
  const higher = chart(values, 'higher');
  t.ok(Math.abs(higher.upl! - 6.3655) < 1e-4, `upper limit ${higher.upl}`);
  t.equal(higher.points.at(-1)!.rule, 1);
  t.equal(higher.variation, 'improvement_high', 'higher is better: special cause improvement, high');
  t.equal(chart(values, 'lower').variation, 'concern_high', 'lower is better: special cause concern, high');
  t.equal(chart(values, 'neutral').variation, 'neutral_high', 'no better direction: neutral, high');
});

t.test('variation: a latest point below the lower limit is low', async (t) => {
  // 1,2 ×6 then −6: mean 12/13 = 0.9231; mean MR 19/12 = 1.5833; lower limit 0.9231 − 4.2117 = −3.2886 > −6.
  const values = [...alternating, -6];
  const higher = chart(values, 'higher');
  t.ok(Math.abs(higher.lpl! - -3.2886) < 1e-4, `lower limit ${higher.lpl}`);
  t.equal(higher.variation, 'concern_low');
  t.equal(chart(values, 'lower').variation, 'improvement_low');
  t.equal(chart(values, 'neutral').variation, 'neutral_low');
});

t.test('variation: a trend of 7 rising to the latest point takes the trend\'s direction', async (t) => {
  // 10,12,9,11,10,12,8,9,10,11,12,13,14: mean 141/13 = 10.846; mean MR 20/12 = 1.667; upper limit 15.28 (14 inside),
  // close-to-limit line 13.80 (only 14 beyond it: no two of three); 8 → 14 rises seven times running: rule 2.
  const values = [10, 12, 9, 11, 10, 12, 8, 9, 10, 11, 12, 13, 14];
  const higher = chart(values, 'higher');
  t.equal(higher.points.at(-1)!.rule, 2);
  t.equal(higher.variation, 'improvement_high');
  t.equal(chart(values, 'lower').variation, 'concern_high');
});

t.test('variation: common cause when the latest point has no signal, even after an earlier one', async (t) => {
  t.equal(chart(alternating, 'higher').variation, 'common_cause');
  // The check series: point 5 (10) is special cause improvement, the latest (1) is common cause.
  const check = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1];
  const result = chart(check, 'higher');
  t.equal(result.points[4]!.type, 'special_cause_improvement');
  t.equal(result.variation, 'common_cause');
  t.equal(chart([], 'higher').variation, null, 'no points: no icon');
  t.equal(variation([], 'higher'), null);
});

t.test('variation agrees with the type that colours the latest point', async (t) => {
  const byType = { special_cause_improvement: 'improvement', special_cause_concern: 'concern', common_cause: 'common_cause' } as const;
  for (const values of [[...alternating, 10], [...alternating, -6], alternating]) {
    for (const polarity of ['higher', 'lower'] as const) {
      const result = chart(values, polarity);
      const type = result.points.at(-1)!.type as keyof typeof byType;
      t.ok(result.variation!.startsWith(byType[type]), `${polarity}: ${type} → ${result.variation}`);
    }
  }
});

t.test('assurance against the target, from the current limits', async (t) => {
  // The check series: limits −3.0626 to 6.9515.
  const check = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1];
  t.equal(chart(check, 'higher', { target: 8 }).assurance, 'consistent_fail', 'higher is better, target above the upper limit');
  t.equal(chart(check, 'higher', { target: -4 }).assurance, 'consistent_pass', 'higher is better, target below the lower limit');
  t.equal(chart(check, 'higher', { target: 3 }).assurance, 'inconsistent', 'target between the limits: hit and miss');
  t.equal(chart(check, 'lower', { target: 8 }).assurance, 'consistent_pass', 'lower is better, target above the upper limit');
  t.equal(chart(check, 'lower', { target: -4 }).assurance, 'consistent_fail');
  t.equal(chart(check, 'neutral', { target: 3 }).assurance, null, 'a neutral indicator has no assurance');
  t.equal(chart(check, 'higher').assurance, null, 'no target, no assurance');
});

t.test('limits from a period: earlier points are left out of the chart and its limits', async (t) => {
  // From position 6: 1,2,1,2,1,2,1,2,1,2,1,2,1 — mean 19/13 = 1.4615, every moving range 1: limits 1.4615 ± 2.66.
  const check = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1];
  const result = chart(check, 'higher', { from: 6 });
  t.equal(result.points.length, 13);
  t.equal(result.points[0]!.position, 6);
  t.ok(Math.abs(result.mean! - 19 / 13) < 1e-9, `mean ${result.mean}`);
  t.ok(Math.abs(result.upl! - (19 / 13 + 2.66)) < 1e-9, `upper limit ${result.upl}`);
  t.ok(result.points.every((p) => p.type === 'common_cause'));
});
