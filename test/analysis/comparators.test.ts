import t from 'tap';
import { compareWith, describeRagRule, ragAgainstTarget, rankAndQuartile } from '../../server/analysis/comparators.ts';
import type { RagRule } from '../../server/analysis/comparators.ts';

t.test('the local value against a comparator', async (t) => {
  t.same(compareWith(3.1, 3.8, 'lower'), { comparison: 'better', difference: 3.1 - 3.8 });
  t.same(compareWith(3.1, 3.8, 'higher'), { comparison: 'worse', difference: 3.1 - 3.8 });
  t.same(compareWith(62, 60, 'higher'), { comparison: 'better', difference: 2 });
  t.same(compareWith(62, 60, 'neutral'), { comparison: 'higher', difference: 2 });
  t.same(compareWith(58, 60, 'neutral'), { comparison: 'lower', difference: -2 });
  t.equal(compareWith(10.199999999999999, 10.2, 'higher').comparison, 'same', 'published float noise is not a difference');
  t.same(compareWith(null, 60, 'higher'), { comparison: 'not_comparable', difference: null });
  t.same(compareWith(60, null, 'higher'), { comparison: 'not_comparable', difference: null });
});

t.test('rank and quartile', async (t) => {
  const values = [10, 20, 30, 40, 50, 60, 70, 80];
  t.same(rankAndQuartile(80, values, 'higher'), { rank: 1, of: 8, quartile: 1, order: 'best_first' });
  t.same(rankAndQuartile(80, values, 'lower'), { rank: 8, of: 8, quartile: 4, order: 'best_first' });
  t.same(rankAndQuartile(60, values, 'higher'), { rank: 3, of: 8, quartile: 2, order: 'best_first' });
  t.same(rankAndQuartile(20, values, 'lower'), { rank: 2, of: 8, quartile: 1, order: 'best_first' });
  t.same(rankAndQuartile(80, values, 'neutral'), { rank: 1, of: 8, quartile: 1, order: 'highest_first' });

  // Ties share a rank and the next rank is skipped: 90, 80, 80, 70 → 1, 2, 2, 4.
  const tied = [90, 80, 80, 70];
  t.equal(rankAndQuartile(80, tied, 'higher')?.rank, 2);
  t.equal(rankAndQuartile(70, tied, 'higher')?.rank, 4);
  t.equal(rankAndQuartile(80, [80, 80.00000000000001, 70], 'higher')?.rank, 1, 'float noise is a tie');

  // 152 authorities: ranks 1–38 are the first quartile, 39–76 the second, and so on.
  const all = Array.from({ length: 152 }, (_, i) => i + 1); // higher is better: 152 ranks 1
  const quartileOfRank = (rank: number) => rankAndQuartile(153 - rank, all, 'higher')?.quartile;
  t.same([1, 38, 39, 76, 77, 114, 115, 152].map(quartileOfRank), [1, 1, 2, 2, 3, 3, 4, 4]);

  t.same(rankAndQuartile(55, [10, null, 60, 70], 'higher'), { rank: 3, of: 4, quartile: 3, order: 'best_first' },
    'markers are ignored, and a value missing from the list still takes part');
  t.same(rankAndQuartile(5, [], 'higher'), { rank: 1, of: 1, quartile: 1, order: 'best_first' }, 'alone: first');
  t.same([1, 2].map((v) => rankAndQuartile(v, [1, 2], 'higher')?.quartile), [4, 1], 'of two: best and worst quartiles');
});

t.test('RAG against a target', async (t) => {
  const rule: RagRule = { greenWithinPercent: 5, amberIfImproved: true };
  const higher = (value: number | null, previous?: number | null) =>
    ragAgainstTarget(rule, { value, target: 80, previous, polarity: 'higher' });
  t.equal(higher(85), 'green', 'better than the target');
  t.equal(higher(80), 'green', 'on the target');
  t.equal(higher(76), 'green', 'exactly 5% short of 80');
  t.equal(higher(75.9, 70), 'amber', 'beyond 5% but improved');
  t.equal(higher(75.9, 75.9), 'red', 'beyond 5% and no better');
  t.equal(higher(75.9, 78), 'red', 'beyond 5% and worse');
  t.equal(higher(75.9), 'red', 'beyond 5% with no previous value');
  t.equal(higher(null, 70), null);

  const lower = (value: number, previous?: number) =>
    ragAgainstTarget(rule, { value, target: 10, previous, polarity: 'lower' });
  t.equal(lower(9), 'green');
  t.equal(lower(10.5), 'green', '5% above a lower-is-better target');
  t.equal(lower(11, 12), 'amber');
  t.equal(lower(11, 10.8), 'red');

  const strict: RagRule = { greenWithinPercent: 0, amberIfImproved: false };
  t.equal(ragAgainstTarget(strict, { value: 79.9, target: 80, previous: 70, polarity: 'higher' }), 'red',
    'no amber when the rule has none');
  t.equal(ragAgainstTarget(strict, { value: 0, target: 0, polarity: 'lower' }), 'green', 'a target of zero met');
  t.equal(ragAgainstTarget(rule, { value: 5, target: 4, polarity: 'neutral' }), null, 'no RAG for a neutral indicator');
  t.throws(() => ragAgainstTarget({ greenWithinPercent: -1, amberIfImproved: true }, { value: 1, target: 1, polarity: 'higher' }), RangeError);
});

t.test('the rule in words for the legend', async (t) => {
  t.equal(
    describeRagRule({ greenWithinPercent: 5, amberIfImproved: true }),
    'Green: the target met or bettered, or missed by no more than 5% of the target. ' +
      'Amber: more than 5% short of the target but better than the previous period. ' +
      'Red: more than 5% short of the target and not better than the previous period.',
  );
  t.equal(
    describeRagRule({ greenWithinPercent: 2.5, amberIfImproved: false }),
    'Green: the target met or bettered, or missed by no more than 2.5% of the target. Red: more than 2.5% short of the target.',
  );
  t.equal(
    describeRagRule({ greenWithinPercent: 0, amberIfImproved: false }),
    'Green: the target met or bettered. Red: short of the target.',
  );
});
