// The benchmark module (server/benchmark/): period forms of the whole LAIT library mapped to our periods, or reported
// by measure; the release read as a stream (plain or gzip); the dictionary merged and searched. Real rows: a slice in
// test/fixtures/benchmark/ (source and licence there) and the shipped seeds/benchmark/ files.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  laitPeriod,
  LaitError,
  libraryPeriod,
  measurePeriods,
  parseLaitExtract,
  parseLaitMeasures,
  periodReport,
  periodReportLines,
  searchMeasures,
  splitCsvRecord,
} from '../../server/benchmark/library.ts';
import { benchmarkLibrary, readMeasureRows, releasePeriodReport, summariseRelease } from '../../server/benchmark/release-file.ts';

const SLICE = fileURLToPath(new URL('../fixtures/benchmark/lait-slice.csv', import.meta.url));
const measure = (code: string, yearType: string) => ({ code, yearType });

t.test('every period form of the library maps to one of our periods, with its status and what the label adds', async (t) => {
  const at = (m: { code: string; yearType: string }, label: string) => {
    const r = libraryPeriod(m, label);
    return r.ok ? { label: r.period.label, type: r.period.type, status: r.status, note: r.note } : { reason: r.reason };
  };
  t.match(at(measure('A3A', 'Academic Year'), '2016'), { label: '2015/16', type: 'academic_year', status: 'final', note: '' }, 'an academic year published as the year it ends');
  t.match(at(measure('A3A', 'Academic Year'), '2018 (Rev)'), { label: '2017/18', status: 'revised' });
  t.match(at(measure('A3A', 'Academic Year'), '2020 (Final)'), { label: '2019/20', status: 'final' });
  t.match(at(measure('KS1P_all', 'Academic Year'), '2025 (prov)'), { label: '2024/25', status: 'provisional' }, 'provisional looks provisional');
  t.match(at(measure('TotPermEx', 'Academic Year'), '2023/24'), { label: '2023/24', type: 'academic_year' });
  t.match(at(measure('HE_19_FSM', 'Academic Year'), '2015-16'), { label: '2015/16', type: 'academic_year' }, 'a hyphen does not make an academic measure financial');
  t.match(at(measure('Premium', 'Financial Year'), '2016-17'), { label: '2016-17', type: 'financial_year' });
  t.match(at(measure('LACFinance', 'Financial Year'), '2016-17 (OT)'), { label: '2016-17', type: 'financial_year', status: 'final', note: 'Outturn.' });
  t.match(at(measure('CIN', 'Annual'), '2025'), { label: '2024-25', type: 'financial_year' }, 'a 31 March snapshot is the year ending then');
  t.match(at(measure('SEN_CASES_JAN', 'Annual - January'), '2024'), { label: '2023/24', type: 'academic_year' }, 'the January census is in the academic year');
  t.match(at(measure('Work_Force_NoSW', 'Annual (end of Sept)'), '2024'), { label: '2024', type: 'calendar_year' }, 'a 30 September snapshot is its calendar year');
  t.match(at(measure('16-17 NEET', 'Financial Year'), '2024'), { label: '2024', type: 'calendar_year' }, 'NEET: DfE labels the Dec–Feb average by its January');
  t.match(at(measure('RTA', 'Calendar Year'), '2014-16'), { label: '2016', type: 'calendar_year', note: 'Three years together, 2014 to 2016 (published as 2014-16).' }, 'a rolling span goes at its last year and says so');
  t.match(at(measure('Hosp_Adm_Alc_<18yrs', 'Financial Year'), '2013/14-15/16'), { label: '2015-16', type: 'financial_year', note: /Three years together, 2013-14 to 2015-16/ });
  t.match(at(measure('X', 'Academic Year'), '2019/20-21/22'), { label: '2021/22', type: 'academic_year' });
  t.match(at(measure('X', 'Financial Year'), '2021-23 (OT)'), { label: '2022-23', note: /Three years together, 2021 to 2023 \(published as 2021-23\)\. Outturn\./ });
  t.match(at(measure('CINPermExclusion', 'Academic Year'), '0'), { reason: /placeholder for rows with no figures/ }, 'period 0 is not understood');
  t.match(at(measure('LAC', 'Annual'), '2024/26'), { reason: /neither two consecutive years/ });
  t.match(at(measure('X', 'Fortnightly'), '2024'), { reason: /year type "Fortnightly"/ });
  t.match(at(measure('X', 'Academic Year'), 'Autumn 2024'), { reason: /not a period form we know/ });
  t.throws(() => laitPeriod(measure('X', 'Fortnightly'), '2024'), LaitError, 'the throwing form for the seed builders');
});

t.test('one measure\'s labels: one type, time order, and anything else reported rather than dropped', async (t) => {
  const a3a = measurePeriods(measure('A3A', 'Academic Year'), ['2025 (Rev)', '2016', '2020 (Final)', '2018 (Rev)']);
  t.same(a3a.periods.map((p) => p.period.label), ['2015/16', '2017/18', '2019/20', '2024/25'], 'in time order, not text order');
  const clash = measurePeriods(measure('X', 'Academic Year'), new Map([['2023', 10], ['2023 (Rev)', 10], ['2022', 10], ['0', 3]]));
  t.same(clash.periods.map((p) => [p.label, p.period.label]), [['2022', '2021/22'], ['2023 (Rev)', '2022/23']], 'the revision wins');
  t.same(clash.notUnderstood.map((n) => [n.label, n.rows]), [['0', 3], ['2023', 10]], 'the loser and period 0 are reported, with their rows');
  const mixed = measurePeriods(measure('X', 'Calendar Year'), ['2020', '2021', '2022', '2021/22']);
  t.same(mixed.periods.map((p) => p.period.label), ['2020', '2021', '2022']);
  t.match(mixed.notUnderstood, [{ label: '2021/22', reason: /academic year, where the measure's other periods are calendar years/ }]);
});

t.test('a release streamed from disk, plain or gzip: quoted names, a name over two lines, every row', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lait-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const text = await readFile(SLICE, 'utf8');
  const gz = path.join(dir, 'slice.csv.gz');
  await writeFile(gz, gzipSync(text));
  const whole = parseLaitExtract(text);
  t.equal(whole.length, 708, 'csv-parse reads 708 rows (715 lines: names over two lines)');
  for (const file of [SLICE, gz]) {
    const summary = await summariseRelease(file);
    t.equal(summary.rows, 708, `${path.basename(file)}: every row`);
    t.equal(summary.labels.size, 13);
    t.same(summary.authorities.map((a) => a.name), ['Bournemouth, Christchurch and Poole', 'Bristol, City of', 'Coventry'], 'quoted names with commas');
    t.match(summary.names.get('Work_Force_AvgNumCase_SW'), /^Average number of cases per children and family social worker \(based on FTE counts\)\s*\nFrom this year 2017/, 'a name over two lines');
    const rows = await readMeasureRows(file, new Set(['CIN', 'Work_Force_AvgNumCase_SW']));
    t.same(rows, whole.filter((r) => r.measureCode === 'CIN' || r.measureCode === 'Work_Force_AvgNumCase_SW'), 'the same rows as a full parse');
  }
  const cin = whole.filter((r) => r.measureCode === 'CIN' && r.laNumber === 331).map((r) => [r.period, r.value]);
  t.same(cin.slice(0, 3), [['2016', 491.1], ['2017', 477.7], ['2018', 477.1]], "Coventry's children-in-need rate as published");
  const a3a = whole.find((r) => r.measureCode === 'A3A' && r.laNumber === 331 && r.period === '2020 (Final)');
  t.match(a3a, { value: 17.1, raw: '17.100000000000001' }, 'float noise removed');
  t.ok(whole.some((r) => r.marker === 'x' && r.value === null), '`-` is not available, never 0');
  t.same(splitCsvRecord('a,"b, ""c""",,d'), ['a', 'b, "c"', '', 'd']);
  t.same(splitCsvRecord('a,b,'), ['a', 'b', '']);
  await writeFile(path.join(dir, 'bad.csv'), 'measure_code,area_name,period,value\nX,Y,2020,1\n');
  await t.rejects(summariseRelease(path.join(dir, 'bad.csv')), { message: /missing column\(s\) la_number, region/ });
});

t.test('the shipped library: 434 measures, each period understood or reported by measure', async (t) => {
  const library = (await benchmarkLibrary())!;
  t.equal(library.measures.length, 434, 'the 448 dictionary rows are 434 measures');
  const cinExclusion = library.byCode.get('CINPermExclusion')!;
  t.same(cinExclusion.topics, ['Children in Need', 'All Pupil Absence & Exclusions'], 'a measure under two topics keeps both');
  t.match(library.byCode.get('A3A'), { polarity: 'higher', decimals: 1, yearType: 'Academic Year', sourceLinks: [/^https:\/\/explore-education-statistics/] });
  t.match(library.byCode.get('A3A')!.lastUpdate, /^\d{4}-\d{2}-\d{2}$/, 'Excel serials as dates');
  const report = await library.periodReport();
  t.same(report.map((e) => e.code), ['CINPermExclusion'], 'only one measure has a period we do not understand');
  t.match(report[0], { understood: 9, notUnderstood: [{ label: '0', rows: 170 }] });
  const lines = await releasePeriodReport();
  t.match(lines.join('\n'), /434 measures, 641070 rows\.\n433 of 434 measures have every period understood; 1 have periods that are not \(170 of 641070 rows/);
  t.match(lines.join('\n'), /CINPermExclusion \(Children in need with at least one permanent exclusion \(%\)\): 9 periods understood\n {2}"0" — period 0/);
  t.same(periodReportLines(periodReport([], new Map()), { measures: 0, rows: 0 }), ['Every period of all 0 measures is understood (0 rows).']);
  const summary = await library.summary();
  const forms = new Set([...summary.labels.values()].flatMap((m) => [...m.keys()]).map((l) => l.replace(/\d/g, '9')));
  t.same([...forms].sort(), ['9', '9999', '9999 (Final)', '9999 (Rev)', '9999 (prov)', '9999-99', '9999-99 (OT)', '9999/99', '9999/99-99/99'], 'every period form in the file is covered above');
});

t.test('the dictionary, searched by name, description and topic', async (t) => {
  const library = (await benchmarkLibrary())!;
  const codes = (q: string) => searchMeasures(library.measures, q).map((m) => m.code);
  t.equal(codes('children in need rate')[0], 'CIN');
  t.ok(codes('progress 8').includes('CINProgKS2-4_Avg_Prog8'));
  t.same(codes('reoffending'), codes('re-offending'), 'with or without the hyphen');
  t.ok(codes('reoffending').includes('ReoffYO15-17'));
  t.ok(codes('Children\'s Service Finance').includes('LACFinance'), 'by topic');
  t.ok(codes('National Child Measurement Programme').includes('ExcessYr6'), 'by description');
  t.equal(codes('').length, 434, 'no words: every measure');
  t.same(codes('zzzz no such measure'), []);
  const small = parseLaitMeasures('measure_code,measure,chart_title,polarity,year_type,y_axis,decimals,description,source_links\nX,Thing,Thing (%),NA,Academic Year,%,NA,d,https://a.example https://b.example\n');
  t.match(small[0], { polarity: 'neutral', decimals: null, topics: [], sourceLinks: ['https://a.example', 'https://b.example'] }, 'the 22-measure dictionary layout still reads');
});

t.test('the CLI prints the period report, for the shipped release or another file', async (t) => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['DATABASE_URL', 'DATA_DIR', 'NODE_OPTIONS'].includes(k)) env[k] = v;
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { cwd: root, env });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const slice = await run(['benchmark', 'periods', '--release', SLICE]);
  t.equal(slice.status, 0, slice.stderr);
  t.match(slice.stdout, /lait-slice\.csv: 13 measures, 708 rows\.\n12 of 13 measures have every period understood; 1 have periods that are not \(6 of 708 rows/);
  t.match(slice.stdout, /CINPermExclusion .*\n {2}"0" — period 0 is the release’s placeholder for rows with no figures \(6 rows\)/);
  const missing = await run(['benchmark', 'periods', '--release', '/no/such/file.csv']);
  t.equal(missing.status, 1);
  t.match(missing.stderr, /no such file/i);
});
