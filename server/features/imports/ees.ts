// Files in the explore-education-statistics "tidy" format (DfE): one row per time period × geography × filter
// combination, then indicator columns. Pure: reads the file, says what is in it (levels, areas, filter and indicator
// columns) and, for a mapping, pulls out the local figures, England and the region, and every authority's value.
import { periodFromDfe, PeriodError, type Period } from '../../analysis/periods.ts';
import type { Marker, ObservationStatus } from '../../db/schema.ts';
import type { RawFigure } from '../observations/figure.ts';
import { parseCsvTable } from './csv-file.ts';

export const EES_REQUIRED = ['time_period', 'time_identifier', 'geographic_level'];
export const EES_LEVELS = ['National', 'Regional', 'Local authority'] as const;
export type EesLevel = (typeof EES_LEVELS)[number];

// Time and geography columns from the EES data standards: never filters, never indicators.
const GEOGRAPHY_COLUMNS = new Set([
  'time_period', 'time_identifier', 'geographic_level', 'country_code', 'country_name', 'region_code', 'region_name',
  'old_la_code', 'new_la_code', 'la_name', 'lad_code', 'lad_name', 'pcon_code', 'pcon_name', 'lsip_code', 'lsip_name',
  'english_devolved_area_code', 'english_devolved_area_name', 'opportunity_area_code', 'opportunity_area_name',
  'ward_code', 'ward_name', 'trust_id', 'trust_name', 'sponsor_id', 'sponsor_name', 'school_urn', 'school_laestab',
  'school_name', 'school_postcode', 'provider_ukprn', 'provider_name', 'institution_id', 'institution_name',
  'local_enterprise_partnership_code', 'local_enterprise_partnership_name', 'mayoral_combined_authority_code',
  'mayoral_combined_authority_name', 'planning_area_code', 'planning_area_name', 'rsc_region_lead_name',
]);

/** GSS symbols DfE puts in place of a value, and what they become here. */
const SYMBOLS: Record<string, Marker> = { c: 'c', x: 'x', z: 'z', k: 'k', low: 'low', u: 'x', ':': 'x', '..': 'x', na: 'x', 'n/a': 'x', '-': 'x', '': 'x' };
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export interface EesFile {
  columns: string[];
  rows: Record<string, string>[];
  /** Each row's line in the file (the header is line 1), for messages. */
  lines?: number[];
}

export function parseEesFile(text: string): { ok: true; file: EesFile } | { ok: false; message: string } {
  const parsed = parseCsvTable(text, {
    required: EES_REQUIRED,
    maxRows: 500_000,
    what: 'An explore-education-statistics file starts with the columns time_period, time_identifier and geographic_level. Download the data file (CSV) of the release, not a table built on the site.',
  });
  if (!parsed.ok) return parsed;
  return { ok: true, file: { columns: parsed.columns, rows: parsed.rows.map((r) => r.values), lines: parsed.rows.map((r) => r.line) } };
}

export interface EesArea {
  code: string;
  name: string;
  /** The DfE (old) LA number, for a local authority. */
  oldCode: string | null;
  regionCode: string | null;
}

export interface EesSummary {
  levels: EesLevel[];
  otherLevels: string[];
  areas: Record<string, EesArea[]>;
  filterColumns: { name: string; values: string[] }[];
  indicatorColumns: string[];
  /** A filter column that holds the figure's status (version: Provisional, Revised, Final). */
  statusColumn: string | null;
  periods: { label: string; type: string }[];
  /** Rows whose time_period and time_identifier are no period of ours: one message per reason, naming the lines. */
  periodProblems: string[];
}

/** "line 7", "lines 7, 8 and 9", "lines 7, 8, 9, 10, 11 and 40 more". */
function linesText(lines: number[]): string {
  if (lines.length === 1) return `line ${lines[0]}`;
  const shown = lines.slice(0, 5);
  const more = lines.length - shown.length;
  return more > 0 ? `lines ${shown.join(', ')} and ${more} more` : `lines ${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** The line a row of the file is on (the header is line 1). */
function lineOf(file: EesFile, index: number): number {
  return file.lines?.[index] ?? index + 2;
}

export function areaOf(level: string, row: Record<string, string>): EesArea {
  const v = (k: string) => (row[k] ?? '').trim();
  if (level === 'National') return { code: v('country_code'), name: v('country_name') || 'England', oldCode: null, regionCode: null };
  if (level === 'Regional') return { code: v('region_code'), name: v('region_name'), oldCode: null, regionCode: v('region_code') };
  return { code: v('new_la_code') || v('old_la_code'), name: v('la_name'), oldCode: v('old_la_code') || null, regionCode: v('region_code') || null };
}

const STATUS_WORDS: Record<string, ObservationStatus> = { provisional: 'provisional', revised: 'revised', final: 'final' };

export function summariseEes(file: EesFile): EesSummary {
  const levelsSeen = [...new Set(file.rows.map((r) => (r.geographic_level ?? '').trim()))];
  const levels = EES_LEVELS.filter((l) => levelsSeen.includes(l));
  const areas: Record<string, EesArea[]> = {};
  for (const level of levels) {
    const byCode = new Map<string, EesArea>();
    for (const row of file.rows) {
      if ((row.geographic_level ?? '').trim() !== level) continue;
      const area = areaOf(level, row);
      if (area.code && !byCode.has(area.code)) byCode.set(area.code, area);
    }
    areas[level] = [...byCode.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
  const filterColumns: EesSummary['filterColumns'] = [];
  const indicatorColumns: string[] = [];
  for (const column of file.columns) {
    if (!column || GEOGRAPHY_COLUMNS.has(column)) continue;
    let numbers = 0;
    let words = 0;
    const values = new Set<string>();
    for (const row of file.rows) {
      const text = (row[column] ?? '').trim();
      if (NUMBER.test(text)) numbers++;
      else if (!(text.toLowerCase() in SYMBOLS)) {
        words++;
        if (values.size < 500) values.add(text);
      }
    }
    if (numbers > 0 && words === 0) indicatorColumns.push(column);
    else {
      for (const row of file.rows) if (values.size < 500) values.add((row[column] ?? '').trim());
      filterColumns.push({ name: column, values: [...values].sort(sortFilterValues) });
    }
  }
  const statusColumn = filterColumns.find((f) => f.values.length > 0 && f.values.every((v) => v.toLowerCase() in STATUS_WORDS))?.name ?? null;
  const periodKeys = new Map<string, { label: string; type: string; position: number; problem: string | null }>();
  const problemLines = new Map<string, number[]>();
  file.rows.forEach((row, index) => {
    const key = `${row.time_period}|${row.time_identifier}`;
    let known = periodKeys.get(key);
    if (!known) {
      try {
        const p = periodFromDfe(row.time_period ?? '', row.time_identifier ?? '');
        known = { label: p.label, type: p.type, position: p.position, problem: null };
      } catch (error) {
        if (!(error instanceof PeriodError)) throw error;
        known = { label: '', type: '', position: 0, problem: error.message };
      }
      periodKeys.set(key, known);
    }
    if (known.problem) problemLines.set(known.problem, [...(problemLines.get(known.problem) ?? []), lineOf(file, index)]);
  });
  const periodProblems = [...problemLines].map(([message, lines]) => `${linesText(lines)}: ${message}`);
  const periods = [...periodKeys.values()].filter((p) => p.label).sort((a, b) => a.position - b.position).map(({ label, type }) => ({ label, type }));
  return { levels, otherLevels: levelsSeen.filter((l) => !(EES_LEVELS as readonly string[]).includes(l)), areas, filterColumns, indicatorColumns, statusColumn, periods, periodProblems };
}

// "Total" first (the usual choice), then the rest in order.
function sortFilterValues(a: string, b: string): number {
  if (a === 'Total') return -1;
  if (b === 'Total') return 1;
  return a.localeCompare(b);
}

export interface EesMapping {
  level: EesLevel;
  areaCode: string;
  areaName: string;
  /** Filter column → the value to keep. A filter column left out must not vary within a period and area. */
  filters: Record<string, string>;
  indicatorColumn: string;
  /** The indicator the figures go into (its code). */
  indicatorCode: string;
  /** The series of that indicator the area's figures fill: local, or focus / comparison of a gap. */
  series: 'local' | 'focus' | 'comparison';
  comparators: boolean;
}

export interface EesPoint {
  period: Period;
  raw: RawFigure;
}

export interface EesExtract {
  local: EesPoint[];
  england: EesPoint[];
  region: EesPoint[];
  regionName: string | null;
  authorities: { period: Period; code: string; name: string; value: number | null }[];
  problems: { where: string; field: string; text: string }[];
}

function figureOf(text: string, status: ObservationStatus | null): RawFigure {
  const t = (text ?? '').trim();
  const symbol = SYMBOLS[t.toLowerCase()];
  const note = symbol && !['c', 'x', 'z', 'k', 'low', ''].includes(t.toLowerCase()) ? `Published as “${t}”.` : '';
  if (symbol) return { marker: symbol, status: status ?? 'final', note };
  return { value: t, status: status ?? 'final', note: '' };
}

/** The figures a mapping picks out of the file. Each problem says where (area and period) and why. */
export function extractEes(file: EesFile, summary: EesSummary, mapping: EesMapping): EesExtract {
  const out: EesExtract = { local: [], england: [], region: [], regionName: null, authorities: [], problems: [] };
  const matchesFilters = (row: Record<string, string>) => Object.entries(mapping.filters).every(([column, value]) => (row[column] ?? '').trim() === value);
  const lineByRow = new Map(file.rows.map((row, index) => [row, lineOf(file, index)]));
  const rows = file.rows.filter(matchesFilters);
  const level = (row: Record<string, string>) => (row.geographic_level ?? '').trim();
  const chosen = rows.filter((r) => level(r) === mapping.level && areaOf(mapping.level, r).code === mapping.areaCode);
  if (!chosen.length) {
    out.problems.push({ where: mapping.areaName || mapping.areaCode, field: 'area', text: `The file has no ${mapping.level.toLowerCase()} rows for ${mapping.areaName || mapping.areaCode} with the filters chosen` });
    return out;
  }
  const regionCode = mapping.level === 'Local authority' ? areaOf(mapping.level, chosen[0]!).regionCode : null;
  const statusOf = (row: Record<string, string>): ObservationStatus | null => (summary.statusColumn ? (STATUS_WORDS[(row[summary.statusColumn] ?? '').trim().toLowerCase()] ?? null) : null);
  const unfiltered = summary.filterColumns.filter((f) => !(f.name in mapping.filters) && f.name !== summary.statusColumn);

  const collect = (name: string, subset: Record<string, string>[], into: EesPoint[]) => {
    const byPeriod = new Map<string, { period: Period; row: Record<string, string> }[]>();
    for (const row of subset) {
      let period: Period;
      try {
        period = periodFromDfe(row.time_period ?? '', row.time_identifier ?? '');
      } catch (error) {
        if (!(error instanceof PeriodError)) throw error;
        // Refused, not left out: the import cannot go ahead while the chosen rows include it.
        out.problems.push({ where: `${name}, line ${lineByRow.get(row)}`, field: 'time_identifier', text: error.message });
        continue;
      }
      const list = byPeriod.get(period.key) ?? [];
      list.push({ period, row });
      byPeriod.set(period.key, list);
    }
    for (const list of [...byPeriod.values()].sort((a, b) => a[0]!.period.position - b[0]!.period.position)) {
      let { period, row } = list[0]!;
      if (list.length > 1 && summary.statusColumn) {
        // The same figure published more than once (provisional, then revised or final): take the latest status,
        // as long as nothing else tells the rows apart.
        const sameOtherwise = unfiltered.every((f) => new Set(list.map((x) => (x.row[f.name] ?? '').trim())).size === 1);
        if (sameOtherwise) {
          const rank = (x: { row: Record<string, string> }) => ['provisional', 'revised', 'final'].indexOf(statusOf(x.row) ?? 'provisional');
          const latest = [...list].sort((a, b) => rank(b) - rank(a));
          if (rank(latest[0]!) > rank(latest[1]!)) {
            ({ period, row } = latest[0]!);
            into.push({ period, raw: figureOf(row[mapping.indicatorColumn] ?? '', statusOf(row)) });
            continue;
          }
        }
      }
      if (list.length > 1) {
        const varying = unfiltered.filter((f) => new Set(list.map((x) => (x.row[f.name] ?? '').trim())).size > 1).map((f) => f.name);
        const statusVaries = summary.statusColumn && new Set(list.map((x) => x.row[summary.statusColumn!])).size > 1;
        const columns = [...varying, ...(statusVaries ? [summary.statusColumn!] : [])];
        out.problems.push({
          where: `${name}, ${period.label}`,
          field: columns[0] ?? 'filters',
          text: `The file has ${list.length} rows for ${name} in ${period.label}: choose a value for ${columns.length ? columns.map((c) => `“${c}”`).join(' and ') : 'the filter columns'} so that there is one`,
        });
        continue;
      }
      into.push({ period, raw: figureOf(row[mapping.indicatorColumn] ?? '', statusOf(row)) });
    }
  };

  collect(mapping.areaName || mapping.areaCode, chosen, out.local);
  if (mapping.comparators) {
    if (mapping.level !== 'National') collect('England', rows.filter((r) => level(r) === 'National'), out.england);
    if (regionCode) {
      const regionRows = rows.filter((r) => level(r) === 'Regional' && areaOf('Regional', r).code === regionCode);
      if (regionRows.length) {
        out.regionName = areaOf('Regional', regionRows[0]!).name;
        collect(out.regionName, regionRows, out.region);
      }
    }
  }
  if (mapping.level === 'Local authority') {
    // Every authority's value for rank and quartile, with the same filters; ambiguous ones are left out (the
    // local series above already reports the ambiguity for our own area).
    const seen = new Map<string, number>();
    const candidates: EesExtract['authorities'] = [];
    for (const row of rows) {
      if (level(row) !== 'Local authority') continue;
      const area = areaOf('Local authority', row);
      if (!area.oldCode) continue;
      let period: Period;
      try {
        period = periodFromDfe(row.time_period ?? '', row.time_identifier ?? '');
      } catch (error) {
        // Another authority's row in a period that is no period of ours: named on the mapping page
        // (summary.periodProblems), and the partnership's own rows for it stop the import.
        if (!(error instanceof PeriodError)) throw error;
        continue;
      }
      const text = (row[mapping.indicatorColumn] ?? '').trim();
      const value = NUMBER.test(text) ? Number(text) : null;
      const key = `${period.key}|${area.oldCode}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      candidates.push({ period, code: area.oldCode, name: area.name, value });
    }
    out.authorities = candidates.filter((c) => seen.get(`${c.period.key}|${c.code}`) === 1);
  }
  return out;
}

/** Whether a saved mapping fits a file: its columns, level, area and filter values are all there. */
export function mappingFits(summary: EesSummary, mapping: EesMapping): { fits: boolean; why: string | null } {
  if (!summary.indicatorColumns.includes(mapping.indicatorColumn)) return { fits: false, why: `the file has no indicator column “${mapping.indicatorColumn}”` };
  if (!summary.levels.includes(mapping.level)) return { fits: false, why: `the file has no ${mapping.level.toLowerCase()} rows` };
  if (!(summary.areas[mapping.level] ?? []).some((a) => a.code === mapping.areaCode)) return { fits: false, why: `the file has no rows for ${mapping.areaName}` };
  for (const [column, value] of Object.entries(mapping.filters)) {
    const filter = summary.filterColumns.find((f) => f.name === column);
    if (!filter) return { fits: false, why: `the file has no column “${column}”` };
    if (!filter.values.includes(value)) return { fits: false, why: `“${column}” has no value “${value}” in this file` };
  }
  return { fits: true, why: null };
}
