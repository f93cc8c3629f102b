import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { SESSION_COOKIE, sessionOrigin } from '../../plugins/auth.ts';
import { verifyPassword } from './passwords.ts';
import { createSession, deleteSession, findUserByEmail, listMemberships, recordSecurityEvent } from './queries.ts';
import { admitSignIn, signInRules, waitText } from './throttle.ts';

const signInForm = z.object({
  email: z.string().trim().max(320).default(''),
  password: z.string().max(1000).default(''),
  next: z.string().max(2000).optional(),
});

// Where `next` is resolved: an origin no real site has, so "same origin" can only mean "a path of this site".
const OWN_ORIGIN = 'http://app.invalid';
// Backslashes (browsers read them as slashes) and every control character (C0, DEL, C1: browsers drop tabs and
// newlines inside URLs, and CR/LF would break the Location header), and the separators browsers also ignore.
const UNSAFE_IN_NEXT = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Only our own paths: `next` must not send a person to another site after signing in. It is judged as given and as
 * decoded (so `/%2F%2Fevil` or `/%09/evil` count as what they decode to), resolved against our own origin, and sent
 * back in its normalised, percent-encoded form, which is always a safe header value. Anything else means `/`.
 */
export function safeNext(next: string | undefined): string {
  if (!next) return '/';
  let decoded = next;
  for (let round = 0; round < 3; round++) {
    let once: string;
    try {
      once = decodeURIComponent(decoded);
    } catch {
      break; // a lone `%` (`?q=100%25` decoded once): nothing more hides behind it
    }
    if (once === decoded) break;
    decoded = once;
  }
  for (const form of [next, decoded]) {
    if (!form.startsWith('/') || form.startsWith('//') || UNSAFE_IN_NEXT.test(form)) return '/';
  }
  let url: URL;
  try {
    url = new URL(next, OWN_ORIGIN);
  } catch {
    return '/';
  }
  if (url.origin !== OWN_ORIGIN) return '/';
  const path = url.pathname + url.search + url.hash;
  // Normalising can itself make `//host` (`/.//evil` becomes `//evil`): a browser would read that as another site.
  if (!path.startsWith('/') || path.startsWith('//') || !/^[\x21-\x7e]*$/.test(path)) return '/';
  return path;
}

/** What the sign-in form carries forward in its hidden field: only a safe path, and nothing when that is `/`. */
const carriedNext = (next: string | undefined) => {
  const safe = safeNext(next);
  return safe === '/' ? undefined : safe;
};

/**
 * Where a person lands after signing in: where they were going; with nowhere in particular, the home page of their
 * partnership when they belong to exactly one (a list of one is a needless step). A site administrator keeps the
 * list, which leads to site administration.
 */
export async function landingAfterSignIn(app: FastifyInstance, user: { id: string; isSiteAdmin: boolean }, next: string | undefined): Promise<string> {
  const safe = safeNext(next);
  if (safe !== '/' || user.isSiteAdmin) return safe;
  const memberships = await listMemberships(app.db, user.id);
  return memberships.length === 1 ? `/p/${encodeURIComponent(memberships[0]!.slug)}` : '/';
}

const GENERIC_FAILURE = 'The email address or password is not right';

export default async function authRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const rules = signInRules(config);
  const renderSignIn = (reply: FastifyReply, values: { email: string; next?: string }, error?: string, status = 200) =>
    reply.code(status).view('auth/sign-in', {
      pageTitle: 'Sign in',
      values,
      errors: error ? [{ field: 'email', text: error }] : [],
    });

  app.get('/sign-in', { config: { access: 'public' } }, async (request, reply) => {
    const query = z.object({ next: z.string().max(2000).optional(), password: z.string().optional() }).parse(request.query);
    if (request.caller) return reply.redirect(await landingAfterSignIn(app, request.caller.user, query.next), 303);
    reply.locals = { ...reply.locals, passwordSet: query.password === 'set' };
    return renderSignIn(reply, { email: '', next: carriedNext(query.next) });
  });

  app.post('/sign-in', { config: { access: 'public' } }, async (request, reply) => {
    const form = signInForm.parse(request.body ?? {});
    const values = { email: form.email, next: carriedNext(form.next) };
    const admission = await admitSignIn(app.db, rules, form.email, request.ip);
    if (!admission.admitted) {
      await recordSecurityEvent(app.db, { kind: 'sign_in_throttled', address: request.ip, detail: { email: form.email } });
      reply.header('retry-after', String(admission.waitSeconds));
      return renderSignIn(reply, values, `Too many attempts to sign in. ${waitText(admission.waitSeconds)} and try again.`, 429);
    }
    const user = form.email ? await findUserByEmail(app.db, form.email) : undefined;
    const ok = (await verifyPassword(form.password, user?.password_hash ?? null)) && !!user;
    await admission.settle(ok);
    if (!ok || !user) {
      await recordSecurityEvent(app.db, { kind: 'sign_in_failed', userId: user?.id ?? null, address: request.ip, detail: { email: form.email } });
      return renderSignIn(reply, values, GENERIC_FAILURE, 401);
    }
    // A new session id at every sign-in: a session id planted before sign-in is worth nothing after it.
    const previous = request.cookies[SESSION_COOKIE];
    if (previous) await deleteSession(app.db, previous);
    const token = await createSession(app.db, user.id, config.SESSION_HOURS, sessionOrigin(request));
    await recordSecurityEvent(app.db, { kind: 'sign_in', userId: user.id, address: request.ip });
    reply.setCookie(SESSION_COOKIE, token, { ...app.sessionCookieOptions, maxAge: config.SESSION_HOURS * 3600 });
    return reply.redirect(await landingAfterSignIn(app, { id: user.id, isSiteAdmin: user.is_site_admin }, form.next), 303);
  });

  app.post('/sign-out', { config: { access: 'signed_in' } }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await deleteSession(app.db, token);
    await recordSecurityEvent(app.db, { kind: 'sign_out', userId: request.caller!.user.id, address: request.ip });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/sign-in', 303);
  });
}
