// Turns an indicator's rows into what its page shows: the chart's data and the table beside it, one source for both.
import { tryPeriodFromPosition, type PeriodType } from '../../analysis/periods.ts';
import type { Marker, SeriesRole } from '../../db/schema.ts';
import * as format from '../../format.ts';
import { measuredSeries, type MeasuredPoint, type ObservationLike } from './measure.ts';
import type { IndicatorRecord } from './queries.ts';
import { boundsFor, type IndicatorAnalysis } from '../../analysis/indicator-analysis.ts';
import { JUDGEMENT, SPC_RULE, SPC_TYPE } from '../analysis/labels.ts';

export const ROLE_ORDER: SeriesRole[] = ['local', 'focus', 'comparison', 'england', 'region', 'neighbours', 'target'];

export interface ChartSeries {
  key: string;
  label: string;
  role: SeriesRole | 'gap' | 'forecast' | 'band_low' | 'band_high' | 'spc' | 'mean' | 'limit';
  values: (number | null)[];
  provisional: boolean[];
  markers: (Marker | null)[];
}

/**
 * Something that happened, marked on a chart at a period (docs/method.md, "Marks on the chart"): a linked action
 * starting, a data day, the periods the current story covers, a new baseline version. Listed in a table too.
 */
export interface ChartMark {
  kind: 'action' | 'dataday' | 'story' | 'baseline';
  /** Index into the chart's labels where the mark starts (a story's covers a span: `to` is where it ends). */
  at: number;
  to?: number;
  /** Short text drawn on the chart ("Action: mentoring starts"); the table gives the full words. */
  label: string;
  /** The full sentence for the table and the tooltip, with its date. */
  description: string;
}

/** What the value axis may show: the unit's limits (no negative percentages, none above 100) and its title. */
export interface ChartAxis {
  /** Lowest value the unit allows (0 for percentages, rates and counts; none for a gap, which can go negative). */
  min?: number;
  /** Highest value the unit allows (100 for a percentage). */
  max?: number;
  /** The axis title, with the unit: "Percentage of pupils (%)", "Gap (percentage points)". */
  title: string;
}

export interface ChartModel {
  kind?: 'trend' | 'spc';
  /** Marks on the chart; absent or empty when nothing happened in the chart's range. */
  marks?: ChartMark[];
  /** Filled by the view-model: the unit's limits and the axis title. */
  axis?: ChartAxis;
  /** For SPC charts: each point's signal, to colour and label it. */
  signals?: (string | null)[];
  id: string;
  title: string;
  unitLabel: string;
  decimals: number;
  suffix: string;
  labels: string[];
  series: ChartSeries[];
}

export interface TableModel {
  caption: string;
  columns: string[];
  rows: { period: string; cells: { text: string; provisional: boolean; marker: Marker | null }[] }[];
}

interface SeriesInfo { role: SeriesRole; label: string }

// More periods than any real series spans (a century of months): beyond it, a stored period far from the others
// (year 9998, typed before periods were checked) would make a chart of tens of thousands of empty periods.
const MAX_FILLED_PERIODS = 1200;

/** Every period from the first observed to the last, so a missing year is a visible gap, not a squeezed axis. */
function periodRange(periodType: PeriodType, positions: number[]): { position: number; label: string }[] {
  if (!positions.length) return [];
  const first = Math.min(...positions);
  const last = Math.max(...positions);
  // A position no label can be written for (outside four-digit years) is shown as its number, never a failure.
  const label = (p: number) => tryPeriodFromPosition(periodType, p)?.label ?? String(p);
  if (last - first >= MAX_FILLED_PERIODS) return [...new Set(positions)].sort((a, b) => a - b).map((p) => ({ position: p, label: label(p) }));
  const range = [];
  for (let p = first; p <= last; p++) range.push({ position: p, label: label(p) });
  return range;
}

function toChartSeries(key: string, label: string, role: ChartSeries['role'], points: MeasuredPoint[], range: { position: number }[]): ChartSeries {
  const byPosition = new Map(points.map((p) => [p.position, p]));
  return {
    key,
    label,
    role,
    values: range.map((r) => byPosition.get(r.position)?.value ?? null),
    provisional: range.map((r) => byPosition.get(r.position)?.provisional ?? false),
    markers: range.map((r) => byPosition.get(r.position)?.marker ?? null),
  };
}

function pointsOf(observations: readonly ObservationLike[], role: SeriesRole): MeasuredPoint[] {
  return observations
    .filter((o) => o.role === role)
    .map((o) => ({ position: o.period_position, label: o.period_label, value: o.value, marker: o.marker, provisional: o.status === 'provisional' }));
}

function cell(point: MeasuredPoint | undefined, spec: format.UnitSpec) {
  if (!point) return { text: 'no data', provisional: false, marker: null };
  const text = point.marker ? format.observation({ value: null, marker: point.marker }, spec) : format.value(point.value, spec);
  return { text: point.provisional ? `${text} (provisional)` : text, provisional: point.provisional, marker: point.marker };
}

function tableFrom(caption: string, chart: ChartModel, range: { position: number; label: string }[], pointsBySeries: MeasuredPoint[][], spec: format.UnitSpec): TableModel {
  const maps = pointsBySeries.map((points) => new Map(points.map((p) => [p.position, p])));
  return {
    caption,
    columns: chart.series.map((s) => s.label),
    rows: range.map((r) => ({ period: r.label, cells: maps.map((m) => cell(m.get(r.position), spec)) })),
  };
}

/**
 * The value axis for a unit: what it may show (the same bounds the forecast is held to) and its title. A percentage
 * runs from 0 to 100, a rate or count cannot go below 0; a gap is a difference and may be negative (a percentage gap
 * is in percentage points, so from -100 to 100).
 */
export function chartAxis(spec: format.UnitSpec): ChartAxis {
  const unit = format.unitLabel(spec);
  if (spec.gap) {
    if (spec.unit === 'percentage') return { min: -100, max: 100, title: 'Gap (percentage points)' };
    return { title: `Gap (${unit.toLowerCase()})` };
  }
  return { ...boundsFor('single', spec.unit), title: spec.unit === 'percentage' ? `${unit} (%)` : unit };
}

/** A drawn line held inside what the unit allows: a noise band or process limit below 0% is drawn at 0%. */
export function clampToAxis(value: number, axis: ChartAxis): number {
  if (axis.min !== undefined && value < axis.min) return axis.min;
  if (axis.max !== undefined && value > axis.max) return axis.max;
  return value;
}

/**
 * The table keeps the computed figure, so a reader can check the arithmetic, and says where the chart drew it:
 * "-0.05 (below 0, drawn at 0)". Empty when the chart drew the figure itself.
 */
function clampNote(value: number, axis: ChartAxis, what = ''): string {
  const drawn = clampToAxis(value, axis);
  if (drawn === value) return '';
  return ` (${what}${drawn > value ? 'below' : 'above'} ${format.number(drawn, 0)}, drawn at ${format.number(drawn, 0)})`;
}

export function indicatorCharts(indicator: IndicatorRecord, series: SeriesInfo[], observations: readonly ObservationLike[], analysis?: IndicatorAnalysis) {
  const spec = format.unitSpecOf(indicator);
  const groupSpec = format.unitSpecOf(indicator, 'groups');
  const periodType = indicator.period_type as PeriodType;
  const forecastLine = analysis?.forecastLine ?? [];
  const range = periodRange(periodType, [...observations.map((o) => o.period_position), ...forecastLine.map((p) => p.position)]);
  const labelOf = (role: SeriesRole) => series.find((s) => s.role === role)?.label ?? role;
  const present = (role: SeriesRole) => series.some((s) => s.role === role);
  const suffix = spec.unit === 'percentage' ? (spec.gap ? ' pp' : '%') : '';
  const axis = chartAxis(spec);
  const base = { unitLabel: format.unitLabel(spec), axis, decimals: spec.decimals, suffix, labels: range.map((r) => r.label) };

  const comparatorRoles: SeriesRole[] = ['england', 'region', 'neighbours', 'target'];
  const charts: { chart: ChartModel; table: TableModel }[] = [];

  if (indicator.kind === 'gap') {
    const groupRoles = (['focus', 'comparison'] as SeriesRole[]).filter(present);
    const groupPoints = groupRoles.map((role) => pointsOf(observations, role));
    const groupsChart: ChartModel = {
      ...base,
      unitLabel: format.unitLabel(groupSpec),
      axis: chartAxis(groupSpec),
      suffix: groupSpec.unit === 'percentage' ? '%' : '',
      id: 'chart-groups',
      title: `${indicator.focus_label ?? 'Focus group'} and ${indicator.comparison_label ?? 'comparison group'}`,
      series: groupRoles.map((role, i) => toChartSeries(role, labelOf(role), role, groupPoints[i]!, range)),
    };
    charts.push({ chart: groupsChart, table: tableFrom(`${groupsChart.title}: the two groups, by period`, groupsChart, range, groupPoints, groupSpec) });
  }

  const headline = measuredSeries({ kind: indicator.kind, polarity: indicator.polarity }, observations);
  const headlineLabel = indicator.kind === 'gap' ? `Gap (${labelOf('focus')} behind ${labelOf('comparison')})` : labelOf('local');
  const comparators = comparatorRoles.filter(present);
  const comparatorPoints = comparators.map((role) => pointsOf(observations, role));
  const mainChart: ChartModel = {
    ...base,
    id: 'chart-main',
    title: indicator.kind === 'gap' ? 'The gap' : indicator.title,
    series: [
      toChartSeries(indicator.kind === 'gap' ? 'gap' : 'local', headlineLabel, indicator.kind === 'gap' ? 'gap' : 'local', headline, range),
      ...comparators.map((role, i) => toChartSeries(role, labelOf(role), role, comparatorPoints[i]!, range)),
    ],
  };
  const mainTable = tableFrom(`${mainChart.title}: local figures and comparators, by period`, mainChart, range, [headline, ...comparatorPoints], spec);
  if (forecastLine.length && analysis) {
    const byPosition = new Map(forecastLine.map((p) => [p.position, p]));
    const baselineVersion = analysis.status.baselineVersion;
    const judged = new Map(analysis.judgedPoints.map((p) => [p.position, p]));
    const at = (r: { position: number }) => byPosition.get(r.position);
    const hasBand = forecastLine.some((p) => p.band > 0);
    // The chart draws the forecast and its band inside what the unit allows; the table keeps the computed figures.
    const drawn = (v: number) => clampToAxis(v, axis);
    mainChart.series.push({ key: 'forecast', label: `Baseline forecast (version ${baselineVersion})`, role: 'forecast', values: range.map((r) => (at(r) ? drawn(at(r)!.value) : null)), provisional: range.map(() => false), markers: range.map(() => null) });
    if (hasBand) {
      mainChart.series.push(
        { key: 'band_high', label: 'Noise band (80% prediction interval)', role: 'band_high', values: range.map((r) => (at(r)?.band ? drawn(at(r)!.value + at(r)!.band) : null)), provisional: range.map(() => false), markers: range.map(() => null) },
        { key: 'band_low', label: 'Noise band, lower edge', role: 'band_low', values: range.map((r) => (at(r)?.band ? drawn(at(r)!.value - at(r)!.band) : null)), provisional: range.map(() => false), markers: range.map(() => null) },
      );
    }
    mainTable.columns.push(`Baseline forecast (version ${baselineVersion})`, 'Against the baseline');
    for (const [i, row] of mainTable.rows.entries()) {
      const f = at(range[i]!);
      const j = judged.get(range[i]!.position);
      const forecastText = f ? (f.band ? `${format.number(f.value, spec.decimals)} ± ${format.number(f.band, spec.decimals)}` : format.number(f.value, spec.decimals)) : '';
      const edgeNote = !f ? '' : clampNote(f.value, axis) || (f.band ? clampNote(f.value - f.band, axis, 'lower edge ') || clampNote(f.value + f.band, axis, 'upper edge ') : '');
      row.cells.push({ text: forecastText + edgeNote, provisional: false, marker: null }, { text: j ? JUDGEMENT[j.judgement]! : '', provisional: false, marker: null });
    }
  }
  charts.push({ chart: mainChart, table: mainTable });
  return { charts, headline, spec };
}

/** The SPC (XmR) chart: the values, the mean and the process limits, with each signal coloured and labelled. */
export function spcChart(indicator: IndicatorRecord, analysis: IndicatorAnalysis) {
  const spec = format.unitSpecOf(indicator);
  const axis = chartAxis(spec);
  const periodType = indicator.period_type as PeriodType;
  const points = analysis.spc.points;
  const drawn = (v: number | null | undefined) => (v === null || v === undefined ? null : clampToAxis(v, axis));
  const labels = points.map((p) => tryPeriodFromPosition(periodType, p.position)?.label ?? String(p.position));
  const segmentOf = (position: number) => analysis.spc.segments.find((s) => position >= s.from && position <= s.to);
  const none = () => points.map(() => false);
  const nulls = () => points.map(() => null);
  const chart: ChartModel = {
    kind: 'spc',
    id: 'chart-spc',
    title: 'Statistical process control (XmR) chart',
    unitLabel: format.unitLabel(spec),
    axis,
    decimals: spec.decimals,
    suffix: spec.unit === 'percentage' ? (spec.gap ? ' pp' : '%') : '',
    labels,
    signals: points.map((p) => p.type),
    series: [
      { key: 'spc', label: indicator.kind === 'gap' ? 'Gap' : 'Value', role: 'spc', values: points.map((p) => p.value), provisional: none(), markers: nulls() },
      { key: 'mean', label: 'Mean', role: 'mean', values: points.map((p) => segmentOf(p.position)?.mean ?? null), provisional: none(), markers: nulls() },
      { key: 'upl', label: 'Upper process limit', role: 'limit', values: points.map((p) => drawn(segmentOf(p.position)?.upl)), provisional: none(), markers: nulls() },
      { key: 'lpl', label: 'Lower process limit', role: 'limit', values: points.map((p) => drawn(segmentOf(p.position)?.lpl)), provisional: none(), markers: nulls() },
    ],
  };
  const n = (v: number | null | undefined) => (v === null || v === undefined ? '' : format.number(v, spec.decimals + 1));
  const limit = (v: number | null | undefined) => (v === null || v === undefined ? '' : n(v) + clampNote(v, axis));
  const table: TableModel = {
    caption: 'The SPC chart’s figures: each value, the limits it was judged against, and any signal',
    columns: [chart.series[0]!.label, 'Mean', 'Lower limit', 'Upper limit', 'Signal'],
    rows: points.map((p, i) => {
      const seg = segmentOf(p.position);
      const signal = p.type === 'common_cause' ? 'Common cause' : `${SPC_TYPE[p.type]}: ${SPC_RULE[p.rule!]}`;
      return {
        period: labels[i]!,
        cells: [n(p.value), n(seg?.mean), limit(seg?.lpl), limit(seg?.upl), signal].map((text) => ({ text, provisional: false, marker: null })),
      };
    }),
  };
  return { chart, table };
}
