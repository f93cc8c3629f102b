import { sql, type Kysely, type Transaction } from 'kysely';
import type { Period } from '../../analysis/periods.ts';
import type { DB, RagRule, Role } from '../../db/schema.ts';
import type { ReminderDelivery, ReminderEmailState, ReminderKind } from '../../db/schema-reminders.ts';

// Every query of the reminders: what is due (actions, returns, stories), the notices themselves, the email outbox
// (claimed with FOR UPDATE SKIP LOCKED) and people's preferences. The pass is in pass.ts, sending in send.ts.

// ---- What is due -------------------------------------------------------------------------------------------------

export interface PartnershipForReminders {
  id: string;
  slug: string;
  name: string;
  /** Moves with any change to the partnership's figures, baselines or structure (the curves' notices need no other). */
  data_version: string;
  rag_rule: RagRule;
}

export async function listPartnerships(db: Kysely<DB>): Promise<PartnershipForReminders[]> {
  return db.selectFrom('partnership').select(['id', 'slug', 'name', 'rag_rule', 'data_version']).orderBy('slug').execute();
}

/** Members of a partnership with exactly this role (the audience of a kind of notice). */
export async function listMembersWithRole(db: Kysely<DB>, partnershipId: string, role: Role): Promise<string[]> {
  const rows = await db.selectFrom('membership').select('user_id').where('partnership_id', '=', partnershipId).where('role', '=', role).execute();
  return rows.map((r) => r.user_id);
}

/**
 * Open actions with an owner who is still a member of the action's partnership, with their due date and the day their
 * status last changed (a progress update that moved it, or the day it was created).
 */
export async function listOpenOwnedActions(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('action')
    .innerJoin('membership', (join) => join.onRef('membership.user_id', '=', 'action.owner_id').onRef('membership.partnership_id', '=', 'action.partnership_id'))
    .select(['action.id', 'action.title', 'action.owner_id'])
    .select([
      sql<string | null>`action.due_date::text`.as('due_date'),
      sql<string>`coalesce((select max(u.created_at) from action_update u where u.action_id = action.id and u.status_to is not null), action.created_at)::date::text`.as('status_since'),
    ])
    .where('action.partnership_id', '=', partnershipId)
    .where('action.status', '<>', 'done')
    .execute()
    .then((rows) => rows.map((r) => ({ ...r, owner_id: r.owner_id! })));
}

/** How many of the partnership's indicators measured by a period's type have no figure for it yet. */
export async function countMissingFigures(db: Kysely<DB>, partnershipId: string, period: Period): Promise<number> {
  const row = await sql<{ missing: number }>`
    select count(*)::int as missing from indicator i
    where i.partnership_id = ${partnershipId} and i.period_type = ${period.type} and i.retired_at is null
      and not exists (
        select 1 from series s join observation o on o.series_id = s.id
        where s.indicator_id = i.id and s.role in ('local', 'focus', 'comparison') and o.period_key = ${period.key}
      )`.execute(db);
  return Number(row.rows[0]?.missing ?? 0);
}

/**
 * Each indicator's story (on the indicator itself) with when it was last written, and the indicator's latest measured
 * figure (the latest period with a value) with when that was entered.
 */
export async function listStoriesAndLatestFigures(db: Kysely<DB>, partnershipId: string) {
  const result = await sql<{ story_id: string; indicator_id: string; code: string; title: string; story_at: Date; period_key: string; period_label: string; figure_at: Date }>`
    select st.id as story_id, i.id as indicator_id, i.code, i.title,
           (select max(v.created_at) from story_version v where v.story_id = st.id) as story_at,
           latest.period_key, latest.period_label, latest.updated_at as figure_at
    from story st
    join indicator i on i.id = st.indicator_id and i.retired_at is null
    join lateral (
      select o.period_key, o.period_label, o.period_position, max(o.updated_at) as updated_at
      from series s join observation o on o.series_id = s.id
      where s.indicator_id = i.id and s.role in ('local', 'focus', 'comparison') and o.value is not null
      group by o.period_key, o.period_label, o.period_position
      order by o.period_position desc limit 1
    ) latest on true
    where st.partnership_id = ${partnershipId}`.execute(db);
  return result.rows;
}

// ---- Notices -------------------------------------------------------------------------------------------------------

export interface NewReminder {
  user_id: string;
  partnership_id: string;
  kind: ReminderKind;
  subject_id: string;
  occasion: string;
  title: string;
  body: string;
  link: string;
  due_on: string | null;
  email_state: ReminderEmailState;
  /** The pass's clock, so a digest's week holds what the pass found in it. */
  created_at: Date;
}

/** Queues notices; one already queued for the same person, kind, thing and occasion is left as it is. */
export async function insertReminders(db: Kysely<DB>, rows: NewReminder[]): Promise<number> {
  let inserted = 0;
  for (let at = 0; at < rows.length; at += 200) {
    const result = await db
      .insertInto('reminder')
      .values(rows.slice(at, at + 200))
      .onConflict((oc) => oc.columns(['user_id', 'kind', 'subject_id', 'occasion']).doNothing())
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return inserted;
}

/**
 * The notices a person may see: their own, in partnerships they are still a member of, with a role that may open the
 * page each links to (a return needs an officer). `needsOfficer` lists the kinds that need one.
 */
function visibleReminders(db: Kysely<DB>, userId: string, needsOfficer: readonly ReminderKind[]) {
  return db
    .selectFrom('reminder')
    .innerJoin('membership', (join) => join.onRef('membership.user_id', '=', 'reminder.user_id').onRef('membership.partnership_id', '=', 'reminder.partnership_id'))
    .innerJoin('partnership', 'partnership.id', 'reminder.partnership_id')
    .where('reminder.user_id', '=', userId)
    .where('reminder.dismissed_at', 'is', null)
    .where((eb) => (needsOfficer.length ? eb.or([eb('reminder.kind', 'not in', needsOfficer), eb('membership.role', '<>', 'viewer')]) : eb.lit(true)));
}

export async function listReminders(db: Kysely<DB>, userId: string, needsOfficer: readonly ReminderKind[]) {
  return visibleReminders(db, userId, needsOfficer)
    .select(['reminder.id', 'reminder.kind', 'reminder.title', 'reminder.body', 'reminder.created_at', 'reminder.read_at', 'partnership.name as partnership_name'])
    .select(sql<string | null>`reminder.due_on::text`.as('due_on'))
    .orderBy(sql`reminder.read_at is not null`)
    .orderBy('reminder.created_at', 'desc')
    .limit(200)
    .execute();
}

export async function countUnread(db: Kysely<DB>, userId: string, needsOfficer: readonly ReminderKind[]): Promise<number> {
  const row = await visibleReminders(db, userId, needsOfficer).where('reminder.read_at', 'is', null).select(sql<number>`count(*)::int`.as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Marks a person's notice read and says where it leads; undefined when it is not theirs to open. */
export async function openReminder(db: Kysely<DB>, userId: string, reminderId: string, needsOfficer: readonly ReminderKind[], now: Date): Promise<string | undefined> {
  const found = await visibleReminders(db, userId, needsOfficer).select(['reminder.id', 'reminder.link']).where('reminder.id', '=', reminderId).executeTakeFirst();
  if (!found) return undefined;
  await db.updateTable('reminder').set({ read_at: sql<Date>`coalesce(read_at, ${now.toISOString()}::timestamptz)` }).where('id', '=', found.id).execute();
  return found.link;
}

/** Dismisses a person's notice (gone from their list, and no email is sent for it any more); false when not theirs. */
export async function dismissReminder(db: Kysely<DB>, userId: string, reminderId: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('reminder')
    .set({ dismissed_at: now, read_at: sql<Date>`coalesce(read_at, ${now.toISOString()}::timestamptz)`, email_state: sql<ReminderEmailState>`case when email_state = 'pending' then 'none' else email_state end` })
    .where('id', '=', reminderId)
    .where('user_id', '=', userId)
    .where('dismissed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

// ---- Preferences ---------------------------------------------------------------------------------------------------

export async function listPreferences(db: Kysely<DB>, userId: string): Promise<Map<string, ReminderDelivery>> {
  const rows = await db.selectFrom('reminder_preference').select(['kind', 'delivery']).where('user_id', '=', userId).execute();
  return new Map(rows.map((r) => [r.kind, r.delivery]));
}

export async function listAllPreferences(db: Kysely<DB>): Promise<Map<string, ReminderDelivery>> {
  const rows = await db.selectFrom('reminder_preference').select(['user_id', 'kind', 'delivery']).execute();
  return new Map(rows.map((r) => [`${r.user_id}:${r.kind}`, r.delivery]));
}

export async function savePreferences(db: Kysely<DB>, userId: string, choices: { kind: string; delivery: ReminderDelivery }[]): Promise<void> {
  if (!choices.length) return;
  await db
    .insertInto('reminder_preference')
    .values(choices.map((c) => ({ user_id: userId, ...c })))
    .onConflict((oc) => oc.columns(['user_id', 'kind']).doUpdateSet({ delivery: (eb) => eb.ref('excluded.delivery') }))
    .execute();
}

/** Every member's roles, by person: who gets the weekly digest by default, and who may still be told what. */
export async function listMemberships(db: Kysely<DB>) {
  return db.selectFrom('membership').select(['user_id', 'partnership_id', 'role']).execute();
}

// ---- The email outbox ----------------------------------------------------------------------------------------------

export interface ClaimedReminder {
  id: string;
  user_id: string;
  partnership_id: string;
  kind: ReminderKind;
  title: string;
  body: string;
  link: string;
  due_on: string | null;
  email_attempts: number;
  email: string;
  name: string;
  partnership_name: string;
  role: Role | null;
}

/**
 * Claims up to `limit` notices whose email is due (or whose earlier claim outlived its lease: its worker died), in one
 * short statement: rows another worker holds are skipped, not waited for, so two instances never claim one notice.
 */
export async function claimReminderEmails(trx: Transaction<DB>, claim: string, now: Date, leaseMs: number, limit: number): Promise<ClaimedReminder[]> {
  const at = now.toISOString();
  const staleBefore = new Date(now.getTime() - leaseMs).toISOString();
  const result = await sql<ClaimedReminder>`
    with picked as (
      select r.id from reminder r
      where (r.email_state = 'pending' and (r.email_next_at is null or r.email_next_at <= ${at}::timestamptz))
         or (r.email_state = 'sending' and r.email_claimed_at < ${staleBefore}::timestamptz)
      order by r.created_at
      limit ${limit}
      for update skip locked
    ), claimed as (
      update reminder set email_state = 'sending', email_claim = ${claim}, email_claimed_at = ${at}::timestamptz, email_attempts = reminder.email_attempts + 1
      from picked where reminder.id = picked.id
      returning reminder.*
    )
    select c.id, c.user_id, c.partnership_id, c.kind, c.title, c.body, c.link, c.due_on::text as due_on, c.email_attempts,
           u.email, u.name, p.name as partnership_name, m.role
    from claimed c
    join app_user u on u.id = c.user_id
    join partnership p on p.id = c.partnership_id
    left join membership m on m.user_id = c.user_id and m.partnership_id = c.partnership_id`.execute(trx);
  return result.rows;
}

/** Records a sent email, if the claim is still ours. */
export async function markReminderSent(db: Kysely<DB>, id: string, claim: string, messageId: string, now: Date): Promise<void> {
  await db.updateTable('reminder').set({ email_state: 'sent', email_sent_at: now, email_message_id: messageId, email_error: null }).where('id', '=', id).where('email_claim', '=', claim).execute();
}

/** A notice that is not to be emailed after all (preference changed, no longer a member): kept in the app only. */
export async function markReminderNotEmailed(db: Kysely<DB>, id: string, claim: string, state: 'none' | 'digest'): Promise<void> {
  await db.updateTable('reminder').set({ email_state: state }).where('id', '=', id).where('email_claim', '=', claim).execute();
}

export async function markReminderFailed(db: Kysely<DB>, id: string, claim: string, error: string, retryAt: Date): Promise<void> {
  await db.updateTable('reminder').set({ email_state: 'pending', email_error: error.slice(0, 500), email_next_at: retryAt }).where('id', '=', id).where('email_claim', '=', claim).execute();
}

/** The weekly digest: queued once per person per week. */
export async function queueDigests(db: Kysely<DB>, userIds: string[], weekStart: string): Promise<number> {
  if (!userIds.length) return 0;
  const result = await db
    .insertInto('reminder_digest')
    .values(userIds.map((user_id) => ({ user_id, week_start: weekStart })))
    .onConflict((oc) => oc.columns(['user_id', 'week_start']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

export interface ClaimedDigest {
  user_id: string;
  week_start: string;
  email_attempts: number;
  email: string;
  name: string;
}

export async function claimDigestEmails(trx: Transaction<DB>, claim: string, now: Date, leaseMs: number, limit: number): Promise<ClaimedDigest[]> {
  const at = now.toISOString();
  const staleBefore = new Date(now.getTime() - leaseMs).toISOString();
  const result = await sql<ClaimedDigest>`
    with picked as (
      select d.user_id, d.week_start from reminder_digest d
      where (d.email_state = 'pending' and (d.email_next_at is null or d.email_next_at <= ${at}::timestamptz))
         or (d.email_state = 'sending' and d.email_claimed_at < ${staleBefore}::timestamptz)
      order by d.created_at
      limit ${limit}
      for update skip locked
    ), claimed as (
      update reminder_digest d set email_state = 'sending', email_claim = ${claim}, email_claimed_at = ${at}::timestamptz, email_attempts = d.email_attempts + 1
      from picked where d.user_id = picked.user_id and d.week_start = picked.week_start
      returning d.*
    )
    select c.user_id, c.week_start::text as week_start, c.email_attempts, u.email, u.name
    from claimed c join app_user u on u.id = c.user_id`.execute(trx);
  return result.rows;
}

export async function markDigest(db: Kysely<DB>, digest: { user_id: string; week_start: string }, claim: string, values: { sent: true; messageId: string; now: Date } | { sent: false; error: string; retryAt: Date }) {
  const set = values.sent
    ? { email_state: 'sent' as const, email_sent_at: values.now, email_message_id: values.messageId, email_error: null }
    : { email_state: 'pending' as const, email_error: values.error.slice(0, 500), email_next_at: values.retryAt };
  await db.updateTable('reminder_digest').set(set).where('user_id', '=', digest.user_id).where('week_start', '=', digest.week_start).where('email_claim', '=', claim).execute();
}

/** What a person's digest lists: their notices of the seven days before it, in partnerships they still belong to. */
export async function listDigestItems(db: Kysely<DB>, userId: string, since: Date, until: Date) {
  return db
    .selectFrom('reminder')
    .innerJoin('membership', (join) => join.onRef('membership.user_id', '=', 'reminder.user_id').onRef('membership.partnership_id', '=', 'reminder.partnership_id'))
    .innerJoin('partnership', 'partnership.id', 'reminder.partnership_id')
    .select(['reminder.id', 'reminder.kind', 'reminder.title', 'reminder.link', 'membership.role', 'partnership.name as partnership_name'])
    .where('reminder.user_id', '=', userId)
    .where('reminder.dismissed_at', 'is', null)
    .where('reminder.created_at', '>=', since)
    .where('reminder.created_at', '<', until)
    .orderBy('partnership.name')
    .orderBy('reminder.created_at')
    .execute();
}

/** Emails that failed and wait to be tried again, for the site admins' page: none is ever dropped. */
export async function listEmailProblems(db: Kysely<DB>) {
  const result = await sql<{ what: string; email: string; title: string; attempts: number; error: string; next_at: Date | null }>`
    select 'notice' as what, u.email, r.title, r.email_attempts as attempts, r.email_error as error, r.email_next_at as next_at
    from reminder r join app_user u on u.id = r.user_id
    where r.email_error is not null and r.email_state in ('pending', 'sending')
    union all
    select 'weekly digest', u.email, 'Week of ' || d.week_start::text, d.email_attempts, d.email_error, d.email_next_at
    from reminder_digest d join app_user u on u.id = d.user_id
    where d.email_error is not null and d.email_state in ('pending', 'sending')
    order by 6 nulls first limit 500`.execute(db);
  return result.rows;
}

/** Who had notices (not dismissed) queued between two moments: the people a week's digest may go to. */
export async function listUsersWithNoticesBetween(db: Kysely<DB>, since: Date, until: Date): Promise<string[]> {
  const rows = await db.selectFrom('reminder').select('user_id').distinct().where('dismissed_at', 'is', null).where('created_at', '>=', since).where('created_at', '<', until).execute();
  return rows.map((r) => r.user_id);
}

export async function userExists(db: Kysely<DB>, userId: string): Promise<boolean> {
  return (await db.selectFrom('app_user').select('id').where('id', '=', userId).executeTakeFirst()) !== undefined;
}

// ---- Verified addresses (migration 0021) --------------------------------------------------------------------------

export interface AddressState {
  user_id: string;
  name: string;
  email: string;
  verified_email: string | null;
  verified_at: Date | null;
  link_sent_email: string | null;
  link_sent_at: Date | null;
  password_link_used: boolean;
}

/** What is known of people's addresses: the verified one (if any), the last link sent, a password set from a link. */
export async function listAddressStates(db: Kysely<DB>, userIds: readonly string[]): Promise<AddressState[]> {
  if (!userIds.length) return [];
  const rows = await db
    .selectFrom('app_user as u')
    .leftJoin('reminder_address as a', 'a.user_id', 'u.id')
    .select(['u.id as user_id', 'u.name', 'u.email', 'a.verified_at', 'a.link_sent_at', 'a.email as address_email'])
    .select(sql<boolean>`exists (select 1 from set_password_link l where l.user_id = u.id and l.used_at is not null)`.as('password_link_used'))
    .where('u.id', 'in', [...new Set(userIds)])
    .execute();
  return rows.map((r) => ({
    user_id: r.user_id,
    name: r.name,
    email: r.email,
    verified_email: r.verified_at ? r.address_email : null,
    verified_at: r.verified_at,
    link_sent_email: r.link_sent_at ? r.address_email : null,
    link_sent_at: r.link_sent_at,
    password_link_used: Boolean(r.password_link_used),
  }));
}

/**
 * Takes the right to send a verification link to a person's current address: true for exactly one caller while no
 * link has been sent to that address (or, with `resendAfter`, none since then). A verified earlier address is
 * forgotten when the address has changed.
 */
export async function claimVerificationLink(db: Kysely<DB>, userId: string, email: string, now: Date, resendAfter: Date | null = null): Promise<boolean> {
  const result = await sql<{ user_id: string }>`
    insert into reminder_address (user_id, email, link_sent_at) values (${userId}, ${email}, ${now.toISOString()}::timestamptz)
    on conflict (user_id) do update set
      email = excluded.email,
      link_sent_at = excluded.link_sent_at,
      verified_at = case when lower(reminder_address.email) = lower(excluded.email) then reminder_address.verified_at else null end
    where lower(reminder_address.email) <> lower(excluded.email) or reminder_address.link_sent_at is null
       or (${resendAfter?.toISOString() ?? null}::timestamptz is not null and reminder_address.link_sent_at < ${resendAfter?.toISOString() ?? null}::timestamptz)
    returning user_id`.execute(db);
  return result.rows.length > 0;
}

/** A link that could not be sent: the next pass may try again. */
export async function releaseVerificationLink(db: Kysely<DB>, userId: string): Promise<void> {
  await db.updateTable('reminder_address').set({ link_sent_at: null }).where('user_id', '=', userId).execute();
}

/** Records that a person's current address (the one the signed link was for) is theirs. */
export async function markAddressVerified(db: Kysely<DB>, userId: string, email: string, now: Date): Promise<void> {
  await db
    .insertInto('reminder_address')
    .values({ user_id: userId, email, verified_at: now })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ email, verified_at: sql<Date>`coalesce(case when lower(reminder_address.email) = lower(${email}) then reminder_address.verified_at end, ${now.toISOString()}::timestamptz)` }))
    .execute();
}

export async function findUserAddress(db: Kysely<DB>, userId: string) {
  return db.selectFrom('app_user').select(['id', 'name', 'email']).where('id', '=', userId).executeTakeFirst();
}

// ---- More of what is due (migration 0021): update requests, failed imports, old baselines, data days ----------------

/** An action of this partnership with its owner, if the owner is still a member: the one an update is asked of. */
export async function findActionOwner(db: Kysely<DB>, partnershipId: string, actionId: string) {
  return db
    .selectFrom('action')
    .leftJoin('membership', (join) => join.onRef('membership.user_id', '=', 'action.owner_id').onRef('membership.partnership_id', '=', 'action.partnership_id'))
    .select(['action.id', 'action.title', 'action.owner_id', 'membership.user_id as member_id'])
    .where('action.partnership_id', '=', partnershipId)
    .where('action.id', '=', actionId)
    .executeTakeFirst();
}

/** Queues one notice now (an update asked for by a manager); false when the same one is queued already. */
export async function insertReminder(db: Kysely<DB>, row: NewReminder): Promise<boolean> {
  return (await insertReminders(db, [row])) > 0;
}

/** Imports whose checks found problems and that wait, unapplied, since `since`. */
export async function listFailedImports(db: Kysely<DB>, partnershipId: string, since: Date) {
  const result = await sql<{ id: string; file_name: string; problems: number; created_at: Date }>`
    select d.id, d.file_name, coalesce((d.summary->>'problems')::int, 0) as problems, d.created_at
    from data_import d
    where d.partnership_id = ${partnershipId} and d.status = 'preview'
      and coalesce((d.summary->>'problems')::int, 0) > 0 and d.created_at >= ${since.toISOString()}::timestamptz
    order by d.created_at`.execute(db);
  return result.rows.map((r) => ({ ...r, problems: Number(r.problems) }));
}

/** Each live indicator's current baseline (its latest version), with the day it was agreed. */
export async function listCurrentBaselines(db: Kysely<DB>, partnershipId: string) {
  const result = await sql<{ indicator_id: string; code: string; title: string; version: number; baseline_label: string; agreed_on: string }>`
    select i.id as indicator_id, i.code, i.title, b.version, b.baseline_label, (b.agreed_at at time zone 'UTC')::date::text as agreed_on
    from indicator i
    join lateral (select * from baseline b where b.indicator_id = i.id order by b.version desc limit 1) b on true
    where i.partnership_id = ${partnershipId} and i.retired_at is null`.execute(db);
  return result.rows;
}

/**
 * Data days held from `from` to `until` (YYYY-MM-DD), each with what is not ready: of the indicators on its slides
 * (every live indicator when it has none yet), those with no story and those whose latest figure is provisional.
 */
export async function listDataDaysAhead(db: Kysely<DB>, partnershipId: string, from: string, until: string) {
  const days = await db
    .selectFrom('data_day')
    .select(['id', 'title', sql<string>`held_on::text`.as('held_on')])
    .where('partnership_id', '=', partnershipId)
    .where('held_on', '>=', from)
    .where('held_on', '<=', until)
    .orderBy('held_on')
    .execute();
  const out = [];
  for (const day of days) {
    const result = await sql<{ title: string; no_story: boolean; provisional: boolean }>`
      with chosen as (
        select distinct s.indicator_id as id from data_day_slide s where s.data_day_id = ${day.id} and s.indicator_id is not null
      ), indicators as (
        select i.id, i.title from indicator i
        where i.partnership_id = ${partnershipId} and i.retired_at is null
          and (i.id in (select id from chosen) or not exists (select 1 from chosen))
      )
      select x.title,
             not exists (select 1 from story st where st.indicator_id = x.id) as no_story,
             coalesce((
               select o.status = 'provisional' from series se join observation o on o.series_id = se.id
               where se.indicator_id = x.id and se.role in ('local', 'focus', 'comparison') and o.value is not null
               order by o.period_position desc, o.updated_at desc limit 1
             ), false) as provisional
      from indicators x order by x.title`.execute(db);
    out.push({
      ...day,
      noStory: result.rows.filter((r) => r.no_story).map((r) => r.title),
      provisional: result.rows.filter((r) => r.provisional).map((r) => r.title),
    });
  }
  return out;
}

// ---- The return schedule (migration 0021) --------------------------------------------------------------------------

/** Days after a period's end its return is due, as the partnership set it; null when it has not (the default holds). */
export async function findReturnDueDays(db: Kysely<DB>, partnershipId: string): Promise<number | null> {
  const row = await db.selectFrom('reminder_schedule').select('return_due_days').where('partnership_id', '=', partnershipId).executeTakeFirst();
  return row ? Number(row.return_due_days) : null;
}

export async function saveReturnDueDays(db: Kysely<DB>, partnershipId: string, days: number): Promise<void> {
  await db
    .insertInto('reminder_schedule')
    .values({ partnership_id: partnershipId, return_due_days: days })
    .onConflict((oc) => oc.column('partnership_id').doUpdateSet({ return_due_days: days, updated_at: sql<Date>`now()` }))
    .execute();
}
