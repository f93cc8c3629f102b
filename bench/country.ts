// Benchmark at the scale of every authority (issue 20, item 4): 153 partnerships × 200 indicators × 40 periods × 5
// series (about 6.1 million figures) in PostgreSQL, the figures written through the app's own bulk path (the JSON
// API's PUT, 200 figures per request, several writers at once), then the pages people open most — the scorecard, an
// indicator page and the data book — loaded at 10 connections across every partnership (not one page over and over,
// which would only measure a cache), with p50 / p99 and the app's peak memory; then the same with two app instances
// sharing one port (node:cluster), to see throughput scale.
//   node --import tsx bench/country.ts
//   BENCH_DATABASE_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres), BENCH_PARTNERSHIPS (153),
//   BENCH_INDICATORS (200), BENCH_PERIODS (40), BENCH_SECONDS (10), BENCH_WRITERS (4), BENCH_KEEP=1 keeps the database.
// Writes bench/results/country-latest.json and prints a Markdown table for BENCHMARKS.md.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { periodFromPosition } from '../server/analysis/periods.ts';
import { openDatabase } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { createApiToken, createPartnership, createUser, setMembership } from '../server/features/accounts/queries.ts';
import { createSession } from '../server/features/auth/queries.ts';
import { createIndicator } from '../server/features/indicators/queries.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PARTNERSHIPS = Number(process.env.BENCH_PARTNERSHIPS ?? 153);
const INDICATORS = Number(process.env.BENCH_INDICATORS ?? 200);
const PERIODS = Number(process.env.BENCH_PERIODS ?? 40);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 4);
const CONNECTIONS = 10;
const ROLES = ['local', 'england', 'region', 'neighbours', 'target'] as const;
const FIRST = 1990; // calendar years from 1990 (the earliest the app accepts): 40 of them to 2029

const slugOf = (p: number) => `la-${String(p + 1).padStart(3, '0')}`;
const codeOf = (i: number) => `IND_${String(i).padStart(3, '0')}`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function peakRssMiB(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}

/** The processes that serve requests: the server itself, or each worker of a cluster. */
function serverPids(child: ChildProcess, instances: number): number[] {
  if (instances === 1) return [child.pid!];
  const children = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  return children.filter(Boolean);
}

async function startServer(databaseUrl: string, instances: number): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const args = instances === 1 ? ['server/start.mjs'] : ['bench/cluster.mjs'];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', DEMO: 'false', INSTANCES: String(instances) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server stopped: ${output}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false);
    // With a cluster, wait until every worker has said it listens.
    if (ok && (output.match(/tracker on http/g)?.length ?? 0) >= instances) return { child, url };
    if (Date.now() > until) throw new Error(`the server did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Loads a list of paths, each connection going round them in turn; p50 / p99 / requests per second. */
async function load(name: string, url: string, paths: string[], headers: Record<string, string>) {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS, timeout: 60, requests: paths.map((p) => ({ method: 'GET', path: p })) });
  if (result.non2xx || result.errors) throw new Error(`${name}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { name, requestsPerSecond: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, maxMs: result.latency.max, requests: result.requests.total };
}

// ---- the database ----
const dbName = `ttc_country_${process.pid}`;
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database "${dbName}"`);
await admin.end();
const databaseUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const dropDatabase = async () => {
  if (process.env.BENCH_KEEP) return console.log(`kept ${databaseUrl}`);
  const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await a.unsafe(`drop database if exists "${dbName}" with (force)`);
  await a.end();
};

const figures = PARTNERSHIPS * INDICATORS * PERIODS * ROLES.length;
console.log(`${PARTNERSHIPS} partnerships × ${INDICATORS} indicators × ${PERIODS} periods × ${ROLES.length} series = ${figures.toLocaleString('en-GB')} figures, PostgreSQL`);
const servers: ChildProcess[] = [];
// Stopped from outside (Ctrl-C, a timeout): the servers it started go too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const s of servers) s.kill('SIGKILL');
    process.exit(130);
  });
}
try {
  const started = performance.now();
  const database = await openDatabase({ databaseUrl, poolSize: 4 });
  await migrateToLatest(database.db);
  const user = await createUser(database.db, { email: 'bench@example.org', name: 'Bench Manager', password: 'bench-password-123' });
  const session = await createSession(database.db, user.id, 12);
  const writeToken = (await createApiToken(database.db, user.id, 'bench-write', true)).token;
  for (let p = 0; p < PARTNERSHIPS; p++) {
    const partnership = await createPartnership(database.db, { slug: slugOf(p), name: `Authority ${p + 1} partnership`, laName: `Authority ${p + 1}` });
    await setMembership(database.db, partnership.id, user.id, 'manager');
    await database.db.transaction().execute(async (trx) => {
      const outcome = await trx.insertInto('outcome').values({ partnership_id: partnership.id, title: 'Outcome', position: 0 }).returning('id').executeTakeFirstOrThrow();
      const priorities = [];
      for (let k = 0; k < 10; k++) priorities.push(await trx.insertInto('priority').values({ partnership_id: partnership.id, outcome_id: outcome.id, title: `Priority ${k + 1}`, position: k }).returning('id').executeTakeFirstOrThrow());
      for (let i = 0; i < INDICATORS; i++) {
        await createIndicator(
          trx,
          partnership.id,
          { priorityId: priorities[i % 10]!.id, code: codeOf(i), title: `Indicator ${i + 1}`, unit: 'percentage', decimals: 1, polarity: i % 2 ? 'higher' : 'lower', periodType: 'calendar_year', kind: 'single', position: i },
          undefined,
          { series: ROLES.map((role) => ({ role, label: role })) },
        );
      }
    });
  }
  await database.close();
  const structureSeconds = (performance.now() - started) / 1000;
  console.log(`structure: ${structureSeconds.toFixed(0)} s`);

  // ---- the figures, through the app ----
  const writer = await startServer(databaseUrl, 1);
  servers.push(writer.child);
  const jobs: { slug: string; code: string; body: string }[] = [];
  for (let p = 0; p < PARTNERSHIPS; p++) {
    for (let i = 0; i < INDICATORS; i++) {
      const items = [];
      for (const [r, role] of ROLES.entries()) {
        for (let k = 0; k < PERIODS; k++) {
          const value = Math.round((40 + r * 3 + ((p * 7 + i * 3) % 13) - 0.1 * k + 2 * Math.sin(k + i + p)) * 10) / 10;
          items.push({ series: role, period: periodFromPosition('calendar_year', FIRST + k).label, value, status: 'final' });
        }
      }
      jobs.push({ slug: slugOf(p), code: codeOf(i), body: JSON.stringify(items) });
    }
  }
  const writeStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const res = await fetch(`${writer.url}/api/v1/partnerships/${job.slug}/indicators/${job.code}/observations`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json' },
          body: job.body,
        });
        if (!res.ok) throw new Error(`PUT ${job.slug}/${job.code} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
        await res.arrayBuffer();
        if (next % 5000 === 0) console.log(`  ${next.toLocaleString('en-GB')} of ${jobs.length.toLocaleString('en-GB')} indicators written`);
      }
    }),
  );
  const writeSeconds = (performance.now() - writeStarted) / 1000;
  console.log(`figures: ${writeSeconds.toFixed(0)} s (${Math.round(figures / writeSeconds).toLocaleString('en-GB')} figures/s through the API)`);
  await stop(writer.child);
  console.log('writer stopped; vacuum analyze');
  const vacuum = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await vacuum.unsafe('vacuum analyze');
  const [{ size }] = await vacuum<{ size: string }[]>`select pg_size_pretty(pg_database_size(current_database())) as size`;
  await vacuum.end();
  console.log(`database ${size}`);

  // ---- the pages ----
  const cookie = `ttc_session=${session}`;
  const everyPartnership = Array.from({ length: PARTNERSHIPS }, (_, p) => slugOf(p));
  const pages = [
    { name: 'scorecard', paths: everyPartnership.map((s) => `/p/${s}/scorecard`) },
    { name: 'indicator page', paths: everyPartnership.map((s, p) => `/p/${s}/indicators/${codeOf((p * 37) % INDICATORS)}`) },
    { name: 'data book', paths: everyPartnership.slice(0, 20).map((s) => `/p/${s}/data-book`) },
  ];
  const runs: Record<string, unknown>[] = [];
  for (const instances of [1, 2]) {
    const server = await startServer(databaseUrl, instances);
    servers.push(server.child);
    console.log(`${instances} instance${instances === 1 ? '' : 's'} started`);
    const results = [];
    for (const page of pages) {
      // A first pass over every path (each partnership's first visit), then the measured load.
      for (const p of page.paths) await (await fetch(`${server.url}${p}`, { headers: { cookie } })).arrayBuffer();
      results.push(await load(page.name, server.url, page.paths, { cookie }));
      console.log(`  ${page.name}: ${JSON.stringify(results.at(-1))}`);
    }
    const memory = serverPids(server.child, instances).map(peakRssMiB);
    runs.push({ instances, results, peakRssMiB: memory });
    await stop(server.child);
  }

  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model?.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)}`;
  const report = { date: new Date().toISOString(), partnerships: PARTNERSHIPS, indicators: INDICATORS, periods: PERIODS, series: ROLES.length, figures, databaseSize: size, structureSeconds, writeSeconds, machine, runs };
  fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench', 'results', 'country-latest.json'), JSON.stringify(report, null, 2));
  console.log(`\n${figures.toLocaleString('en-GB')} figures (${size}); written through the API in ${writeSeconds.toFixed(0)} s; ${machine}\n`);
  console.log('| instances | page | requests/s | p50 ms | p99 ms | max ms | peak memory per instance, MiB |\n|---:|---|---:|---:|---:|---:|---|');
  for (const run of runs as { instances: number; results: Awaited<ReturnType<typeof load>>[]; peakRssMiB: number[] }[]) {
    for (const r of run.results) {
      console.log(`| ${run.instances} | ${r.name} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${run.peakRssMiB.map((m) => m.toFixed(0)).join(', ')} |`);
    }
  }
} finally {
  for (const s of servers) await stop(s).catch(() => {});
  await dropDatabase();
}
