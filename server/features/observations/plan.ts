// Figures for one indicator, as an import row or an API item names them (series role, period text, raw figure)
// → checked figures ready for the write path, or a problem per item that says which field and why.
// The CSV import, the published-statistics imports and the API plan through here; the form has its own reader
// (returns.ts) because its fields are laid out per series.
import type { Transaction } from 'kysely';
import { periodOutsideWindow, tryParsePeriod, type Period, type PeriodType } from '../../analysis/periods.ts';
import type { DB, SeriesRole } from '../../db/schema.ts';
import { defaultSeriesLabel } from '../indicators/queries.ts';
import { checkFigure, holdsGaps, rolesFor, sameFigure, type Figure, type FigureField, type RawFigure } from './figure.ts';
import { createSeries, type IndicatorForData, type SeriesRecord, type StoredObservation } from './queries.ts';
import { figureOf, type WriteItem } from './write.ts';

export interface RawItem<Ref> {
  ref: Ref;
  series: string;
  period: string | Period;
  raw: RawFigure;
  expectedVersion?: number | null;
}

export interface PlannedItem<Ref> {
  ref: Ref;
  indicator: IndicatorForData;
  role: SeriesRole;
  /** Null when the series does not exist yet: it is created when the plan is applied. */
  seriesId: string | null;
  period: Period;
  figure: Figure;
  before: StoredObservation | null;
  action: 'create' | 'update' | 'unchanged';
  expectedVersion?: number | null;
}

export type ProblemField = 'indicator_code' | 'series' | 'period' | FigureField | 'version';

export interface ItemProblem<Ref> {
  ref: Ref;
  field: ProblemField;
  text: string;
}

const ALL_ROLES: readonly SeriesRole[] = ['local', 'focus', 'comparison', 'england', 'region', 'neighbours', 'target'];

/** A period Excel has turned into a date ("Nov-24", "01/04/2024"): say so, since the fix is in the spreadsheet. */
function excelDateHint(text: string): string {
  return /^[A-Za-z]{3}-\d{2}$/.test(text.trim()) || /^\d{1,2}\/\d{1,2}\/\d{2,4}$/.test(text.trim()) || /^\d{5}$/.test(text.trim())
    ? ' (a spreadsheet may have turned it into a date: format the period column as text)'
    : '';
}

export function planIndicatorFigures<Ref>(
  indicator: IndicatorForData,
  series: readonly SeriesRecord[],
  current: readonly StoredObservation[],
  items: readonly RawItem<Ref>[],
  describe: (ref: Ref) => string,
  today = new Date(),
): { planned: PlannedItem<Ref>[]; problems: ItemProblem<Ref>[] } {
  const planner = figurePlanner(indicator, series, current, describe, today);
  for (const item of items) planner.add(item);
  return planner.result();
}

/**
 * planIndicatorFigures an item at a time, for a caller that pauses between items to let other requests run (a big
 * import). Items are checked against each other (a period given twice) across every call of `add`.
 */
export function figurePlanner<Ref>(
  indicator: IndicatorForData,
  series: readonly SeriesRecord[],
  current: readonly StoredObservation[],
  describe: (ref: Ref) => string,
  today = new Date(),
) {
  const planned: PlannedItem<Ref>[] = [];
  const problems: ItemProblem<Ref>[] = [];
  const allowed = rolesFor(indicator.kind);
  const seen = new Map<string, Ref>();
  // Looked up by key, not searched: a big import plans 100,000 figures against as many saved ones.
  const seriesByRole = new Map<string, SeriesRecord>();
  for (const s of series) if (!seriesByRole.has(s.role)) seriesByRole.set(s.role, s);
  const currentByKey = new Map<string, StoredObservation>();
  for (const o of current) currentByKey.set(`${o.series_id}\u0000${o.period_key}`, o);
  const add = (item: RawItem<Ref>) => {
    // A retired indicator keeps its figures as they are: a restore brings it back before anything is added.
    if (indicator.retired) {
      problems.push({ ref: item.ref, field: 'indicator_code', text: `Indicator ${indicator.code} is retired: restore it to import figures` });
      return;
    }
    const roleText = String(item.series ?? '').trim().toLowerCase();
    let failed = false;
    if (!roleText) {
      problems.push({ ref: item.ref, field: 'series', text: `Give a series: ${allowed.join(', ')}` });
      failed = true;
    } else if (!(ALL_ROLES as readonly string[]).includes(roleText)) {
      problems.push({ ref: item.ref, field: 'series', text: `“${String(item.series).trim()}” is not a series: use ${allowed.join(', ')}` });
      failed = true;
    } else if (!allowed.includes(roleText as SeriesRole)) {
      problems.push({
        ref: item.ref,
        field: 'series',
        text: `${indicator.code} is ${indicator.kind === 'gap' ? 'a gap indicator' : 'not a gap indicator'}: “${roleText}” is not one of its series (${allowed.join(', ')})`,
      });
      failed = true;
    }
    let period: Period | null = null;
    if (typeof item.period === 'object') period = item.period;
    else if (!String(item.period ?? '').trim()) {
      problems.push({ ref: item.ref, field: 'period', text: 'Give a period' });
      failed = true;
    } else {
      const parsed = tryParsePeriod(indicator.period_type as PeriodType, String(item.period));
      if (parsed.ok) period = parsed.period;
      else {
        problems.push({ ref: item.ref, field: 'period', text: `${parsed.error}${excelDateHint(String(item.period))}` });
        failed = true;
      }
    }
    // The one check of the period window for every import and the API (the form has its own list of periods).
    const outside = period ? periodOutsideWindow(period, today) : null;
    if (outside) {
      problems.push({ ref: item.ref, field: 'period', text: outside });
      failed = true;
    }
    if (failed || !period) return;
    const role = roleText as SeriesRole;
    const key = `${role}\u0000${period.key}`;
    const earlier = seen.get(key);
    if (earlier === undefined) seen.set(key, item.ref);
    else problems.push({ ref: item.ref, field: 'period', text: `${role} ${period.label} is given twice: also ${describe(earlier)}` });
    const seriesRecord = seriesByRole.get(role) ?? null;
    const before = seriesRecord ? (currentByKey.get(`${seriesRecord.id}\u0000${period.key}`) ?? null) : null;
    const checked = checkFigure(indicator, item.raw, before ? figureOf(before) : null, { gap: holdsGaps(indicator.kind, role) });
    if (earlier !== undefined) {
      if (!checked.ok) for (const p of checked.problems) problems.push({ ref: item.ref, field: p.field, text: p.text });
      return;
    }
    if (!checked.ok) {
      for (const p of checked.problems) problems.push({ ref: item.ref, field: p.field, text: p.text });
      return;
    }
    const action = !before ? 'create' : sameFigure(figureOf(before), checked.figure) ? 'unchanged' : 'update';
    planned.push({
      ref: item.ref,
      indicator,
      role,
      seriesId: seriesRecord?.id ?? null,
      period,
      figure: checked.figure,
      before,
      action,
      ...(item.expectedVersion !== undefined ? { expectedVersion: item.expectedVersion } : {}),
    });
  };
  return { add, result: () => ({ planned, problems }) };
}


/**
 * Creates any series the plan needs, in the caller's transaction, and turns the plan into write items.
 * `labels` names a series being created (e.g. the region's name); otherwise it gets the default label.
 */
export async function writeItemsFor<Ref>(
  trx: Transaction<DB>,
  areaName: string,
  planned: readonly PlannedItem<Ref>[],
  labels: Partial<Record<string, string>> = {},
): Promise<WriteItem<Ref>[]> {
  const created = new Map<string, string>();
  const items: WriteItem<Ref>[] = [];
  for (const p of planned) {
    let seriesId = p.seriesId;
    if (!seriesId) {
      const key = `${p.indicator.id}\u0000${p.role}`;
      seriesId = created.get(key) ?? null;
      if (!seriesId) {
        const label = labels[`${p.indicator.code}\u0000${p.role}`] ?? defaultSeriesLabel(p.role, { areaName, focusLabel: p.indicator.focus_label, comparisonLabel: p.indicator.comparison_label });
        seriesId = (await createSeries(trx, p.indicator.id, p.role, label)).id;
        created.set(key, seriesId);
      }
    }
    items.push({
      indicatorId: p.indicator.id,
      seriesId,
      role: p.role,
      period: p.period,
      figure: p.figure,
      ...(p.expectedVersion !== undefined ? { expectedVersion: p.expectedVersion } : {}),
      ref: p.ref,
    });
  }
  return items;
}
