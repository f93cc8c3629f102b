import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Role } from '../../db/schema.ts';
import { notFound, forbidden } from '../../http-errors.ts';
import { ROLES, SESSION_COOKIE, sessionOrigin } from '../../plugins/auth.ts';
import { passwordProblem, sha256, verifyPassword } from '../auth/passwords.ts';
import { createSession, findUserByEmail, listMemberships, recordSecurityEvent } from '../auth/queries.ts';
import { admitCurrentPasswordCheck, signInRules, waitText } from '../auth/throttle.ts';
import { applyTemplate, listTemplates } from '../templates/index.ts';
import {
  AccountError,
  EMAIL_PATTERN,
  SET_PASSWORD_LINK_HOURS,
  canIssueLinkFor,
  createApiToken,
  createPartnership,
  createSetPasswordLink,
  createUser,
  endSession,
  findSetPasswordLink,
  findUserId,
  listAllPartnerships,
  listApiTokens,
  listMembers,
  listSessions,
  removeMembership,
  revokeApiToken,
  setMembership,
  setPassword,
} from './queries.ts';

type FieldErrors = { field: string; text: string }[];
const roleSchema = z.enum(ROLES as [Role, ...Role[]]);
const idParams = z.object({ slug: z.string(), userId: z.uuid() });

function publicUrl(request: FastifyRequest, path: string) {
  return `${request.protocol}://${request.host}${path}`;
}

export default async function accountRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const rules = signInRules(config);
  app.partnershipNav.push({ key: 'members', text: 'Members', order: 90, role: 'admin', href: (slug) => `/p/${slug}/members` });

  // ---- Your account: password, sessions and API tokens --------------------------------------------------------
  async function renderAccount(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const user = request.caller!.user;
    const [memberships, tokens, sessions] = await Promise.all([
      listMemberships(app.db, user.id),
      listApiTokens(app.db, user.id),
      listSessions(app.db, user.id, request.caller!.sessionToken, config.SESSION_IDLE_MINUTES),
    ]);
    return reply.code(status).view('accounts/account', {
      pageTitle: 'Your account',
      memberships,
      tokens,
      sessions,
      errors: [],
      values: {},
      ...extra,
    });
  }

  app.get('/account', { config: { access: 'signed_in' } }, async (request, reply) => renderAccount(request, reply));

  app.post('/account/password', { config: { access: 'signed_in' } }, async (request, reply) => {
    const body = z.object({ current: z.string().default(''), password: z.string().default(''), confirm: z.string().default('') }).parse(request.body ?? {});
    const errors: FieldErrors = [];
    // Someone at an unlocked screen must not get unlimited guesses at the password it protects.
    const admission = await admitCurrentPasswordCheck(app.db, rules, request.caller!.user.id);
    if (!admission.admitted) {
      await recordSecurityEvent(app.db, { kind: 'password_change_throttled', userId: request.caller!.user.id, address: request.ip });
      reply.header('retry-after', String(admission.waitSeconds));
      return renderAccount(request, reply, { errors: [{ field: 'current', text: `Too many wrong current passwords. ${waitText(admission.waitSeconds)} and try again.` }] }, 429);
    }
    const stored = await findUserByEmail(app.db, request.caller!.user.email);
    const currentRight = await verifyPassword(body.current, stored?.password_hash ?? null);
    await admission.settle(currentRight);
    if (!currentRight) {
      await recordSecurityEvent(app.db, { kind: 'password_change_failed', userId: request.caller!.user.id, address: request.ip });
      errors.push({ field: 'current', text: 'Your current password is not right' });
    }
    const problem = passwordProblem(body.password);
    if (problem) errors.push({ field: 'password', text: problem });
    else if (body.password !== body.confirm) errors.push({ field: 'confirm', text: 'The two new passwords are not the same' });
    if (errors.length) return renderAccount(request, reply, { errors }, 400);
    await setPassword(app.db, request.caller!.user.id, body.password);
    // Every session ended, this one too: start a fresh one so the person stays signed in here only.
    const token = await createSession(app.db, request.caller!.user.id, config.SESSION_HOURS, sessionOrigin(request));
    reply.setCookie(SESSION_COOKIE, token, { ...app.sessionCookieOptions, maxAge: config.SESSION_HOURS * 3600 });
    return reply.redirect('/account?changed=password', 303);
  });

  app.post('/account/tokens', { config: { access: 'signed_in' } }, async (request, reply) => {
    const body = z.object({ name: z.string().trim().max(100).default(''), write: z.string().optional() }).parse(request.body ?? {});
    if (!body.name) return renderAccount(request, reply, { errors: [{ field: 'token-name', text: 'Enter a name for the token, so you know what uses it' }], values: body }, 400);
    const created = await createApiToken(app.db, request.caller!.user.id, body.name, body.write === 'yes');
    return renderAccount(request, reply, { newToken: created });
  });

  app.post('/account/tokens/:tokenId/revoke', { config: { access: 'signed_in' } }, async (request, reply) => {
    const { tokenId } = z.object({ tokenId: z.uuid() }).safeParse(request.params).data ?? { tokenId: null };
    if (!tokenId) throw notFound();
    const revoked = await revokeApiToken(app.db, request.caller!.user.id, { id: tokenId });
    if (!revoked) throw notFound();
    return reply.redirect('/account', 303);
  });

  app.post('/account/sessions/:sessionId/end', { config: { access: 'signed_in' } }, async (request, reply) => {
    const { sessionId } = parseOr404(z.object({ sessionId: z.uuid() }), request.params);
    const ended = await endSession(app.db, request.caller!.user.id, sessionId, request.caller!.sessionToken, request.ip);
    if (!ended) throw notFound();
    // Ending the session in use here is signing out.
    if (ended.thisDevice) {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect('/sign-in', 303);
    }
    return reply.redirect('/account?ended=session', 303);
  });

  // ---- Set a password from a one-time link ----------------------------------------------------------------------
  app.get('/set-password/:token', { config: { access: 'public' } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const link = await findSetPasswordLink(app.db, token);
    if (!link) return reply.code(404).view('accounts/link-expired', { pageTitle: 'This link has expired' });
    return reply.view('accounts/set-password', { pageTitle: 'Set your password', email: link.email, token, errors: [] });
  });

  app.post('/set-password/:token', { config: { access: 'public' } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const link = await findSetPasswordLink(app.db, token);
    if (!link) return reply.code(404).view('accounts/link-expired', { pageTitle: 'This link has expired' });
    const body = z.object({ password: z.string().default(''), confirm: z.string().default('') }).parse(request.body ?? {});
    const problem = passwordProblem(body.password) ?? (body.password !== body.confirm ? 'The two passwords are not the same' : null);
    if (problem) {
      return reply.code(400).view('accounts/set-password', { pageTitle: 'Set your password', email: link.email, token, errors: [{ field: 'password', text: problem }] });
    }
    const ok = await setPassword(app.db, link.user_id, body.password, sha256(token));
    if (!ok) return reply.code(404).view('accounts/link-expired', { pageTitle: 'This link has expired' });
    return reply.redirect('/sign-in?password=set', 303);
  });

  // ---- Partnership members (admin) --------------------------------------------------------------------------------
  async function renderMembers(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const members = await listMembers(app.db, request.access!.partnership.id);
    return reply.code(status).view('accounts/members', {
      pageTitle: 'Members',
      partnership: request.access!.partnership,
      members,
      roles: ROLES,
      errors: [],
      values: { role: 'viewer' },
      linkHours: SET_PASSWORD_LINK_HOURS,
      ...extra,
    });
  }

  app.get('/p/:slug/members', { config: { access: 'admin' } }, async (request, reply) => renderMembers(request, reply));

  app.post('/p/:slug/members', { config: { access: 'admin' } }, async (request, reply) => {
    const body = z
      .object({ email: z.string().trim().max(320).default(''), name: z.string().trim().max(200).default(''), role: z.string().default('') })
      .parse(request.body ?? {});
    const errors: FieldErrors = [];
    if (!EMAIL_PATTERN.test(body.email)) errors.push({ field: 'email', text: 'Enter an email address in the right form, like name@example.org' });
    const role = roleSchema.safeParse(body.role);
    if (!role.success) errors.push({ field: 'role', text: `Choose a role: ${ROLES.join(', ')}` });
    if (errors.length) return renderMembers(request, reply, { errors, values: body }, 400);
    const partnershipId = request.access!.partnership.id;
    const actor = request.caller!.user.id;
    let userId = await findUserId(app.db, body.email);
    let link: string | null = null;
    if (!userId) {
      if (!body.name) return renderMembers(request, reply, { errors: [{ field: 'name', text: 'There is no account for this email yet: enter the person’s name to create one' }], values: body }, 400);
      const user = await createUser(app.db, { email: body.email, name: body.name }, actor);
      userId = user.id;
      link = publicUrl(request, `/set-password/${await createSetPasswordLink(app.db, userId, actor)}`);
    }
    await setMembership(app.db, partnershipId, userId, role.data!, actor);
    return renderMembers(request, reply, { notice: { email: body.email, role: role.data, link } });
  });

  app.post('/p/:slug/members/:userId/role', { config: { access: 'admin' } }, async (request, reply) => {
    const { userId } = parseOr404(idParams, request.params);
    const role = roleSchema.safeParse((request.body as { role?: string } | undefined)?.role);
    const partnershipId = request.access!.partnership.id;
    const members = await listMembers(app.db, partnershipId);
    const member = members.find((m) => m.id === userId);
    if (!member) throw notFound();
    if (!role.success) return renderMembers(request, reply, { errors: [{ field: `role-${userId}`, text: `Choose a role: ${ROLES.join(', ')}` }] }, 400);
    if (member.role === 'admin' && role.data !== 'admin' && members.filter((m) => m.role === 'admin').length === 1) {
      return renderMembers(request, reply, { errors: [{ field: `role-${userId}`, text: 'A partnership needs at least one admin: make someone else an admin first' }] }, 400);
    }
    await setMembership(app.db, partnershipId, userId, role.data, request.caller!.user.id);
    return reply.redirect(`/p/${request.access!.partnership.slug}/members`, 303);
  });

  app.post('/p/:slug/members/:userId/remove', { config: { access: 'admin' } }, async (request, reply) => {
    const { userId } = parseOr404(idParams, request.params);
    const partnershipId = request.access!.partnership.id;
    const members = await listMembers(app.db, partnershipId);
    const member = members.find((m) => m.id === userId);
    if (!member) throw notFound();
    if (member.role === 'admin' && members.filter((m) => m.role === 'admin').length === 1) {
      return renderMembers(request, reply, { errors: [{ field: `remove-${userId}`, text: 'You cannot remove the last admin of a partnership' }] }, 400);
    }
    await removeMembership(app.db, partnershipId, userId, request.caller!.user.id);
    return reply.redirect(`/p/${request.access!.partnership.slug}/members`, 303);
  });

  app.post('/p/:slug/members/:userId/link', { config: { access: 'admin' } }, async (request, reply) => {
    const { userId } = parseOr404(idParams, request.params);
    const partnershipId = request.access!.partnership.id;
    const members = await listMembers(app.db, partnershipId);
    const member = members.find((m) => m.id === userId);
    if (!member) throw notFound();
    // An admin here must not be able to take over an account that belongs to partnerships they do not run.
    if (!(await canIssueLinkFor(app.db, request.caller!.user, userId))) {
      throw forbidden('This person is also a member of a partnership you are not an admin of, or a site administrator: ask a site administrator for their link');
    }
    const link = publicUrl(request, `/set-password/${await createSetPasswordLink(app.db, userId, request.caller!.user.id)}`);
    return renderMembers(request, reply, { notice: { email: member.email, role: member.role, link } });
  });

  // ---- Site administration: partnerships ------------------------------------------------------------------------
  async function renderPartnerships(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const [partnerships, templates] = await Promise.all([listAllPartnerships(app.db), availableTemplates()]);
    return reply.code(status).view('accounts/partnerships', { pageTitle: 'Partnerships', partnerships, templates, errors: [], values: {}, ...extra });
  }

  app.get('/admin/partnerships', { config: { access: 'site_admin' } }, async (request, reply) => renderPartnerships(request, reply));

  app.post('/admin/partnerships', { config: { access: 'site_admin' } }, async (request, reply) => {
    const body = z
      .object({
        slug: z.string().trim().max(63).default(''),
        name: z.string().trim().max(200).default(''),
        laName: z.string().trim().max(200).default(''),
        laCode: z.string().trim().max(20).default(''),
        laNumber: z.string().trim().max(6).default(''),
        template: z.string().trim().max(64).default('blank'),
      })
      .parse(request.body ?? {});
    const errors: FieldErrors = [];
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(body.slug)) errors.push({ field: 'slug', text: 'Enter a short name of 2 to 63 lower-case letters, digits and hyphens, like wakefield' });
    if (!body.name) errors.push({ field: 'name', text: 'Enter the partnership’s name' });
    if (body.laCode && !/^E(0[6-9]|10)\d{6}$/.test(body.laCode)) errors.push({ field: 'laCode', text: 'Enter an English local authority code like E08000026, or leave it blank' });
    if (body.laNumber && !/^\d{3}$/.test(body.laNumber)) errors.push({ field: 'laNumber', text: 'Enter the three-digit DfE LA number, like 331, or leave it blank' });
    const templates = await availableTemplates();
    if (body.template !== 'blank' && !templates.some((t) => t.key === body.template)) errors.push({ field: 'template', text: 'Choose one of the templates' });
    if (errors.length) return renderPartnerships(request, reply, { errors, values: body }, 400);
    try {
      const laNumber = body.laNumber ? Number(body.laNumber) : null;
      const partnership = await app.db.transaction().execute(async (trx) => {
        const created = await createPartnership(trx, { slug: body.slug, name: body.name, laName: body.laName || null, laCode: body.laCode || null, laNumber }, request.caller!.user.id);
        await setMembership(trx, created.id, request.caller!.user.id, 'admin', request.caller!.user.id);
        if (body.template !== 'blank') await applyTemplate(trx, created.id, body.template, { laNumber });
        return created;
      });
      return reply.redirect(`/p/${partnership.slug}`, 303);
    } catch (error) {
      if (error instanceof AccountError) return renderPartnerships(request, reply, { errors: [{ field: 'slug', text: error.message }], values: body }, 400);
      throw error;
    }
  });
}

function parseOr404<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

async function availableTemplates() {
  return (await listTemplates()).filter((t) => t.key !== 'blank');
}
