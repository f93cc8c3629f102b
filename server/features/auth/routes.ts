import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { SESSION_COOKIE } from '../../plugins/auth.ts';
import { verifyPassword } from './passwords.ts';
import {
  countRecentFailures,
  createSession,
  deleteSession,
  findUserByEmail,
  recordSecurityEvent,
  recordSignInAttempt,
} from './queries.ts';

const signInForm = z.object({
  email: z.string().trim().max(320).default(''),
  password: z.string().max(1000).default(''),
  next: z.string().max(2000).optional(),
});

/** Only our own paths: `next` must not send a person to another site after signing in. */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

const GENERIC_FAILURE = 'The email address or password is not right';

export default async function authRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const renderSignIn = (reply: FastifyReply, values: { email: string; next?: string }, error?: string, status = 200) =>
    reply.code(status).view('auth/sign-in', {
      pageTitle: 'Sign in',
      values,
      errors: error ? [{ field: 'email', text: error }] : [],
    });

  app.get('/sign-in', { config: { access: 'public' } }, async (request, reply) => {
    const query = z.object({ next: z.string().max(2000).optional(), password: z.string().optional() }).parse(request.query);
    if (request.caller) return reply.redirect(safeNext(query.next), 303);
    reply.locals = { ...reply.locals, passwordSet: query.password === 'set' };
    return renderSignIn(reply, { email: '', next: query.next });
  });

  app.post('/sign-in', { config: { access: 'public' } }, async (request, reply) => {
    const form = signInForm.parse(request.body ?? {});
    const values = { email: form.email, next: form.next };
    const failures = await countRecentFailures(app.db, request.ip, form.email, config.SIGN_IN_WINDOW_MINUTES);
    if (failures.byAddress >= config.SIGN_IN_LIMIT || failures.byAccount >= config.SIGN_IN_LIMIT) {
      await recordSecurityEvent(app.db, { kind: 'sign_in_throttled', address: request.ip, detail: { email: form.email } });
      return renderSignIn(reply, values, `Too many attempts to sign in. Wait ${config.SIGN_IN_WINDOW_MINUTES} minutes and try again.`, 429);
    }
    const user = form.email ? await findUserByEmail(app.db, form.email) : undefined;
    const ok = await verifyPassword(form.password, user?.password_hash ?? null);
    await recordSignInAttempt(app.db, request.ip, form.email, ok && !!user);
    if (!ok || !user) {
      await recordSecurityEvent(app.db, { kind: 'sign_in_failed', userId: user?.id ?? null, address: request.ip, detail: { email: form.email } });
      return renderSignIn(reply, values, GENERIC_FAILURE, 401);
    }
    // A new session id at every sign-in: a session id planted before sign-in is worth nothing after it.
    const previous = request.cookies[SESSION_COOKIE];
    if (previous) await deleteSession(app.db, previous);
    const token = await createSession(app.db, user.id, config.SESSION_HOURS);
    await recordSecurityEvent(app.db, { kind: 'sign_in', userId: user.id, address: request.ip });
    reply.setCookie(SESSION_COOKIE, token, { ...app.sessionCookieOptions, maxAge: config.SESSION_HOURS * 3600 });
    return reply.redirect(safeNext(form.next), 303);
  });

  app.post('/sign-out', { config: { access: 'signed_in' } }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await deleteSession(app.db, token);
    await recordSecurityEvent(app.db, { kind: 'sign_out', userId: request.caller!.user.id, address: request.ip });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/sign-in', 303);
  });
}
