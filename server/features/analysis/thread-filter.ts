// The scorecard's golden-thread filter (issue 18): an indicator follows a thread when an action linked to it follows a
// case study with that thread. Which indicators do is read on every request, outside the scorecard's cache, because
// linking a case study to an action does not change the partnership's data version; the codes then join the filters,
// which are part of the cache key, so a cached table is never one for an older set of links.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { listThreadIndicatorCodes } from '../library/queries.ts';

export interface ThreadFilter {
  /** The threads to choose from, in order, each with how many of the partnership's indicators follow it. */
  options: { value: string; text: string }[];
  /** What the filters gain: the thread's slug and its indicators' codes; nothing when no thread (or an unknown one) was asked for. */
  filters: { thread?: string; threadCodes?: string[] };
  chosen: { slug: string; name: string } | null;
  /** The slug asked for when no golden thread has it. */
  unknown: string | null;
}

/** `?thread=` as asked: an empty value is no filter; anything else is looked up (and named if unknown). */
const threadQuery = z.object({ thread: z.preprocess((v) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 100) : undefined), z.string().optional()) });

export async function scorecardThreadFilter(db: Kysely<DB>, partnershipId: string, query: unknown): Promise<ThreadFilter> {
  const requested = threadQuery.safeParse(query ?? {}).data?.thread;
  const threads = await listThreadIndicatorCodes(db, partnershipId);
  const chosen = requested ? threads.find((t) => t.slug === requested) : undefined;
  return {
    options: threads.map((t) => ({
      value: t.slug,
      text: `${t.number ? `${t.number}. ` : ''}${t.name} (${t.codes.length} indicator${t.codes.length === 1 ? '' : 's'})`,
    })),
    filters: chosen ? { thread: chosen.slug, threadCodes: [...chosen.codes] } : {},
    chosen: chosen ? { slug: chosen.slug, name: chosen.name } : null,
    unknown: requested && !chosen ? requested : null,
  };
}
