// Marks on an indicator's chart (docs/method.md, "Marks on the chart"): when each linked action started, each data day
// of the partnership, the periods the current story covers, and each baseline version agreed. One query per kind,
// whatever the number of marks; each mark is placed at the period that contains its date.
import { sql, type Kysely } from 'kysely';
import { describeBaselineFit } from '../../analysis/baseline.ts';
import type { LinearFit } from '../../analysis/forecast.ts';
import { periodLabel, tryParsePeriod, type PeriodType } from '../../analysis/periods.ts';
import type { DB } from '../../db/schema.ts';
import type { ManualPoint } from '../../db/schema-analysis.ts';
import * as format from '../../format.ts';
import { periodContaining } from '../observations/returns.ts';
import type { ChartMark, ChartModel } from './view-model.ts';

/** A mark as found, before it is placed on a chart: the periods it covers (null when its date is not known). */
export interface MarkRecord {
  kind: ChartMark['kind'];
  from: number | null;
  to: number | null;
  label: string;
  description: string;
  /** When it happened, as a date (YYYY-MM-DD or a moment). */
  date: string | Date | null;
}

/** A row of the table "Marks on the chart": every mark, on the chart or outside its periods. */
export interface MarkRow {
  kind: ChartMark['kind'];
  kindText: string;
  period: string;
  what: string;
  date: string;
  onChart: boolean;
}

export const MARK_KIND_TEXT: Record<ChartMark['kind'], string> = {
  action: 'Action started',
  dataday: 'Data day',
  story: 'Story behind the curve',
  baseline: 'Baseline agreed',
};

const SHORT = 28;
const shorten = (text: string) => (text.length > SHORT ? `${text.slice(0, SHORT - 1).trimEnd()}…` : text);

/** The period containing a date (a `date` column's text, or a moment); null for a date no period can be written for. */
function periodOf(periodType: PeriodType, d: string | Date): number | null {
  const when = typeof d === 'string' ? new Date(`${d.slice(0, 10)}T12:00:00Z`) : d;
  if (Number.isNaN(when.getTime())) return null;
  try {
    return periodContaining(periodType, when).position;
  } catch {
    return null;
  }
}

/**
 * The periods a story says it covers: every period of the indicator's type named in its "period" text ("2022/23 to
 * 2024/25", "Data day, March 2025"), first to last. Null when it names none; the caller then falls back.
 */
export function periodsNamedIn(periodType: PeriodType, text: string): { from: number; to: number } | null {
  const candidates = text.match(/(?:\bq\d\s*-?\s*)?\b\d{4}(?:\s?[-/–]\s?\d{2,4})?(?:\s?-?\s?q\d)?|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{4}/gi) ?? [];
  const positions = candidates.map((c) => tryParsePeriod(periodType, c)).flatMap((p) => (p.ok ? [p.period.position] : []));
  if (!positions.length) return null;
  return { from: Math.min(...positions), to: Math.max(...positions) };
}

/** Everything marked on one indicator's chart, found in four queries (one per kind), oldest first within a kind. */
export async function findMarks(
  db: Kysely<DB>,
  partnershipId: string,
  indicator: { id: string; period_type: string; decimals: number },
): Promise<MarkRecord[]> {
  return (await findMarksForIndicators(db, partnershipId, [indicator])).get(indicator.id) ?? [];
}

export interface MarkOptions {
  /**
   * Name who agreed each baseline (the indicator page); false says "the partnership" (the Data Book, which may be
   * published, names no member).
   */
  names?: boolean;
}

/**
 * The marks of many indicators' charts (a data day's slides, the Data Book), still in four queries whatever their
 * number, by indicator id.
 */
export async function findMarksForIndicators(
  db: Kysely<DB>,
  partnershipId: string,
  indicators: readonly { id: string; period_type: string; decimals: number }[],
  options: MarkOptions = {},
): Promise<Map<string, MarkRecord[]>> {
  const result = new Map<string, MarkRecord[]>(indicators.map((i) => [i.id, []]));
  if (!indicators.length) return result;
  const ids = indicators.map((i) => i.id);
  const [actions, dataDays, stories, baselines] = await Promise.all([
    db
      .selectFrom('action')
      .innerJoin('action_indicator', 'action_indicator.action_id', 'action.id')
      .select(['action_indicator.indicator_id', 'action.id', 'action.title', 'action.status', sql<string | null>`action.start_date::text`.as('start_date')])
      .where('action.partnership_id', '=', partnershipId)
      .where('action_indicator.indicator_id', 'in', ids)
      .orderBy(sql`action.start_date nulls last`)
      .orderBy('action.title')
      .execute(),
    db
      .selectFrom('data_day')
      .select(['data_day.id', 'data_day.title', sql<string>`data_day.held_on::text`.as('held_on')])
      .where('data_day.partnership_id', '=', partnershipId)
      .orderBy('data_day.held_on')
      .execute(),
    // Each indicator's current story, and the latest period with a figure when it was written (for a story whose
    // period text names no period). A figure's last change is the nearest record of when it arrived.
    db
      .selectFrom('story_version')
      .innerJoin('story', 'story.id', 'story_version.story_id')
      .distinctOn('story.indicator_id')
      .select(['story.indicator_id', 'story_version.version', 'story_version.period_text', 'story_version.summary', 'story_version.created_at'])
      .select(
        sql<number | null>`(select max(o.period_position) from observation o join series s on s.id = o.series_id
          where s.indicator_id = story.indicator_id and s.role in ('local', 'focus', 'comparison') and o.value is not null
            and o.updated_at <= story_version.created_at)`.as('latest_position_then'),
      )
      .where('story_version.partnership_id', '=', partnershipId)
      .where('story.indicator_id', 'in', ids)
      .orderBy('story.indicator_id')
      .orderBy('story_version.version', 'desc')
      .execute(),
    db
      .selectFrom('baseline')
      .select(['baseline.indicator_id', 'baseline.version', 'baseline.baseline_position', 'baseline.baseline_label', 'baseline.method', 'baseline.fit', 'baseline.manual_points', 'baseline.agreed_by_name', 'baseline.agreed_at'])
      .where('baseline.indicator_id', 'in', ids)
      .orderBy('baseline.indicator_id')
      .orderBy('baseline.version')
      .execute(),
  ]);
  const storyOf = new Map(stories.map((s) => [s.indicator_id, s]));

  for (const indicator of indicators) {
    const periodType = indicator.period_type as PeriodType;
    const marks = result.get(indicator.id)!;
    for (const a of actions) {
      if (a.indicator_id !== indicator.id) continue;
      const at = a.start_date ? periodOf(periodType, a.start_date) : null;
      marks.push({
        kind: 'action',
        from: at,
        to: at,
        label: shorten(`Action: ${a.title}`),
        description: a.start_date ? `Action “${a.title}” started on ${format.date(a.start_date)}` : `Action “${a.title}” has no start date yet`,
        date: a.start_date,
      });
    }
    for (const d of dataDays) {
      const at = periodOf(periodType, d.held_on);
      marks.push({ kind: 'dataday', from: at, to: at, label: shorten(`Data day: ${d.title}`), description: `Data day “${d.title}” held on ${format.date(d.held_on)}`, date: d.held_on });
    }
    const story = storyOf.get(indicator.id);
    if (story) {
      const named = periodsNamedIn(periodType, story.period_text);
      const then = story.latest_position_then === null ? null : Number(story.latest_position_then);
      const span = named ?? (then === null ? null : { from: then, to: then });
      const covers = !span ? 'no period named and no figure yet when it was written' : named ? `covering ${span.from === span.to ? periodLabel(periodType, span.from) : `${periodLabel(periodType, span.from)} to ${periodLabel(periodType, span.to)}`}` : `written when the latest figure was for ${periodLabel(periodType, span.from)}`;
      marks.push({
        kind: 'story',
        from: span?.from ?? null,
        to: span?.to ?? null,
        label: shorten(`Story: ${story.period_text}`),
        description: `The story behind the curve (version ${story.version}, “${story.period_text}”), ${covers}`,
        date: story.created_at,
      });
    }
    for (const b of baselines) {
      if (b.indicator_id !== indicator.id) continue;
      const fit = describeBaselineFit(
        { position: b.baseline_position, method: b.method, fit: b.fit as LinearFit | null, manualPoints: (b.manual_points as ManualPoint[] | null) ?? null },
        (p) => periodLabel(periodType, p),
      );
      marks.push({
        kind: 'baseline',
        from: b.baseline_position,
        to: b.baseline_position,
        label: `Baseline v${b.version}`,
        description: `Baseline version ${b.version} agreed by ${options.names === false ? 'the partnership' : b.agreed_by_name}, baseline period ${b.baseline_label}: ${fit.text}`,
        date: b.agreed_at,
      });
    }
  }
  return result;
}

/**
 * Places marks on a chart by its period labels. A mark whose period is outside the chart is left off it (it stays in
 * the table); a story's span is cut to the periods the chart shows.
 */
export function placeMarks(chart: Pick<ChartModel, 'labels'>, periodType: PeriodType, marks: readonly MarkRecord[]): { marks: ChartMark[]; rows: MarkRow[] } {
  const index = new Map(chart.labels.map((label, i) => [label, i]));
  const placed: ChartMark[] = [];
  const rows: MarkRow[] = [];
  for (const m of marks) {
    let at: number | undefined;
    let to: number | undefined;
    if (m.from !== null && m.to !== null) {
      for (let p = m.from; p <= m.to && p - m.from < 1200; p++) {
        const i = index.get(periodLabel(periodType, p));
        if (i === undefined) continue;
        at ??= i;
        to = i;
      }
    }
    const onChart = at !== undefined;
    if (onChart) placed.push({ kind: m.kind, at: at!, ...(m.kind === 'story' && to !== at ? { to } : {}), label: m.label, description: m.description });
    rows.push({
      kind: m.kind,
      kindText: MARK_KIND_TEXT[m.kind],
      period: m.from === null ? 'Not known' : m.to !== null && m.to !== m.from ? `${periodLabel(periodType, m.from)} to ${periodLabel(periodType, m.to)}` : periodLabel(periodType, m.from),
      what: m.description,
      date: m.date ? format.date(m.date) : 'Not set',
      onChart,
    });
  }
  return { marks: placed, rows };
}

/**
 * Finds an indicator's marks and places them on its main chart (the one with the local figures or the gap, and the
 * forecast). Returns the rows of the table "Marks on the chart", every mark whether on the chart or not.
 */
export async function markMainChart(
  db: Kysely<DB>,
  partnershipId: string,
  indicator: { id: string; period_type: string; decimals: number },
  charts: readonly { chart: ChartModel }[],
): Promise<MarkRow[]> {
  const found = await findMarks(db, partnershipId, indicator);
  const main = charts.find((c) => c.chart.id === 'chart-main')?.chart;
  const placed = placeMarks(main ?? { labels: [] }, indicator.period_type as PeriodType, found);
  if (main) main.marks = placed.marks;
  return placed.rows;
}
