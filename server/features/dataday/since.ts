// "Since the last data day": two dates compared — which curves turned, which got worse, what data arrived and which
// stories changed. The figures as they stood at each date come from the audit trail of figures (each saved change
// keeps the figure it replaced), and each date is judged against the baseline version agreed by then, so a curve
// is compared with what the partnership knew and had agreed at the time.
import type { Kysely } from 'kysely';
import type { DB, Marker, ObservationStatus, SeriesRole } from '../../db/schema.ts';
import type { FigureJson } from '../../db/schema-data.ts';
import * as format from '../../format.ts';
import { STATUS, type StatusCode } from '../analysis/labels.ts';
import { analyse } from '../analysis/service.ts';
import type { ObservationLike } from '../indicators/measure.ts';
import { listIndicators } from '../indicators/queries.ts';
import { listOutcomes, listPriorities } from '../partnerships/queries.ts';
import { groupBy, type PartnershipSettings } from './figures.ts';
import { listAllBaselines, listFigureChangesAfter, listFiguresWithTimes, listStoryVersionsBetween } from './queries.ts';

const TURNED: readonly StatusCode[] = ['turned', 'turning'];

/** The last moment of a day in England (the day's data day counts as that day, whatever the clocks say). */
export function endOfDayInEngland(date: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const nextMidnightUtc = Date.UTC(y, m - 1, d + 1);
  const offset = englandOffsetMinutes(new Date(nextMidnightUtc));
  return new Date(nextMidnightUtc - offset * 60_000 - 1);
}

function englandOffsetMinutes(at: Date): number {
  const name = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

interface StatusAt {
  code: StatusCode;
  label: string;
  tag: string;
  sentence: string;
}

export interface CurveChange {
  code: string;
  title: string;
  priority: string;
  before: StatusAt;
  after: StatusAt;
  change: 'turned' | 'worse' | 'slipped' | 'same';
}

export interface Arrival {
  code: string;
  title: string;
  added: string[];
  revised: string[];
}

export interface StoryChange {
  title: string;
  href: string;
  versionsHref: string;
  fromVersion: number;
  toVersion: number;
  count: number;
  lastDate: string;
  periodText: string;
}

export interface SinceComparison {
  from: string;
  to: string;
  fromText: string;
  toText: string;
  curves: CurveChange[];
  turned: CurveChange[];
  worse: CurveChange[];
  arrivals: Arrival[];
  figuresAdded: number;
  figuresRevised: number;
  stories: StoryChange[];
}

type FigureAt = { value: number | null; marker: Marker | null; status: ObservationStatus } | null;

const sameFigure = (a: NonNullable<FigureAt>, b: NonNullable<FigureAt>) => a.value === b.value && a.marker === b.marker && a.status === b.status;

export async function compareSince(
  db: Kysely<DB>,
  partnership: PartnershipSettings & { slug: string },
  from: string,
  to: string,
  now = new Date(),
): Promise<SinceComparison> {
  const fromAt = endOfDayInEngland(from);
  const toAt = new Date(Math.min(endOfDayInEngland(to).getTime(), now.getTime()));
  const pid = partnership.id;
  const [outcomes, priorities, indicators, figures, changes, baselines, storyVersions] = await Promise.all([
    listOutcomes(db, pid),
    listPriorities(db, pid),
    listIndicators(db, pid),
    listFiguresWithTimes(db, pid),
    listFigureChangesAfter(db, pid, fromAt),
    listAllBaselines(db, pid),
    listStoryVersionsBetween(db, pid, fromAt, toAt),
  ]);

  // The first saved change after a moment holds, as its `old`, the figure as it stood at that moment.
  const changesOf = groupBy(changes, (c) => `${c.series_id}|${c.period_key}`);
  function figureAt(row: (typeof figures)[number], at: Date): FigureAt {
    const after = changesOf.get(`${row.series_id}|${row.period_key}`)?.find((c) => c.at > at);
    if (after) return after.old ? pick(after.old) : null;
    return row.updated_at <= at ? { value: row.value, marker: row.marker, status: row.status } : null;
  }

  // Structure order: outcome, priority, indicator.
  const priorityOrder = new Map<string, number>();
  for (const o of outcomes) for (const p of priorities.filter((p) => p.outcome_id === o.id)) priorityOrder.set(p.id, priorityOrder.size);
  const priorityTitle = new Map(priorities.map((p) => [p.id, p.title]));
  const ordered = [...indicators].sort((a, b) => (priorityOrder.get(a.priority_id!) ?? 0) - (priorityOrder.get(b.priority_id!) ?? 0));

  const figuresOf = groupBy(figures, (f) => f.indicator_id);
  const baselinesOf = groupBy(baselines, (b) => b.indicator_id);
  const curves: CurveChange[] = [];
  const arrivals: Arrival[] = [];
  let figuresAdded = 0;
  let figuresRevised = 0;
  for (const indicator of ordered) {
    const rows = figuresOf.get(indicator.id) ?? [];
    const at = (moment: Date): ObservationLike[] =>
      rows.flatMap((r) => {
        const f = figureAt(r, moment);
        return f ? [{ role: r.role as SeriesRole, period_position: r.period_position, period_label: r.period_label, value: f.value, marker: f.marker, status: f.status }] : [];
      });
    const baselineAt = (moment: Date) => (baselinesOf.get(indicator.id) ?? []).filter((b) => b.agreed_at <= moment).at(-1) ?? null;
    const judge = (moment: Date): StatusAt => {
      const status = analyse(indicator, at(moment), baselineAt(moment), partnership.rag_rule).status;
      return { code: status.code, label: STATUS[status.code].label, tag: STATUS[status.code].tag, sentence: status.sentence };
    };
    const before = judge(fromAt);
    const after = judge(toAt);
    const change: CurveChange['change'] =
      TURNED.includes(after.code) && !TURNED.includes(before.code) ? 'turned'
      : after.code === 'worse' && before.code !== 'worse' ? 'worse'
      : TURNED.includes(before.code) && !TURNED.includes(after.code) ? 'slipped'
      : 'same';
    curves.push({ code: indicator.code, title: indicator.title, priority: priorityTitle.get(indicator.priority_id!) ?? '', before, after, change });

    const spec = format.unitSpecOf(indicator, 'groups');
    const text = (f: NonNullable<FigureAt>) => `${format.observation(f, spec)}${f.status === 'provisional' ? ' (provisional)' : ''}`;
    const arrival: Arrival = { code: indicator.code, title: indicator.title, added: [], revised: [] };
    for (const r of rows) {
      const was = figureAt(r, fromAt);
      const now = figureAt(r, toAt);
      if (!now) continue;
      if (!was) arrival.added.push(`${r.series_label} ${r.period_label}: ${text(now)}`);
      else if (!sameFigure(was, now)) arrival.revised.push(`${r.series_label} ${r.period_label}: ${text(was)} → ${text(now)}`);
    }
    if (arrival.added.length || arrival.revised.length) {
      figuresAdded += arrival.added.length;
      figuresRevised += arrival.revised.length;
      arrivals.push(arrival);
    }
  }

  const stories: StoryChange[] = [];
  for (const versions of groupBy(storyVersions, (v) => v.story_id).values()) {
    const first = versions[0]!;
    const last = versions.at(-1)!;
    const href = first.indicator_id
      ? `/p/${partnership.slug}/indicators/${encodeURIComponent(first.indicator_code ?? '')}`
      : `/p/${partnership.slug}/priorities/${first.priority_id}`;
    stories.push({
      title: first.indicator_title ?? (first.priority_title ? `Priority: ${first.priority_title}` : 'A story'),
      href,
      versionsHref: `${href}/story/versions`,
      fromVersion: first.version - 1,
      toVersion: last.version,
      count: versions.length,
      lastDate: format.date(last.created_at),
      periodText: last.period_text,
    });
  }

  return {
    from,
    to,
    fromText: format.date(fromAt),
    toText: format.date(toAt),
    curves,
    turned: curves.filter((c) => c.change === 'turned'),
    worse: curves.filter((c) => c.change === 'worse' || c.change === 'slipped'),
    arrivals,
    figuresAdded,
    figuresRevised,
    stories,
  };
}

function pick(figure: FigureJson) {
  return { value: figure.value, marker: figure.marker, status: figure.status };
}
