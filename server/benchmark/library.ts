// The benchmark library (the DfE Local Authority Interactive Tool, LAIT) read into plain values: a release's rows,
// its data dictionary, the DfE children's services statistical neighbours, canonical periods, England / region /
// neighbour series and every authority's values. Pure functions over text and parsed rows — no file system; the
// few lines that read the shipped files are in release-file.ts. docs/method.md, "Periods and markers", says how a
// period is written; this module says how each LAIT period form becomes one.
//
// What the files look like (seeds/benchmark/README.md):
// - a release, "long" format: `measure_code, measure, period, area_name, la_number, region, value` (the 22-measure
//   extract has no `measure` column and its columns in another order: columns are found by name). One row per
//   measure × area × period, including rows whose value is `-` (not available). England is la_number 970; the
//   regions 980–990 (London (Inner) 987 and London (Outer) 988 among them) with region `NA`. Authorities carry
//   their region, spelt slightly differently ("Inner London" / "Outer London", "Yorkshire and The Humber").
//   Quoted fields may hold commas and line breaks (a measure name in the release spans two lines).
// - the dictionary: `measure_code, topic, measure, chart_title, polarity (High/Low/-/NA), y_axis, decimals (number or
//   NA), year_type, no_quartile, state_funded, description, methodology, source_links, last_update_excel_serial,
//   next_update_excel_serial` (the 22-measure dictionary has a subset). A measure listed under two topics appears
//   twice: the rows are merged, keeping both topics.
// - neighbours: two layouts. April 2021: `LA num, LA Name, LA number, GOInd, GOReg, SN1, SNP, …, SN10, SNP,` (a BOM,
//   a trailing comma on every line, and after the current authorities a block headed "Old SNs:" holding authorities
//   that no longer exist). May 2025: `old_la_code, la_name, region_ind, region_name, SN_1, SN_1P, …, SN_10, SN_10P`.

import { parse } from 'csv-parse/sync';
import { periodFromPosition, type Period, type PeriodType } from '../analysis/periods.ts';

export type LaitPolarity = 'higher' | 'lower' | 'neutral';
export type LibraryStatus = 'provisional' | 'revised' | 'final';

export interface LaitValue {
  value: number | null;
  /** `x` (not available) when the release has `-`; null when there is a value. */
  marker: null | 'x';
}

export interface LaitRow extends LaitValue {
  measureCode: string;
  areaName: string;
  laNumber: number;
  /** The `region` column; null where the release says `NA` (England and the region rows themselves). */
  region: string | null;
  /** The period exactly as the release writes it (`2024`, `2023/24`, `2023 (Rev)`); see `libraryPeriod`. */
  period: string;
  /** The value text as published, kept for audit and tests. */
  raw: string;
}

export interface LaitMeasure {
  code: string;
  measure: string;
  chartTitle: string;
  polarity: LaitPolarity;
  /** As written in the dictionary: `Academic Year`, `Financial Year`, `Calendar Year`, `Annual`, `Annual - January`, `Annual (end of Sept)`. */
  yearType: string;
  yAxis: string;
  /** Display decimals from the dictionary; null where it says NA. */
  decimals: number | null;
  description: string;
  sourceLinks: string[];
  /** The dictionary's topics (a measure may sit under two); empty for the 22-measure dictionary. */
  topics: string[];
  methodology: string;
  /** True where the dictionary says no quartile should be shown (`no_quartile` = N… as LAIT reads it). */
  noQuartile: boolean;
  /** ISO dates from the dictionary's Excel serials; null when not given. */
  lastUpdate: string | null;
  nextUpdate: string | null;
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

/** The 16–17 NEET measures: year_type says "Financial Year", but their period is not a financial year (see libraryPeriod). */
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

// ---- CSV ----

type Record_ = Record<string, string>;

function parseCsvRecords(csvText: string): Record_[] {
  return parse(csvText, { bom: true, columns: true, skip_empty_lines: true, trim: false }) as Record_[];
}

function parseCsvArrays(csvText: string): string[][] {
  return parse(csvText, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
}

/**
 * One CSV record (possibly spanning lines) into its fields: quotes around a field, `""` for a quote inside one.
 * For streaming a release record by record, where a full CSV parser per record would cost more than the reading.
 */
export function splitCsvRecord(record: string): string[] {
  const fields: string[] = [];
  let i = 0;
  const n = record.length;
  for (;;) {
    if (record[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) throw new LaitError('a quoted field is not closed');
        value += record.slice(i, q);
        if (record[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      const comma = record.indexOf(',', i);
      fields.push(record.slice(i, comma < 0 ? n : comma));
      i = comma < 0 ? n : comma;
    }
    if (i >= n) break;
    if (record[i] !== ',') throw new LaitError('a quoted field is followed by something other than a comma');
    i++;
    if (i === n) {
      fields.push('');
      break;
    }
  }
  return fields;
}

/** True while a record's text has an odd number of quotes: it continues on the next line. */
export function recordIsOpen(text: string): boolean {
  let quotes = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) quotes++;
  return quotes % 2 === 1;
}

export const RELEASE_COLUMNS = ['measure_code', 'area_name', 'la_number', 'region', 'period', 'value'] as const;

/** Where each column of a release is, from its header; throws naming the missing ones. */
export function releaseColumns(header: readonly string[]): Record<(typeof RELEASE_COLUMNS)[number], number> & { measure: number } {
  const names = header.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim().toLowerCase());
  const at = (name: string) => names.indexOf(name);
  const missing = RELEASE_COLUMNS.filter((c) => at(c) < 0);
  if (missing.length) throw new LaitError(`LAIT release: missing column(s) ${missing.join(', ')}`);
  return {
    measure_code: at('measure_code'),
    area_name: at('area_name'),
    la_number: at('la_number'),
    region: at('region'),
    period: at('period'),
    value: at('value'),
    measure: at('measure'),
  };
}

/** A release's row from its fields (see releaseColumns); `line` names it in an error. */
export function releaseRow(fields: readonly string[], columns: ReturnType<typeof releaseColumns>, line: number): LaitRow {
  const cell = (i: number) => fields[i] ?? '';
  const laNumber = Number(cell(columns.la_number));
  if (!Number.isInteger(laNumber) || cell(columns.la_number).trim() === '') {
    throw new LaitError(`LAIT release line ${line}: la_number "${cell(columns.la_number)}" is not a number`);
  }
  const region = cell(columns.region).trim();
  let parsed: LaitValue;
  try {
    parsed = parseLaitValue(cell(columns.value));
  } catch (error) {
    if (error instanceof LaitError) throw new LaitError(`LAIT release line ${line}: ${error.message}`);
    throw error;
  }
  return {
    measureCode: cell(columns.measure_code).trim(),
    areaName: cell(columns.area_name).trim(),
    laNumber,
    region: region === '' || region === 'NA' ? null : region,
    period: cell(columns.period).trim(),
    raw: cell(columns.value),
    ...parsed,
  };
}

/** A whole release (or the 22-measure extract) held as text. For a big release, stream it (release-file.ts). */
export function parseLaitExtract(csvText: string): LaitRow[] {
  const arrays = parseCsvArrays(csvText);
  const [header, ...lines] = arrays;
  if (!header) return [];
  const columns = releaseColumns(header);
  return lines.map((fields, i) => releaseRow(fields, columns, i + 2));
}

const POLARITY: Record<string, LaitPolarity> = { high: 'higher', low: 'lower', '-': 'neutral', '': 'neutral', na: 'neutral' };

/** An Excel day serial (days since 1899-12-30) as an ISO date; null when not a number. */
export function excelSerialDate(text: string | undefined): string | null {
  const serial = Number((text ?? '').trim());
  if (!text || !text.trim() || !Number.isFinite(serial) || serial <= 0) return null;
  return new Date(Date.UTC(1899, 11, 30) + Math.round(serial) * 86_400_000).toISOString().slice(0, 10);
}

/** The dictionary: the 22-measure one or the whole library's (434 measures; a measure under two topics merged into one). */
export function parseLaitMeasures(csvText: string): LaitMeasure[] {
  const records = parseCsvRecords(csvText);
  const required = ['measure_code', 'measure', 'chart_title', 'polarity', 'year_type', 'y_axis', 'decimals', 'description', 'source_links'];
  const missing = records[0] ? required.filter((c) => !(c in records[0]!)) : [];
  if (missing.length) throw new LaitError(`LAIT measures: missing column(s) ${missing.join(', ')}`);
  const byCode = new Map<string, LaitMeasure>();
  for (const r of records) {
    const code = r.measure_code!.trim();
    const polarity = POLARITY[r.polarity!.trim().toLowerCase()];
    if (!polarity) throw new LaitError(`LAIT measure ${code}: polarity "${r.polarity}" is not High, Low or -`);
    const decimalsText = r.decimals!.trim();
    const decimals = decimalsText === '' || decimalsText.toUpperCase() === 'NA' ? null : Number(decimalsText);
    if (decimals !== null && !Number.isInteger(decimals)) {
      throw new LaitError(`LAIT measure ${code}: decimals "${r.decimals}" is not a whole number or NA`);
    }
    const topic = (r.topic ?? '').trim();
    const seen = byCode.get(code);
    if (seen) {
      // The same measure under a second topic: one measure, both topics.
      if (topic && !seen.topics.includes(topic)) seen.topics.push(topic);
      continue;
    }
    byCode.set(code, {
      code,
      measure: normaliseText(r.measure!).replace(/\s+/g, ' '),
      chartTitle: r.chart_title!.trim(),
      polarity,
      yearType: r.year_type!.trim(),
      yAxis: r.y_axis!.trim(),
      decimals,
      description: normaliseText(r.description!),
      sourceLinks: r.source_links!.split(/[\s,;]+/).filter((s) => /^https?:\/\//.test(s)),
      topics: topic ? [topic] : [],
      methodology: normaliseText(r.methodology ?? ''),
      noQuartile: /^n/i.test((r.no_quartile ?? '').trim()) && (r.no_quartile ?? '').trim().toUpperCase() !== 'NA',
      lastUpdate: excelSerialDate(r.last_update_excel_serial),
      nextUpdate: excelSerialDate(r.next_update_excel_serial),
    });
  }
  return [...byCode.values()];
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

export type LibraryPeriod =
  | {
      ok: true;
      period: Period;
      /** The figure's status: `(prov)` provisional, `(Rev)` revised, otherwise (`(Final)`, `(OT)` outturn, none) final. */
      status: LibraryStatus;
      /** What the published label says that the canonical period does not (a multi-year span, an outturn); '' if nothing. */
      note: string;
    }
  | { ok: false; reason: string };

const SUFFIX_STATUS: Record<string, { status: LibraryStatus; note: string }> = {
  prov: { status: 'provisional', note: '' },
  rev: { status: 'revised', note: '' },
  final: { status: 'final', note: '' },
  ot: { status: 'final', note: 'Outturn.' },
};

const YEAR_WORDS = ['', 'one', 'Two', 'Three', 'Four', 'Five', 'Six'];

/** The canonical type of a single-year label (`2024`) by the measure's year type; null for a year type we do not know. */
function yearPeriodType(measure: Pick<LaitMeasure, 'code' | 'yearType'>): { type: PeriodType; shift: number } | null {
  if (NEET_MEASURE_CODES.includes(measure.code)) return { type: 'calendar_year', shift: 0 };
  switch (measure.yearType.trim().toLowerCase()) {
    case 'academic year':
    case 'annual - january':
      return { type: 'academic_year', shift: -1 };
    case 'calendar year':
    case 'annual (end of sept)':
      return { type: 'calendar_year', shift: 0 };
    case 'financial year':
    case 'annual':
      return { type: 'financial_year', shift: -1 };
    default:
      return null;
  }
}

/** The canonical type of a two-year label (`2023/24`, `2023-24`): the measure's year type where it is a span, else the separator. */
function spanPeriodType(measure: Pick<LaitMeasure, 'code' | 'yearType'>, separator: string): PeriodType {
  const single = yearPeriodType(measure);
  if (single && single.type !== 'calendar_year') return single.type;
  return separator === '/' ? 'academic_year' : 'financial_year';
}

const century = (start: number, twoDigits: number) => {
  const end = Math.floor(start / 100) * 100 + twoDigits;
  return end < start ? end + 100 : end;
};

/**
 * A LAIT period label → a canonical period (server/analysis/periods.ts) with the figure's status, or why not.
 * - `2023/24`, `2023-24` (two consecutive years): the measure's academic or financial year as written; for a
 *   calendar-year measure, `/` is an academic year and `-` a financial year;
 * - `2024` by the dictionary's year type: Academic Year and Annual - January (the January school census) → the
 *   academic year ending in summer 2024, `2023/24`; Calendar Year and Annual (end of Sept) (a 30 September
 *   snapshot) → `2024`; Financial Year (activity in the year ending 31 March) and Annual (a 31 March snapshot, as
 *   children looked after) → `2024-25`'s predecessor `2023-24`, the year ending on that 31 March;
 * - the 16–17 NEET measures: the dictionary says "Financial Year", but the figure is the average of December,
 *   January and February around the turn of the year, and DfE labels it by the year of January/February
 *   (`2024` = Dec 2023–Feb 2024). That is not April–March, and two of its three months fall in the labelled year, so
 *   we keep DfE's label as a calendar year: `2024` → `2024`;
 * - `(prov)`, `(Rev)`, `(Final)` and `(OT)` (outturn) after any of these set the figure's status;
 * - a span of several years — `2014-16` (three calendar years), `2013/14-15/16` (three academic or financial years) —
 *   is a rolling figure: it goes at its last year, and the note says which years it covers;
 * - anything else (`0`, which the release uses for a measure with no data, or `2024/26`) is not understood: the caller
 *   reports it by measure rather than dropping it.
 */
export function libraryPeriod(measure: Pick<LaitMeasure, 'code' | 'yearType'>, label: string): LibraryPeriod {
  const text = label.trim().replace(/\s+/g, ' ');
  const suffix = /^(.*?) ?\((prov|rev|final|ot)\)$/i.exec(text);
  const body = suffix ? suffix[1]!.trim() : text;
  const { status, note: suffixNote } = suffix ? SUFFIX_STATUS[suffix[2]!.toLowerCase()]! : { status: 'final' as const, note: '' };
  const made = (type: PeriodType, position: number, note = ''): LibraryPeriod => {
    try {
      return { ok: true, period: periodFromPosition(type, position), status, note: [note, suffixNote].filter(Boolean).join(' ') };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  };
  if (/^0+$/.test(body)) return { ok: false, reason: 'period 0 is the release’s placeholder for rows with no figures' };
  if (/^\d{4}$/.test(body)) {
    const kind = yearPeriodType(measure);
    if (!kind) return { ok: false, reason: `the dictionary's year type "${measure.yearType}" is not one we know` };
    return made(kind.type, Number(body) + kind.shift);
  }
  const pair = /^(\d{4})([/-])(\d{2})$/.exec(body);
  if (pair) {
    const start = Number(pair[1]);
    const end = century(start, Number(pair[3]));
    const years = end - start + 1;
    if (years === 2) return made(spanPeriodType(measure, pair[2]!), start);
    if (pair[2] === '-' && years >= 3 && years <= 6) {
      // 2014-16: three calendar years (the public health profiles' rolling figures).
      const kind = yearPeriodType(measure);
      const type = kind?.type ?? 'calendar_year';
      const note = `${YEAR_WORDS[years]} years together, ${start} to ${end} (published as ${body}).`;
      return type === 'calendar_year' ? made('calendar_year', end, note) : made(type, end - 1, note);
    }
    return { ok: false, reason: `"${body}" is neither two consecutive years nor a span of three to six years` };
  }
  const spans = /^(\d{4})([/-])(\d{2})-(\d{4}|\d{2})\2(\d{2})$/.exec(body);
  if (spans) {
    // 2013/14-15/16: three academic (or financial) years, the last starting in 2015.
    const start = Number(spans[1]);
    const firstEnd = century(start, Number(spans[3]));
    const lastStart = spans[4]!.length === 4 ? Number(spans[4]) : century(start, Number(spans[4]));
    const lastEnd = century(lastStart, Number(spans[5]));
    const years = lastStart - start + 1;
    if (firstEnd !== start + 1 || lastEnd !== lastStart + 1 || years < 2 || years > 6) {
      return { ok: false, reason: `"${body}" is not a span of consecutive years` };
    }
    const type = spanPeriodType(measure, spans[2]!);
    const first = periodFromPosition(type, start).label;
    const last = periodFromPosition(type, lastStart).label;
    return made(type, lastStart, `${YEAR_WORDS[years]} years together, ${first} to ${last} (published as ${body}).`);
  }
  return { ok: false, reason: `"${label}" is not a period form we know (2024, 2023/24, 2023-24, 2014-16, 2013/14-15/16, with (prov), (Rev), (Final) or (OT))` };
}

/** As libraryPeriod, throwing LaitError where the label is not understood. */
export function laitPeriod(measure: Pick<LaitMeasure, 'code' | 'yearType'>, label: string): Period {
  const mapped = libraryPeriod(measure, label);
  if (!mapped.ok) throw new LaitError(`LAIT measure ${measure.code}, period "${label}": ${mapped.reason}`);
  return mapped.period;
}

export interface MeasurePeriod {
  /** As the release writes it. */
  label: string;
  period: Period;
  status: LibraryStatus;
  note: string;
}

export interface NotUnderstoodPeriod {
  label: string;
  reason: string;
  /** How many rows of the release carry it. */
  rows: number;
}

export interface MeasurePeriods {
  /** The periods understood, in time order; all of one type. */
  periods: MeasurePeriod[];
  notUnderstood: NotUnderstoodPeriod[];
}

/**
 * Every period label of one measure, mapped: in time order, all of the measure's main type (the type most of its
 * labels map to); a label of another type, or a second label for a period already taken (`2023` and `2023 (Rev)`,
 * where the later revision — Final over Rev over none over prov — wins), is reported as not understood with the
 * reason, never dropped silently.
 */
export function measurePeriods(measure: Pick<LaitMeasure, 'code' | 'yearType'>, labels: ReadonlyMap<string, number> | readonly string[]): MeasurePeriods {
  const counts: [string, number][] = Array.isArray(labels) ? labels.map((l) => [l, 0]) : [...(labels as ReadonlyMap<string, number>)];
  const notUnderstood: NotUnderstoodPeriod[] = [];
  const mapped: (MeasurePeriod & { rows: number })[] = [];
  for (const [label, rows] of counts) {
    const result = libraryPeriod(measure, label);
    if (result.ok) mapped.push({ label, period: result.period, status: result.status, note: result.note, rows });
    else notUnderstood.push({ label, reason: result.reason, rows });
  }
  const typeCounts = new Map<PeriodType, number>();
  for (const m of mapped) typeCounts.set(m.period.type, (typeCounts.get(m.period.type) ?? 0) + 1);
  const mainType = [...typeCounts].sort((a, b) => b[1] - a[1])[0]?.[0];
  const rank = (m: MeasurePeriod) => (/\(final\)/i.test(m.label) ? 3 : m.status === 'revised' ? 2 : m.status === 'provisional' ? 0 : 1);
  const byPosition = new Map<number, MeasurePeriod & { rows: number }>();
  for (const m of mapped) {
    if (m.period.type !== mainType) {
      notUnderstood.push({ label: m.label, reason: `a ${m.period.type.replace('_', ' ')}, where the measure's other periods are ${mainType!.replace('_', ' ')}s`, rows: m.rows });
      continue;
    }
    const other = byPosition.get(m.period.position);
    if (!other) {
      byPosition.set(m.period.position, m);
      continue;
    }
    const [keep, drop] = rank(m) > rank(other) ? [m, other] : [other, m];
    byPosition.set(m.period.position, keep);
    notUnderstood.push({ label: drop.label, reason: `the same period as "${keep.label}", which is used instead`, rows: drop.rows });
  }
  return {
    periods: [...byPosition.values()].sort((a, b) => a.period.position - b.period.position).map(({ rows: _rows, ...m }) => m),
    notUnderstood: notUnderstood.sort((a, b) => a.label.localeCompare(b.label)),
  };
}

export interface PeriodReportEntry {
  code: string;
  measure: string;
  understood: number;
  notUnderstood: NotUnderstoodPeriod[];
}

/** By measure, the period labels of a release that map to no period (measures whose every label maps are left out). */
export function periodReport(measures: readonly LaitMeasure[], labelsByMeasure: ReadonlyMap<string, ReadonlyMap<string, number>>): PeriodReportEntry[] {
  const report: PeriodReportEntry[] = [];
  const known = new Map(measures.map((m) => [m.code, m]));
  for (const [code, labels] of labelsByMeasure) {
    const measure = known.get(code);
    if (!measure) {
      const rows = [...labels.values()].reduce((s, n) => s + n, 0);
      report.push({ code, measure: '', understood: 0, notUnderstood: [{ label: [...labels.keys()].join(', '), reason: 'the measure is not in the dictionary', rows }] });
      continue;
    }
    const mapped = measurePeriods(measure, labels);
    if (mapped.notUnderstood.length) report.push({ code, measure: measure.chartTitle || measure.measure, understood: mapped.periods.length, notUnderstood: mapped.notUnderstood });
  }
  return report.sort((a, b) => a.code.localeCompare(b.code));
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
  /** The periods of a measure as written in the release, in text order. */
  periods(measureCode: string): string[];
  /** The period labels of a measure with how many rows carry each. */
  periodCounts(measureCode: string): Map<string, number>;
}

export function indexLait(rows: readonly LaitRow[]): LaitIndex {
  const byKey = new Map<string, LaitRow>();
  const periods = new Map<string, Map<string, number>>();
  for (const row of rows) {
    byKey.set(`${row.measureCode}\u0000${row.laNumber}\u0000${row.period}`, row);
    let counts = periods.get(row.measureCode);
    if (!counts) periods.set(row.measureCode, (counts = new Map()));
    counts.set(row.period, (counts.get(row.period) ?? 0) + 1);
  }
  return {
    get: (measureCode, laNumber, period) => byKey.get(`${measureCode}\u0000${laNumber}\u0000${period}`),
    periods: (measureCode) => [...(periods.get(measureCode)?.keys() ?? [])].sort(),
    periodCounts: (measureCode) => new Map(periods.get(measureCode) ?? []),
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
 * The statistical-neighbour average of a measure for an authority and period (period as written in the release):
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

// ---- the dictionary, searched ----

/**
 * The measures matching a search, best first: every word must appear in the code, name, chart title, topics or
 * description; a measure whose name or title holds every word comes before one found only in its description.
 * No words: every measure, by topic then name.
 */
export function searchMeasures(measures: readonly LaitMeasure[], query: string): LaitMeasure[] {
  // "re-offending" and "reoffending" alike: hyphens are dropped on both sides.
  const fold = (text: string) => text.toLowerCase().replace(/-/g, '');
  const words = fold(query).split(/[^a-z0-9%<>&]+/).filter((w) => w.length > 0);
  const byName = (a: LaitMeasure, b: LaitMeasure) => (a.topics[0] ?? '').localeCompare(b.topics[0] ?? '') || (a.chartTitle || a.measure).localeCompare(b.chartTitle || b.measure);
  if (!words.length) return [...measures].sort(byName);
  const scored: { measure: LaitMeasure; score: number }[] = [];
  for (const m of measures) {
    const title = fold(`${m.code} ${m.measure} ${m.chartTitle}`);
    const topic = fold(m.topics.join(' '));
    const all = `${title} ${topic} ${fold(m.description)} ${fold(m.yAxis)}`;
    if (!words.every((w) => all.includes(w))) continue;
    const inTitle = words.filter((w) => title.includes(w)).length;
    const inTopic = words.filter((w) => topic.includes(w)).length;
    scored.push({ measure: m, score: inTitle * 2 + inTopic });
  }
  return scored.sort((a, b) => b.score - a.score || byName(a.measure, b.measure)).map((s) => s.measure);
}

/** The period report in words, one line each: what a person reads from the CLI or the admin page. */
export function periodReportLines(report: readonly PeriodReportEntry[], totals: { measures: number; rows: number }): string[] {
  const rows = report.reduce((n, e) => n + e.notUnderstood.reduce((m, p) => m + p.rows, 0), 0);
  const head = report.length
    ? `${totals.measures - report.length} of ${totals.measures} measures have every period understood; ${report.length} have periods that are not (${rows} of ${totals.rows} rows, left out of imports):`
    : `Every period of all ${totals.measures} measures is understood (${totals.rows} rows).`;
  return [
    head,
    ...report.flatMap((e) => [
      `${e.code}${e.measure ? ` (${e.measure})` : ''}: ${e.understood} period${e.understood === 1 ? '' : 's'} understood`,
      ...e.notUnderstood.map((p) => `  "${p.label}" — ${p.reason} (${p.rows} row${p.rows === 1 ? '' : 's'})`),
    ]),
  ];
}
