// Notices (issue 21): each person's notices page, with the unread count in the header; opening one marks it read and
// goes to its thing; dismissing one takes it off the list. Preferences per kind (email now, digest only, off); the
// one-click unsubscribe an email's List-Unsubscribe header points at; and, for site admins, emails waiting to be
// tried again. Notices are a person's own: every query here is by the caller's id and their current memberships.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { REMINDER_KINDS, type ReminderDelivery, type ReminderKind } from '../../db/schema-reminders.ts';
import { notFound } from '../../http-errors.ts';
import { isApiRequest } from '../../plugins/errors.ts';
import { getOrCreateSecret, recordSecurityEvent } from '../auth/queries.ts';
import * as format from '../../format.ts';
import { createMailer, mailConfigured, UNSUBSCRIBE_SECRET, validUnsubscribe, validVerify, VERIFY_SECRET } from './mail.ts';
import { callerIn } from '../conversation/context.ts';
import { duePeriod } from '../observations/returns.ts';
import { countUnread, dismissReminder, findActionOwner, findReturnDueDays, saveReturnDueDays, findUserAddress, insertReminder, listAddressStates, listEmailProblems, listMemberships, listPreferences, listReminders, markAddressVerified, openReminder, savePreferences, userExists } from './queries.ts';
import { addressVerified, DIGEST, defaultDelivery, digestByDefault, KINDS, RETURN_DUE_DAYS, RETURN_DUE_DAYS_MAX, RETURN_DUE_DAYS_MIN, returnDueOn, VERIFY_RESEND_MS } from './rules.ts';
import { sendVerificationLink } from './send.ts';
import { noticeRows, preferenceRows, DELIVERY_LABELS } from './view-model.ts';

/** Kinds whose page needs an officer: a viewer is not shown them, even if one was queued before their role changed. */
export const NEEDS_OFFICER: ReminderKind[] = REMINDER_KINDS.filter((k) => KINDS[k].needs !== 'viewer');

const idParams = z.object({ reminderId: z.uuid() });
const unsubscribeParams = z.object({ userId: z.uuid(), kind: z.enum([...REMINDER_KINDS, DIGEST] as [string, ...string[]]), signature: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });
const delivery = z.enum(['email', 'digest', 'off']);
const actionParams = z.object({ slug: z.string(), actionId: z.uuid() });
const returnDueDaysField = z
  .string()
  .trim()
  .regex(/^\d+$/, 'Enter the number of days as a whole number, for example 30')
  .transform(Number)
  .pipe(z.number().int().min(RETURN_DUE_DAYS_MIN, `The return must be due at least ${RETURN_DUE_DAYS_MIN} day after the period ends`).max(RETURN_DUE_DAYS_MAX, `The return must be due within ${RETURN_DUE_DAYS_MAX} days of the period’s end`));
const verifyParams = z.object({ userId: z.uuid(), signature: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });

async function reminderRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const emailOn = mailConfigured(config);
  // Only for verification links asked for from the preferences page; notices are sent by the pass (scheduler.ts).
  let linkMailer: ReturnType<typeof createMailer> | undefined;
  const mailerForLinks = () => (linkMailer ??= createMailer(config));
  app.addHook('onClose', async () => linkMailer?.close());

  /** Whether the caller's address may be emailed, and when a link was last sent to it. */
  async function addressOf(userId: string) {
    const [state] = await listAddressStates(app.db, [userId]);
    if (!state) return null;
    const verified = addressVerified({ email: state.email, verifiedEmail: state.verified_email, verifiedAt: state.verified_at, passwordLinkUsed: state.password_link_used });
    const sentTo = state.link_sent_email && state.link_sent_email.toLowerCase() === state.email.toLowerCase() ? state.link_sent_at : null;
    return { email: state.email, verified, linkSent: sentTo ? format.date(sentTo) : null };
  }

  // The unread count in the header of every page a signed-in person opens (one indexed count).
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'GET' || request.caller?.via !== 'session' || isApiRequest(request)) return;
    const accept = request.headers.accept;
    if (accept && !accept.includes('text/html')) return;
    reply.locals = { ...reply.locals, unreadNotices: await countUnread(app.db, request.caller.user.id, NEEDS_OFFICER) };
  });

  async function renderNotices(request: FastifyRequest, reply: FastifyReply) {
    const notices = await listReminders(app.db, request.caller!.user.id, NEEDS_OFFICER);
    return reply.view('reminders/notices', { pageTitle: 'Notices', notices: noticeRows(notices), emailOn });
  }

  app.get('/notices', { config: { access: 'signed_in' } }, renderNotices);

  async function renderPreferences(request: FastifyRequest, reply: FastifyReply, values?: Record<string, string>, errors: { field: string; text: string }[] = [], status = 200) {
    const userId = request.caller!.user.id;
    const [saved, memberships] = await Promise.all([listPreferences(app.db, userId), listMemberships(app.db)]);
    const roles = memberships.filter((m) => m.user_id === userId).map((m) => m.role);
    const current: Record<string, string> = {};
    for (const kind of REMINDER_KINDS) current[kind] = saved.get(kind) ?? defaultDelivery(kind);
    current[DIGEST] = saved.get(DIGEST) ?? (digestByDefault(roles) ? 'email' : 'off');
    return reply.code(status).view('reminders/preferences', {
      pageTitle: errors.length ? 'Error: Notice preferences' : 'Notice preferences',
      address: await addressOf(userId),
      kinds: preferenceRows(values ?? current),
      digest: (values ?? current)[DIGEST],
      labels: DELIVERY_LABELS,
      errors,
      emailOn,
      breadcrumbs: [{ text: 'Notices', href: '/notices' }],
    });
  }

  app.get('/notices/preferences', { config: { access: 'signed_in' } }, async (request, reply) => renderPreferences(request, reply));

  app.post('/notices/preferences', { config: { access: 'signed_in' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values: Record<string, string> = {};
    const errors: { field: string; text: string }[] = [];
    const choices: { kind: string; delivery: ReminderDelivery }[] = [];
    for (const kind of [...REMINDER_KINDS, DIGEST]) {
      const raw = typeof body[kind] === 'string' ? (body[kind] as string) : '';
      values[kind] = raw;
      const parsed = (kind === DIGEST ? z.enum(['email', 'off']) : delivery).safeParse(raw);
      if (parsed.success) choices.push({ kind, delivery: parsed.data });
      else errors.push({ field: `${kind}-email`, text: kind === DIGEST ? 'Choose whether to get the weekly digest' : `Choose how to hear that ${KINDS[kind as ReminderKind].label.charAt(0).toLowerCase()}${KINDS[kind as ReminderKind].label.slice(1)}` });
    }
    if (errors.length) return renderPreferences(request, reply, values, errors, 400);
    await savePreferences(app.db, request.caller!.user.id, choices);
    return reply.notice('Your notice preferences are saved.').redirect('/notices/preferences', 303);
  });

  // ---- A manager asks an action's owner what happened (the button on the action's page) -------------------------
  app.post('/p/:slug/actions/:actionId/request-update', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const parsed = actionParams.safeParse(request.params);
    if (!parsed.success) throw notFound();
    const action = await findActionOwner(app.db, caller.partnershipId, parsed.data.actionId);
    if (!action) throw notFound();
    const back = `/p/${caller.partnership.slug}/actions/${action.id}`;
    if (!action.owner_id || !action.member_id) return reply.notice('This action has no owner in the partnership to ask.').redirect(back, 303);
    if (action.owner_id === caller.userId) return reply.notice('You own this action: post a progress update instead.').redirect(back, 303);
    const now = new Date();
    const chosen = (await listPreferences(app.db, action.owner_id)).get('action_update_requested') ?? defaultDelivery('action_update_requested');
    const manager = request.caller!.user.name;
    const queued = await insertReminder(app.db, {
      user_id: action.owner_id,
      partnership_id: caller.partnershipId,
      kind: 'action_update_requested',
      subject_id: action.id,
      // Once a day: asking again the same day does not nag twice.
      occasion: now.toISOString().slice(0, 10),
      title: `What happened? ${action.title}`,
      body: `${manager} asks what has happened with this action. Add a progress update.`,
      link: back,
      due_on: null,
      email_state: !emailOn ? 'none' : chosen === 'email' ? 'pending' : chosen === 'digest' ? 'digest' : 'none',
      created_at: now,
    });
    return reply.notice(queued ? 'The owner has been asked what happened.' : 'The owner was already asked today.').redirect(back, 303);
  });

  // ---- The partnership's return schedule (managers and admins; linked from the settings page) -------------------------
  async function renderSchedule(request: FastifyRequest, reply: FastifyReply, value: string | null, errors: { field: string; text: string }[] = [], status = 200) {
    const caller = callerIn(request);
    const saved = (await findReturnDueDays(app.db, caller.partnershipId)) ?? RETURN_DUE_DAYS;
    const period = await duePeriod(app.db, caller.partnershipId, new Date());
    return reply.code(status).view('reminders/return-schedule', {
      pageTitle: errors.length ? 'Error: Return schedule' : 'Return schedule',
      partnership: caller.partnership,
      value: value ?? String(saved),
      errors,
      defaultDays: RETURN_DUE_DAYS,
      min: RETURN_DUE_DAYS_MIN,
      max: RETURN_DUE_DAYS_MAX,
      example: period ? { label: period.label, due: format.date(returnDueOn(period, saved)) } : { label: 'a quarter ending 30 September 2026', due: format.date(returnDueOn({ type: 'fy_quarter', position: 2026 * 4 + 1 }, saved)) },
    });
  }

  app.get('/p/:slug/settings/return-schedule', { config: { access: 'manager' } }, async (request, reply) => renderSchedule(request, reply, null));

  app.post('/p/:slug/settings/return-schedule', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const raw = (request.body as Record<string, unknown> | undefined)?.returnDueDays;
    const value = typeof raw === 'string' ? raw : '';
    const parsed = returnDueDaysField.safeParse(value);
    if (!parsed.success) return renderSchedule(request, reply, value, [{ field: 'returnDueDays', text: parsed.error.issues[0]?.message ?? 'Enter the number of days' }], 400);
    const before = await findReturnDueDays(app.db, caller.partnershipId);
    await saveReturnDueDays(app.db, caller.partnershipId, parsed.data);
    await recordSecurityEvent(app.db, { kind: 'partnership_settings_changed', userId: caller.userId, partnershipId: caller.partnershipId, detail: { from: { returnDueDays: before ?? RETURN_DUE_DAYS }, to: { returnDueDays: parsed.data } } });
    return reply.notice(`Returns are now due ${parsed.data} ${parsed.data === 1 ? 'day' : 'days'} after their period ends.`).redirect(`/p/${caller.partnership.slug}/settings/return-schedule`, 303);
  });

  // ---- Verifying the address notices are emailed to ---------------------------------------------------------------
  app.post('/notices/preferences/verify', { config: { access: 'signed_in' } }, async (request, reply) => {
    const userId = request.caller!.user.id;
    const address = await addressOf(userId);
    if (!address || address.verified) return reply.notice('Your email address is already confirmed.').redirect('/notices/preferences', 303);
    const mailer = mailerForLinks();
    if (!mailer) return renderPreferences(request, reply, undefined, [{ field: 'verify', text: 'Email is not set up on this tracker, so no link can be sent yet' }], 400);
    const now = new Date();
    if (!(await sendVerificationLink(app.db, mailer, userId, now, new Date(now.getTime() - VERIFY_RESEND_MS)))) {
      return renderPreferences(request, reply, undefined, [{ field: 'verify', text: 'The link could not be sent just now (one was sent in the last two minutes, or the mail server did not take it). Wait a few minutes and try again' }], 400);
    }
    return reply.notice(`A link to confirm your address has been sent to ${address.email}.`).redirect('/notices/preferences', 303);
  });

  // The link in the verification email: signed for the person and the address, so it needs no sign-in.
  app.get('/notices/verify/:userId/:signature', { config: { access: 'public' } }, async (request, reply) => {
    const parsed = verifyParams.safeParse(request.params);
    if (!parsed.success) throw notFound();
    const user = await findUserAddress(app.db, parsed.data.userId);
    if (!user || !validVerify(await getOrCreateSecret(app.db, VERIFY_SECRET), user.id, user.email, parsed.data.signature)) throw notFound();
    await markAddressVerified(app.db, user.id, user.email, new Date());
    return reply.view('reminders/verified', { pageTitle: 'Email address confirmed', email: user.email });
  });

  app.get('/notices/:reminderId', { config: { access: 'signed_in' } }, async (request, reply) => {
    const parsed = idParams.safeParse(request.params);
    if (!parsed.success) throw notFound();
    const link = await openReminder(app.db, request.caller!.user.id, parsed.data.reminderId, NEEDS_OFFICER, new Date());
    if (!link) throw notFound();
    return reply.redirect(link, 303);
  });

  app.post('/notices/:reminderId/dismiss', { config: { access: 'signed_in' } }, async (request, reply) => {
    const parsed = idParams.safeParse(request.params);
    if (!parsed.success) throw notFound();
    if (!(await dismissReminder(app.db, request.caller!.user.id, parsed.data.reminderId, new Date()))) throw notFound();
    return reply.notice('Notice dismissed.').redirect('/notices', 303);
  });

  // ---- One-click unsubscribe (RFC 8058): the mail client POSTs with no cookie; a person following the link sees a button.
  const unsubscribeSecret = () => getOrCreateSecret(app.db, UNSUBSCRIBE_SECRET);
  const kindLabel = (kind: string) => (kind === DIGEST ? 'The weekly digest' : KINDS[kind as ReminderKind].label);

  app.get('/notices/unsubscribe/:userId/:kind/:signature', { config: { access: 'public' } }, async (request, reply) => {
    const parsed = unsubscribeParams.safeParse(request.params);
    if (!parsed.success || !validUnsubscribe(await unsubscribeSecret(), parsed.data.userId, parsed.data.kind, parsed.data.signature)) throw notFound();
    return reply.view('reminders/unsubscribe', { pageTitle: 'Stop these emails', what: kindLabel(parsed.data.kind), done: false, action: request.url.split('?')[0] });
  });

  app.post('/notices/unsubscribe/:userId/:kind/:signature', { config: { access: 'public', csrf: false } }, async (request, reply) => {
    const parsed = unsubscribeParams.safeParse(request.params);
    if (!parsed.success || !validUnsubscribe(await unsubscribeSecret(), parsed.data.userId, parsed.data.kind, parsed.data.signature)) throw notFound();
    // The account may have been deleted since the email was sent.
    if (!(await userExists(app.db, parsed.data.userId))) throw notFound();
    await savePreferences(app.db, parsed.data.userId, [{ kind: parsed.data.kind, delivery: 'off' }]);
    return reply.view('reminders/unsubscribe', { pageTitle: 'Emails stopped', what: kindLabel(parsed.data.kind), done: true });
  });

  // ---- Site admins: emails that failed and wait to be tried again --------------------------------------------------
  app.get('/admin/notices', { config: { access: 'site_admin' } }, async (_request, reply) => {
    return reply.view('reminders/admin', { pageTitle: 'Notice emails', problems: await listEmailProblems(app.db), emailOn });
  });
}

export default fp(reminderRoutes, { name: 'reminder-routes', dependencies: ['auth', 'views', 'notices'] });
