// Reading a benchmark library release from disk: the shipped one in seeds/benchmark/ (lait-full.csv.gz, 641,070 rows,
// and its dictionary lait-full-measures.csv) or any file in the same long format, plain or gzip. The parsing is
// library.ts's; this module only streams records to it.
//
// The whole release is never held in memory or loaded into a database: the dictionary (434 measures) and the
// neighbour files are small and read once per process; a measure's rows are read when they are asked for, by
// streaming the gzip file and keeping only that measure's records (about half a second for the whole file, in
// chunks, so other requests are served in between). The last few measures read are kept.
import { createReadStream, existsSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import {
  areaKind,
  indexLait,
  LaitError,
  measurePeriods,
  parseLaitMeasures,
  parseStatisticalNeighbours,
  periodReport,
  periodReportLines,
  recordIsOpen,
  releaseColumns,
  releaseRow,
  splitCsvRecord,
  type LaitIndex,
  type LaitMeasure,
  type LaitRow,
  type MeasurePeriods,
  type PeriodReportEntry,
  type StatisticalNeighbourEntry,
} from './library.ts';

export const BENCHMARK_FOLDER = fileURLToPath(new URL('../../seeds/benchmark/', import.meta.url));
export const RELEASE_FILE = 'lait-full.csv.gz';
export const DICTIONARY_FILE = 'lait-full-measures.csv';

export const NEIGHBOUR_MODELS = [
  { key: '2021-04', label: 'April 2021', file: 'sn-april-2021.csv' },
  { key: '2025-05', label: 'May 2025', file: 'sn-may-2025.csv' },
] as const;

export const OGL = 'Open Government Licence v3.0';
export const OGL_URL = 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/';
export const OGL_ATTRIBUTION = 'Contains public sector information licensed under the Open Government Licence v3.0 (Department for Education).';

const isGzip = (bytes: Buffer) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * The records of a release file, one CSV record (possibly several lines) at a time, header first. Reads in chunks,
 * gunzipping when the file starts with the gzip magic number.
 */
export async function* releaseRecords(file: string): AsyncGenerator<string> {
  const head = Buffer.alloc(2);
  const handle = await open(file, 'r');
  try {
    await handle.read(head, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  const stream = isGzip(head) ? raw.pipe(createGunzip({ chunkSize: 256 * 1024 })) : raw;
  stream.setEncoding('utf8');
  let rest = '';
  let pending = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      pending = pending ? `${pending}\n${line}` : line;
      if (pending.includes('"') && recordIsOpen(pending)) continue;
      const record = pending.endsWith('\r') ? pending.slice(0, -1) : pending;
      pending = '';
      if (record !== '') yield record;
    }
    rest = text.slice(start);
  }
  const last = pending ? `${pending}\n${rest}` : rest;
  if (last.trim() !== '') yield last.replace(/\r$/, '');
}

/** The measure code of a record without splitting the rest (it is the first column in every layout we read). */
function firstField(record: string): string {
  if (record.startsWith('"')) return splitCsvRecord(record)[0]!;
  const comma = record.indexOf(',');
  return comma < 0 ? record : record.slice(0, comma);
}

/** The rows of the measures asked for, streamed from a release file (any other measure's records are skipped unparsed). */
export async function readMeasureRows(file: string, codes: ReadonlySet<string>): Promise<LaitRow[]> {
  const rows: LaitRow[] = [];
  let columns: ReturnType<typeof releaseColumns> | null = null;
  let firstIsCode = true;
  let line = 0;
  for await (const record of releaseRecords(file)) {
    line++;
    if (!columns) {
      columns = releaseColumns(splitCsvRecord(record));
      firstIsCode = columns.measure_code === 0;
      continue;
    }
    if (firstIsCode && !codes.has(firstField(record).trim())) continue;
    const fields = record.includes('"') ? splitCsvRecord(record) : record.split(',');
    if (!codes.has((fields[columns.measure_code] ?? '').trim())) continue;
    rows.push(releaseRow(fields, columns, line));
  }
  if (!columns) throw new LaitError('the release file is empty');
  return rows;
}

export interface AreaSummary {
  laNumber: number;
  name: string;
  region: string | null;
}

export interface ReleaseSummary {
  rows: number;
  /** By measure code: each period label with how many rows carry it. */
  labels: Map<string, Map<string, number>>;
  /** The measure name as the release writes it (empty where the release leaves it out). */
  names: Map<string, string>;
  /** Every local authority in the release, by name. */
  authorities: AreaSummary[];
}

/** One pass over a whole release: its measures, their period labels and its authorities. */
export async function summariseRelease(file: string): Promise<ReleaseSummary> {
  const labels = new Map<string, Map<string, number>>();
  const names = new Map<string, string>();
  const authorities = new Map<number, AreaSummary>();
  const areas = new Set<number>();
  let columns: ReturnType<typeof releaseColumns> | null = null;
  let line = 0;
  let rows = 0;
  for await (const record of releaseRecords(file)) {
    line++;
    // Most records have no quotes: a plain split is several times quicker than the quote-aware one.
    const fields = record.includes('"') ? splitCsvRecord(record) : record.split(',');
    if (!columns) {
      columns = releaseColumns(fields);
      continue;
    }
    rows++;
    // The values are not parsed here (reading a measure does that): only what says which measures, periods and areas there are.
    const code = (fields[columns.measure_code] ?? '').trim();
    const period = (fields[columns.period] ?? '').trim();
    let counts = labels.get(code);
    if (!counts) labels.set(code, (counts = new Map()));
    counts.set(period, (counts.get(period) ?? 0) + 1);
    if (columns.measure >= 0 && !names.get(code)) names.set(code, (fields[columns.measure] ?? '').trim());
    const laNumber = Number(fields[columns.la_number]);
    if (!areas.has(laNumber)) {
      areas.add(laNumber);
      const row = releaseRow(fields, columns, line);
      if (areaKind(row) === 'authority') authorities.set(row.laNumber, { laNumber: row.laNumber, name: row.areaName, region: row.region });
    }
  }
  if (!columns) throw new LaitError('the release file is empty');
  return { rows, labels, names, authorities: [...authorities.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}

/** A measure's rows, read from the release: indexed, with its periods mapped and its authorities. */
export interface LoadedMeasures {
  rows: LaitRow[];
  index: LaitIndex;
  periodsOf(code: string): MeasurePeriods;
  authorities: AreaSummary[];
}

function loaded(rows: LaitRow[], measures: ReadonlyMap<string, LaitMeasure>): LoadedMeasures {
  const index = indexLait(rows);
  const authorities = new Map<number, AreaSummary>();
  for (const r of rows) if (!authorities.has(r.laNumber) && areaKind(r) === 'authority') authorities.set(r.laNumber, { laNumber: r.laNumber, name: r.areaName, region: r.region });
  const periods = new Map<string, MeasurePeriods>();
  return {
    rows,
    index,
    authorities: [...authorities.values()].sort((a, b) => a.name.localeCompare(b.name)),
    periodsOf(code) {
      let mapped = periods.get(code);
      if (!mapped) {
        const measure = measures.get(code) ?? { code, yearType: '' };
        periods.set(code, (mapped = measurePeriods(measure, index.periodCounts(code))));
      }
      return mapped;
    },
  };
}

export interface BenchmarkLibrary {
  folder: string;
  releaseFile: string;
  /** The dictionary, in its order (a measure under two topics once). */
  measures: LaitMeasure[];
  byCode: Map<string, LaitMeasure>;
  models: { key: string; label: string; entries: StatisticalNeighbourEntry[] }[];
  /** The rows of these measures (read from the release, or from the last few kept). */
  load(codes: readonly string[]): Promise<LoadedMeasures>;
  /** One pass over the whole release (kept once made): period labels, authorities. */
  summary(): Promise<ReleaseSummary>;
  /** The measures with period labels that map to no period, and why (see measurePeriods). */
  periodReport(): Promise<PeriodReportEntry[]>;
}

/** How many measures' rows are kept between requests (a measure is at most ~10,000 rows). */
const KEEP_MEASURES = 40;

/**
 * The library in a folder: `lait-full.csv.gz` with `lait-full-measures.csv`, or, where an older checkout has only
 * them, `lait-extract.csv` with `lait-measures.csv`; with the neighbour files. Null when the folder has neither.
 */
export async function openLibrary(folder: string = BENCHMARK_FOLDER): Promise<BenchmarkLibrary | null> {
  const at = (name: string) => `${folder}${folder.endsWith('/') ? '' : '/'}${name}`;
  const [releaseName, dictionaryName] = existsSync(at(RELEASE_FILE)) && existsSync(at(DICTIONARY_FILE))
    ? [RELEASE_FILE, DICTIONARY_FILE]
    : existsSync(at('lait-extract.csv')) && existsSync(at('lait-measures.csv'))
      ? ['lait-extract.csv', 'lait-measures.csv']
      : [null, null];
  if (!releaseName || !dictionaryName) return null;
  const releaseFile = at(releaseName);
  const [dictionary, ...neighbourFiles] = await Promise.all([
    readFile(at(dictionaryName), 'utf8'),
    ...NEIGHBOUR_MODELS.map((m) => (existsSync(at(m.file)) ? readFile(at(m.file), 'utf8') : Promise.resolve(null))),
  ]);
  const measures = parseLaitMeasures(dictionary);
  const byCode = new Map(measures.map((m) => [m.code, m]));
  const models = NEIGHBOUR_MODELS.flatMap((m, i) => (neighbourFiles[i] ? [{ key: m.key, label: m.label, entries: parseStatisticalNeighbours(neighbourFiles[i]!) }] : []));

  const kept = new Map<string, LaitRow[]>();
  let summary: Promise<ReleaseSummary> | null = null;
  const library: BenchmarkLibrary = {
    folder,
    releaseFile,
    measures,
    byCode,
    models,
    async load(codes) {
      const wanted = [...new Set(codes)];
      const missing = wanted.filter((c) => !kept.has(c));
      if (missing.length) {
        const rows = await readMeasureRows(releaseFile, new Set(missing));
        const byMeasure = new Map<string, LaitRow[]>(missing.map((c) => [c, []]));
        for (const r of rows) byMeasure.get(r.measureCode)?.push(r);
        for (const [code, list] of byMeasure) {
          kept.delete(code);
          kept.set(code, list);
        }
        while (kept.size > Math.max(KEEP_MEASURES, wanted.length)) kept.delete(kept.keys().next().value!);
      }
      return loaded(wanted.flatMap((c) => kept.get(c) ?? []), byCode);
    },
    summary() {
      summary ??= summariseRelease(releaseFile).catch((error: unknown) => {
        summary = null;
        throw error;
      });
      return summary;
    },
    async periodReport() {
      return periodReport(measures, (await library.summary()).labels);
    },
  };
  return library;
}

const opened = new Map<string, { mtimeMs: number; library: Promise<BenchmarkLibrary | null> }>();

/** The library in a folder, opened once per process (again when its release file changes). */
export async function benchmarkLibrary(folder: string = BENCHMARK_FOLDER): Promise<BenchmarkLibrary | null> {
  const release = `${folder}${folder.endsWith('/') ? '' : '/'}${RELEASE_FILE}`;
  const mtimeMs = await stat(release).then((s) => s.mtimeMs).catch(() => 0);
  const seen = opened.get(folder);
  if (seen && seen.mtimeMs === mtimeMs) return seen.library;
  const library = openLibrary(folder).catch((error: unknown) => {
    opened.delete(folder);
    throw error;
  });
  opened.set(folder, { mtimeMs, library });
  return library;
}

/** The period report of the shipped release, or of another release file read against the shipped dictionary. */
export async function releasePeriodReport(file?: string, folder: string = BENCHMARK_FOLDER): Promise<string[]> {
  const library = await benchmarkLibrary(folder);
  if (!library) throw new LaitError(`There is no benchmark library in ${folder}`);
  const summary = file ? await summariseRelease(file) : await library.summary();
  const report = periodReport(library.measures, summary.labels);
  return [`${file ?? library.releaseFile}: ${summary.labels.size} measures, ${summary.rows} rows.`, ...periodReportLines(report, { measures: summary.labels.size, rows: summary.rows })];
}
