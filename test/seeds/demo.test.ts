import t from 'tap';
import { readFileSync } from 'node:fs';
import { parsePeriod } from '../../server/analysis/periods.ts';
import {
  authorityValues,
  areaKind,
  indexLait,
  laitPeriod,
  meanOfAvailable,
  neighbourAverage,
  neighboursOf,
  parseLaitExtract,
  parseLaitMeasures,
  parseLaitValue,
  parseStatisticalNeighbours,
  regionOf,
  roundDecimals,
  LaitError,
} from '../../seeds/benchmark/lait.ts';
import { buildCoventrySeed, COVENTRY_JSON_PATH, readLaitSources, serializeSeed } from '../../seeds/demo/build-coventry.ts';
import type { DemoIndicator, DemoSeed } from '../../seeds/demo/types.ts';

const sources = readLaitSources();
const rows = parseLaitExtract(sources.extractCsv);
const index = indexLait(rows);
const measures = parseLaitMeasures(sources.measuresCsv);
const april2021 = parseStatisticalNeighbours(sources.neighboursCsv);
const committed = JSON.parse(readFileSync(COVENTRY_JSON_PATH, 'utf8')) as DemoSeed;

// Coventry's 10 statistical neighbours in the DfE April 2021 model, closest first.
const COVENTRY_NEIGHBOURS_APRIL_2021: [number, string][] = [
  [831, 'Derby'],
  [350, 'Bolton'],
  [874, 'Peterborough'],
  [383, 'Leeds'],
  [373, 'Sheffield'],
  [851, 'Portsmouth'],
  [887, 'Medway'],
  [335, 'Walsall'],
  [357, 'Tameside'],
  [852, 'Southampton'],
];

// The LAIT measures behind each indicator (focus first for gaps).
const LAIT_MEASURES_OF: Record<string, string[]> = {
  EYFS_GLD_FSM_GAP: ['FSP_Gooddev_FSM', 'FSP_Gooddev_FSM_Other'],
  U18_CONCEPTION_RATE: ['Under18concep'],
  CLA_RATE: ['LAC'],
  KS2_RWM_DISADV_GAP: ['DAP_NEW_KS2_RWM', 'NonDAP_NEW_KS2_RWM'],
  KS4_ATT8_DISADV_GAP: ['DAP_KS4_ATT8', 'NonDAP_KS4_ATT8'],
  KS4_ATT8_FSM_GAP: ['FSM_AVG_Attain8_Score', 'NonFSM_AVG_Attain8_Score'],
  PERSISTENT_ABSENCE: ['TotPerAbNew'],
  FTE_YOUTH_JUSTICE: ['FirstYJS'],
  PERMANENT_EXCLUSION_RATE: ['TotPermEx'],
  SUSPENSION_RATE: ['TotFixedEx'],
  NEET_16_17: ['16-17 NEET'],
  NEET_OR_NOT_KNOWN_16_17: ['16-17_not known_NEET'],
  CARE_LEAVERS_NEET: ['CareLeaversNEET'],
};

function allIndicators(seed: DemoSeed): DemoIndicator[] {
  return seed.outcomes.flatMap((o) => o.priorities.flatMap((p) => p.indicators));
}
function indicator(seed: DemoSeed, code: string): DemoIndicator {
  const found = allIndicators(seed).find((i) => i.code === code);
  if (!found) throw new Error(`no indicator ${code}`);
  return found;
}
function seriesOf(ind: DemoIndicator, role: string) {
  const found = ind.series.find((s) => s.role === role);
  if (!found) throw new Error(`${ind.code} has no ${role} series`);
  return found;
}

t.test('the committed coventry.json is exactly what build-coventry produces now', async (t) => {
  const built = serializeSeed(buildCoventrySeed(sources));
  t.equal(readFileSync(COVENTRY_JSON_PATH, 'utf8'), built, 'run `node --import tsx seeds/demo/build-coventry.ts` after changing the builder or data');
  t.equal(serializeSeed(buildCoventrySeed(sources)), built, 'the build is deterministic');
});

t.test('partnership', async (t) => {
  t.same(committed.partnership, {
    slug: 'coventry',
    name: "Coventry Children and Young People's Partnership",
    laName: 'Coventry',
    laCode: 'E08000026',
    laNumber: 331,
  });
  const coventryRows = rows.filter((r) => r.areaName === 'Coventry');
  t.ok(coventryRows.length > 0);
  t.ok(coventryRows.every((r) => r.laNumber === 331 && r.region === 'West Midlands'), 'Coventry is LA 331 in the extract');
  t.same(committed.ragRule, { greenWithinPercent: 5, amberIfImproved: true });
});

t.test('all five Every Child Matters outcomes, in order, each with one or two priorities', async (t) => {
  t.same(
    committed.outcomes.map((o) => o.title),
    ['Be healthy', 'Stay safe', 'Enjoy and achieve', 'Make a positive contribution', 'Achieve economic well-being'],
  );
  for (const outcome of committed.outcomes) {
    t.ok(outcome.description.length > 0, `${outcome.title} has a description`);
    t.ok(outcome.priorities.length >= 1 && outcome.priorities.length <= 2, `${outcome.title} has 1–2 priorities`);
  }
});

t.test('LAIT value parsing', async (t) => {
  t.same(parseLaitValue('10.199999999999999'), { value: 10.2, marker: null }, 'float noise');
  t.same(parseLaitValue('33.799999999999997'), { value: 33.8, marker: null });
  t.same(parseLaitValue('4.798E-2'), { value: 0.04798, marker: null }, 'scientific notation');
  t.same(parseLaitValue('6.6470000000000001E-2'), { value: 0.06647, marker: null }, 'scientific notation with noise');
  t.same(parseLaitValue('0.14846000000000001', 2), { value: 0.15, marker: null }, "rounded to the measure's decimals when asked");
  t.same(parseLaitValue('1.005', 2), { value: 1.01, marker: null }, 'half away from zero, without binary error');
  t.same(parseLaitValue('3.4946486738017679'), { value: 3.494648674, marker: null }, '10 significant digits');
  t.same(parseLaitValue('0'), { value: 0, marker: null }, 'a real zero stays zero');
  t.same(parseLaitValue('-'), { value: null, marker: 'x' }, '- is not available');
  t.same(parseLaitValue(''), { value: null, marker: 'x' }, 'an empty cell is not available, not 0');
  t.throws(() => parseLaitValue('abc'), LaitError);
  t.equal(roundDecimals(-2.5, 0), -3);
  t.equal(Object.is(roundDecimals(-0.001, 2), -0), false, 'never -0');
});

t.test("a '-' value never becomes 0", async (t) => {
  const missing = rows.filter((r) => r.raw.trim() === '-');
  t.ok(missing.length > 4000, `${missing.length} '-' rows in the extract`);
  t.ok(missing.every((r) => r.value === null && r.marker === 'x'), "every '-' row parses to null with marker x");

  // In the seed, each Coventry observation of a LAIT indicator agrees with its raw row.
  const byCode = new Map(measures.map((m) => [m.code, m]));
  let checked = 0;
  let dashes = 0;
  for (const [code, measureCodes] of Object.entries(LAIT_MEASURES_OF)) {
    const ind = indicator(committed, code);
    const localSeries = ind.series.filter((s) => s.role === 'local' || s.role === 'focus' || s.role === 'comparison');
    t.equal(localSeries.length, measureCodes.length, `${code}: one local series per LAIT measure`);
    localSeries.forEach((s, k) => {
      const measure = byCode.get(measureCodes[k]);
      if (!measure) throw new Error(`unknown measure ${measureCodes[k]}`);
      t.match(ind.source.text, measure.code, `${code} cites ${measure.code}`);
      for (const raw of index.periods(measure.code)) {
        const obs = s.observations.find((o) => o.period === laitPeriod(measure, raw).label);
        if (!obs) continue; // before the indicator's first period (EYFS starts at 2021/22)
        const row = index.get(measure.code, 331, raw);
        if (!row) throw new Error('missing row');
        checked++;
        if (row.raw.trim() === '-') {
          dashes++;
          t.same([obs.value, obs.marker], [null, 'x'], `${code} ${obs.period}`);
        } else {
          t.equal(obs.value, row.value, `${code} ${s.role} ${obs.period}`);
        }
      }
    });
  }
  t.ok(checked > 100 && dashes >= 5, `${checked} Coventry observations checked, ${dashes} of them '-'`);

  const ks2 = indicator(committed, 'KS2_RWM_DISADV_GAP');
  for (const role of ['focus', 'comparison', 'england', 'region', 'neighbours']) {
    const obs = seriesOf(ks2, role).observations.find((o) => o.period === '2019/20');
    t.same([obs?.value, obs?.marker], [null, 'x'], `KS2 2019/20 (assessments cancelled) is x in ${role}, not 0`);
  }

  for (const ind of allIndicators(committed)) {
    for (const s of ind.series) {
      for (const o of s.observations) {
        if ((o.value === null) === (o.marker === null)) t.fail(`${ind.code} ${s.role} ${o.period}: a value or a marker, never both or neither`);
      }
    }
  }
});

t.test('period mapping for each year_type', async (t) => {
  const m = (code: string) => {
    const found = measures.find((x) => x.code === code);
    if (!found) throw new Error(code);
    return found;
  };
  const cases: [string, string, string, string][] = [
    // measure, as published, canonical type, canonical label
    ['DAP_KS4_ATT8', '2024', 'academic_year', '2023/24'], // Academic Year as a single year
    ['TotPerAbNew', '2016', 'academic_year', '2015/16'],
    ['TotPermEx', '2023/24', 'academic_year', '2023/24'], // already a span
    ['TotFixedEx', '2015/16', 'academic_year', '2015/16'],
    ['Under18concep', '2022', 'calendar_year', '2022'], // Calendar Year
    ['FirstYJS', '2024', 'calendar_year', '2024'],
    ['16-17 NEET', '2024', 'calendar_year', '2024'], // Dec 2023–Feb 2024, DfE's label kept
    ['16-17_not known_NEET', '2019', 'calendar_year', '2019'],
    ['CareLeaversNEET', '2025', 'financial_year', '2024-25'], // Financial Year: year ending 31 March 2025
    ['LAC', '2025', 'financial_year', '2024-25'], // Annual: snapshot on 31 March 2025
  ];
  for (const [code, raw, type, label] of cases) {
    const period = laitPeriod(m(code), raw);
    t.same([period.type, period.label], [type, label], `${code} ${raw} (${m(code).yearType})`);
  }
  t.same(
    [...new Set(measures.map((x) => x.yearType))].sort(),
    ['Academic Year', 'Annual', 'Calendar Year', 'Financial Year'],
    'every year_type in the dictionary is covered above',
  );
  t.throws(() => laitPeriod({ code: 'X', yearType: 'Fortnightly' }, '2024'), LaitError);
  t.throws(() => laitPeriod(m('LAC'), '2024/26'), LaitError);

  // Every period of every measure in the extract maps, and every label in the seed is canonical.
  for (const measure of measures) for (const p of index.periods(measure.code)) laitPeriod(measure, p);
  for (const ind of allIndicators(committed)) {
    for (const s of ind.series) {
      for (const o of s.observations) {
        if (parsePeriod(ind.periodType, o.period).label !== o.period) t.fail(`${ind.code} ${o.period} is not canonical`);
      }
    }
  }
});

t.test('measures file', async (t) => {
  t.equal(measures.length, 22);
  const byCode = new Map(measures.map((m) => [m.code, m]));
  t.equal(byCode.get('DAP_KS4_ATT8')?.polarity, 'higher');
  t.equal(byCode.get('TotPermEx')?.polarity, 'lower');
  t.equal(byCode.get('LAC')?.polarity, 'neutral', 'polarity - is neutral');
  t.equal(byCode.get('TotPermEx')?.decimals, 2);
  t.equal(byCode.get('DAP_KS4_ATT8')?.decimals, null, 'decimals NA');
  t.notMatch(byCode.get('FSP_Gooddev_FSM')?.description ?? '', /\r/, 'line breaks normalised');
  t.ok(measures.every((m) => m.sourceLinks.length === 1 && m.sourceLinks[0].startsWith('https://')));
});

t.test('England, regions and authorities in the extract', async (t) => {
  const england = rows.filter((r) => areaKind(r) === 'england');
  t.ok(england.every((r) => r.laNumber === 970 && r.areaName === 'England' && r.region === null));
  const regions = [...new Set(rows.filter((r) => areaKind(r) === 'region').map((r) => `${r.laNumber} ${r.areaName}`))].sort();
  t.same(regions, [
    '980 North East', '981 North West', '982 Yorkshire and the Humber', '983 East Midlands', '984 West Midlands',
    '985 East of England', '986 London', '987 London (Inner)', '988 London (Outer)', '989 South East', '990 South West',
  ]);
  t.same(regionOf(rows, 331), { laNumber: 984, areaName: 'West Midlands' });
  t.same(regionOf(rows, 202), { laNumber: 986, areaName: 'London' }, 'an Inner London borough → London');
  t.same(regionOf(rows, 370), { laNumber: 982, areaName: 'Yorkshire and the Humber' }, 'case-insensitive region names');

  const values = authorityValues(rows, 'DAP_KS4_ATT8', '2024');
  t.ok(values.every((v) => v.laNumber < 970), 'no England or region rows among the authorities');
  t.equal(values.length, new Set(rows.filter((r) => areaKind(r) === 'authority').map((r) => r.laNumber)).size);
  t.same(values.find((v) => v.laNumber === 331), { laNumber: 331, areaName: 'Coventry', region: 'West Midlands', value: 36, marker: null });
});

t.test('statistical neighbour files', async (t) => {
  const coventry = april2021.find((e) => e.laNumber === 331);
  t.same(coventry?.laName, 'Coventry');
  t.same(coventry?.neighbours.map((n) => n.laNumber), COVENTRY_NEIGHBOURS_APRIL_2021.map(([n]) => n), 'BOM and trailing comma handled');
  t.same(coventry?.neighbours[0], { laNumber: 831, closeness: 'Very Close' });
  for (const [laNumber, name] of COVENTRY_NEIGHBOURS_APRIL_2021) {
    t.ok(rows.some((r) => r.laNumber === laNumber && r.areaName === name), `${laNumber} is ${name} in the extract`);
  }
  t.ok(april2021.every((e) => e.neighbours.length === 10), 'ten neighbours each');
  t.equal(april2021.find((e) => e.laNumber === 928)?.superseded, true, 'Northamptonshire is in the "Old SNs" block');
  t.equal(april2021.filter((e) => !e.superseded).length, 152);

  const may2025 = parseStatisticalNeighbours(readFileSync(new URL('../../seeds/benchmark/sn-may-2025.csv', import.meta.url), 'utf8'));
  t.same(neighboursOf(may2025, 331), [831, 852, 874, 350, 336, 312, 354, 335, 821, 861], 'the May 2025 layout');
  t.same(may2025.find((e) => e.laNumber === 331)?.neighbours[3], { laNumber: 350, closeness: 'Close' }, 'closeness trimmed');
});

t.test('neighbour average equals a hand calculation from the raw rows', async (t) => {
  // Under-18 conceptions per 1,000, 2022, for Coventry's 10 April-2021 neighbours, as the extract writes them.
  const raw = new Map<number, string>();
  for (const line of sources.extractCsv.split('\n')) {
    const match = /^Under18concep,.*,(\d+),[^,]*,2022,([^,\r]+)\r?$/.exec(line);
    if (match) raw.set(Number(match[1]), match[2]);
  }
  t.same(
    COVENTRY_NEIGHBOURS_APRIL_2021.map(([n]) => raw.get(n)),
    ['16.600000000000001', '17.3', '21.9', '20.9', '17', '23.5', '17.399999999999999', '17.899999999999999', '23.2', '16.3'],
    'Derby, Bolton, Peterborough, Leeds, Sheffield, Portsmouth, Medway, Walsall, Tameside, Southampton',
  );
  // By hand: 16.6 + 17.3 + 21.9 + 20.9 + 17.0 + 23.5 + 17.4 + 17.9 + 23.2 + 16.3 = 192.0; 192.0 / 10 = 19.2
  const byHand = 19.2;
  const average = neighbourAverage(index, april2021, 331, 'Under18concep', '2022');
  t.equal(average.withValue, 10);
  t.ok(Math.abs((average.value ?? NaN) - byHand) < 1e-9, `neighbourAverage = ${average.value}`);
  const seeded = seriesOf(indicator(committed, 'U18_CONCEPTION_RATE'), 'neighbours').observations.find((o) => o.period === '2022');
  t.equal(seeded?.value, byHand, 'and the seed holds it');

  // A gap: KS4 disadvantaged gap 2023/24 (extract period 2024), the mean of each neighbour's own gap.
  const gaps = COVENTRY_NEIGHBOURS_APRIL_2021.map(([n]) => {
    const focus = rows.find((r) => r.measureCode === 'DAP_KS4_ATT8' && r.laNumber === n && r.period === '2024');
    const comparison = rows.find((r) => r.measureCode === 'NonDAP_KS4_ATT8' && r.laNumber === n && r.period === '2024');
    return Number(comparison?.raw) - Number(focus?.raw);
  });
  const gapByHand = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  const seededGap = seriesOf(indicator(committed, 'KS4_ATT8_DISADV_GAP'), 'neighbours').observations.find((o) => o.period === '2023/24');
  t.equal(seededGap?.value, roundDecimals(gapByHand, 2), `KS4 disadvantaged gap neighbours 2023/24 = ${gapByHand}`);
});

t.test('neighbour threshold: fewer than 6 of 10 with a value gives null', async (t) => {
  t.same(meanOfAvailable([1, 2, 3, 4, 5, null, null, null, null, null]), { value: null, withValue: 5, neighbours: 10 });
  t.same(meanOfAvailable([1, 2, 3, 4, 5, 9, null, null, null, null]), { value: 4, withValue: 6, neighbours: 10 });
  t.same(meanOfAvailable([0, 0, 0, 0, 0, 0, null, null, null, null]), { value: 0, withValue: 6, neighbours: 10 }, 'real zeros count');

  // Through the extract: take a synthetic copy where 5 of Coventry's neighbours are '-'.
  const header = 'measure_code,area_name,la_number,region,period,value';
  const lines = COVENTRY_NEIGHBOURS_APRIL_2021.map(([n, name], k) => `M,${name},${n},R,2024,${k < 5 ? '-' : '10'}`);
  const synthetic = indexLait(parseLaitExtract([header, ...lines].join('\n')));
  t.same(neighbourAverage(synthetic, april2021, 331, 'M', '2024'), { value: null, withValue: 5, neighbours: 10 });
  t.same(neighbourAverage(synthetic, april2021, 331, 'M', '2024', 5), { value: 10, withValue: 5, neighbours: 10 });
});

t.test('every LAIT indicator has England, region and neighbour series (no England for FirstYJS)', async (t) => {
  const lait = allIndicators(committed).filter((i) => !i.source.illustrative);
  t.ok(lait.length >= 13, `${lait.length} LAIT indicators`);
  for (const ind of lait) {
    const roles = ind.series.map((s) => s.role);
    if (ind.code === 'FTE_YOUTH_JUSTICE') t.notOk(roles.includes('england'), 'FirstYJS: England row is not a rate');
    else t.ok(roles.includes('england'), `${ind.code} has England`);
    t.ok(roles.includes('neighbours'), `${ind.code} has neighbours`);
    t.equal(seriesOf(ind, 'region').label, 'West Midlands');
    t.same(roles.filter((r) => r === 'local' || r === 'focus' || r === 'comparison'), ind.kind === 'gap' ? ['focus', 'comparison'] : ['local']);
    t.equal(new Set(roles).size, roles.length, 'one series per role');
    t.equal(ind.source.licence, 'Open Government Licence v3.0');
    t.match(ind.source.text, /Open Government Licence v3\.0 \(Department for Education\)/);
    t.ok(ind.source.url?.startsWith('https://'), `${ind.code} links to its source`);
    t.ok(ind.series.every((s) => s.observations.every((o) => o.status === 'final')), 'nothing is marked provisional in the LAIT');
    if (ind.unit === 'rate') t.ok([1000, 10000, 100000].includes(ind.rateBase ?? 0), `${ind.code} rate base`);
  }
  t.same(lait.map((i) => i.code).sort(), Object.keys(LAIT_MEASURES_OF).sort(), 'the LAIT indicators');
  t.equal(indicator(committed, 'CLA_RATE').polarity, 'neutral');
  t.equal(indicator(committed, 'U18_CONCEPTION_RATE').rateBase, 1000);
  t.equal(indicator(committed, 'FTE_YOUTH_JUSTICE').rateBase, 100000);
  t.equal(indicator(committed, 'CLA_RATE').rateBase, 10000);
});

t.test('gap indicators: focus and comparison are Coventry, comparators hold comparison − focus', async (t) => {
  const ks4 = indicator(committed, 'KS4_ATT8_DISADV_GAP');
  t.match(ks4, { kind: 'gap', polarity: 'higher', focusLabel: 'Disadvantaged pupils', comparisonLabel: 'Other pupils', periodType: 'academic_year' });
  const at = (role: string) => seriesOf(ks4, role).observations.find((o) => o.period === '2023/24')?.value;
  t.equal(at('focus'), 36);
  t.equal(at('comparison'), 48);
  // England 2024: NonDAP 50.0 − DAP 34.6 = 15.4 (extract rows)
  const england = (code: string) => rows.find((r) => r.measureCode === code && r.laNumber === 970 && r.period === '2024')?.value ?? NaN;
  t.equal(at('england'), roundDecimals(england('NonDAP_KS4_ATT8') - england('DAP_KS4_ATT8'), 1));

  const eyfs = indicator(committed, 'EYFS_GLD_FSM_GAP');
  t.equal(seriesOf(eyfs, 'focus').observations[0].period, '2021/22', 'EYFS starts with the reformed profile');
  t.match(eyfs.definition, /2021\/22/);
});

t.test('the illustrative quarterly indicator', async (t) => {
  const illustrative = allIndicators(committed).filter((i) => i.source.illustrative);
  t.equal(illustrative.length, 1, 'exactly one');
  const ind = illustrative[0];
  t.match(ind, { periodType: 'fy_quarter', unit: 'percentage', polarity: 'lower', kind: 'single' });
  t.match(ind.source.text, /illustrative/i);
  t.match(ind.source.text, /not published/i);
  const local = seriesOf(ind, 'local').observations;
  t.equal(local.length, 18);
  t.equal(local[0].period, '2021-22 Q1');
  t.equal(local[local.length - 1].period, '2025-26 Q2');
  t.same(local.filter((o) => o.status === 'provisional').map((o) => o.period), ['2025-26 Q1', '2025-26 Q2'], 'the last two provisional');
  t.same(local.filter((o) => o.marker === 'c').map((o) => [o.period, o.value]), [['2023-24 Q3', null]], 'one quarter suppressed');
  t.ok(local.every((o) => o.value === null || (o.value > 15 && o.value < 30)), 'plausible values');
  // seasonality: Q1 above Q2 in every year with both
  const byPeriod = new Map(local.map((o) => [o.period, o.value]));
  for (const year of ['2021-22', '2022-23', '2023-24', '2024-25', '2025-26']) {
    t.ok((byPeriod.get(`${year} Q1`) ?? 0) > (byPeriod.get(`${year} Q2`) ?? Infinity), `${year}: Q1 > Q2`);
  }
  const target = seriesOf(ind, 'target').observations;
  t.ok(target.length >= local.length && target.every((o) => o.value !== null));
});
