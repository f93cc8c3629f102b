import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../db/schema.ts';
import {
  findSessionCaller,
  findTokenCaller,
  getOrCreateSecret,
  noteSessionUse,
  noteTokenUse,
  type Caller,
  type PartnershipAccess,
  type SessionOrigin,
} from '../features/auth/queries.ts';
import { randomToken } from '../features/auth/passwords.ts';
import { HttpError } from '../http-errors.ts';
import { isApiRequest, sendError } from './errors.ts';

/**
 * Who may call a route. Every route declares it (`config: { access }`); a route that does not is refused,
 * so forgetting is a closed door, not an open one.
 * - 'public': anyone;  'signed_in': any account;  'site_admin': site administrators;
 * - a role: a member of the partnership named by the route's `:slug` with at least that role.
 */
export type Access = 'public' | 'signed_in' | 'site_admin' | Role;

export const ROLES: readonly Role[] = ['viewer', 'officer', 'manager', 'admin'];
export const roleAtLeast = (role: Role | null | undefined, needed: Role) => !!role && ROLES.indexOf(role) >= ROLES.indexOf(needed);

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** `false`: a route whose address carries its own secret (a signed one-click unsubscribe link) takes no CSRF token. */
    csrf?: false;
  }
  interface FastifyRequest {
    caller: Caller | null;
    /** Set for partnership routes once the guard has checked membership. */
    access: (PartnershipAccess & { role: Role }) | null;
    csrfToken(): string;
  }
}

export const SESSION_COOKIE = 'ttc_session';
const ANONYMOUS_COOKIE = 'ttc_anon';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthOptions {
  secureCookies: boolean;
  /** A session unused for longer than this is over. */
  idleMinutes: number;
}

export default fp(
  async function auth(app: FastifyInstance, options: AuthOptions) {
    const secret = await getOrCreateSecret(app.db, 'csrf_secret');
    const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: options.secureCookies };

    app.decorate('sessionCookieOptions', cookieOptions);
    app.decorateRequest('caller', null);
    app.decorateRequest('access', null);
    app.decorateRequest('csrfToken', function (this: FastifyRequest) {
      const reply = (this as any)[replyOf] as FastifyReply;
      return csrfTokenFor(secret, csrfBinding(this, reply, cookieOptions));
    });

    app.addHook('onRequest', async (request, reply) => {
      (request as any)[replyOf] = reply;
      const access = request.routeOptions.config?.access;
      if (!access && request.is404) return;
      if (!access) throw new HttpError(500, 'route has no access rule');

      // A partnership route's partnership and the caller's role in it come with the caller, in the same query.
      const needsPartnership = access !== 'public' && access !== 'signed_in' && access !== 'site_admin';
      const slug = needsPartnership ? ((request.params as { slug?: string }).slug ?? null) : null;
      if (needsPartnership && !slug) throw new HttpError(500, 'a partnership route without :slug');
      const identified = await identifyCaller(app, request, slug, options.idleMinutes);
      request.caller = identified?.caller ?? null;
      if (access === 'public') return;
      if (!request.caller) {
        if (isApiRequest(request)) throw new HttpError(401, 'Sign in or send a valid API token', 'unauthorised');
        const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
        return reply.redirect(`/sign-in${next}`, 303);
      }
      if (!SAFE_METHODS.has(request.method) && !request.caller.canWrite) {
        throw new HttpError(403, 'This API token is read-only', 'forbidden');
      }
      if (access === 'signed_in') return;
      if (access === 'site_admin') {
        if (!request.caller.user.isSiteAdmin) throw new HttpError(403, 'Only a site administrator can do this');
        return;
      }
      const found = identified!.access;
      // Not a member looks exactly like no such partnership: one partnership cannot even learn another's slug.
      if (!found || !found.role) throw new HttpError(404, 'Page not found');
      if (!roleAtLeast(found.role, access)) {
        throw new HttpError(403, `This needs the ${access} role in ${found.partnership.name}; you are a ${found.role}`);
      }
      request.access = { ...found, role: found.role };
    });

    // What a signed-in person (or a token's script) is sent is theirs: no browser or shared cache may keep it, to be
    // shown again by a back button on a shared computer. A public route that chose its own caching (the stylesheet,
    // scripts) keeps it.
    app.addHook('onSend', async (request, reply, payload) => {
      if (!request.caller) return payload;
      if (request.routeOptions.config?.access !== 'public' || !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });

    // CSRF: every unsafe request carried by a cookie must also carry the token from our own page
    // (form field `_csrf` or header `x-csrf-token`). Bearer-token API calls carry no cookie and need none.
    app.addHook('preHandler', async (request, reply) => {
      if (SAFE_METHODS.has(request.method) || request.caller?.via === 'token' || request.routeOptions.config?.csrf === false) return;
      if (request.is404) return;
      const body = request.body as Record<string, unknown> | undefined;
      const sent = (typeof body?._csrf === 'string' ? body._csrf : undefined) ?? headerValue(request.headers['x-csrf-token']);
      const expected = csrfTokenFor(secret, csrfBinding(request, reply, cookieOptions));
      if (!sent || !safeEqual(sent, expected)) {
        return sendError(request, reply, 403, 'csrf', 'This form has expired or did not come from this site. Go back, reload the page and try again.');
      }
    });
  },
  { name: 'auth', dependencies: ['db', 'errors'] },
);

const replyOf = Symbol('reply');

declare module 'fastify' {
  interface FastifyInstance {
    sessionCookieOptions: { path: string; httpOnly: boolean; sameSite: 'lax'; secure: boolean };
  }
}

/** API token lookups kept on the embedded engine (see identifyCaller), per database; at most 10 s, so a token's use is still noted once a minute. */
const keptTokenCallers = new WeakMap<object, Map<string, { writes: number; at: number; value: { caller: Caller; access: PartnershipAccess | null } }>>();
const TOKEN_LOOKUP_KEPT_MS = 10_000;

async function identifyCaller(app: FastifyInstance, request: FastifyRequest, slug: string | null, idleMinutes: number): Promise<{ caller: Caller; access: PartnershipAccess | null } | null> {
  const authorization = request.headers.authorization;
  if (authorization && isApiRequest(request)) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw new HttpError(401, 'The Authorization header must be "Bearer <token>"', 'unauthorised');
    // On the embedded engine a token's lookup is kept while no statement that may change data has run since it was
    // read (this process is the database's only client): a revoked token, a changed role or a moved data version is
    // a write, so it takes effect at the next request, as before. A PostgreSQL server has other clients: asked always.
    const writes = app.dbWriteCount?.();
    const kept = writes === undefined ? undefined : keptTokenCallers.get(app.db);
    const key = `${match[1]}\n${slug ?? ''}`;
    const hit = kept?.get(key);
    if (hit && hit.writes === writes && Date.now() - hit.at < TOKEN_LOOKUP_KEPT_MS) return hit.value;
    const found = await findTokenCaller(app.db, match[1]!, slug);
    if (!found) throw new HttpError(401, 'The API token is not valid or has been revoked', 'unauthorised');
    if (found.unusedForAMinute) await noteTokenUse(app.db, found.tokenId, found.user.id, request.ip);
    const value = { caller: { user: found.user, via: 'token' as const, canWrite: found.canWrite, tokenId: found.tokenId }, access: found.access };
    if (writes !== undefined && app.dbWriteCount!() === writes) {
      let map = keptTokenCallers.get(app.db);
      if (!map) keptTokenCallers.set(app.db, (map = new Map()));
      map.delete(key);
      map.set(key, { writes, at: Date.now(), value });
      if (map.size > 1000) map.delete(map.keys().next().value!);
    }
    return value;
  }
  const sessionToken = request.cookies[SESSION_COOKIE];
  if (!sessionToken) return null;
  const found = await findSessionCaller(app.db, sessionToken, slug, idleMinutes);
  if (found?.unusedForAMinute) await noteSessionUse(app.db, sessionToken);
  return found && { caller: { user: found.user, via: 'session', canWrite: true, sessionToken, hasNotice: found.hasNotice }, access: found.access };
}

/** What a new session records of where it began: the browser (as it names itself, cut short) and the address. */
export function sessionOrigin(request: FastifyRequest): SessionOrigin {
  const agent = headerValue(request.headers['user-agent']);
  return { userAgent: agent ? agent.slice(0, 300) : null, address: request.ip ?? null };
}

/** The value a CSRF token is bound to: the session, or for a signed-out visitor (the sign-in form) a random cookie. */
function csrfBinding(request: FastifyRequest, reply: FastifyReply, cookieOptions: object): string {
  const session = request.caller?.via === 'session' ? request.caller.sessionToken : undefined;
  if (session) return `s:${session}`;
  let anonymous = request.cookies[ANONYMOUS_COOKIE] ?? (reply as any)[anonymousSet];
  if (!anonymous) {
    anonymous = randomToken(18);
    (reply as any)[anonymousSet] = anonymous;
    reply.setCookie(ANONYMOUS_COOKIE, anonymous, cookieOptions);
  }
  return `a:${anonymous}`;
}
const anonymousSet = Symbol('anonymousCookie');

function csrfTokenFor(secret: string, binding: string): string {
  return createHmac('sha256', secret).update(binding).digest('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
