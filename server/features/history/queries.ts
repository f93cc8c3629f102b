// Every query of the partnership's "What changed" history: one list, newest first, merged from the plan's changes
// (plan_change), the figures' and targets' audit trail (observation_audit), agreed baselines (baseline versions) and
// story edits (story_version). Every branch is scoped by the partnership's id. Pages are read by keyset on
// (time, key), never by OFFSET: each branch reads at most a page past the cursor, and the merge keeps a page.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../../db/schema.ts';

export const HISTORY_KINDS = ['plan', 'figure', 'target', 'baseline', 'story'] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

export interface HistoryFilter {
  kinds: readonly HistoryKind[];
  userId?: string | null;
  /** Changes at or after this instant. */
  from?: Date | null;
  /** Changes before this instant. */
  to?: Date | null;
  /** Changes older than this one (the last of the previous page). */
  before?: HistoryCursor | null;
}

export interface HistoryCursor {
  /** The change's time as text, to the microsecond, so that no change at the same millisecond is skipped. */
  at: string;
  key: string;
}

export interface HistoryRow {
  at: Date;
  at_text: string;
  key: string;
  kind: HistoryKind;
  user_id: string | null;
  user_name: string | null;
  indicator_id: string | null;
  indicator_code: string | null;
  indicator_title: string | null;
  unit: string | null;
  decimals: number | null;
  rate_base: number | null;
  indicator_kind: string | null;
  /** What changed, shaped by the kind (see each branch below). */
  detail: Record<string, unknown>;
}

/** One branch of the merge: its table's time and key columns and how it names the person, with the shared filters. */
function conditions(at: RawBuilder<unknown>, key: RawBuilder<unknown>, user: RawBuilder<unknown>, filter: HistoryFilter) {
  const where: RawBuilder<unknown>[] = [];
  if (filter.userId) where.push(sql`${user} = ${filter.userId}`);
  if (filter.from) where.push(sql`${at} >= ${filter.from.toISOString()}::timestamptz`);
  if (filter.to) where.push(sql`${at} < ${filter.to.toISOString()}::timestamptz`);
  if (filter.before) {
    // Sent as text and cast in the query: a driver that sends a timestamp parameter through a JS Date would drop the
    // microseconds, and every other change in the same millisecond would be skipped.
    const cursorAt = sql`cast(cast(${filter.before.at} as text) as timestamptz)`;
    where.push(sql`(${at} < ${cursorAt} or (${at} = ${cursorAt} and ${key} collate "C" < cast(${filter.before.key} as text)))`);
  }
  return where;
}

const and = (list: RawBuilder<unknown>[]) => (list.length ? sql` and ${sql.join(list, sql` and `)}` : sql``);

/**
 * A page of the partnership's history, newest first: `limit` rows (ask for one more than shown to know whether there
 * are older ones). Five branches, each reading only this partnership's rows and at most `limit` of them.
 */
export async function listHistory(db: Kysely<DB>, partnershipId: string, filter: HistoryFilter, limit: number): Promise<HistoryRow[]> {
  const kinds = new Set(filter.kinds);
  const branches: RawBuilder<unknown>[] = [];
  const page = (at: string, key: string) => sql`order by ${sql.raw(at)} desc, ${sql.raw(key)} collate "C" desc limit ${limit}`;

  if (kinds.has('plan')) {
    const key = sql`('p:' || pc.id::text)`;
    branches.push(sql`(select pc.at, ${key} as key, 'plan'::text as kind, pc.user_id, null::text as fallback_name,
        case when pc.item_kind = 'indicator' then pc.item_id end as indicator_id,
        jsonb_build_object('itemKind', pc.item_kind, 'itemId', pc.item_id, 'label', pc.item_label, 'action', pc.action,
          'before', pc.before, 'after', pc.after, 'via', pc.via) as detail
      from plan_change pc
      where pc.partnership_id = ${partnershipId}${and(conditions(sql`pc.at`, key, sql`pc.user_id`, filter))}
      ${page('pc.at', "('p:' || pc.id::text)")})`);
  }
  if (kinds.has('figure') || kinds.has('target')) {
    const key = sql`('f:' || a.id::text)`;
    const roles = kinds.has('figure') && kinds.has('target') ? sql`` : kinds.has('target') ? sql` and a.series_role = 'target'` : sql` and a.series_role <> 'target'`;
    branches.push(sql`(select a.at, ${key} as key, case when a.series_role = 'target' then 'target' else 'figure' end as kind, a.user_id, null::text,
        a.indicator_id,
        jsonb_build_object('role', a.series_role, 'series', s.label, 'period', a.period_label, 'periodKey', a.period_key,
          'result', a.result, 'old', a.old, 'new', a.new, 'reason', a.reason, 'via', a.via)
      from observation_audit a
      join series s on s.id = a.series_id
      where a.partnership_id = ${partnershipId}${roles}${and(conditions(sql`a.at`, key, sql`a.user_id`, filter))}
      ${page('a.at', "('f:' || a.id::text)")})`);
  }
  if (kinds.has('baseline')) {
    const key = sql`('b:' || b.id::text)`;
    branches.push(sql`(select b.agreed_at, ${key} as key, 'baseline'::text, b.agreed_by, b.agreed_by_name,
        b.indicator_id,
        jsonb_build_object('version', b.version, 'label', b.baseline_label, 'method', b.method, 'window', b.history_window, 'note', b.note,
          'before', case when p.id is null then null else jsonb_build_object('version', p.version, 'label', p.baseline_label, 'method', p.method, 'window', p.history_window) end)
      from baseline b
      join indicator i on i.id = b.indicator_id
      left join baseline p on p.indicator_id = b.indicator_id and p.version = b.version - 1
      where i.partnership_id = ${partnershipId}${and(conditions(sql`b.agreed_at`, key, sql`b.agreed_by`, filter))}
      ${page('b.agreed_at', "('b:' || b.id::text)")})`);
  }
  if (kinds.has('story')) {
    const key = sql`('s:' || v.id::text)`;
    branches.push(sql`(select v.created_at, ${key} as key, 'story'::text, v.author_id, null::text,
        st.indicator_id,
        jsonb_build_object('priorityId', st.priority_id, 'priorityTitle', pr.title, 'version', v.version, 'periodText', v.period_text,
          'summary', v.summary, 'contributing', v.contributing, 'restricting', v.restricting, 'rootCauses', v.root_causes,
          'changeNote', v.change_note, 'restoredFrom', v.restored_from,
          'before', case when p.id is null then null else jsonb_build_object('version', p.version, 'periodText', p.period_text, 'summary', p.summary,
            'contributing', p.contributing, 'restricting', p.restricting, 'rootCauses', p.root_causes) end)
      from story_version v
      join story st on st.id = v.story_id and st.partnership_id = v.partnership_id
      left join priority pr on pr.id = st.priority_id and pr.partnership_id = st.partnership_id
      left join story_version p on p.story_id = v.story_id and p.version = v.version - 1
      where v.partnership_id = ${partnershipId}${and(conditions(sql`v.created_at`, key, sql`v.author_id`, filter))}
      ${page('v.created_at', "('s:' || v.id::text)")})`);
  }
  if (!branches.length) return [];
  const result = await sql<HistoryRow>`
    select h.at, to_char(h.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at_text, h.key, h.kind, h.user_id,
      coalesce(u.name, h.fallback_name) as user_name, h.indicator_id, i.code as indicator_code, i.title as indicator_title,
      i.unit, i.decimals, i.rate_base, i.kind as indicator_kind, h.detail
    from (${sql.join(branches, sql` union all `)}) as h (at, key, kind, user_id, fallback_name, indicator_id, detail)
    left join app_user u on u.id = h.user_id
    left join indicator i on i.id = h.indicator_id and i.partnership_id = ${partnershipId}
    order by h.at desc, h.key collate "C" desc
    limit ${limit}`.execute(db);
  return result.rows;
}

/** The people the person filter offers: the partnership's members, by name. */
export async function listPeople(db: Kysely<DB>, partnershipId: string): Promise<{ id: string; name: string }[]> {
  return db
    .selectFrom('membership')
    .innerJoin('app_user', 'app_user.id', 'membership.user_id')
    .select(['app_user.id', 'app_user.name'])
    .where('membership.partnership_id', '=', partnershipId)
    .orderBy('app_user.name')
    .execute();
}
