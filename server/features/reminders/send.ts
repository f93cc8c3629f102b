// Sending the queued notices, each exactly once however many instances run: a worker claims a few rows in one short
// statement (FOR UPDATE SKIP LOCKED: rows another worker holds are skipped), sends them outside any transaction, and
// records the message id. A worker killed between claim and send leaves its rows claimed; after CLAIM_LEASE_MS another
// worker claims them again, so at most those few are sent twice (with the same Message-ID). A failed send goes back in
// the queue with a growing wait (retryDelayMs) and its error, shown to site admins; it is never dropped.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import type { ReminderDelivery, ReminderKind } from '../../db/schema-reminders.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { getOrCreateSecret } from '../auth/queries.ts';
import { emailParts, UNSUBSCRIBE_SECRET, unsubscribePath, VERIFY_SECRET, verifyPath, type Mailer } from './mail.ts';
import {
  claimDigestEmails,
  claimReminderEmails,
  claimVerificationLink,
  listAddressStates,
  releaseVerificationLink,
  listAllPreferences,
  listDigestItems,
  listMemberships,
  listUsersWithNoticesBetween,
  markDigest,
  markReminderFailed,
  markReminderNotEmailed,
  markReminderSent,
  queueDigests,
  type ClaimedReminder,
} from './queries.ts';
import { addDays, addressVerified, CLAIM_LEASE_MS, defaultDelivery, DIGEST, digestByDefault, KINDS, retryDelayMs, weekStart } from './rules.ts';

const BATCH = 20;

export interface DeliveryReport {
  sent: number;
  failed: number;
  digests: number;
}

export interface DeliveryOptions {
  /** Tests: called after a batch is claimed and before it is sent (a worker "killed" here throws). */
  afterClaim?: (ids: string[]) => Promise<void> | void;
}

export async function deliverEmails(db: Kysely<DB>, mailer: Mailer, now: Date, options: DeliveryOptions = {}): Promise<DeliveryReport> {
  const secret = await getOrCreateSecret(db, UNSUBSCRIBE_SECRET);
  const preferences = await listAllPreferences(db);
  const deliveryOf = (userId: string, kind: ReminderKind): ReminderDelivery => preferences.get(`${userId}:${kind}`) ?? defaultDelivery(kind);
  const report: DeliveryReport = { sent: 0, failed: 0, digests: 0 };
  const host = new URL(mailer.publicUrl).hostname || 'localhost';

  for (;;) {
    const claim = randomUUID();
    const batch = await db.transaction().execute((trx) => claimReminderEmails(trx, claim, now, CLAIM_LEASE_MS, BATCH));
    if (!batch.length) break;
    await options.afterClaim?.(batch.map((r) => r.id));
    const verified = await verifiedUsers(db, batch.map((r) => r.user_id));
    for (const reminder of batch) {
      const delivery = deliverOf(reminder, deliveryOf(reminder.user_id, reminder.kind));
      if (delivery !== 'email') {
        await markReminderNotEmailed(db, reminder.id, claim, delivery === 'digest' ? 'digest' : 'none');
        continue;
      }
      if (!verified.has(reminder.user_id)) {
        // Not emailed until the address is verified: the notice stays in the app, and its owner gets one link.
        await markReminderNotEmailed(db, reminder.id, claim, 'none');
        await sendVerificationLink(db, mailer, reminder.user_id, now);
        continue;
      }
      try {
        const messageId = await mailer.send(reminderEmail(reminder, mailer.publicUrl, secret, host));
        await markReminderSent(db, reminder.id, claim, messageId, now);
        report.sent++;
      } catch (error) {
        await markReminderFailed(db, reminder.id, claim, errorText(error), new Date(now.getTime() + retryDelayMs(reminder.email_attempts)));
        report.failed++;
      }
    }
  }

  await queueWeeklyDigests(db, mailer, now, preferences);
  for (;;) {
    const claim = randomUUID();
    const batch = await db.transaction().execute((trx) => claimDigestEmails(trx, claim, now, CLAIM_LEASE_MS, BATCH));
    if (!batch.length) break;
    for (const digest of batch) {
      const until = new Date(`${digest.week_start}T00:00:00Z`);
      const since = new Date(`${addDays(digest.week_start, -7)}T00:00:00Z`);
      const items = (await listDigestItems(db, digest.user_id, since, until)).filter((i) => roleAtLeast(i.role, KINDS[i.kind].needs) && deliveryOf(digest.user_id, i.kind) !== 'off');
      try {
        const messageId = await mailer.send(digestEmail(digest, items, mailer.publicUrl, secret, host));
        await markDigest(db, digest, claim, { sent: true, messageId, now });
        report.digests++;
      } catch (error) {
        await markDigest(db, digest, claim, { sent: false, error: errorText(error), retryAt: new Date(now.getTime() + retryDelayMs(digest.email_attempts)) });
        report.failed++;
      }
    }
  }
  return report;
}

/** How a claimed notice is to go now: its owner may have left the partnership or lost the role its page needs. */
function deliverOf(reminder: ClaimedReminder, delivery: ReminderDelivery): ReminderDelivery {
  if (!reminder.role || !roleAtLeast(reminder.role as Role, KINDS[reminder.kind].needs)) return 'off';
  return delivery;
}

/**
 * The week's digest is queued for everyone who has it (opted in, or a manager who has not opted out) and had notices
 * in the seven days before this week's Monday. The (person, week) key makes it once a week whatever the passes.
 */
async function queueWeeklyDigests(db: Kysely<DB>, mailer: Mailer, now: Date, preferences: Map<string, ReminderDelivery>): Promise<void> {
  const week = weekStart(now);
  const withNotices = await listUsersWithNoticesBetween(db, new Date(`${addDays(week, -7)}T00:00:00Z`), new Date(`${week}T00:00:00Z`));
  if (!withNotices.length) return;
  const roles = new Map<string, Role[]>();
  for (const m of await listMemberships(db)) roles.set(m.user_id, [...(roles.get(m.user_id) ?? []), m.role]);
  const wanted = withNotices.filter((userId) => {
    const chosen = preferences.get(`${userId}:${DIGEST}`);
    return chosen ? chosen === 'email' : digestByDefault(roles.get(userId) ?? []);
  });
  const verified = await verifiedUsers(db, wanted);
  await queueDigests(db, wanted.filter((userId) => verified.has(userId)), week);
  // Someone who has only the digest by email hears first of their address this way (once per address).
  for (const userId of wanted.filter((id) => !verified.has(id))) await sendVerificationLink(db, mailer, userId, now);
}

/** Of these people, those whose address may be emailed (rules.ts: addressVerified). */
export async function verifiedUsers(db: Kysely<DB>, userIds: readonly string[]): Promise<Set<string>> {
  const states = await listAddressStates(db, userIds);
  return new Set(states.filter((s) => addressVerified({ email: s.email, verifiedEmail: s.verified_email, verifiedAt: s.verified_at, passwordLinkUsed: s.password_link_used })).map((s) => s.user_id));
}

/**
 * Sends a person a link that verifies their address, once per address (the pass sends it when they first would get
 * an email) or, with `resendAfter`, again when they ask from their preferences page. False when it was not sent: one
 * went already, or the mail server refused (then a later try may send it).
 */
export async function sendVerificationLink(db: Kysely<DB>, mailer: Mailer, userId: string, now: Date, resendAfter: Date | null = null): Promise<boolean> {
  const [user] = await listAddressStates(db, [userId]);
  if (!user || !(await claimVerificationLink(db, userId, user.email, now, resendAfter))) return false;
  const secret = await getOrCreateSecret(db, VERIFY_SECRET);
  const host = new URL(mailer.publicUrl).hostname || 'localhost';
  const { text, html } = emailParts(
    `Dear ${user.name},`,
    [
      'Turning the Curve has notices for you. Before it sends any to this address by email, please confirm that the address is yours by following the link below.',
      'Until then your notices stay in the app. If you did not expect this, you can ignore this email.',
    ],
    [{ text: 'Confirm my email address', href: mailer.publicUrl + verifyPath(secret, userId, user.email) }],
    [{ text: 'Choose which notices you get by email', href: `${mailer.publicUrl}/notices/preferences` }],
  );
  try {
    await mailer.send({ to: { name: user.name, address: user.email }, subject: 'Confirm your email address for notices', text, html, messageId: `<verify.${userId}.${now.getTime()}@${host}>` });
    return true;
  } catch {
    await releaseVerificationLink(db, userId);
    return false;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function footerFor(publicUrl: string, secret: string, userId: string, kind: string, kindLabel: string) {
  return [
    { text: `Stop emails about this kind of notice (${kindLabel.toLowerCase()})`, href: publicUrl + unsubscribePath(secret, userId, kind) },
    { text: 'Choose which notices you get by email', href: `${publicUrl}/notices/preferences` },
  ];
}

export function reminderEmail(reminder: ClaimedReminder, publicUrl: string, secret: string, host: string) {
  const kind = KINDS[reminder.kind];
  const { text, html } = emailParts(
    `Dear ${reminder.name},`,
    [reminder.body, `This is a notice from Turning the Curve for ${reminder.partnership_name}.`],
    [{ text: reminder.title, href: `${publicUrl}/notices/${reminder.id}` }],
    footerFor(publicUrl, secret, reminder.user_id, reminder.kind, kind.label),
  );
  return {
    to: { name: reminder.name, address: reminder.email },
    subject: reminder.title,
    text,
    html,
    messageId: `<notice.${reminder.id}@${host}>`,
    unsubscribeUrl: publicUrl + unsubscribePath(secret, reminder.user_id, reminder.kind),
  };
}

export function digestEmail(
  digest: { user_id: string; week_start: string; name: string; email: string },
  items: { id: string; kind: ReminderKind; title: string; partnership_name: string }[],
  publicUrl: string,
  secret: string,
  host: string,
) {
  const count = items.length === 1 ? '1 notice' : `${items.length} notices`;
  const { text, html } = emailParts(
    `Dear ${digest.name},`,
    [items.length ? `Your weekly digest from Turning the Curve: ${count} from the week before ${digest.week_start}, for the partnerships you belong to.` : 'Nothing new for you last week.'],
    items.map((i) => ({ text: i.title, href: `${publicUrl}/notices/${i.id}`, note: i.partnership_name })),
    [
      { text: 'Stop the weekly digest', href: publicUrl + unsubscribePath(secret, digest.user_id, DIGEST) },
      { text: 'Choose which notices you get by email', href: `${publicUrl}/notices/preferences` },
    ],
  );
  return {
    to: { name: digest.name, address: digest.email },
    subject: `Your weekly digest: ${count}`,
    text,
    html,
    messageId: `<digest.${digest.user_id}.${digest.week_start}@${host}>`,
    unsubscribeUrl: publicUrl + unsubscribePath(secret, digest.user_id, DIGEST),
  };
}
