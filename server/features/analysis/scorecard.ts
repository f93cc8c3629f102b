// The managers' scorecard: every indicator's judgement in one table, grouped by outcome and priority, with a
// summary line, filters, sorting and a CSV. Shaping only: the analysis is done by then.
import type { IndicatorAnalysis } from '../../analysis/indicator-analysis.ts';
import * as format from '../../format.ts';
import { measuredSeries, type ObservationLike } from '../indicators/measure.ts';
import type { IndicatorRecord } from '../indicators/queries.ts';
import { DIRECTION, SPC_TYPE, STATUS, STATUS_ORDER, type StatusCode } from './labels.ts';
import { mdcSummary, type MdcSummary } from './mdc.ts';

export interface ScorecardFilters {
  status?: string;
  outcome?: string;
  priority?: string;
  /** A golden thread (its slug) and the codes of the indicators that follow it (thread-filter.ts). */
  thread?: string;
  threadCodes?: string[];
  sort?: 'structure' | 'status' | 'title' | 'direction';
}

interface Analysed {
  indicator: IndicatorRecord;
  observations: ObservationLike[];
  analysis: IndicatorAnalysis;
}

export interface ScorecardRow {
  code: string;
  title: string;
  outcomeId: string;
  outcome: string;
  priorityId: string;
  priority: string;
  latestPeriod: string | null;
  latestText: string;
  latestValue: number | null;
  provisional: boolean;
  status: StatusCode;
  statusLabel: string;
  sentence: string;
  direction: string;
  directionLabel: string;
  streak: string;
  vsEngland: string;
  rag: string | null;
  spcSignal: string | null;
  /** The Making Data Count icons of the indicator's SPC chart (views/partials/mdc-icons.eta). */
  mdc: Pick<MdcSummary, 'variation' | 'assurance' | 'assuranceText'>;
  /** Why a gap narrowed, in words (levelling down among them); null unless the gap's latest move was a narrowing. */
  gapChange: string | null;
  levellingDown: boolean;
  sparkline: string | null;
  illustrative: boolean;
}

/** A small trend line as an SVG path (no script, no styles): missing periods break the line. */
export function sparklinePath(points: { position: number; value: number | null }[], width = 120, height = 28): string | null {
  const values = points.filter((p) => p.value !== null) as { position: number; value: number }[];
  if (values.length < 2) return null;
  const xs = points.map((p) => p.position);
  const minX = Math.min(...xs), maxX = Math.max(...xs);
  const minY = Math.min(...values.map((p) => p.value)), maxY = Math.max(...values.map((p) => p.value));
  const x = (pos: number) => (maxX === minX ? width / 2 : ((pos - minX) / (maxX - minX)) * (width - 4) + 2);
  const y = (v: number) => (maxY === minY ? height / 2 : height - 2 - ((v - minY) / (maxY - minY)) * (height - 4));
  let path = '';
  let pen = false;
  for (const p of points) {
    if (p.value === null) { pen = false; continue; }
    path += `${pen ? 'L' : 'M'}${x(p.position).toFixed(1)},${y(p.value).toFixed(1)}`;
    pen = true;
  }
  return path;
}

// What a row shows of one indicator's judgement, worked out once per judgement: a cached judgement (the same object
// until the indicator's data changes, issue 20) is not formatted again when another indicator changes.
const columnsOf = new WeakMap<Analysed, Omit<ScorecardRow, 'outcomeId' | 'outcome' | 'priorityId' | 'priority'>>();

function indicatorColumns(entry: Analysed) {
  const found = columnsOf.get(entry);
  if (found) return found;
  const { indicator, observations, analysis } = entry;
  const spec = format.unitSpecOf(indicator);
  const measured = measuredSeries(indicator, observations);
  const latest = measured.at(-1) ?? null;
  const england = analysis.comparators.find((c) => c.role === 'england');
  const lastSignal = [...analysis.spc.points].reverse().find((p) => p.type !== 'common_cause');
  const latestSpc = analysis.spc.points.at(-1);
  const columns: Omit<ScorecardRow, 'outcomeId' | 'outcome' | 'priorityId' | 'priority'> = {
    code: indicator.code,
    title: indicator.title,
    latestPeriod: latest?.label ?? null,
    latestText: latest ? format.observation(latest, spec) : 'no data',
    latestValue: latest?.value ?? null,
    provisional: latest?.provisional ?? false,
    status: analysis.status.code,
    statusLabel: STATUS[analysis.status.code].label,
    sentence: analysis.status.sentence,
    direction: analysis.direction.againstPrevious,
    directionLabel: DIRECTION[analysis.direction.againstPrevious],
    streak: analysis.streak.periods ? `${DIRECTION[analysis.streak.direction]} ${analysis.streak.periods}` : '',
    vsEngland: england ? `${england.comparison} (${england.difference >= 0 ? '+' : ''}${format.number(england.difference, indicator.decimals)})` : '',
    rag: analysis.rag?.rag ?? null,
    spcSignal: latestSpc && lastSignal && lastSignal.position === latestSpc.position ? SPC_TYPE[lastSignal.type] : latestSpc ? 'Common cause' : null,
    mdc: mdcSummary(indicator, analysis),
    gapChange: analysis.gap?.narrowed ? analysis.gap.description : null,
    levellingDown: analysis.gap?.levellingDown ?? false,
    sparkline: sparklinePath(measured.map((p) => ({ position: p.position, value: p.value }))),
    illustrative: indicator.illustrative,
  };
  columnsOf.set(entry, columns);
  return columns;
}

export function scorecardRows(
  analysed: Analysed[],
  outcomes: { id: string; title: string; position: number }[],
  priorities: { id: string; outcome_id: string; title: string; position: number }[],
  filters: ScorecardFilters,
) {
  const priorityById = new Map(priorities.map((p) => [p.id, p]));
  const outcomeById = new Map(outcomes.map((o) => [o.id, o]));
  const order = new Map<string, number>();
  outcomes.forEach((o) => priorities.filter((p) => p.outcome_id === o.id).forEach((p) => order.set(p.id, order.size)));

  const all: (ScorecardRow & { sortKey: number })[] = analysed.map((entry, i) => {
    const priority = priorityById.get(entry.indicator.priority_id!)!;
    const outcome = outcomeById.get(priority.outcome_id)!;
    return {
      ...indicatorColumns(entry),
      sortKey: (order.get(priority.id) ?? 0) * 10000 + i,
      outcomeId: outcome.id,
      outcome: outcome.title,
      priorityId: priority.id,
      priority: priority.title,
    };
  });

  const counts = Object.fromEntries(STATUS_ORDER.map((s) => [s, all.filter((r) => r.status === s).length])) as Record<StatusCode, number>;
  const summary =
    `${counts.turned} of ${all.length} curve${all.length === 1 ? '' : 's'} turned; ${counts.turning} turning; ` +
    `${counts.worse} worse than baseline; ${counts.on_baseline} on baseline` +
    (counts.no_baseline ? `; ${counts.no_baseline} without an agreed baseline` : '') +
    (counts.no_data ? `; ${counts.no_data} without data to judge` : '') +
    (counts.above_forecast + counts.below_forecast ? `; ${counts.above_forecast + counts.below_forecast} neutral (above or below forecast)` : '');

  const threadCodes = filters.threadCodes ? new Set(filters.threadCodes) : null;
  let rows = all.filter(
    (r) =>
      (!threadCodes || threadCodes.has(r.code)) &&
      (!filters.status || r.status === filters.status) &&
      (!filters.outcome || r.outcomeId === filters.outcome) &&
      (!filters.priority || r.priorityId === filters.priority),
  );
  const statusRank = (s: StatusCode) => STATUS_ORDER.indexOf(s);
  const sorts: Record<string, (a: (typeof all)[number], b: (typeof all)[number]) => number> = {
    structure: (a, b) => a.sortKey - b.sortKey,
    status: (a, b) => statusRank(a.status) - statusRank(b.status) || a.sortKey - b.sortKey,
    title: (a, b) => a.title.localeCompare(b.title, 'en-GB'),
    direction: (a, b) => a.direction.localeCompare(b.direction) || a.sortKey - b.sortKey,
  };
  rows = [...rows].sort(sorts[filters.sort ?? 'structure']);
  const grouped = filters.sort === undefined || filters.sort === 'structure';
  return { rows, counts, summary, total: all.length, grouped };
}

const csvCell = (v: string | number | null) => {
  const text = v === null ? '' : String(v);
  // Quote what needs quoting, and defuse text a spreadsheet would run as a formula.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function scorecardCsv(rows: ScorecardRow[]): string {
  const header = ['outcome', 'priority', 'indicator_code', 'indicator', 'latest_period', 'latest_value', 'provisional', 'status', 'status_sentence', 'direction', 'streak', 'vs_england', 'rag', 'latest_spc_signal'];
  const lines = rows.map((r) =>
    [r.outcome, r.priority, r.code, r.title, r.latestPeriod, r.latestValue, r.provisional ? 'yes' : 'no', r.status, r.sentence, r.direction, r.streak, r.vsEngland, r.rag, r.spcSignal].map(csvCell).join(','),
  );
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
