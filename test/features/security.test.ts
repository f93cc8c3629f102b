import { sql } from 'kysely';
import { createHash, randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { createApiToken, findUserId } from '../../server/features/accounts/queries.ts';
import { roleAtLeast } from '../../server/plugins/auth.ts';
import type { Role } from '../../server/db/schema.ts';
import { buildTestApp, signIn, form, type Session } from '../helpers/app.ts';

const ROLES = ['viewer', 'officer', 'manager', 'admin'];

t.test('tenancy matrix over every registered route', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  // Partnership B: the same structure as the demo, and one indicator code only B has. No demo user is a member.
  const seed = await readDemoSeed();
  const otherId = await db.transaction().execute((trx) => insertPartnershipFromSeed(trx, seed, 'other'));
  const otherPriority = await db.selectFrom('priority').select('id').where('partnership_id', '=', otherId).executeTakeFirstOrThrow();
  await db.updateTable('indicator').set({ code: 'B_ONLY' }).where('partnership_id', '=', otherId).where('code', '=', 'NEET_16_17').execute();
  const otherUser = await db.insertInto('app_user').values({ email: 'b@other.example', name: 'B person', password_hash: null }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('membership').values({ user_id: otherUser.id, partnership_id: otherId, role: 'viewer' }).execute();

  const sessions: Record<string, Session> = {};
  for (const role of ROLES) sessions[role] = await signIn(app, `${role}@demo.example`);

  const routes = app.routeCatalogue.filter((r) => r.method !== 'HEAD' && r.access !== 'public' && !r.url.includes('*'));
  t.ok(routes.length >= 10, `${routes.length} routes to check`);
  t.same(routes.filter((r) => !r.access).map((r) => `${r.method} ${r.url}`), [], 'every route declares who may call it');

  /** Fills a route's params: the slug given, and for every other param a foreign object (B's) or an unknown id. */
  function urlFor(url: string, slug: string) {
    return url.replace(/:([A-Za-z]+)/g, (_, name: string) => {
      if (name === 'slug') return slug;
      if (name === 'code') return 'B_ONLY';
      if (name === 'priorityId') return otherPriority.id;
      if (name === 'userId') return otherUser.id;
      if (/^(period|key)$/i.test(name)) return '2024';
      return randomUUID();
    });
  }
  const unsafe = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);
  const call = (method: string, url: string, session?: Session, headers: Record<string, string> = {}) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { accept: url.startsWith('/api/') ? 'application/json' : 'text/html', ...(session ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : {}), ...(unsafe(method) && !url.startsWith('/api/') ? { 'content-type': 'application/x-www-form-urlencoded' } : unsafe(method) ? { 'content-type': 'application/json' } : {}), ...headers },
      payload: unsafe(method) ? (url.startsWith('/api/') ? '{}' : form({ _csrf: session?.csrf ?? '' })) : undefined,
    });

  for (const route of routes) {
    const api = route.url.startsWith('/api/');
    const label = `${route.method} ${route.url}`;
    const partnershipRoute = ROLES.includes(route.access!);

    // Anonymous: pages send you to sign in; the API answers 401.
    const anonymous = await call(route.method, urlFor(route.url, 'coventry'));
    if (api) t.equal(anonymous.statusCode, 401, `${label}: anonymous API call → 401`);
    else {
      t.equal(anonymous.statusCode, 303, `${label}: anonymous → sign in`);
      t.match(anonymous.headers.location, /^\/sign-in/);
    }

    if (partnershipRoute) {
      // A member of A (even its admin) asking for B, by B's slug or by B's objects under A's slug: 404.
      const bySlug = await call(route.method, urlFor(route.url, 'other'), sessions.admin);
      t.equal(bySlug.statusCode, 404, `${label}: another partnership's slug → 404`);
      if (/:(?!slug)[A-Za-z]+/.test(route.url)) {
        const byObject = await call(route.method, urlFor(route.url, 'coventry'), sessions.admin);
        t.equal(byObject.statusCode, 404, `${label}: another partnership's object → 404`);
      }
      // A viewer attempting anything above a viewer's role: 403.
      if (!roleAtLeast('viewer', route.access as Role)) {
        const asViewer = await call(route.method, urlFor(route.url, 'coventry'), sessions.viewer);
        t.equal(asViewer.statusCode, 403, `${label}: viewer → 403`);
      }
    }
    if (route.access === 'site_admin') {
      const asManager = await call(route.method, urlFor(route.url, 'coventry'), sessions.manager);
      t.equal(asManager.statusCode, 403, `${label}: not a site admin → 403`);
    }
    if (api && unsafe(route.method) && partnershipRoute) {
      const viewerId = (await findUserId(db, 'admin@demo.example'))!;
      const readOnly = await createApiToken(db, viewerId, `ro-${randomUUID()}`, false);
      const res = await app.inject({ method: route.method as 'POST', url: urlFor(route.url, 'coventry'), headers: { authorization: `Bearer ${readOnly.token}`, 'content-type': 'application/json' }, payload: '{}' });
      t.equal(res.statusCode, 403, `${label}: read-only token → 403`);
      t.equal(res.json().error, 'forbidden');
    }
  }
});

t.test('sign-in, sessions, CSRF, rate limits and tokens', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo', { SIGN_IN_LIMIT: '3' });
  const db = database.db;

  t.test('a form posted without its CSRF token is refused, and nothing changes', async (t) => {
    const admin = await signIn(app, 'admin@demo.example');
    const res = await app.inject({
      method: 'POST',
      url: '/p/coventry/members',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: form({ email: 'forged@example.org', name: 'Forged', role: 'admin' }),
    });
    t.equal(res.statusCode, 403);
    t.match(res.body, /form has expired or did not come from this site/);
    t.equal(await findUserId(db, 'forged@example.org'), null);
    const wrong = await app.inject({
      method: 'POST',
      url: '/p/coventry/members',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: 'A'.repeat(43), email: 'forged@example.org', name: 'Forged', role: 'admin' }),
    });
    t.equal(wrong.statusCode, 403);
  });

  t.test('signing in gives a new session id (no session fixation), and signing out ends it', async (t) => {
    const first = await signIn(app, 'viewer@demo.example');
    const planted = /ttc_session=([^;]+)/.exec(first.cookie)![1]!;
    // Signing in again (as someone else) on a browser that already holds a session id.
    const res = await app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { cookie: first.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: first.csrf, email: 'manager@demo.example', password: 'demo-manager-pass' }),
    });
    t.equal(res.statusCode, 303);
    const fresh = res.cookies.find((c) => c.name === 'ttc_session')!.value;
    t.not(fresh, planted, 'a new session id at sign-in');
    const old = await app.inject({ method: 'GET', url: '/p/coventry', headers: { cookie: `ttc_session=${planted}` } });
    t.equal(old.statusCode, 303, 'the session id that came in no longer signs anyone in');
    const now = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `ttc_session=${fresh}` } });
    t.equal(now.json().email, 'manager@demo.example');

    const session = await signIn(app, 'viewer@demo.example');
    const out = await app.inject({ method: 'POST', url: '/sign-out', headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: session.csrf }) });
    t.equal(out.statusCode, 303);
    const after = await app.inject({ method: 'GET', url: '/p/coventry', headers: { cookie: session.cookie } });
    t.equal(after.statusCode, 303, 'the signed-out session cannot be replayed');
    t.equal(after.headers.location, '/sign-in?next=%2Fp%2Fcoventry');
  });

  t.test('an API token works until it is revoked; a read-only token cannot write', async (t) => {
    const userId = (await findUserId(db, 'viewer@demo.example'))!;
    const token = await createApiToken(db, userId, 'script', false);
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token.token}` } });
    t.equal(me.statusCode, 200);
    t.equal(me.json().email, 'viewer@demo.example');
    const viewer = await signIn(app, 'viewer@demo.example');
    const revoke = await app.inject({ method: 'POST', url: `/account/tokens/${token.id}/revoke`, headers: { cookie: viewer.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: viewer.csrf }) });
    t.equal(revoke.statusCode, 303);
    const after = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token.token}` } });
    t.equal(after.statusCode, 401);
    t.same(Object.keys(after.json()).sort(), ['error', 'message', 'requestId']);
    const used = await db.selectFrom('security_event').select('kind').where('kind', '=', 'token_used').execute();
    t.ok(used.length >= 1, 'token use is in the audit log');
  });

  t.test('a sign-in left unused for SESSION_IDLE_MINUTES ends; one in use carries on', async (t) => {
    const session = await signIn(app, 'viewer@demo.example');
    const hash = createHash('sha256').update(/ttc_session=([^;]+)/.exec(session.cookie)![1]!).digest('hex');
    const seen = async () => (await db.selectFrom('user_session').select(sql<number>`extract(epoch from now() - last_seen_at)::int`.as('ago')).where('id_hash', '=', hash).executeTakeFirstOrThrow()).ago;
    const visit = () => app.inject({ method: 'GET', url: '/p/coventry/scorecard', headers: { cookie: session.cookie } });
    // Last used seven hours ago (the default limit is eight): it still works, and now counts as used.
    await db.updateTable('user_session').set({ last_seen_at: sql<Date>`now() - interval '7 hours'` as any }).where('id_hash', '=', hash).execute();
    t.equal((await visit()).statusCode, 200);
    t.ok((await seen()) < 60, 'the visit is noted');
    // Unused for nine hours: the next page asks to sign in again and comes back here afterwards.
    await db.updateTable('user_session').set({ last_seen_at: sql<Date>`now() - interval '9 hours'` as any }).where('id_hash', '=', hash).execute();
    const idle = await visit();
    t.equal(idle.statusCode, 303);
    t.equal(idle.headers.location, '/sign-in?next=%2Fp%2Fcoventry%2Fscorecard');
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: session.cookie } })).statusCode, 401, 'and the API says so too');
  });

  t.test("a token's use is noted at most once a minute", async (t) => {
    const userId = (await findUserId(db, 'viewer@demo.example'))!;
    const token = await createApiToken(db, userId, 'minute', false);
    const uses = async () =>
      (await db.selectFrom('security_event').select('detail').where('kind', '=', 'token_used').execute()).filter((e) => (e.detail as { tokenId?: string }).tokenId === token.id).length;
    const call = async () => t.equal((await app.inject({ method: 'GET', url: '/api/v1/partnerships/coventry/indicators', headers: { authorization: `Bearer ${token.token}` } })).statusCode, 200);
    await call();
    await call();
    t.equal(await uses(), 1, 'two calls within the minute: one entry');
    await db.updateTable('api_token').set({ last_used_at: sql<Date>`now() - interval '2 minutes'` as any }).where('id', '=', token.id).execute();
    await call();
    t.equal(await uses(), 2, 'a call a minute later is noted again');
    const row = await db.selectFrom('api_token').select(sql<boolean>`last_used_at > now() - interval '1 minute'`.as('recent')).where('id', '=', token.id).executeTakeFirstOrThrow();
    t.ok(row.recent, 'and the time of last use moves');
  });

  t.test('a set-password link works once, and not after it expires', async (t) => {
    const admin = await signIn(app, 'admin@demo.example');
    const added = await app.inject({
      method: 'POST',
      url: '/p/coventry/members',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: admin.csrf, email: 'new.officer@example.org', name: 'New Officer', role: 'officer' }),
    });
    t.equal(added.statusCode, 200);
    const link = /data-testid="set-password-link">[^<]*(\/set-password\/[A-Za-z0-9_-]+)/.exec(added.body)![1]!;
    const page = await app.inject({ method: 'GET', url: link });
    t.equal(page.statusCode, 200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = `ttc_anon=${page.cookies.find((c) => c.name === 'ttc_anon')!.value}`;
    const short = await app.inject({ method: 'POST', url: link, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: csrf, password: 'short', confirm: 'short' }) });
    t.equal(short.statusCode, 400);
    t.match(short.body, /at least 12 characters/);
    const set = await app.inject({ method: 'POST', url: link, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: csrf, password: 'a long new password', confirm: 'a long new password' }) });
    t.equal(set.statusCode, 303);
    await signIn(app, 'new.officer@example.org', 'a long new password');
    const reused = await app.inject({ method: 'GET', url: link });
    t.equal(reused.statusCode, 404, 'used once, then gone');
    t.match(reused.body, /This link has expired/);

    const again = await app.inject({ method: 'POST', url: `/p/coventry/members/${(await findUserId(db, 'new.officer@example.org'))!}/link`, headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: admin.csrf }) });
    const second = /data-testid="set-password-link">[^<]*(\/set-password\/[A-Za-z0-9_-]+)/.exec(again.body)![1]!;
    await db.updateTable('set_password_link').set({ expires_at: new Date(Date.now() - 1000) }).execute();
    const expired = await app.inject({ method: 'GET', url: second });
    t.equal(expired.statusCode, 404);
    t.match(expired.body, /This link has expired/);
  });

  t.test('role changes are in the audit log; the last admin cannot be removed', async (t) => {
    const admin = await signIn(app, 'admin@demo.example');
    const officerId = (await findUserId(db, 'officer@demo.example'))!;
    const res = await app.inject({ method: 'POST', url: `/p/coventry/members/${officerId}/role`, headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: admin.csrf, role: 'manager' }) });
    t.equal(res.statusCode, 303);
    const event = await db.selectFrom('security_event').select(['kind', 'detail']).where('kind', '=', 'role_changed').executeTakeFirstOrThrow();
    t.match(event.detail, { member: officerId, from: 'officer', to: 'manager' });
    const adminId = (await findUserId(db, 'admin@demo.example'))!;
    const last = await app.inject({ method: 'POST', url: `/p/coventry/members/${adminId}/remove`, headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: admin.csrf }) });
    t.equal(last.statusCode, 400);
    t.match(last.body, /cannot remove the last admin/);
  });

  t.test('security headers: a strict Content-Security-Policy and HttpOnly, SameSite cookies', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/sign-in' });
    const csp = String(res.headers['content-security-policy']);
    t.match(csp, /default-src 'self'/);
    t.match(csp, /script-src 'self'(;|$)/);
    t.notMatch(csp, /unsafe-inline|unsafe-eval/);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.equal(res.headers['referrer-policy'], 'no-referrer');
    t.notOk(res.headers['strict-transport-security'], 'no HSTS unless served behind a TLS proxy (TRUST_PROXY)');
    // The same headers on every response, pages that do not exist and API errors included.
    for (const other of [await app.inject({ method: 'GET', url: '/no/such/page' }), await app.inject({ method: 'GET', url: '/api/v1/me' })]) {
      t.equal(other.headers['content-security-policy'], res.headers['content-security-policy'], `${other.statusCode}: the same policy`);
      t.equal(other.headers['x-frame-options'], 'SAMEORIGIN');
    }
    const cookie = String(res.headers['set-cookie']);
    t.match(cookie, /HttpOnly/);
    t.match(cookie, /SameSite=Lax/);
  });

  t.test('errors leak no internals: a 500 page has a reference, not a stack', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/sign-in?next=a&next=b' });
    t.equal(res.statusCode, 400);
    t.notMatch(res.body, /ZodError|at .*\.ts/);
  });
  t.test('sign-in is rate-limited per account, with one generic message', async (t) => {
    const attempt = async (email: string, password: string) => {
      const page = await app.inject({ method: 'GET', url: '/sign-in' });
      return app.inject({
        method: 'POST',
        url: '/sign-in',
        headers: { cookie: `ttc_anon=${page.cookies.find((c) => c.name === 'ttc_anon')!.value}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ _csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!, email, password }),
      });
    };
    const unknown = await attempt('nobody@example.org', 'whatever-password');
    const wrong = await attempt('manager@demo.example', 'wrong-password');
    t.equal(unknown.statusCode, 401);
    t.equal(wrong.statusCode, 401);
    const message = (body: string) => /govuk-error-message[^>]*>.*?<\/span>\s*([^<]+)/s.exec(body)?.[1]?.trim();
    t.equal(message(unknown.body), message(wrong.body), 'the same message whether or not the account exists');
    await attempt('manager@demo.example', 'wrong-again');
    await attempt('manager@demo.example', 'and-again');
    const blocked = await attempt('manager@demo.example', 'demo-manager-pass');
    t.equal(blocked.statusCode, 429, 'even the right password is refused once the limit is reached');
    t.match(blocked.body, /Too many attempts/);
    const events = await db.selectFrom('security_event').select('kind').where('kind', 'in', ['sign_in_failed', 'sign_in_throttled']).execute();
    t.ok(events.some((e) => e.kind === 'sign_in_failed') && events.some((e) => e.kind === 'sign_in_throttled'), 'failures are in the audit log');
  });

});

t.test('behind a TLS proxy (TRUST_PROXY), responses also carry Strict-Transport-Security and cookies are Secure', async (t) => {
  const { app } = await buildTestApp(t, 'empty', { TRUST_PROXY: '1' });
  const res = await app.inject({ method: 'GET', url: '/sign-in' });
  t.match(String(res.headers['strict-transport-security']), /^max-age=\d+/);
  t.match(String(res.headers['set-cookie']), /Secure/);
});

t.test('behind a proxy that TRUST_PROXY does not name, the log says so once', async (t) => {
  for (const trust of [undefined, '1']) {
    const database = await createTestDatabase('empty');
    const log = new PassThrough();
    let written = '';
    log.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'warn', DEMO: 'false', ...(trust ? { TRUST_PROXY: trust } : {}) }), database, logStream: log });
    t.teardown(async () => {
      await app.close();
      await database.close();
    });
    for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/sign-in', headers: { 'x-forwarded-for': '203.0.113.9' } });
    const warnings = written.split('\n').filter((line) => line.includes('TRUST_PROXY is not set'));
    t.equal(warnings.length, trust ? 0 : 1, trust ? 'with TRUST_PROXY: nothing to say' : 'without: one warning, not one a request');
  }
});
