// The quarterly return: every indicator due for a period, with its previous figures, as one form that saves all or
// nothing. Builds the sheet from the database and reads the posted form back into checked figures.
import type { Kysely } from 'kysely';
import {
  isPeriodType,
  parsePeriod,
  periodFromPosition,
  periodOutsideWindow,
  periodWindow,
  periodsPerYear,
  tryPeriodFromPosition,
  periodTypeLabel,
  PERIOD_TYPES,
  PeriodError,
  type Period,
  type PeriodType,
} from '../../analysis/periods.ts';
import type { DB, SeriesRole } from '../../db/schema.ts';
import * as format from '../../format.ts';
import { checkFigure, describeFigure, entryRolesFor, numberText, type Figure, type FigureField } from './figure.ts';
import {
  latestPositionsByPeriodType,
  listIndicatorsForData,
  listObservationsOfSeries,
  listPeriodTypesInUse,
  listSeriesOfIndicators,
  type IndicatorForData,
  type SeriesRecord,
  type StoredObservation,
} from './queries.ts';
import type { WriteConflictItem, WriteItem } from './write.ts';
import { figureOf } from './write.ts';

export const FIELDS: FigureField[] = ['value', 'marker', 'status', 'numerator', 'denominator', 'note'];

/** The period of a type that contains a date (the quarter or year we are in). */
export function periodContaining(type: PeriodType, date: Date): Period {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth(); // 0 = January
  switch (type) {
    case 'calendar_year': return periodFromPosition(type, year);
    case 'month': return periodFromPosition(type, year * 12 + month);
    case 'academic_year': return periodFromPosition(type, month >= 8 ? year : year - 1);
    case 'financial_year': return periodFromPosition(type, month >= 3 ? year : year - 1);
    case 'fy_quarter': {
      const start = month >= 3 ? year : year - 1;
      return periodFromPosition(type, start * 4 + Math.floor(((month + 9) % 12) / 3));
    }
  }
}

/** `fy_quarter:2025-26-Q2` ⇄ a period. */
export const periodChoice = (period: Period) => `${period.type}:${period.key}`;

export function parsePeriodChoice(text: string | undefined): Period | null {
  if (!text) return null;
  const at = text.indexOf(':');
  const type = text.slice(0, at);
  if (at < 0 || !isPeriodType(type)) return null;
  try {
    return parsePeriod(type, text.slice(at + 1));
  } catch (error) {
    if (error instanceof PeriodError) return null;
    throw error;
  }
}

/** What is wrong with the period a form asks for, stating the window when it is outside; null when it can be entered. */
export function periodChoiceProblem(text: string | undefined, period: Period | null, today = new Date()): string | null {
  if (!period) return text ? 'Choose a period from the list' : null;
  return periodOutsideWindow(period, today);
}

export interface PeriodGroup {
  type: PeriodType;
  label: string;
  options: { value: string; label: string }[];
}

/**
 * The periods worth offering, per period type the partnership measures by: from a year before its latest figure
 * to the period we are in now, newest first.
 */
export async function periodGroups(db: Kysely<DB>, partnershipId: string, today = new Date()): Promise<PeriodGroup[]> {
  const [types, latest] = await Promise.all([listPeriodTypesInUse(db, partnershipId), latestPositionsByPeriodType(db, partnershipId)]);
  return PERIOD_TYPES.filter((t) => types.includes(t)).map((type) => {
    const now = periodContaining(type, today).position;
    const last = latest.find((l) => l.period_type === type)?.latest;
    // Only periods that can be entered: a figure stored outside the window (before it was enforced) must not
    // stretch the list over thousands of years, or past the last period that can be written.
    const window = periodWindow(today);
    const perYear = periodsPerYear(type);
    const first = window.from * perYear;
    const final = (window.to + 1) * perYear - 1;
    const clamp = (p: number) => Math.min(final, Math.max(first, p));
    const newest = clamp(Math.max(now, last != null ? Number(last) + 1 : now));
    const oldest = clamp(Math.min(now, last != null ? Number(last) : now) - perYear - (type === 'fy_quarter' ? 0 : 2));
    const options = [];
    for (let p = newest; p >= oldest; p--) {
      const period = periodFromPosition(type, p);
      options.push({ value: periodChoice(period), label: period.label });
    }
    return { type, label: periodTypeLabel(type), options };
  });
}

export interface SheetRow {
  indicator: IndicatorForData;
  series: SeriesRecord;
  /** "Persistent absence" or "Attainment 8 gap: disadvantaged pupils". */
  name: string;
  saved: StoredObservation | null;
  previous: { label: string; text: string } | null;
  lastYear: { label: string; text: string } | null;
}

export interface SheetIndicator {
  indicator: IndicatorForData;
  rows: SheetRow[];
}

export const unitOf = (i: IndicatorForData) => ({ unit: i.unit, rate_base: i.rate_base, decimals: i.decimals });

/** Every indicator due for the period (its period type, not in the data development agenda), with its figures. */
export async function buildSheet(db: Kysely<DB>, partnershipId: string, period: Period, place: { priorityId?: string; programmeId?: string } = {}): Promise<SheetIndicator[]> {
  const indicators = (await listIndicatorsForData(db, partnershipId, { periodType: period.type, ...place })).filter((i) => i.rank !== 'data_development' && !i.retired);
  const series = await listSeriesOfIndicators(db, partnershipId, indicators.map((i) => i.id));
  const entrySeries = series.filter((s) => entryRolesFor(indicators.find((i) => i.id === s.indicator_id)!.kind).includes(s.role));
  const previous = period.position - 1;
  const lastYear = period.position - periodsPerYear(period.type);
  const observations = await listObservationsOfSeries(db, partnershipId, entrySeries.map((s) => s.id), [period.position, previous, lastYear]);
  const at = (seriesId: string, position: number) => observations.find((o) => o.series_id === seriesId && o.period_position === position) ?? null;
  const ROLE_ORDER: SeriesRole[] = ['local', 'focus', 'comparison'];
  return indicators.map((indicator) => {
    const unit = unitOf(indicator);
    const shown = (o: StoredObservation | null, position: number) => ({
      label: o?.period_label ?? tryPeriodFromPosition(period.type, position)?.label ?? '',
      text: o ? describeFigure(figureOf(o), unit) : 'no figure',
    });
    const rows = entrySeries
      .filter((s) => s.indicator_id === indicator.id)
      .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role))
      .map((s) => ({
        indicator,
        series: s,
        name: indicator.kind === 'gap' ? `${indicator.title}: ${s.role === 'focus' ? indicator.focus_label ?? s.label : indicator.comparison_label ?? s.label}` : indicator.title,
        saved: at(s.id, period.position),
        previous: shown(at(s.id, previous), previous),
        lastYear: period.type === 'calendar_year' || period.type === 'academic_year' || period.type === 'financial_year' ? null : shown(at(s.id, lastYear), lastYear),
      }));
    return { indicator, rows };
  });
}

export type FormValues = Record<string, string>;

const fieldId = (field: string, seriesId: string) => `${field}-${seriesId}`;

/** What the form shows for a saved figure: a worked-out value is left blank beside its numerator and denominator. */
export function savedValues(rows: SheetRow[]): FormValues {
  const values: FormValues = {};
  for (const row of rows) {
    const o = row.saved;
    const id = row.series.id;
    values[fieldId('value', id)] = o && !(o.numerator !== null && o.denominator !== null) ? numberText(o.value) : '';
    values[fieldId('marker', id)] = o?.marker ?? '';
    values[fieldId('status', id)] = o?.status ?? 'provisional';
    values[fieldId('numerator', id)] = numberText(o?.numerator);
    values[fieldId('denominator', id)] = numberText(o?.denominator);
    values[fieldId('note', id)] = o?.note ?? '';
    values[fieldId('version', id)] = o ? String(o.version) : '';
    values[fieldId('seen', id)] = fingerprint((f) => values[fieldId(f, id)] ?? '');
  }
  return values;
}

const FINGERPRINT_FIELDS = ['value', 'marker', 'status', 'numerator', 'denominator', 'note'] as const;

/**
 * The figure's fields as the form showed them. A row sent back exactly as it was shown was not touched: it is left
 * alone, so that someone else's change to it meanwhile is neither overwritten nor reported as a conflict.
 */
function fingerprint(get: (field: string) => string): string {
  return JSON.stringify(FINGERPRINT_FIELDS.map((f) => get(f).trim()));
}

export interface FormError {
  field: string;
  /** For the error summary: says which figure. */
  text: string;
  /** By the field itself, where the figure is plain: only what is wrong. */
  inline?: string;
}

export interface RowRef {
  seriesId: string;
  name: string;
}

/**
 * Reads the posted form: a checked figure for every row that has one, or every problem, each naming its field.
 * A row left empty with no saved figure is skipped; a saved figure cannot be emptied (choose a marker instead).
 */
/**
 * Series the person typed a figure for that are no longer on the sheet: their indicator was retired (or moved out of
 * the chosen priority) while the page was open. Such input would otherwise vanish without a word on save.
 */
export function typedForMissingRows(rows: SheetRow[], body: FormValues): string[] {
  const onSheet = new Set(rows.map((r) => r.series.id));
  const typed = new Set<string>();
  for (const [key, value] of Object.entries(body)) {
    const match = /^(value|marker|numerator|denominator|note)-([0-9a-f-]{36})$/.exec(key);
    if (!match || onSheet.has(match[2]!) || typeof value !== 'string' || value.trim() === '') continue;
    typed.add(match[2]!);
  }
  // Figures shown and left as they were are not input.
  return [...typed].filter((id) => {
    const get = (field: string) => (typeof body[fieldId(field, id)] === 'string' ? body[fieldId(field, id)]!.trim() : '');
    const seen = body[fieldId('seen', id)];
    return !(typeof seen === 'string' && seen === fingerprint(get));
  });
}

export function readForm(rows: SheetRow[], body: FormValues, period: Period) {
  const errors: FormError[] = [];
  const items: WriteItem<RowRef>[] = [];
  for (const row of rows) {
    const id = row.series.id;
    const get = (field: string) => (typeof body[fieldId(field, id)] === 'string' ? body[fieldId(field, id)]!.trim() : '');
    const where = `${row.name}, ${period.label}`;
    if (body[fieldId('conflict', id)] === '1') {
      const keep = get('keep');
      if (keep === 'theirs') continue;
      if (keep !== 'mine') {
        errors.push({ field: fieldId('keep', id), text: `${where}: choose which figure to keep`, inline: 'Choose which figure to keep' });
        continue;
      }
    }
    const versionText = get('version');
    const seen = typeof body[fieldId('seen', id)] === 'string' ? body[fieldId('seen', id)] : null;
    if (seen !== null && seen === fingerprint(get) && body[fieldId('conflict', id)] !== '1') continue;
    const empty = ['value', 'marker', 'numerator', 'denominator', 'note'].every((f) => get(f) === '');
    if (empty) {
      // Emptied by the person (they were shown a figure): refused. Never filled in: nothing to do.
      if (versionText !== '') errors.push({ field: fieldId('value', id), text: `${where}: enter a value, or choose a marker — a saved figure cannot be left blank (choose x if it is not available)`, inline: 'Enter a value, or choose a marker: a saved figure cannot be left blank (choose x if it is not available)' });
      continue;
    }
    const expectedVersion = versionText === '' ? null : Number(versionText);
    if (expectedVersion !== null && !Number.isInteger(expectedVersion)) {
      errors.push({ field: fieldId('value', id), text: `${where}: the form was damaged; reload the page` });
      continue;
    }
    const checked = checkFigure(unitOf(row.indicator), { value: get('value'), marker: get('marker'), status: get('status'), numerator: get('numerator'), denominator: get('denominator'), note: get('note') }, row.saved ? figureOf(row.saved) : null);
    if (!checked.ok) {
      for (const p of checked.problems) errors.push({ field: fieldId(p.field, id), text: `${where}: ${lowerFirst(p.text)}`, inline: p.text });
      continue;
    }
    items.push({
      indicatorId: row.indicator.id,
      seriesId: id,
      role: row.series.role,
      period,
      figure: checked.figure,
      expectedVersion,
      ref: { seriesId: id, name: row.name },
    });
  }
  return { errors, items };
}

/** "Enter a value…" reads "…, 2025-26 Q2: enter a value…"; a message that starts with the input ("“12,5” is…") is kept. */
export function lowerFirst(text: string): string {
  return /^(A |[A-Z][a-z])/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

export interface ConflictView {
  seriesId: string;
  name: string;
  yours: string;
  theirs: string;
  by: string;
  at: string;
}

/** What the person is shown for each conflict, and the form values to send back (the new version to check against). */
export function conflictViews(rows: SheetRow[], conflicts: WriteConflictItem<RowRef>[], values: FormValues): ConflictView[] {
  return conflicts.map(({ item, current }) => {
    const row = rows.find((r) => r.series.id === item.seriesId)!;
    const unit = unitOf(row.indicator);
    values[fieldId('version', item.seriesId)] = current ? String(current.version) : '';
    values[fieldId('conflict', item.seriesId)] = '1';
    if (current) {
      const shown = savedValues([{ ...row, saved: current }]);
      values[fieldId('seen', item.seriesId)] = shown[fieldId('seen', item.seriesId)]!;
    }
    delete values[fieldId('keep', item.seriesId)];
    return {
      seriesId: item.seriesId,
      name: row.name,
      yours: describeFigure(item.figure, unit),
      theirs: current ? describeFigure(figureOf(current), unit) : 'no figure (it was removed)',
      by: current?.updated_by_name ?? 'someone',
      at: current ? format.dateTime(current.updated_at) : '',
    };
  });
}

export type { Figure };

/**
 * The period whose return is due: the latest that has ended, of the partnership's most frequent period type among
 * those it measures by (quarters before years). A return is made once a period is over, so in the third quarter it
 * is the second quarter's figures that are due. Null when the partnership measures nothing, or that period cannot be
 * entered (outside the window).
 */
export async function duePeriod(db: Kysely<DB>, partnershipId: string, today = new Date()): Promise<Period | null> {
  const types = await listPeriodTypesInUse(db, partnershipId);
  const order: PeriodType[] = ['month', 'fy_quarter', 'academic_year', 'financial_year', 'calendar_year'];
  const type = order.find((t) => types.includes(t));
  if (!type) return null;
  const due = periodFromPosition(type, periodContaining(type, today).position - 1);
  return periodOutsideWindow(due, today) ? null : due;
}
