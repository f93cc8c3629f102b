// Turns an indicator's rows into what its page shows: the chart's data and the table beside it, one source for both.
import { periodFromPosition, type PeriodType } from '../../analysis/periods.ts';
import type { Marker, SeriesRole } from '../../db/schema.ts';
import * as format from '../../format.ts';
import { measuredSeries, type MeasuredPoint, type ObservationLike } from './measure.ts';
import type { IndicatorRecord } from './queries.ts';

export const ROLE_ORDER: SeriesRole[] = ['local', 'focus', 'comparison', 'england', 'region', 'neighbours', 'target'];

export interface ChartSeries {
  key: string;
  label: string;
  role: SeriesRole | 'gap';
  values: (number | null)[];
  provisional: boolean[];
  markers: (Marker | null)[];
}

export interface ChartModel {
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

/** Every period from the first observed to the last, so a missing year is a visible gap, not a squeezed axis. */
function periodRange(periodType: PeriodType, positions: number[]): { position: number; label: string }[] {
  if (!positions.length) return [];
  const first = Math.min(...positions);
  const last = Math.max(...positions);
  const range = [];
  for (let p = first; p <= last; p++) range.push({ position: p, label: periodFromPosition(periodType, p).label });
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

export function indicatorCharts(indicator: IndicatorRecord, series: SeriesInfo[], observations: readonly ObservationLike[]) {
  const spec: format.UnitSpec = { unit: indicator.unit, decimals: indicator.decimals, rateBase: indicator.rate_base };
  const periodType = indicator.period_type as PeriodType;
  const range = periodRange(periodType, observations.map((o) => o.period_position));
  const labelOf = (role: SeriesRole) => series.find((s) => s.role === role)?.label ?? role;
  const present = (role: SeriesRole) => series.some((s) => s.role === role);
  const suffix = spec.unit === 'percentage' ? '%' : '';
  const base = { unitLabel: format.unitLabel(spec), decimals: spec.decimals, suffix, labels: range.map((r) => r.label) };

  const comparatorRoles: SeriesRole[] = ['england', 'region', 'neighbours', 'target'];
  const charts: { chart: ChartModel; table: TableModel }[] = [];

  if (indicator.kind === 'gap') {
    const groupRoles = (['focus', 'comparison'] as SeriesRole[]).filter(present);
    const groupPoints = groupRoles.map((role) => pointsOf(observations, role));
    const groupsChart: ChartModel = {
      ...base,
      id: 'chart-groups',
      title: `${indicator.focus_label ?? 'Focus group'} and ${indicator.comparison_label ?? 'comparison group'}`,
      series: groupRoles.map((role, i) => toChartSeries(role, labelOf(role), role, groupPoints[i]!, range)),
    };
    charts.push({ chart: groupsChart, table: tableFrom(`${groupsChart.title}: the two groups, by period`, groupsChart, range, groupPoints, spec) });
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
  charts.push({
    chart: mainChart,
    table: tableFrom(`${mainChart.title}: local figures and comparators, by period`, mainChart, range, [headline, ...comparatorPoints], spec),
  });
  return { charts, headline, spec };
}
