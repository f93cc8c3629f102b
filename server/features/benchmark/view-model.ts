// Shaping the every-authority table of one library measure and period: England, the regions, every authority with
// its value, rank and quartile band (server/analysis/authority-ranks.ts), sorted as asked; and the same as CSV and
// JSON. Reading the release is server/benchmark/'s; nothing here does I/O.
import { rankAuthorities, type AuthorityRanking, type BandThreshold, type QuartileBand } from '../../analysis/authority-ranks.ts';
import { areaKind, authorityValues, ENGLAND_LA_NUMBER, LaitError, regionOf, type LaitMeasure, type LaitRow, type MeasurePeriod } from '../../benchmark/library.ts';
import type { LoadedMeasures } from '../../benchmark/release-file.ts';
import { number } from '../../format.ts';
import { unitFor } from '../imports/benchmark.ts';

export const SORTS = ['rank', 'name', 'region', 'value'] as const;
export type SortKey = (typeof SORTS)[number];
export type SortDirection = 'asc' | 'desc';

export interface AreaFigure {
  laNumber: number;
  name: string;
  value: number | null;
  /** `x` where the release has no figure (not available or suppressed). */
  marker: 'x' | null;
}

export interface AuthorityFigure extends AreaFigure {
  region: string | null;
  rank: number | null;
  band: QuartileBand | null;
  own: boolean;
}

export interface AuthorityTable {
  measure: LaitMeasure;
  periods: MeasurePeriod[];
  period: MeasurePeriod;
  england: AreaFigure | null;
  regions: AreaFigure[];
  /** The region of the partnership's own authority, when it has one in the library. */
  ownRegion: AreaFigure | null;
  own: AuthorityFigure | null;
  /** In la_number order. */
  authorities: AuthorityFigure[];
  of: number;
  /** Null where the library's dictionary says the measure has no quartiles. */
  bands: BandThreshold[] | null;
  order: AuthorityRanking['order'];
  decimals: number;
}

/** The period asked for (the release's label, our label or our key), the latest when none; null when there is no such period. */
export function choosePeriod(periods: readonly MeasurePeriod[], wanted: string | undefined): MeasurePeriod | null {
  if (wanted === undefined || wanted.trim() === '') return periods.at(-1) ?? null;
  const w = wanted.trim();
  return periods.find((p) => p.label === w) ?? periods.find((p) => p.period.key === w || p.period.label === w) ?? null;
}

/** Display decimals: the dictionary's, or as many as the published figures carry, at most 2. */
export function decimalsOf(measure: LaitMeasure, values: readonly (number | null)[]): number {
  if (measure.decimals !== null) return measure.decimals;
  let most = 0;
  for (const v of values) {
    if (v === null) continue;
    const text = String(v);
    const dot = text.indexOf('.');
    if (dot >= 0) most = Math.max(most, Math.min(2, text.length - dot - 1));
  }
  return most;
}

const areaOf = (r: Pick<LaitRow, 'laNumber' | 'areaName' | 'value' | 'marker'>): AreaFigure => ({ laNumber: r.laNumber, name: r.areaName, value: r.value, marker: r.marker });

/** Every authority's value, rank and band for a measure and one of its periods; `ownLaNumber` is highlighted. */
export function authorityTable(measure: LaitMeasure, data: Pick<LoadedMeasures, 'rows'>, periods: readonly MeasurePeriod[], period: MeasurePeriod, ownLaNumber: number | null): AuthorityTable {
  const rows = data.rows.filter((r) => r.measureCode === measure.code && r.period === period.label);
  const values = authorityValues(rows, measure.code, period.label);
  const ranking = rankAuthorities(values.map((v) => v.value), measure.polarity);
  const authorities = values.map((v, i): AuthorityFigure => ({
    laNumber: v.laNumber,
    name: v.areaName,
    region: v.region,
    value: v.value,
    marker: v.marker,
    rank: ranking.ranked[i]!.rank,
    band: measure.noQuartile ? null : ranking.ranked[i]!.band,
    own: v.laNumber === ownLaNumber,
  }));
  const englandRow = rows.find((r) => r.laNumber === ENGLAND_LA_NUMBER);
  const regions = rows.filter((r) => areaKind(r) === 'region').sort((a, b) => a.laNumber - b.laNumber).map(areaOf);
  let ownRegion: AreaFigure | null = null;
  if (ownLaNumber !== null && authorities.some((a) => a.own)) {
    try {
      const region = regionOf(data.rows.filter((r) => r.measureCode === measure.code), ownLaNumber);
      ownRegion = regions.find((r) => r.laNumber === region.laNumber) ?? null;
    } catch (error) {
      if (!(error instanceof LaitError)) throw error;
    }
  }
  return {
    measure,
    periods: [...periods],
    period,
    england: englandRow ? areaOf(englandRow) : null,
    regions,
    ownRegion,
    own: authorities.find((a) => a.own) ?? null,
    authorities,
    of: ranking.of,
    bands: measure.noQuartile ? null : ranking.bands,
    order: ranking.order,
    decimals: decimalsOf(measure, rows.map((r) => r.value)),
  };
}

/** Sorted for the page: missing values (no rank) always last, whichever way the column runs. */
export function sortAuthorities(rows: readonly AuthorityFigure[], sort: SortKey, direction: SortDirection): AuthorityFigure[] {
  const d = direction === 'asc' ? 1 : -1;
  const byName = (a: AuthorityFigure, b: AuthorityFigure) => a.name.localeCompare(b.name);
  const compare: Record<SortKey, (a: AuthorityFigure, b: AuthorityFigure) => number> = {
    rank: (a, b) => d * ((a.rank ?? 0) - (b.rank ?? 0)) || byName(a, b),
    value: (a, b) => d * ((a.value ?? 0) - (b.value ?? 0)) || byName(a, b),
    name: (a, b) => d * a.name.localeCompare(b.name),
    region: (a, b) => d * (a.region ?? '').localeCompare(b.region ?? '') || byName(a, b),
  };
  const missingLast = sort === 'rank' || sort === 'value';
  return [...rows].sort((a, b) => {
    if (missingLast) {
      const am = a.value === null ? 1 : 0;
      const bm = b.value === null ? 1 : 0;
      if (am !== bm) return am - bm;
    }
    return compare[sort](a, b);
  });
}

export const POLARITY_TEXT = { higher: 'higher is better', lower: 'lower is better', neutral: 'no better direction: ranked highest first' } as const;

/** A figure as the page writes it: the number, or what stands in its place. Never a 0 for a missing one. */
export function figureText(f: Pick<AreaFigure, 'value' | 'marker'> | null, decimals: number): string {
  if (!f || f.value === null) return 'x (not available)';
  return number(f.value, decimals);
}

/** A band's thresholds in words: "85.2 to 78.1" (best to worst), one value when they are the same, "none" when empty. */
export function bandRangeText(b: BandThreshold, decimals: number): string {
  if (b.best === null || b.worst === null) return 'no authority';
  return b.best === b.worst ? number(b.best, decimals) : `${number(b.best, decimals)} to ${number(b.worst, decimals)}`;
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n']/.test(text) || text !== value ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = ['la_number', 'area', 'kind', 'region', 'period', 'period_as_published', 'value', 'marker', 'rank', 'of', 'quartile_band'];

/** The table as CSV: England, the regions, then every authority in la_number order; empty value with marker `x` when missing. */
export function authorityCsv(table: AuthorityTable): string {
  const p = table.period;
  const line = (cells: (string | number | null)[]) => `${cells.map(csvCell).join(',')}\r\n`;
  let out = line(CSV_COLUMNS);
  const area = (a: AreaFigure, kind: string) => line([a.laNumber, a.name, kind, null, p.period.label, p.label, a.value, a.marker, null, null, null]);
  if (table.england) out += area(table.england, 'england');
  for (const r of table.regions) out += area(r, 'region');
  for (const a of table.authorities) out += line([a.laNumber, a.name, 'authority', a.region, p.period.label, p.label, a.value, a.marker, a.rank, a.rank === null ? null : table.of, a.band]);
  return out;
}

/** The measure as the API lists it. */
export function measureJson(m: LaitMeasure, periods: readonly MeasurePeriod[]) {
  const unit = unitFor(m);
  return {
    code: m.code,
    name: m.measure,
    title: m.chartTitle || m.measure,
    topics: m.topics,
    polarity: m.polarity,
    unit: unit.unit,
    rateBase: unit.rateBase,
    unitText: m.yAxis,
    decimals: m.decimals,
    yearType: m.yearType,
    periods: periods.map(periodJson),
  };
}

export function periodJson(p: MeasurePeriod) {
  return { period: p.period.label, key: p.period.key, type: p.period.type, published: p.label, status: p.status, note: p.note };
}

/** The table as the API answers it. */
export function authorityTableJson(table: AuthorityTable) {
  const area = (a: AreaFigure) => ({ laNumber: a.laNumber, name: a.name, value: a.value, marker: a.marker });
  return {
    measure: measureJson(table.measure, table.periods),
    period: periodJson(table.period),
    order: table.order,
    england: table.england ? area(table.england) : null,
    regions: table.regions.map(area),
    of: table.of,
    bands: table.bands,
    authorities: table.authorities.map((a) => ({ ...area(a), region: a.region, rank: a.rank, band: a.band })),
  };
}

export interface RankChart {
  width: number;
  height: number;
  /** The four bands as horizontal strips, A at the top. */
  bands: { band: QuartileBand; y: number; height: number }[];
  points: { x: number; y: number; title: string }[];
  path: string;
  first: string;
  last: string;
}

/**
 * A small chart of an authority's place among every authority over time: how far down the ranking it sits (best at
 * the top), on the quarters that make the bands, so a point in the top strip is band A. Null with fewer than two ranked
 * periods. The table beside it says the same in numbers.
 */
export function rankChart(rows: readonly { period: string; rank: number | null; of: number }[]): RankChart | null {
  const ranked = rows.filter((r): r is { period: string; rank: number; of: number } => r.rank !== null && r.of > 0);
  if (ranked.length < 2) return null;
  const width = 320;
  const height = 96;
  const left = 24;
  const right = 8;
  const top = 6;
  const plot = height - top - 6;
  const step = (width - left - right) / (ranked.length - 1);
  const points = ranked.map((r, i) => ({
    x: Math.round(left + i * step),
    y: Math.round(top + (r.of <= 1 ? 0 : (r.rank - 1) / (r.of - 1)) * plot),
    title: `${r.period}: ranked ${r.rank} of ${r.of}`,
  }));
  return {
    width,
    height,
    bands: (['A', 'B', 'C', 'D'] as const).map((band, i) => ({ band, y: Math.round(top + (i * plot) / 4), height: Math.round(plot / 4) })),
    points,
    path: points.map((p, i) => `${i ? 'L' : 'M'}${p.x} ${p.y}`).join(' '),
    first: ranked[0]!.period,
    last: ranked.at(-1)!.period,
  };
}
