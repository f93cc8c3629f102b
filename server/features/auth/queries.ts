import { sql, type Kysely } from 'kysely';
import type { DB, RagRule, Role } from '../../db/schema.ts';
import { randomToken, sha256 } from './passwords.ts';

export interface CurrentUser {
  id: string;
  email: string;
  name: string;
  isSiteAdmin: boolean;
}

export interface Caller {
  user: CurrentUser;
  via: 'session' | 'token';
  /** A read-only API token cannot write, whatever the user's role. */
  canWrite: boolean;
  sessionToken?: string;
  tokenId?: string;
  /** A session with a notice waiting to be shown (server/plugins/notices.ts), read with the session itself. */
  hasNotice?: boolean;
}

const userColumns = ['app_user.id', 'app_user.email', 'app_user.name', 'app_user.is_site_admin'] as const;
const toCurrentUser = (row: { id: string; email: string; name: string; is_site_admin: boolean }): CurrentUser => ({
  id: row.id,
  email: row.email,
  name: row.name,
  isSiteAdmin: row.is_site_admin,
});

/** Marks a session as used now: called at most once a minute per session (see findSessionCaller). */
export async function noteSessionUse(db: Kysely<DB>, sessionToken: string): Promise<void> {
  await db.updateTable('user_session').set({ last_seen_at: sql<Date>`now()` as any }).where('id_hash', '=', sha256(sessionToken)).execute();
}

/** Where a session began, as its owner would recognise it on the account page. */
export interface SessionOrigin {
  userAgent: string | null;
  address: string | null;
}

export async function createSession(db: Kysely<DB>, userId: string, hours: number, origin?: SessionOrigin): Promise<string> {
  const token = randomToken();
  await db
    .insertInto('user_session')
    .values({
      id_hash: sha256(token),
      user_id: userId,
      expires_at: sql<Date>`now() + make_interval(hours => ${hours})` as any,
      user_agent: origin?.userAgent ?? null,
      address: origin?.address ?? null,
    })
    .execute();
  return token;
}

export async function deleteSession(db: Kysely<DB>, sessionToken: string): Promise<void> {
  await db.deleteFrom('user_session').where('id_hash', '=', sha256(sessionToken)).execute();
}

/** Ends every session of a user but the one given (after a password change). */
export async function deleteOtherSessions(db: Kysely<DB>, userId: string, keepToken?: string): Promise<void> {
  let query = db.deleteFrom('user_session').where('user_id', '=', userId);
  if (keepToken) query = query.where('id_hash', '<>', sha256(keepToken));
  await query.execute();
}

/**
 * Records that a token was used, at most once a minute per token: a full log of every API call would be a write per
 * request, and the minute is enough to answer "was this token used, and when".
 */
export async function noteTokenUse(db: Kysely<DB>, tokenId: string, userId: string, address: string): Promise<void> {
  const updated = await db
    .updateTable('api_token')
    .set({ last_used_at: sql<Date>`now()` as any })
    .where('id', '=', tokenId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) {
    await recordSecurityEvent(db, { kind: 'token_used', userId, address, detail: { tokenId } });
  }
}

export async function findUserByEmail(db: Kysely<DB>, email: string) {
  return db
    .selectFrom('app_user')
    .select([...userColumns, 'app_user.password_hash'])
    .where(sql`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();
}

/** How a throttle counts: attempts allowed before waiting, the first wait (it doubles with each attempt after). */
export interface ThrottleRule {
  free: number;
  firstWaitSeconds: number;
}

/** The wait after `attempts` (a column or value) under a rule: none within the free attempts, then doubling, at most a day. */
const waitAfter = (attempts: ReturnType<typeof sql.ref>, rule: ThrottleRule) =>
  sql`make_interval(secs => case when ${attempts} < ${rule.free} then 0
    else least(${rule.firstWaitSeconds}::float8 * power(2, least(${attempts} - ${rule.free}, 20)), 86400) end)`;

/**
 * Counts one attempt against a throttle if it may be made now, in one statement: concurrent attempts each see the
 * count after their own, so no more than the rule allows ever get through. A counter left alone for a day after its
 * wait is forgotten. Returns the count, or null when the attempt must wait (and was not counted).
 */
export async function countAttempt(db: Kysely<DB>, key: string, rule: ThrottleRule): Promise<number | null> {
  const attempts = sql.ref('sign_in_throttle.attempts');
  const wait = waitAfter(attempts, rule);
  const { rows } = await sql<{ attempts: number }>`
    insert into sign_in_throttle (key, attempts, last_at) values (${key}, 1, now())
    on conflict (key) do update set
      attempts = case when sign_in_throttle.last_at + ${wait} + interval '1 day' <= now() then 1 else sign_in_throttle.attempts + 1 end,
      last_at = now()
    where sign_in_throttle.attempts < ${rule.free} or sign_in_throttle.last_at + ${wait} <= now()
    returning attempts`.execute(db);
  return rows[0] ? Number(rows[0].attempts) : null;
}

/** How long until a throttle admits its next attempt, in whole seconds (at least 1). */
export async function secondsUntilAdmitted(db: Kysely<DB>, key: string, rule: ThrottleRule): Promise<number> {
  const wait = waitAfter(sql.ref('attempts'), rule);
  const row = await db
    .selectFrom('sign_in_throttle')
    .select(sql<number>`ceil(extract(epoch from last_at + ${wait} - now()))::int`.as('seconds'))
    .where('key', '=', key)
    .executeTakeFirst();
  return Math.max(1, Number(row?.seconds ?? 1));
}

/** Gives attempts back (one each): the attempt was not made after all, or it was someone signing in rightly. */
export async function giveBackAttempts(db: Kysely<DB>, keys: string[]): Promise<void> {
  if (!keys.length) return;
  await db
    .updateTable('sign_in_throttle')
    .set({ attempts: sql<number>`greatest(attempts - 1, 0)` })
    .where('key', 'in', keys)
    .execute();
}

export async function clearAttempts(db: Kysely<DB>, key: string): Promise<void> {
  await db.deleteFrom('sign_in_throttle').where('key', '=', key).execute();
}

/** Counters nobody has touched for longer than any wait and its day of memory are of no more use. */
export async function forgetQuietThrottles(db: Kysely<DB>): Promise<void> {
  await db.deleteFrom('sign_in_throttle').where('last_at', '<', sql<Date>`now() - interval '3 days'`).execute();
}

export async function recordSecurityEvent(
  db: Kysely<DB>,
  event: { kind: string; userId?: string | null; partnershipId?: string | null; address?: string | null; detail?: Record<string, unknown> },
) {
  await db
    .insertInto('security_event')
    .values({
      kind: event.kind,
      user_id: event.userId ?? null,
      partnership_id: event.partnershipId ?? null,
      address: event.address ?? null,
      detail: event.detail ?? {},
    })
    .execute();
}

export interface PartnershipAccess {
  /** With what a cached page is keyed by: the data version and the settings that shape what is shown. */
  partnership: { id: string; slug: string; name: string; laName: string | null; data_version: string; rag_rule: RagRule; small_number_threshold: number | null; illustrative?: boolean };
  role: Role | null;
}

const partnershipColumns = [
  'partnership.id as partnership_id',
  'partnership.slug as partnership_slug',
  'partnership.name as partnership_name',
  'partnership.la_name as partnership_la_name',
  'partnership.data_version as partnership_data_version',
  'partnership.rag_rule as partnership_rag_rule',
  'partnership.small_number_threshold as partnership_small_number_threshold',
  'partnership.narrative_illustrative as partnership_illustrative',
  'membership.role as membership_role',
] as const;

type PartnershipRow = {
  partnership_id: string | null;
  partnership_slug: string | null;
  partnership_name: string | null;
  partnership_la_name: string | null;
  partnership_data_version: string | null;
  partnership_rag_rule: RagRule | null;
  partnership_small_number_threshold: number | null;
  partnership_illustrative: boolean | null;
  membership_role: Role | null;
};

function toAccess(row: PartnershipRow): PartnershipAccess | null {
  if (row.partnership_id === null) return null;
  return {
    partnership: {
      id: row.partnership_id,
      slug: row.partnership_slug!,
      name: row.partnership_name!,
      laName: row.partnership_la_name,
      data_version: row.partnership_data_version!,
      rag_rule: row.partnership_rag_rule!,
      small_number_threshold: row.partnership_small_number_threshold,
      illustrative: row.partnership_illustrative === true,
    },
    role: row.membership_role,
  };
}

/**
 * Who a session belongs to and, when a partnership route names one by `slug`, that partnership and the user's role
 * in it: what every signed-in request needs, in one query. `access` is null when no partnership has the slug. A session
 * past its expiry, or unused for `idleMinutes`, is no session. `unusedForAMinute` says when to note its use, so that
 * the write happens at most once a minute, not on every request (the database's clock decides both, not ours).
 */
export async function findSessionCaller(
  db: Kysely<DB>,
  sessionToken: string,
  slug: string | null,
  idleMinutes: number,
): Promise<{ user: CurrentUser; access: PartnershipAccess | null; unusedForAMinute: boolean; hasNotice: boolean } | null> {
  const row = await db
    .selectFrom('user_session')
    .innerJoin('app_user', 'app_user.id', 'user_session.user_id')
    .leftJoin('partnership', (join) => join.on('partnership.slug', '=', slug ?? ''))
    .leftJoin('membership', (join) => join.onRef('membership.partnership_id', '=', 'partnership.id').onRef('membership.user_id', '=', 'app_user.id'))
    .select([
      ...userColumns,
      ...partnershipColumns,
      sql<boolean>`user_session.last_seen_at < now() - interval '1 minute'`.as('unused_for_a_minute'),
      sql<boolean>`user_session.notice is not null`.as('has_notice'),
    ])
    .where('user_session.id_hash', '=', sha256(sessionToken))
    .where('user_session.expires_at', '>', sql<Date>`now()`)
    .where('user_session.last_seen_at', '>', sql<Date>`now() - make_interval(mins => ${idleMinutes})`)
    .executeTakeFirst();
  if (!row) return null;
  return { user: toCurrentUser(row), access: slug === null ? null : toAccess(row), unusedForAMinute: row.unused_for_a_minute, hasNotice: row.has_notice };
}

/** The same for an API token that has not been revoked, with what the token may do and whether to note its use. */
export async function findTokenCaller(db: Kysely<DB>, token: string, slug: string | null) {
  const row = await db
    .selectFrom('api_token')
    .innerJoin('app_user', 'app_user.id', 'api_token.user_id')
    .leftJoin('partnership', (join) => join.on('partnership.slug', '=', slug ?? ''))
    .leftJoin('membership', (join) => join.onRef('membership.partnership_id', '=', 'partnership.id').onRef('membership.user_id', '=', 'app_user.id'))
    .select([
      ...userColumns,
      'api_token.id as token_id',
      'api_token.can_write',
      sql<boolean>`api_token.last_used_at is null or api_token.last_used_at < now() - interval '1 minute'`.as('unused_for_a_minute'),
      ...partnershipColumns,
    ])
    .where('api_token.token_hash', '=', sha256(token))
    .where('api_token.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  return { user: toCurrentUser(row), tokenId: row.token_id, canWrite: row.can_write, unusedForAMinute: row.unused_for_a_minute, access: slug === null ? null : toAccess(row) };
}

export async function listMemberships(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('membership')
    .innerJoin('partnership', 'partnership.id', 'membership.partnership_id')
    .select(['partnership.slug', 'partnership.name', 'partnership.la_name', 'membership.role'])
    .where('membership.user_id', '=', userId)
    .orderBy('partnership.name')
    .execute();
}

export async function getOrCreateSecret(db: Kysely<DB>, key: string): Promise<string> {
  await db
    .insertInto('app_setting')
    .values({ key, value: randomToken(48) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('app_setting').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

/** Keeps what a change did with the session, to be said once on the next page (server/plugins/notices.ts). */
export async function keepNotice(db: Kysely<DB>, sessionToken: string, notice: string): Promise<void> {
  await db.updateTable('user_session').set({ notice }).where('id_hash', '=', sha256(sessionToken)).execute();
}

/** The session's notice, if any, cleared in the same statement: read once, so a reload does not say it again. */
export async function takeNotice(db: Kysely<DB>, sessionToken: string): Promise<string | null> {
  const row = await sql<{ notice: string }>`
    with kept as (select id_hash, notice from user_session where id_hash = ${sha256(sessionToken)} and notice is not null for update)
    update user_session set notice = null from kept where user_session.id_hash = kept.id_hash
    returning kept.notice`.execute(db);
  return row.rows[0]?.notice ?? null;
}
