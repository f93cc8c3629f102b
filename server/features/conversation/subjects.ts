// What a story, a partner's role or a what-works entry is about: an indicator (a performance measure is one too) or a
// priority. Routes for both live under the subject's own address, and every lookup carries the partnership's id.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { notFound } from '../../http-errors.ts';
import { findIndicatorByCode, type IndicatorDetail } from '../indicators/queries.ts';
import { findPriority } from '../partnerships/queries.ts';
import { findIndicatorCode } from './queries.ts';

export type SubjectKind = 'indicator' | 'priority';

export interface Subject {
  kind: SubjectKind;
  id: string;
  title: string;
  /** The subject's own page. */
  href: string;
  /** Shown above a page's heading: where the subject sits. */
  caption: string;
  /** From the partnership down to the subject itself. */
  breadcrumbs: { href: string; text: string }[];
  indicator?: IndicatorDetail;
}

interface PartnershipRef {
  id: string;
  slug: string;
  name: string;
}

/** The two places a subject's routes hang from, with the param that names it. */
export const SUBJECT_ROUTES = [
  { kind: 'indicator', prefix: '/p/:slug/indicators/:code' },
  { kind: 'priority', prefix: '/p/:slug/priorities/:priorityId' },
] as const satisfies readonly { kind: SubjectKind; prefix: string }[];

const indicatorParams = z.object({ code: z.string().min(1).max(64) });
const priorityParams = z.object({ priorityId: z.uuid() });

export const MEASURE_KIND_QUESTION = {
  how_much: 'How much did we do?',
  how_well: 'How well did we do it?',
  better_off: 'Is anyone better off?',
} as const;

export function indicatorSubject(partnership: PartnershipRef, indicator: IndicatorDetail): Subject {
  const base = `/p/${partnership.slug}`;
  const href = `${base}/indicators/${encodeURIComponent(indicator.code)}`;
  const home = { href: base, text: partnership.name };
  if (indicator.programme_id) {
    const question = indicator.measure_kind ? MEASURE_KIND_QUESTION[indicator.measure_kind] : '';
    return {
      kind: 'indicator',
      id: indicator.id,
      title: indicator.title,
      href,
      caption: `Performance measure · ${indicator.programme_name ?? ''}${question ? ` · ${question}` : ''}`,
      breadcrumbs: [
        home,
        { href: `${base}/programmes`, text: 'Programmes and services' },
        { href: `${base}/programmes/${indicator.programme_id}`, text: indicator.programme_name ?? 'Programme' },
        { href, text: indicator.title },
      ],
      indicator,
    };
  }
  return {
    kind: 'indicator',
    id: indicator.id,
    title: indicator.title,
    href,
    caption: `${indicator.outcome_title ?? ''} · ${indicator.priority_title ?? ''}`,
    breadcrumbs: [
      home,
      { href: `${base}/priorities/${indicator.priority_id}`, text: indicator.priority_title ?? 'Priority' },
      { href, text: indicator.title },
    ],
    indicator,
  };
}

export function prioritySubject(partnership: PartnershipRef, priority: { id: string; title: string; outcome_title?: string }): Subject {
  const base = `/p/${partnership.slug}`;
  const href = `${base}/priorities/${priority.id}`;
  return {
    kind: 'priority',
    id: priority.id,
    title: priority.title,
    href,
    caption: priority.outcome_title ?? 'Priority',
    breadcrumbs: [{ href: base, text: partnership.name }, { href, text: priority.title }],
  };
}

/** The subject named by a route's params, in this partnership; anything else is a 404. */
export async function resolveSubject(db: Kysely<DB>, partnership: PartnershipRef, kind: SubjectKind, params: unknown): Promise<Subject> {
  if (kind === 'indicator') {
    const parsed = indicatorParams.safeParse(params);
    if (!parsed.success) throw notFound();
    const indicator = await findIndicatorByCode(db, partnership.id, parsed.data.code);
    if (!indicator) throw notFound();
    return indicatorSubject(partnership, indicator);
  }
  const parsed = priorityParams.safeParse(params);
  if (!parsed.success) throw notFound();
  const priority = await findPriority(db, partnership.id, parsed.data.priorityId);
  if (!priority) throw notFound();
  return prioritySubject(partnership, priority);
}

/** Column values that point a row at its subject. */
export const subjectColumns = (subject: { kind: SubjectKind; id: string }) => ({
  indicator_id: subject.kind === 'indicator' ? subject.id : null,
  priority_id: subject.kind === 'priority' ? subject.id : null,
});

/** The subject a row points at (its indicator_id or priority_id), in this partnership. */
export async function subjectOfRow(db: Kysely<DB>, partnership: PartnershipRef, row: { indicator_id: string | null; priority_id: string | null }): Promise<Subject> {
  if (row.priority_id) return resolveSubject(db, partnership, 'priority', { priorityId: row.priority_id });
  const code = row.indicator_id ? await findIndicatorCode(db, partnership.id, row.indicator_id) : null;
  if (!code) throw notFound();
  return resolveSubject(db, partnership, 'indicator', { code });
}
