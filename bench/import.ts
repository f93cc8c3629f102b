// Benchmark: a 100,000-figure import end to end, on both engines, against PostgreSQL COPY of the same rows in the
// same run, and how other requests fare while it runs.
//   node --import tsx bench/import.ts
// Environment: BENCH_DATABASE_URL (a PostgreSQL server to create a scratch database on; default
// postgres://postgres@127.0.0.1:5432/postgres), BENCH_ENGINES (postgres,pglite), BENCH_RUNS (3), BENCH_ROWS (100000),
// BENCH_SERVER_NODE_ARGS (Node flags for the app server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it).
// Each run imports the rows into indicators of their own (every figure new), as
//   - a CSV upload and its confirmation, through HTTP, while a second client asks for /healthz and a page every
//     25 ms (their latencies are the "other requests" figures);
//   - PUTs to the JSON API, 2,000 figures a request (its per-request limit is 5,000);
// and COPYs the same rows into a scratch table shaped like `observation` on the PostgreSQL server.
// Prints a Markdown table for BENCHMARKS.md and writes bench/results/import-latest.json.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { openDatabase } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { createApiToken, createPartnership, createUser, setMembership } from '../server/features/accounts/queries.ts';
import { createSession } from '../server/features/auth/queries.ts';
import { createIndicator } from '../server/features/indicators/queries.ts';
import { createOutcome, createPriority } from '../server/features/plan/queries.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ENGINES = (process.env.BENCH_ENGINES ?? 'postgres,pglite').split(',').map((e) => e.trim()) as ('postgres' | 'pglite')[];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ROLES = ['local', 'england', 'region', 'neighbours', 'target'] as const;
const MONTHS = 400; // 1995-01 to 2028-04
const PER_INDICATOR = ROLES.length * MONTHS;
const INDICATORS = Math.ceil(ROWS / PER_INDICATOR);
const PROBE_EVERY_MS = 25;

const monthLabel = (m: number) => `${1995 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
const monthPosition = (m: number) => (1995 + Math.floor(m / 12)) * 12 + (m % 12);

/** The rows of one set of indicators: code, role, month, value. */
function* rowsOf(prefix: string): Generator<{ code: string; role: string; month: number; value: number }> {
  let n = 0;
  for (let i = 0; i < INDICATORS; i++) {
    for (const role of ROLES) {
      for (let m = 0; m < MONTHS && n < ROWS; m++, n++) yield { code: `${prefix}_${i}`, role, month: m, value: Math.round(((n * 37) % 1000) * 10 + i) / 10 };
    }
  }
}

async function prepare(target: { databaseUrl?: string; dataDir?: string }) {
  const database = await openDatabase(target);
  await migrateToLatest(database.db);
  const db = database.db;
  const user = await createUser(db, { email: 'bench@example.org', name: 'Bench Officer', password: 'bench-password-for-imports' });
  const partnership = await createPartnership(db, { slug: 'bench', name: 'Benchmark partnership', laName: 'Benchville' });
  await setMembership(db, partnership.id, user.id, 'manager');
  const outcome = await createOutcome(db, partnership.id, { title: 'Imported' });
  const priority = await createPriority(db, partnership.id, { outcomeId: outcome.id, title: 'Imported figures' });
  for (let run = 0; run < RUNS; run++) {
    for (const way of ['CSV', 'API']) {
      for (let i = 0; i < INDICATORS; i++) {
        await createIndicator(db, partnership.id, { priorityId: priority.id, code: `${way}${run}_${i}`, title: `${way} run ${run} indicator ${i}`, unit: 'score', polarity: 'lower', periodType: 'month', kind: 'single' });
      }
    }
  }
  const session = await createSession(db, user.id, 12);
  const token = (await createApiToken(db, user.id, 'bench', true)).token;
  await database.close();
  return { session, token };
}

function start(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    // BENCH_SERVER_NODE_ARGS: extra Node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, 'server/start.mjs'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(?:listening|on) (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve({ child, url: match[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
    setTimeout(() => reject(new Error(`server did not start: ${output}`)), 60_000);
  });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

/** Asks for /healthz and a page, one after the other, every PROBE_EVERY_MS until stopped; their latencies. */
function probe(url: string, cookie: string) {
  const latencies: number[] = [];
  const failures: string[] = [];
  let running = true;
  const done = (async () => {
    const targets = [`${url}/healthz`, `${url}/p/bench/data`];
    for (let k = 0; running; k++) {
      const target = targets[k % targets.length]!;
      const started = performance.now();
      try {
        const res = await fetch(target, { headers: { cookie } });
        await res.arrayBuffer();
        if (!res.ok) failures.push(`${target} ${res.status}`);
      } catch (error) {
        failures.push(`${target} ${(error as Error).message}`);
      }
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { requests: latencies.length, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: Math.max(...latencies), failures };
    },
  };
}

async function importCsv(url: string, cookie: string, prefix: string) {
  const lines = ['indicator_code,series,period,value'];
  for (const r of rowsOf(prefix)) lines.push(`${r.code},${r.role},${monthLabel(r.month)},${r.value}`);
  const csv = `${lines.join('\r\n')}\r\n`;
  const hub = await (await fetch(`${url}/p/bench/data`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(hub)![1]!;
  const started = performance.now();
  const body = new FormData();
  body.set('_csrf', csrf);
  body.set('file', new Blob([csv], { type: 'text/csv' }), `${prefix}.csv`);
  const upload = await fetch(`${url}/p/bench/data/csv`, { method: 'POST', headers: { cookie }, body, redirect: 'manual' });
  if (upload.status !== 303) throw new Error(`upload answered ${upload.status}: ${(await upload.text()).slice(0, 500)}`);
  const uploaded = performance.now();
  const preview = upload.headers.get('location')!;
  const confirm = await fetch(`${url}${preview}/confirm`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf }).toString(),
    redirect: 'manual',
  });
  if (confirm.status !== 303) throw new Error(`confirm answered ${confirm.status}: ${(await confirm.text()).slice(0, 500)}`);
  const finished = performance.now();
  return { csvBytes: Buffer.byteLength(csv), uploadMs: uploaded - started, confirmMs: finished - uploaded, totalMs: finished - started };
}

async function importApi(url: string, token: string, prefix: string) {
  const byCode = new Map<string, { series: string; period: string; value: number }[]>();
  for (const r of rowsOf(prefix)) {
    const list = byCode.get(r.code) ?? [];
    list.push({ series: r.role, period: monthLabel(r.month), value: r.value });
    byCode.set(r.code, list);
  }
  const started = performance.now();
  for (const [code, items] of byCode) {
    const res = await fetch(`${url}/api/v1/partnerships/bench/indicators/${code}/observations`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(items),
    });
    if (!res.ok) throw new Error(`API PUT ${code} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
    await res.arrayBuffer();
  }
  return { totalMs: performance.now() - started, requests: byCode.size };
}

/**
 * Two PostgreSQL COPY baselines of the same rows, in a scratch database migrated like the app's:
 * - `bare`: the figures alone into a table shaped like `observation` (its keys, indexes, defaults and checks; no
 *   foreign keys, no triggers): the issue's yardstick;
 * - `sameWork`: in one transaction, the figures into `observation` itself and an audit entry for each into
 *   `observation_audit` (every key, foreign key, index and trigger the app's write meets): the least the database
 *   can do to store what an import must store, sent the fastest way there is.
 */
async function copyBaselines(adminUrl: string) {
  const name = `ttc_bench_copy_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const sql = postgres(u.toString(), { max: 1, onnotice: () => {} });
  try {
    const database = await openDatabase({ databaseUrl: u.toString() });
    await migrateToLatest(database.db);
    const user = await createUser(database.db, { email: 'copy@example.org', name: 'Copy', password: 'bench-password-for-imports' });
    const partnership = await createPartnership(database.db, { slug: 'copy', name: 'Copy partnership', laName: 'Copyville' });
    const outcome = await createOutcome(database.db, partnership.id, { title: 'Copied' });
    const priority = await createPriority(database.db, partnership.id, { outcomeId: outcome.id, title: 'Copied figures' });
    const indicatorIds: string[] = [];
    for (let i = 0; i < INDICATORS; i++) {
      const made = await createIndicator(database.db, partnership.id, { priorityId: priority.id, code: `COPY_${i}`, title: `Copied ${i}`, unit: 'score', polarity: 'lower', periodType: 'month', kind: 'single' });
      indicatorIds.push(made.id);
    }
    await database.close();
    const series = new Map<string, { id: string; indicatorId: string }>();
    for (let i = 0; i < INDICATORS; i++) {
      for (const role of ROLES) {
        const [row] = await sql<{ id: string }[]>`
          insert into series (indicator_id, role, label) values (${indicatorIds[i]!}, ${role}, ${role})
          on conflict (indicator_id, role) do update set label = excluded.label returning id`;
        series.set(`COPY_${i}\u0000${role}`, { id: row!.id, indicatorId: indicatorIds[i]! });
      }
    }
    await sql.unsafe('create table copy_target (like observation including all)');
    const rows = [...rowsOf('COPY')].map((r) => ({ ...r, series: series.get(`${r.code}\u0000${r.role}`)!, observationId: crypto.randomUUID(), label: monthLabel(r.month) }));
    const figureLines = function* () {
      for (const r of rows) yield `${r.observationId}\t${r.series.id}\t${r.label}\t${monthPosition(r.month)}\t${r.label}\t${r.value}\tfinal\t1\t${user.id}\n`;
    };
    const auditLines = function* () {
      for (const r of rows) {
        const figure = JSON.stringify({ value: r.value, marker: null, status: 'final', numerator: null, denominator: null, note: '' });
        yield `${partnership.id}\t${r.series.indicatorId}\t${r.series.id}\t${r.role}\t${r.label}\t${monthPosition(r.month)}\t${r.label}\t${r.observationId}\timport\tsaved\t${figure}\t1\t${user.id}\n`;
      }
    };
    const columns = 'id, series_id, period_key, period_position, period_label, value, status, version, updated_by';
    let started = performance.now();
    await pipeline(Readable.from(figureLines()), await sql.unsafe(`copy copy_target (${columns}) from stdin`).writable());
    const bareMs = performance.now() - started;
    started = performance.now();
    await sql.begin(async (trx) => {
      await pipeline(Readable.from(figureLines()), await trx.unsafe(`copy observation (${columns}) from stdin`).writable());
      await pipeline(
        Readable.from(auditLines()),
        await trx
          .unsafe('copy observation_audit (partnership_id, indicator_id, series_id, series_role, period_key, period_position, period_label, observation_id, via, result, new, version_after, user_id) from stdin')
          .writable(),
      );
    });
    const sameWorkMs = performance.now() - started;
    const [{ figures, audit, bare }] = await sql<{ figures: string; audit: string; bare: string }[]>`
      select (select count(*) from observation)::text as figures, (select count(*) from observation_audit)::text as audit, (select count(*) from copy_target)::text as bare`;
    if (Number(bare) !== ROWS || Number(figures) !== ROWS || Number(audit) !== ROWS) throw new Error(`COPY wrote ${bare} / ${figures} / ${audit} rows`);
    return { totalMs: bareMs, sameWorkMs };
  } finally {
    await sql.end();
    const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await a.unsafe(`drop database if exists "${name}" with (force)`);
    await a.end();
  }
}

async function benchEngine(engine: 'postgres' | 'pglite') {
  let databaseUrl: string | undefined;
  let dataDir: string | undefined;
  let cleanUp: () => Promise<void>;
  if (engine === 'postgres') {
    const name = `ttc_bench_import_${process.pid}`;
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    await admin.end();
    const u = new URL(ADMIN_URL);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    cleanUp = async () => {
      const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end();
    };
  } else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-bench-import-'));
    cleanUp = async () => fs.rmSync(dataDir!, { recursive: true, force: true });
  }
  let server: ChildProcess | undefined;
  try {
    console.log(`${engine}: preparing ${RUNS * 2 * INDICATORS} indicators…`);
    const { session, token } = await prepare({ databaseUrl, dataDir });
    const app = await start({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DEMO: 'false', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '', DATA_DIR: dataDir! }) });
    server = app.child;
    const cookie = `ttc_session=${session}`;
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
      const copy = await copyBaselines(ADMIN_URL);
      const others = probe(app.url, cookie);
      const csv = await importCsv(app.url, cookie, `CSV${run}`);
      const during = await others.stop();
      const api = await importApi(app.url, token, `API${run}`);
      runs.push({ copy, csv, during, api });
      console.log(
        `${engine} run ${run + 1}: COPY ${copy.totalMs.toFixed(0)} ms (same work ${copy.sameWorkMs.toFixed(0)} ms); CSV upload ${csv.uploadMs.toFixed(0)} + confirm ${csv.confirmMs.toFixed(0)} = ${csv.totalMs.toFixed(0)} ms; ` +
          `API ${api.totalMs.toFixed(0)} ms (${api.requests} PUTs); others during the CSV import: ${during.requests} requests, p50 ${during.p50Ms.toFixed(0)} ms, p99 ${during.p99Ms.toFixed(0)} ms, max ${during.maxMs.toFixed(0)} ms` +
          `${during.failures.length ? `, ${during.failures.length} failed (${during.failures.slice(0, 3).join('; ')})` : ''}`,
      );
    }
    return { engine, runs };
  } finally {
    server?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await cleanUp();
  }
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted.at(-1)! };
};
const fmt = (s: { min: number; median: number; max: number }, unit = '') => `${s.min.toFixed(0)} / ${s.median.toFixed(0)} / ${s.max.toFixed(0)}${unit}`;
const ratio = (s: { min: number; median: number; max: number }) => `${s.min.toFixed(1)}× / ${s.median.toFixed(1)}× / ${s.max.toFixed(1)}×`;

const results = [];
for (const engine of ENGINES) results.push(await benchEngine(engine));
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage: os.loadavg().map((l) => l.toFixed(2)).join(' ') };
fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench', 'results', 'import-latest.json'), JSON.stringify({ date: new Date().toISOString(), rows: ROWS, runs: RUNS, machine, results }, null, 2));

console.log(`\n${ROWS.toLocaleString('en-GB')} figures; min / median / max of ${RUNS} runs; ${machine.cpus} × ${machine.model}, Node ${machine.node}, load average at the end ${machine.loadAverage}\n`);
console.log('| engine | COPY, ms | COPY, same work, ms | CSV upload + confirm, ms | ÷ COPY | ÷ same work | API, ms | ÷ COPY | ÷ same work | others during the import: p99 ms | max ms |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const { engine, runs } of results) {
  const csvRatio = stats(runs.map((r) => r.csv.totalMs / r.copy.totalMs));
  const apiRatio = stats(runs.map((r) => r.api.totalMs / r.copy.totalMs));
  const csvSame = stats(runs.map((r) => r.csv.totalMs / r.copy.sameWorkMs));
  const apiSame = stats(runs.map((r) => r.api.totalMs / r.copy.sameWorkMs));
  console.log(
    `| ${engine === 'postgres' ? 'PostgreSQL' : 'PGlite'} | ${fmt(stats(runs.map((r) => r.copy.totalMs)))} | ${fmt(stats(runs.map((r) => r.copy.sameWorkMs)))} | ${fmt(stats(runs.map((r) => r.csv.totalMs)))} | ${ratio(csvRatio)} | ${ratio(csvSame)} | ${fmt(stats(runs.map((r) => r.api.totalMs)))} | ${ratio(apiRatio)} | ${ratio(apiSame)} | ${fmt(stats(runs.map((r) => r.during.p99Ms)))} | ${fmt(stats(runs.map((r) => r.during.maxMs)))} |`,
  );
}
