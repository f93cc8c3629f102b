// Accounts, memberships, set-password links and API tokens: every query behind the admin pages and the CLI.
import { sql, type Kysely } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import { hashPassword, randomToken, sha256 } from '../auth/passwords.ts';
import { recordSecurityEvent } from '../auth/queries.ts';

export class AccountError extends Error {}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function createUser(
  db: Kysely<DB>,
  input: { email: string; name: string; password?: string; siteAdmin?: boolean },
  actorId: string | null = null,
) {
  const email = normaliseEmail(input.email);
  if (!EMAIL_PATTERN.test(email)) throw new AccountError(`"${input.email}" is not an email address`);
  if (!input.name.trim()) throw new AccountError('A name is required');
  const existing = await findUserId(db, email);
  if (existing) throw new AccountError(`There is already an account for ${email}`);
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  const user = await db
    .insertInto('app_user')
    .values({ email, name: input.name.trim(), password_hash: passwordHash, is_site_admin: !!input.siteAdmin, password_changed_at: passwordHash ? new Date() : null })
    .returning(['id', 'email', 'name'])
    .executeTakeFirstOrThrow();
  await recordSecurityEvent(db, { kind: 'user_created', userId: actorId, detail: { email, siteAdmin: !!input.siteAdmin } });
  return user;
}

export async function findUserId(db: Kysely<DB>, email: string): Promise<string | null> {
  const row = await db.selectFrom('app_user').select('id').where(sql`lower(email)`, '=', normaliseEmail(email)).executeTakeFirst();
  return row?.id ?? null;
}

export async function createPartnership(
  db: Kysely<DB>,
  input: { slug: string; name: string; laName?: string | null; laCode?: string | null; laNumber?: number | null },
  actorId: string | null = null,
) {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(input.slug)) {
    throw new AccountError(`"${input.slug}" is not a usable short name: use 2 to 63 lower-case letters, digits and hyphens`);
  }
  if (!input.name.trim()) throw new AccountError('A name is required');
  const taken = await db.selectFrom('partnership').select('id').where('slug', '=', input.slug).executeTakeFirst();
  if (taken) throw new AccountError(`The short name "${input.slug}" is already taken`);
  const partnership = await db
    .insertInto('partnership')
    .values({ slug: input.slug, name: input.name.trim(), la_name: input.laName ?? null, la_code: input.laCode ?? null, la_number: input.laNumber ?? null, small_number_threshold: null })
    .returning(['id', 'slug', 'name'])
    .executeTakeFirstOrThrow();
  await recordSecurityEvent(db, { kind: 'partnership_created', userId: actorId, partnershipId: partnership.id, detail: { slug: input.slug } });
  return partnership;
}

export async function findPartnershipId(db: Kysely<DB>, slug: string): Promise<string | null> {
  const row = await db.selectFrom('partnership').select('id').where('slug', '=', slug).executeTakeFirst();
  return row?.id ?? null;
}

/** Adds a member, or changes an existing member's role. The change is in the audit log either way. */
export async function setMembership(db: Kysely<DB>, partnershipId: string, userId: string, role: Role, actorId: string | null = null) {
  const before = await db
    .selectFrom('membership')
    .select('role')
    .where('partnership_id', '=', partnershipId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  await db
    .insertInto('membership')
    .values({ partnership_id: partnershipId, user_id: userId, role })
    .onConflict((oc) => oc.columns(['user_id', 'partnership_id']).doUpdateSet({ role }))
    .execute();
  await recordSecurityEvent(db, {
    kind: before ? 'role_changed' : 'member_added',
    userId: actorId,
    partnershipId,
    detail: { member: userId, from: before?.role ?? null, to: role },
  });
}

export async function removeMembership(db: Kysely<DB>, partnershipId: string, userId: string, actorId: string | null = null) {
  const removed = await db.deleteFrom('membership').where('partnership_id', '=', partnershipId).where('user_id', '=', userId).returning('role').executeTakeFirst();
  if (!removed) return false;
  await recordSecurityEvent(db, { kind: 'member_removed', userId: actorId, partnershipId, detail: { member: userId, from: removed.role } });
  return true;
}

export async function listMembers(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('membership')
    .innerJoin('app_user', 'app_user.id', 'membership.user_id')
    .select(['app_user.id', 'app_user.email', 'app_user.name', 'membership.role', sql<boolean>`app_user.password_hash is not null`.as('has_password')])
    .where('membership.partnership_id', '=', partnershipId)
    .orderBy('app_user.name')
    .execute();
}

export const SET_PASSWORD_LINK_HOURS = 72;

/** A one-time link to set a password (a new user, or a locked-out one). Only its hash is stored. */
export async function createSetPasswordLink(db: Kysely<DB>, userId: string, actorId: string | null = null, hours = SET_PASSWORD_LINK_HOURS) {
  const token = randomToken();
  await db
    .insertInto('set_password_link')
    .values({ token_hash: sha256(token), user_id: userId, created_by: actorId, expires_at: sql<Date>`now() + make_interval(hours => ${hours})` as any })
    .execute();
  await recordSecurityEvent(db, { kind: 'set_password_link_issued', userId: actorId, detail: { for: userId, hours } });
  return token;
}

export async function findSetPasswordLink(db: Kysely<DB>, token: string) {
  return db
    .selectFrom('set_password_link')
    .innerJoin('app_user', 'app_user.id', 'set_password_link.user_id')
    .select(['set_password_link.token_hash', 'app_user.id as user_id', 'app_user.email', 'app_user.name'])
    .where('set_password_link.token_hash', '=', sha256(token))
    .where('set_password_link.used_at', 'is', null)
    .where('set_password_link.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Sets a password and ends every session of the user; the link (if any) is used up in the same transaction. */
export async function setPassword(db: Kysely<DB>, userId: string, password: string, linkTokenHash?: string) {
  const hash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    if (linkTokenHash) {
      const used = await trx
        .updateTable('set_password_link')
        .set({ used_at: sql<Date>`now()` as any })
        .where('token_hash', '=', linkTokenHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) return false;
    }
    await trx.updateTable('app_user').set({ password_hash: hash, password_changed_at: new Date() }).where('id', '=', userId).execute();
    await trx.deleteFrom('user_session').where('user_id', '=', userId).execute();
    await trx.updateTable('set_password_link').set({ used_at: sql<Date>`now()` as any }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
    await recordSecurityEvent(trx, { kind: 'password_set', userId, detail: { via: linkTokenHash ? 'link' : 'account' } });
    return true;
  });
}

export const API_TOKEN_PREFIX = 'ttc_';

export async function createApiToken(db: Kysely<DB>, userId: string, name: string, canWrite: boolean) {
  if (!name.trim()) throw new AccountError('A token name is required');
  const token = API_TOKEN_PREFIX + randomToken();
  const row = await db
    .insertInto('api_token')
    .values({ user_id: userId, name: name.trim(), token_hash: sha256(token), can_write: canWrite })
    .returning(['id', 'name', 'can_write'])
    .executeTakeFirstOrThrow();
  await recordSecurityEvent(db, { kind: 'token_created', userId, detail: { tokenId: row.id, name: row.name, write: canWrite } });
  return { ...row, token };
}

export async function listApiTokens(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('api_token')
    .select(['id', 'name', 'can_write', 'created_at', 'last_used_at', 'revoked_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Revokes a token of this user, found by id or by name. Returns how many were revoked. */
export async function revokeApiToken(db: Kysely<DB>, userId: string, which: { id?: string; name?: string }) {
  let query = db.updateTable('api_token').set({ revoked_at: sql<Date>`now()` as any }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (which.id) query = query.where('id', '=', which.id);
  else if (which.name) query = query.where('name', '=', which.name);
  else throw new AccountError('Say which token to revoke');
  const rows = await query.returning('id').execute();
  for (const r of rows) await recordSecurityEvent(db, { kind: 'token_revoked', userId, detail: { tokenId: r.id } });
  return rows.length;
}

/**
 * A user's sessions still in force (not expired, not idle too long), latest used first, with the one `currentToken`
 * belongs to marked: what the account page lists so a person can end one they do not recognise.
 */
export async function listSessions(db: Kysely<DB>, userId: string, currentToken: string | undefined, idleMinutes: number) {
  return db
    .selectFrom('user_session')
    .select(['id', 'created_at', 'last_seen_at', 'user_agent', 'address', sql<boolean>`id_hash = ${currentToken ? sha256(currentToken) : ''}`.as('this_device')])
    .where('user_id', '=', userId)
    .where('expires_at', '>', sql<Date>`now()`)
    .where('last_seen_at', '>', sql<Date>`now() - make_interval(mins => ${idleMinutes})`)
    .orderBy('last_seen_at', 'desc')
    .execute();
}

/**
 * Ends one session of this user (found by its handle, never another user's): null when there was none, else whether
 * it was the one `currentToken` belongs to.
 */
export async function endSession(db: Kysely<DB>, userId: string, sessionId: string, currentToken: string | undefined, address: string | null) {
  const ended = await db
    .deleteFrom('user_session')
    .where('user_id', '=', userId)
    .where('id', '=', sessionId)
    .returning(sql<boolean>`id_hash = ${currentToken ? sha256(currentToken) : ''}`.as('this_device'))
    .executeTakeFirst();
  if (!ended) return null;
  await recordSecurityEvent(db, { kind: 'session_ended', userId, address, detail: { sessionId } });
  return { thisDevice: ended.this_device };
}

export async function listAllPartnerships(db: Kysely<DB>) {
  return db
    .selectFrom('partnership')
    .select(['partnership.id', 'partnership.slug', 'partnership.name', 'partnership.la_name', 'partnership.created_at'])
    .select((eb) => eb.selectFrom('membership').select(sql<string>`count(*)`.as('n')).whereRef('membership.partnership_id', '=', 'partnership.id').as('members'))
    .orderBy('partnership.name')
    .execute();
}

/**
 * A partnership admin may issue a set-password link only for someone whose every membership is in a partnership the
 * admin also administers, and who is not a site administrator: otherwise one partnership's admin could take over an
 * account that reaches into another partnership.
 */
export async function canIssueLinkFor(db: Kysely<DB>, actor: { id: string; isSiteAdmin: boolean }, targetUserId: string): Promise<boolean> {
  if (actor.isSiteAdmin) return true;
  const target = await db.selectFrom('app_user').select('is_site_admin').where('id', '=', targetUserId).executeTakeFirst();
  if (!target || target.is_site_admin) return false;
  const outside = await db
    .selectFrom('membership as m')
    .select('m.partnership_id')
    .where('m.user_id', '=', targetUserId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('membership as a').select('a.user_id').whereRef('a.partnership_id', '=', 'm.partnership_id').where('a.user_id', '=', actor.id).where('a.role', '=', 'admin'),
        ),
      ),
    )
    .executeTakeFirst();
  return !outside;
}
