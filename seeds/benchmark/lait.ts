// The DfE Local Authority Interactive Tool (LAIT) extract, its data dictionary and the DfE children's services
// statistical neighbours, read into plain values. Pure functions: they take CSV text or parsed rows and never
// touch the file system, so the seed builder, the tests and a later importer all share them.
//
// What the files look like (see seeds/benchmark/README.md):
// - extract: `measure_code, area_name, la_number, region, period, value`, one row per measure × area × period,
//   including rows whose value is `-` (not available). England is la_number 970 (area_name "England"); the regions
//   are la_number 980–990 (including "London (Inner)" 987 and "London (Outer)" 988). Both have region "NA".
//   Local authorities carry their region in the `region` column, spelt slightly differently from the region rows
//   ("Inner London" / "Outer London" for London boroughs, "Yorkshire and The Humber" against "Yorkshire and the Humber").
// - measures: `measure_code, measure, chart_title, polarity (High/Low/-), year_type, y_axis, decimals (number or NA),
//   description, source_links`.
// - neighbours: two layouts. April 2021: `LA num, LA Name, LA number, GOInd, GOReg, SN1, SNP, …, SN10, SNP,` (a BOM,
//   a trailing comma on every line, and after the current authorities a block headed "Old SNs:" holding authorities
//   that no longer exist). May 2025: `old_la_code, la_name, region_ind, region_name, SN_1, SN_1P, …, SN_10, SN_10P`.

import { parse } from 'csv-parse/sync';
import { periodFromPosition } from '../../server/analysis/periods.ts';
import type { Period } from '../../server/analysis/periods.ts';

export type LaitPolarity = 'higher' | 'lower' | 'neutral';

export interface LaitValue {
  value: number | null;
  /** `x` (not available) when the extract has `-`; null when there is a value. */
  marker: null | 'x';
}

export interface LaitRow extends LaitValue {
  measureCode: string;
  areaName: string;
  laNumber: number;
  /** The `region` column; null where the extract says `NA` (England and the region rows themselves). */
  region: string | null;
  /** The period exactly as the extract writes it (`2024`, `2023/24`); see `laitPeriod` for the canonical one. */
  period: string;
  /** The value text as published, kept for audit and tests. */
  raw: string;
}

export interface LaitMeasure {
  code: string;
  measure: string;
  chartTitle: string;
  polarity: LaitPolarity;
  /** As written in the dictionary: `Academic Year`, `Financial Year`, `Calendar Year`, `Annual`. */
  yearType: string;
  yAxis: string;
  /** Display decimals from the dictionary; null where it says NA. */
  decimals: number | null;
  description: string;
  sourceLinks: string[];
}

export interface StatisticalNeighbour {
  laNumber: number;
  /** The closeness band as written ("Very Close", "Close", …), trimmed. */
  closeness: string;
}

export interface StatisticalNeighbourEntry {
  laNumber: number;
  laName: string;
  regionName: string;
  /** In order, SN1 (closest) first. */
  neighbours: StatisticalNeighbour[];
  /** True for rows in the April 2021 file's "Old SNs:" block (authorities since reorganised). */
  superseded: boolean;
}

export type AreaKind = 'england' | 'region' | 'authority';

export const ENGLAND_LA_NUMBER = 970;
/** The regions (and London's inner/outer split) use the 98x–990 range in the LAIT. */
export const REGION_LA_NUMBERS: readonly number[] = [980, 981, 982, 983, 984, 985, 986, 987, 988, 989, 990];

/**
 * With fewer neighbours than this reporting a value, the neighbour average is not shown: an average of, say, 3 of
 * 10 neighbours says more about which authorities happened to publish than about the group. Six is a majority of
 * the ten, and it tolerates the odd suppressed or missing neighbour without the line jumping about.
 */
export const MIN_NEIGHBOURS_WITH_VALUE = 6;

/** The 16–17 NEET measures: year_type says "Financial Year", but their period is not a financial year (see laitPeriod). */
export const NEET_MEASURE_CODES: readonly string[] = ['16-17 NEET', '16-17_not known_NEET'];

export class LaitError extends Error {
  override name = 'LaitError';
}

// ---- numbers ----

/** Round to `digits` significant digits: removes binary float noise (`10.199999999999999` → 10.2) and nothing else. */
export function roundSignificant(value: number, digits = 10): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/** Round half away from zero to `decimals` places, by decimal shifting so that 1.005 → 1.01 (not 1.00). */
export function roundDecimals(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const sign = value < 0 ? -1 : 1;
  const clean = roundSignificant(Math.abs(value), 15);
  const [mantissa, exponent] = clean.toExponential().split('e');
  const shifted = Math.round(Number(`${mantissa}e${Number(exponent) + decimals}`));
  const result = sign * Number(`${shifted}e${-decimals}`);
  return result === 0 ? 0 : result; // never -0
}

const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * A LAIT value as published → a number or a marker.
 * `-` (and an empty cell) means not available: value null, marker `x` — never 0.
 * Numbers may carry float noise (`10.199999999999999`) or be in scientific notation (`4.798E-2`). With `decimals`
 * the value is rounded to that many places; without, to 10 significant digits, which removes the noise but keeps
 * every digit DfE published (the permanent exclusion rate, dictionary decimals 2, is published as 0.14846).
 */
export function parseLaitValue(raw: string, decimals?: number | null): LaitValue {
  const text = raw.trim();
  if (text === '-' || text === '') return { value: null, marker: 'x' };
  if (!NUMBER_TEXT.test(text)) throw new LaitError(`"${raw}" is not a LAIT value: expected a number or "-"`);
  const n = Number(text);
  if (!Number.isFinite(n)) throw new LaitError(`"${raw}" is not a finite number`);
  const value = decimals == null ? roundSignificant(n, 10) : roundDecimals(n, decimals);
  return { value: value === 0 ? 0 : value, marker: null };
}

// ---- files ----

type Record_ = Record<string, string>;

function parseCsvRecords(csvText: string): Record_[] {
  return parse(csvText, { bom: true, columns: true, skip_empty_lines: true, trim: false }) as Record_[];
}

function parseCsvArrays(csvText: string): string[][] {
  return parse(csvText, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
}

function requireColumns(record: Record_ | undefined, columns: string[], what: string): void {
  if (!record) return;
  const missing = columns.filter((c) => !(c in record));
  if (missing.length > 0) throw new LaitError(`${what}: missing column(s) ${missing.join(', ')}`);
}

export function parseLaitExtract(csvText: string): LaitRow[] {
  const records = parseCsvRecords(csvText);
  requireColumns(records[0], ['measure_code', 'area_name', 'la_number', 'region', 'period', 'value'], 'LAIT extract');
  return records.map((r, i) => {
    const laNumber = Number(r.la_number);
    if (!Number.isInteger(laNumber)) throw new LaitError(`LAIT extract line ${i + 2}: la_number "${r.la_number}" is not a number`);
    const region = r.region.trim();
    return {
      measureCode: r.measure_code.trim(),
      areaName: r.area_name.trim(),
      laNumber,
      region: region === '' || region === 'NA' ? null : region,
      period: r.period.trim(),
      raw: r.value,
      ...parseLaitValue(r.value),
    };
  });
}

const POLARITY: Record<string, LaitPolarity> = { high: 'higher', low: 'lower', '-': 'neutral', '': 'neutral' };

export function parseLaitMeasures(csvText: string): LaitMeasure[] {
  const records = parseCsvRecords(csvText);
  requireColumns(
    records[0],
    ['measure_code', 'measure', 'chart_title', 'polarity', 'year_type', 'y_axis', 'decimals', 'description', 'source_links'],
    'LAIT measures',
  );
  return records.map((r) => {
    const polarity = POLARITY[r.polarity.trim().toLowerCase()];
    if (!polarity) throw new LaitError(`LAIT measure ${r.measure_code}: polarity "${r.polarity}" is not High, Low or -`);
    const decimalsText = r.decimals.trim();
    const decimals = decimalsText === '' || decimalsText.toUpperCase() === 'NA' ? null : Number(decimalsText);
    if (decimals !== null && !Number.isInteger(decimals)) {
      throw new LaitError(`LAIT measure ${r.measure_code}: decimals "${r.decimals}" is not a whole number or NA`);
    }
    return {
      code: r.measure_code.trim(),
      measure: r.measure.trim(),
      chartTitle: r.chart_title.trim(),
      polarity,
      yearType: r.year_type.trim(),
      yAxis: r.y_axis.trim(),
      decimals,
      description: normaliseText(r.description),
      sourceLinks: r.source_links.split(/[\s,;]+/).filter((s) => /^https?:\/\//.test(s)),
    };
  });
}

/** Line breaks as published are `\r\r\n` in places: make them `\n`, at most one blank line, no trailing spaces. */
function normaliseText(text: string): string {
  return text
    .replace(/\r+\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Either layout of the DfE statistical-neighbour file (see the top of this module). */
export function parseStatisticalNeighbours(csvText: string): StatisticalNeighbourEntry[] {
  const [header, ...lines] = parseCsvArrays(csvText);
  if (!header) return [];
  const names = header.map((h) => h.trim().toLowerCase());
  const laColumn = names.findIndex((n) => n === 'la num' || n === 'old_la_code');
  const nameColumn = names.findIndex((n) => n === 'la name' || n === 'la_name');
  const regionColumn = names.findIndex((n) => n === 'goreg' || n === 'region_name');
  // SN1 … SN10 / SN_1 … SN_10; the closeness is always the next column.
  const snColumns = names
    .map((n, index) => ({ index, match: /^sn_?(\d+)$/.exec(n) }))
    .filter((c): c is { index: number; match: RegExpExecArray } => c.match !== null)
    .sort((a, b) => Number(a.match[1]) - Number(b.match[1]))
    .map((c) => c.index);
  if (laColumn < 0 || nameColumn < 0 || snColumns.length === 0) {
    throw new LaitError('statistical neighbours: expected columns "LA num"/"old_la_code", "LA Name"/"la_name" and SN1…SN10');
  }
  const entries: StatisticalNeighbourEntry[] = [];
  let superseded = false;
  for (const cells of lines) {
    const at = (i: number) => (cells[i] ?? '').trim();
    if (cells.some((c) => /^old sns:?$/i.test(c.trim()))) {
      superseded = true;
      continue;
    }
    if (!/^\d+$/.test(at(laColumn))) continue; // blank separator rows
    entries.push({
      laNumber: Number(at(laColumn)),
      laName: at(nameColumn),
      regionName: regionColumn >= 0 ? at(regionColumn) : '',
      neighbours: snColumns
        .filter((i) => /^\d+$/.test(at(i)))
        .map((i) => ({ laNumber: Number(at(i)), closeness: at(i + 1) })),
      superseded,
    });
  }
  return entries;
}

/** The 10 neighbours (in order) of an authority; a current row wins over an "Old SNs" row. */
export function neighboursOf(entries: readonly StatisticalNeighbourEntry[], laNumber: number): number[] {
  const entry = entries.find((e) => e.laNumber === laNumber && !e.superseded) ?? entries.find((e) => e.laNumber === laNumber);
  if (!entry) throw new LaitError(`no statistical neighbours for LA number ${laNumber}`);
  return entry.neighbours.map((n) => n.laNumber);
}

// ---- periods ----

/**
 * A LAIT period → the canonical period (server/analysis/periods.ts):
 * - `2023/24` (how TotPermEx and TotFixedEx are published) → academic year 2023/24 as is;
 * - Academic Year measures published as a single year: `2024` is the academic year ending in summer 2024 → `2023/24`;
 * - Calendar Year measures (Under18concep, FirstYJS): `2024` → `2024`;
 * - the 16–17 NEET measures: the dictionary says "Financial Year", but the figure is the average of December,
 *   January and February around the turn of the year, and DfE labels it by the year of January/February
 *   (`2024` = Dec 2023–Feb 2024, "the end of 2023/start of 2024"). That is not April–March, and two of its three
 *   months fall in the labelled year, so we keep DfE's label as a calendar year: `2024` → `2024`;
 * - Financial Year (CareLeaversNEET: activity in the year ending 31 March) and Annual (LAC: a snapshot on 31 March):
 *   `2025` → financial year `2024-25`, the year ending on that 31 March, as DfE's children looked after release does.
 */
export function laitPeriod(measure: Pick<LaitMeasure, 'code' | 'yearType'>, period: string): Period {
  const text = period.trim();
  const span = /^(\d{4})([/-])(\d{2})$/.exec(text);
  if (span) {
    const start = Number(span[1]);
    if ((start + 1) % 100 !== Number(span[3])) throw new LaitError(`LAIT period "${period}": the years are not consecutive`);
    return periodFromPosition(span[2] === '/' ? 'academic_year' : 'financial_year', start);
  }
  if (!/^\d{4}$/.test(text)) throw new LaitError(`LAIT period "${period}" is neither a year (2024) nor a span (2023/24)`);
  const year = Number(text);
  if (NEET_MEASURE_CODES.includes(measure.code)) return periodFromPosition('calendar_year', year);
  switch (measure.yearType.toLowerCase()) {
    case 'academic year': return periodFromPosition('academic_year', year - 1);
    case 'calendar year': return periodFromPosition('calendar_year', year);
    case 'financial year':
    case 'annual': return periodFromPosition('financial_year', year - 1);
    default: throw new LaitError(`LAIT measure ${measure.code}: unknown year_type "${measure.yearType}"`);
  }
}

// ---- areas ----

export function areaKind(row: Pick<LaitRow, 'laNumber' | 'areaName' | 'region'>): AreaKind {
  if (row.laNumber === ENGLAND_LA_NUMBER || row.areaName === 'England') return 'england';
  if (REGION_LA_NUMBERS.includes(row.laNumber) || row.region === null) return 'region';
  return 'authority';
}

function normaliseRegionName(name: string): string {
  const n = name.trim().toLowerCase().replace(/\s+/g, ' ');
  // London boroughs say Inner/Outer London; the comparator is the London region as a whole.
  if (n === 'inner london' || n === 'outer london') return 'london';
  return n;
}

/** The region row (la_number and area_name) of an authority, matched from its `region` column. */
export function regionOf(rows: readonly LaitRow[], laNumber: number): { laNumber: number; areaName: string } {
  const own = rows.find((r) => r.laNumber === laNumber && areaKind(r) === 'authority');
  if (!own || own.region === null) throw new LaitError(`LA number ${laNumber} is not an authority in the extract`);
  const wanted = normaliseRegionName(own.region);
  const region = rows.find((r) => areaKind(r) === 'region' && normaliseRegionName(r.areaName) === wanted);
  if (!region) throw new LaitError(`no region row for "${own.region}"`);
  return { laNumber: region.laNumber, areaName: region.areaName };
}

// ---- lookups and comparators ----

export interface LaitIndex {
  get(measureCode: string, laNumber: number, period: string): LaitRow | undefined;
  /** The periods of a measure as written in the extract, in order. */
  periods(measureCode: string): string[];
}

export function indexLait(rows: readonly LaitRow[]): LaitIndex {
  const byKey = new Map<string, LaitRow>();
  const periods = new Map<string, Set<string>>();
  for (const row of rows) {
    byKey.set(`${row.measureCode}\u0000${row.laNumber}\u0000${row.period}`, row);
    let set = periods.get(row.measureCode);
    if (!set) periods.set(row.measureCode, (set = new Set()));
    set.add(row.period);
  }
  return {
    get: (measureCode, laNumber, period) => byKey.get(`${measureCode}\u0000${laNumber}\u0000${period}`),
    periods: (measureCode) => [...(periods.get(measureCode) ?? [])].sort(),
  };
}

export interface NeighbourAverage {
  /** Mean of the neighbours' values; null when fewer than `minWithValue` neighbours have one. */
  value: number | null;
  /** How many neighbours had a value. */
  withValue: number;
  /** How many neighbours there are (10 in the DfE model). */
  neighbours: number;
}

/** Mean of the non-null values, or null when fewer than `minWithValue` of them are present. Unrounded. */
export function meanOfAvailable(values: readonly (number | null)[], minWithValue = MIN_NEIGHBOURS_WITH_VALUE): NeighbourAverage {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const value = present.length === 0 || present.length < minWithValue ? null : present.reduce((s, v) => s + v, 0) / present.length;
  return { value, withValue: present.length, neighbours: values.length };
}

/**
 * The statistical-neighbour average of a measure for an authority and period (period as written in the extract):
 * the mean of the neighbours' non-null values — missing (`-`) values are skipped, never counted as 0 — or null when
 * fewer than MIN_NEIGHBOURS_WITH_VALUE (6) of the 10 neighbours have a value. Unrounded.
 */
export function neighbourAverage(
  index: LaitIndex,
  neighbourSets: readonly StatisticalNeighbourEntry[],
  laNumber: number,
  measureCode: string,
  period: string,
  minWithValue = MIN_NEIGHBOURS_WITH_VALUE,
): NeighbourAverage {
  const values = neighboursOf(neighbourSets, laNumber).map((n) => index.get(measureCode, n, period)?.value ?? null);
  return meanOfAvailable(values, minWithValue);
}

export interface AuthorityValue extends LaitValue {
  laNumber: number;
  areaName: string;
  region: string | null;
}

/**
 * Every local authority's value for a measure and period (England and the regions left out), in la_number order,
 * for rank and quartile. Authorities with no value are included with value null and marker `x`; so are authorities
 * that have since been reorganised (e.g. Northamptonshire, Cumbria), which are null in the years after.
 */
export function authorityValues(rows: readonly LaitRow[], measureCode: string, period: string): AuthorityValue[] {
  return rows
    .filter((r) => r.measureCode === measureCode && r.period === period && areaKind(r) === 'authority')
    .map((r) => ({ laNumber: r.laNumber, areaName: r.areaName, region: r.region, value: r.value, marker: r.marker }))
    .sort((a, b) => a.laNumber - b.laNumber);
}
