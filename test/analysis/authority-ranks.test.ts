import t from 'tap';
import { rankAndQuartile } from '../../server/analysis/comparators.ts';
import { bandOfRank, rankAuthorities } from '../../server/analysis/authority-ranks.ts';

t.test('higher is better: rank 1 is the highest, ties share a rank and the next is skipped', async (t) => {
  // Worked by hand: 90 is best (1); the two 80s tie (2, 2); 70 is then 4th; 60 5th.
  const r = rankAuthorities([70, 80, 90, 80, 60], 'higher');
  t.same(r.ranked.map((x) => x.rank), [4, 2, 1, 2, 5]);
  t.equal(r.of, 5);
  // Bands by where the rank sits from best (0) to worst (1): rank 1 → 0 (A), 2 → 0.25 (B), 4 → 0.75 (D), 5 → 1 (D).
  t.same(r.ranked.map((x) => x.band), ['D', 'B', 'A', 'B', 'D']);
  t.same(r.bands, [
    { band: 'A', best: 90, worst: 90, count: 1 },
    { band: 'B', best: 80, worst: 80, count: 2 },
    { band: 'C', best: null, worst: null, count: 0 },
    { band: 'D', best: 70, worst: 60, count: 2 },
  ]);
  t.equal(r.order, 'best_first');
});

t.test('lower is better: rank 1 is the lowest, and the thresholds run best (lowest) to worst', async (t) => {
  const r = rankAuthorities([3.5, 1.2, 2, 2, 9, 4, 5, 6, 7], 'lower');
  // sorted best first: 1.2 (1), 2, 2 (2, 2), 3.5 (4), 4 (5), 5 (6), 6 (7), 7 (8), 9 (9); of = 9
  t.same(r.ranked.map((x) => x.rank), [4, 1, 2, 2, 9, 5, 6, 7, 8]);
  // fraction (rank-1)/8: 1→0 A, 2→.125 A, 4→.375 B, 5→.5 C, 6→.625 C, 7→.75 D, 8→.875 D, 9→1 D
  t.same(r.ranked.map((x) => x.band), ['B', 'A', 'A', 'A', 'D', 'C', 'C', 'D', 'D']);
  t.same(r.bands[0], { band: 'A', best: 1.2, worst: 2, count: 3 });
  t.same(r.bands[3], { band: 'D', best: 6, worst: 9, count: 3 });
});

t.test('missing and suppressed values are not ranked, never as 0, and do not count', async (t) => {
  const r = rankAuthorities([null, 5, 0, null, 10], 'higher');
  t.same(r.ranked, [{ rank: null, band: null }, { rank: 2, band: 'C' }, { rank: 3, band: 'D' }, { rank: null, band: null }, { rank: 1, band: 'A' }]);
  t.equal(r.of, 3, 'three values ranked, out of five authorities');
  const lower = rankAuthorities([null, 0, 1], 'lower');
  t.same(lower.ranked.map((x) => x.rank), [null, 1, 2], 'a real 0 is ranked; a missing value is not');
});

t.test('neutral: ranked highest first; floating-point noise is a tie', async (t) => {
  const r = rankAuthorities([0.1 + 0.2, 0.3, 0.1], 'neutral');
  t.same(r.ranked.map((x) => x.rank), [1, 1, 3]);
  t.equal(r.order, 'highest_first');
});

t.test('one value is A; an empty list ranks nothing', async (t) => {
  t.same(rankAuthorities([42], 'higher').ranked, [{ rank: 1, band: 'A' }]);
  const none = rankAuthorities([null, null], 'higher');
  t.equal(none.of, 0);
  t.ok(none.bands.every((b) => b.count === 0));
});

t.test('agrees with the indicator page’s rank and quartile for every authority', async (t) => {
  const values = [12, 15.5, 15.5, 3, 8, 20, 20, 20, 1, 9, 11, 14, 7, 6];
  for (const polarity of ['higher', 'lower', 'neutral'] as const) {
    const r = rankAuthorities(values, polarity);
    values.forEach((v, i) => {
      const single = rankAndQuartile(v, values, polarity)!;
      t.equal(r.ranked[i]!.rank, single.rank, `${polarity} ${v}: rank`);
      t.equal(r.ranked[i]!.band, 'ABCD'[single.quartile - 1], `${polarity} ${v}: band`);
    });
  }
  // Of 152 authorities, ranks 1–38 are A, 39–76 B, 77–114 C, 115–152 D (as comparators.ts says).
  t.same([1, 38, 39, 76, 77, 114, 115, 152].map((rank) => bandOfRank(rank, 152)), ['A', 'A', 'B', 'B', 'C', 'C', 'D', 'D']);
});
