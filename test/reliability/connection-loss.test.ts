// A lost database connection never kills the process. The server runs as a child process (a crash is then the child
// exiting, not the test runner dying) on PostgreSQL, reached through a TCP proxy of the test's own: the test
// terminates every backend of the app again and again under load, then takes the database "down" by cutting the
// proxy and brings it back, the way a PostgreSQL restart looks to the app, without touching the machine's server.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import t from 'tap';
import { createApiToken, createPartnership, setMembership } from '../../server/features/accounts/queries.ts';
import { buildTestApp } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { addPerson } from './helpers/people.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A TCP proxy in front of PostgreSQL that the test can cut (every socket closed, new ones refused) and restore. */
async function startProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    /** The database goes away: open connections drop and new ones are refused. */
    async cut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    async restore() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Server {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: () => boolean;
}

async function startServer(databaseUrl: string): Promise<Server> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !['DATABASE_URL', 'DATA_DIR', 'PORT', 'DEMO', 'NODE_OPTIONS', 'LOG_LEVEL'].includes(k)) env[k] = v;
  }
  Object.assign(env, { DATABASE_URL: databaseUrl, DEMO: 'false', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  child.on('exit', () => (exited = true));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 60_000);
    const look = () => {
      const match = /tracker on (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      } else if (exited) {
        clearTimeout(timer);
        reject(new Error(`the server exited while starting:\n${output}`));
      } else setTimeout(look, 50);
    };
    look();
  });
  return { child, base, output: () => output, exited: () => exited };
}

type Kind = 'health' | 'api' | 'page';

interface Outcome {
  kind: Kind;
  status: number | 'network error' | 'timeout';
  body: string;
}

function requester(base: string, token: string, cookie: string, slug: string) {
  const targets: Record<Kind, { url: string; headers: Record<string, string> }> = {
    health: { url: '/healthz', headers: {} },
    api: { url: `/api/v1/partnerships/${slug}`, headers: { authorization: `Bearer ${token}` } },
    page: { url: `/p/${slug}`, headers: { cookie, accept: 'text/html' } },
  };
  return async (kind: Kind): Promise<Outcome> => {
    const { url, headers } = targets[kind];
    try {
      const response = await fetch(base + url, { headers, redirect: 'manual', signal: AbortSignal.timeout(20_000) });
      return { kind, status: response.status, body: await response.text() };
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      return { kind, status: timedOut ? 'timeout' : 'network error', body: String((error as Error & { cause?: unknown }).cause ?? error) };
    }
  };
}

/** What a person or a client may see while the database is away: the answer, or a clear 503 that says so. */
function acceptable(o: Outcome): boolean {
  if (o.status === 200) return true;
  if (o.status !== 503) return false;
  if (o.kind === 'health') return JSON.parse(o.body).status === 'unavailable';
  if (o.kind === 'api') {
    const body = JSON.parse(o.body);
    return body.error === 'database_unavailable' && /database is unavailable/i.test(body.message) && /try again/i.test(body.message);
  }
  return /<html/i.test(o.body) && /database is unavailable/i.test(o.body) && /try again/i.test(o.body);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(100);
  }
  return false;
}

t.test('PostgreSQL connections lost under load: the server stays up, answers 503 meanwhile, and recovers by itself', async (t) => {
  if (!process.env.TEST_DATABASE_URL) {
    t.pass('embedded engine has no connection to lose');
    return;
  }
  const database = await createTestDatabase('empty');
  const databaseName = new URL(database.url!).pathname.slice(1);
  const slug = 'lost-connections';
  const partnership = await createPartnership(database.db, { slug, name: 'Lost Connections Partnership' });
  const userId = await addPerson(database.db, 'viewer@lost.example', 'a long enough password 1');
  await setMembership(database.db, partnership.id, userId, 'viewer');
  const token = (await createApiToken(database.db, userId, 'connection loss', false)).token;
  // The test's own handle would be terminated with the app's: it has done its work.
  await database.db.destroy();

  const admin = postgres(process.env.TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  const target = new URL(database.url!);
  const proxy = await startProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const appUrl = new URL(database.url!);
  appUrl.hostname = '127.0.0.1';
  appUrl.port = String(proxy.port);
  const server = await startServer(appUrl.toString());
  t.teardown(async () => {
    if (!server.exited()) server.child.kill('SIGKILL');
    await proxy.close();
    await admin.end();
    const drop = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    await drop.unsafe(`drop database if exists "${databaseName}" with (force)`).finally(() => drop.end());
  });

  // Sign in as a browser does, for the pages.
  const form = await fetch(`${server.base}/sign-in`);
  const formCookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const signedIn = await fetch(`${server.base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: formCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: 'viewer@lost.example', password: 'a long enough password 1' }).toString(),
  });
  t.equal(signedIn.status, 303, 'signed in');
  const cookie = signedIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const request = requester(server.base, token, cookie, slug);
  const kinds: Kind[] = ['health', 'api', 'page'];
  for (const kind of kinds) t.equal((await request(kind)).status, 200, `${kind}: 200 before anything goes wrong`);

  t.test('every backend of the app terminated 20 times under load', async (t) => {
    const outcomes: Outcome[] = [];
    let running = true;
    const load = Array.from({ length: 6 }, async (_, i) => {
      for (let n = i; running; n++) outcomes.push(await request(kinds[n % kinds.length]!));
    });
    let terminated = 0;
    for (let round = 0; round < 20; round++) {
      await sleep(150);
      const rows = await admin`select pg_terminate_backend(pid) as done from pg_stat_activity where datname = ${databaseName}`;
      terminated += rows.filter((r) => r.done).length;
    }
    running = false;
    await Promise.all(load);

    t.notOk(server.exited(), `the server is still running${server.exited() ? `:\n${server.output().slice(-3000)}` : ''}`);
    t.ok(terminated >= 20, `backends were terminated (${terminated})`);
    const wrong = outcomes.filter((o) => !acceptable(o));
    t.same(
      wrong.slice(0, 5).map((o) => ({ kind: o.kind, status: o.status, body: o.body.slice(0, 300) })),
      [],
      `every request in the storm got its answer or a clear 503, never a 500, a reset or a hang (${outcomes.length} requests)`,
    );
    t.ok(outcomes.some((o) => o.status === 503), 'the storm did reach requests in flight');
    t.ok(await waitFor(async () => (await request('health')).status === 200, 15_000), '/healthz is 200 again');
    for (const kind of kinds) t.equal((await request(kind)).status, 200, `${kind}: the next request succeeds`);
  });

  t.test('the database goes down and comes back, as in a PostgreSQL restart', async (t) => {
    await proxy.cut();
    t.ok(await waitFor(async () => (await request('health')).status === 503, 15_000), '/healthz answers 503 while the database is down');
    for (const kind of kinds) {
      const o = await request(kind);
      t.ok(o.status === 503 && acceptable(o), `${kind}: a clear 503 while the database is down (got ${o.status} ${o.body.slice(0, 200)})`);
    }
    await sleep(2000);
    await proxy.restore();
    t.ok(await waitFor(async () => (await request('health')).status === 200, 20_000), '/healthz is 200 once the database is back');
    // A pooled connection that died with the database is found dead by the request that next uses it: that request is
    // a clear 503 and the pool connects afresh. So each kind must answer 200 again within seconds, and never a 500.
    for (const kind of kinds) {
      const answers: Outcome[] = [];
      const recovered = await waitFor(async () => {
        const o = await request(kind);
        answers.push(o);
        return o.status === 200;
      }, 5_000);
      t.ok(recovered, `${kind}: answered again without restarting the server`);
      t.ok(answers.every((o) => o.status === 200 || (o.status === 503 && acceptable(o))), `${kind}: until then, only clear 503s`);
    }
    t.notOk(server.exited(), 'the same server process is still running');
  });

  t.test('what the log says', async (t) => {
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; reqId?: string; level?: number });
    const unavailable = lines.filter((l) => l.msg === 'database unavailable');
    t.ok(unavailable.length > 0 && unavailable.every((l) => typeof l.reqId === 'string'), 'each 503 is logged with its request id');
    t.equal(new Set(unavailable.map((l) => l.reqId)).size, unavailable.length, 'once per request');
    t.same(lines.filter((l) => /unhandled|uncaught/i.test(l.msg ?? '')), [], 'no unhandled rejection or exception');
  });
});

t.test('a failed connection is a 503 that says so; any other database error stays a 500 (both engines)', async (t) => {
  const { app } = await buildTestApp(t, 'empty');
  const failures: Record<string, () => Error> = {
    'connection-closed': () => Object.assign(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'), { code: 'CONNECTION_CLOSED' }),
    'terminated-backend': () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    'starting-up': () => Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    'connection-failure': () => Object.assign(new Error('connection failure'), { code: '08006' }),
    refused: () => new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })]),
    'unique-violation': () => Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: '23505' }),
    // Another service refusing a fetch() is not the database.
    'fetch-refused': () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }),
  };
  const failure = (name: string) => failures[name]!();
  app.get<{ Params: { name: string } }>('/failing/:name', { config: { access: 'public' } }, async (request) => {
    throw failure(request.params.name);
  });
  app.get<{ Params: { name: string } }>('/api/v1/failing/:name', { config: { access: 'public' } }, async (request) => {
    throw failure(request.params.name);
  });
  for (const name of ['connection-closed', 'terminated-backend', 'starting-up', 'connection-failure', 'refused']) {
    const api = await app.inject({ method: 'GET', url: `/api/v1/failing/${name}` });
    t.equal(api.statusCode, 503, `${name}: API 503`);
    t.match(api.json(), { error: 'database_unavailable', message: /database is unavailable.*try again/i, requestId: /\S/ });
    t.ok(api.headers['retry-after'], `${name}: Retry-After`);
    const page = await app.inject({ method: 'GET', url: `/failing/${name}`, headers: { accept: 'text/html' } });
    t.equal(page.statusCode, 503, `${name}: page 503`);
    t.match(page.body, /database is unavailable.*try again/i);
    t.notMatch(page.body, /5432|CONNECTION_CLOSED|administrator command|ECONNREFUSED/, 'no internals shown');
  }
  for (const name of ['unique-violation', 'fetch-refused']) {
    const api = await app.inject({ method: 'GET', url: `/api/v1/failing/${name}` });
    t.equal(api.statusCode, 500, `${name}: still a 500`);
    t.match(api.json(), { error: 'internal_error' });
  }
});
