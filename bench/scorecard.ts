// Benchmark: the scorecard page and the analysis API for a partnership of 300 indicators × 40 periods, against a
// bare Fastify route sending back exactly the bytes and headers the app sent (a Buffer in memory), in the same run.
//   node --import tsx bench/scorecard.ts            (embedded PGlite)
//   BENCH_DATABASE_URL=postgres://… node --import tsx bench/scorecard.ts
// Writes the figures to bench/results/latest.json and prints a Markdown table for BENCHMARKS.md.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { captureResponse } from './replay.ts';

import postgres from 'postgres';
import { linearForecast } from '../server/analysis/forecast.ts';
import { periodFromPosition } from '../server/analysis/periods.ts';
import { openDatabase } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { createApiToken, createPartnership, createUser, setMembership } from '../server/features/accounts/queries.ts';
import { insertBaseline } from '../server/features/analysis/queries.ts';
import { createSession } from '../server/features/auth/queries.ts';
import { createIndicator } from '../server/features/indicators/queries.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const INDICATORS = Number(process.env.BENCH_INDICATORS ?? 300);
const PERIODS = Number(process.env.BENCH_PERIODS ?? 40);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

async function prepareDatabase(target: { databaseUrl?: string; dataDir?: string }) {
  const database = await openDatabase(target);
  await migrateToLatest(database.db);
  const db = database.db;
  const user = await createUser(db, { email: 'bench@example.org', name: 'Bench Manager', password: 'bench-password-123' });
  const partnership = await createPartnership(db, { slug: 'bench', name: 'Benchmark partnership', laName: 'Benchville' });
  await setMembership(db, partnership.id, user.id, 'manager');
  const start = 2015 * 4; // 2015-16 Q1: 40 quarters to 2024-25 Q4
  await db.transaction().execute(async (trx) => {
    const outcomes = [];
    for (let o = 0; o < 5; o++) outcomes.push(await trx.insertInto('outcome').values({ partnership_id: partnership.id, title: `Outcome ${o + 1}`, position: o }).returning('id').executeTakeFirstOrThrow());
    const priorities = [];
    for (let p = 0; p < 20; p++) priorities.push(await trx.insertInto('priority').values({ partnership_id: partnership.id, outcome_id: outcomes[p % 5]!.id, title: `Priority ${p + 1}`, position: p }).returning('id').executeTakeFirstOrThrow());
    for (let i = 0; i < INDICATORS; i++) {
      const gap = i % 5 === 0;
      const roles = gap ? (['focus', 'comparison', 'england'] as const) : (['local', 'england', 'target'] as const);
      const indicator = await createIndicator(
        trx,
        partnership.id,
        { priorityId: priorities[i % 20]!.id, code: `IND_${i}`, title: `Indicator ${i + 1}`, unit: 'percentage', decimals: 1, polarity: i % 2 ? 'higher' : 'lower', periodType: 'fy_quarter', kind: gap ? 'gap' : 'single', position: i },
        undefined,
        { series: roles.map((role) => ({ role, label: role })) },
      );
      const measured: { position: number; value: number | null }[] = [];
      for (const role of roles) {
        const series = indicator.series.find((s) => s.role === role)!;
        const rows = [];
        for (let k = 0; k < PERIODS; k++) {
          const period = periodFromPosition('fy_quarter', start + k);
          const base = role === 'comparison' ? 60 : role === 'england' ? 45 : role === 'target' ? 40 : 50;
          const value = Math.round((base + ((i * 7) % 11) - 0.08 * k + 2.5 * Math.sin(k + i)) * 10) / 10;
          const suppressed = role === 'local' && k === 17 && i % 3 === 0;
          rows.push({ series_id: series.id, period_key: period.key, period_position: period.position, period_label: period.label, value: suppressed ? null : value, marker: suppressed ? ('c' as const) : null, status: k >= PERIODS - 2 ? ('provisional' as const) : ('final' as const) });
          if (role === 'local') measured.push({ position: period.position, value: suppressed ? null : value });
        }
        await trx.insertInto('observation').values(rows).execute();
      }
      if (!gap) {
        const baselinePosition = start + PERIODS - 9;
        const forecast = linearForecast({ observations: measured, baseline: baselinePosition, window: 8 });
        if (forecast.ok) {
          await insertBaseline(trx, { indicatorId: indicator.id, position: baselinePosition, label: periodFromPosition('fy_quarter', baselinePosition).label, window: 8, method: 'linear', fit: forecast.fit, manualPoints: null, note: '', agreedBy: user.id, agreedByName: 'Bench Manager' });
        }
      }
    }
  });
  const session = await createSession(db, user.id, 12);
  const token = (await createApiToken(db, user.id, 'bench', false)).token;
  const writeToken = (await createApiToken(db, user.id, 'bench-write', true)).token;
  await database.close();
  return { session, token, writeToken };
}

function start(command: string[], env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

function peakRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function load(name: string, url: string, headers: Record<string, string>) {
  // Warm up, then measure.
  await autocannon({ url, headers, connections: 2, duration: 2, timeout: 60 });
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION, timeout: 60 });
  if (result.non2xx || result.errors) throw new Error(`${name}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { name, requestsPerSecond: result.requests.average, p99Ms: result.latency.p99, p50Ms: result.latency.p50, bytesPerResponse: Math.round(result.throughput.average / Math.max(1, result.requests.average)), requests: result.requests.total };
}

const engineUrl = process.env.BENCH_DATABASE_URL;
let databaseUrl: string | undefined;
let dataDir: string | undefined;
let dropDatabase: (() => Promise<void>) | undefined;
if (engineUrl) {
  const name = `ttc_bench_${process.pid}`;
  const admin = postgres(engineUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const u = new URL(engineUrl);
  u.pathname = `/${name}`;
  databaseUrl = u.toString();
  dropDatabase = async () => {
    const a = postgres(engineUrl, { max: 1, onnotice: () => {} });
    await a.unsafe(`drop database if exists "${name}" with (force)`);
    await a.end();
  };
} else {
  dataDir = process.env.BENCH_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-bench-'));
}

console.log(`Preparing ${INDICATORS} indicators × ${PERIODS} periods on ${engineUrl ? 'PostgreSQL' : 'PGlite'}…`);
const { session, token, writeToken } = await prepareDatabase({ databaseUrl, dataDir });
// For profiling: keep the prepared database, say how to reach it, and stop here.
if (process.env.BENCH_PREPARE_ONLY) {
  console.log(JSON.stringify({ databaseUrl, dataDir, session, token, writeToken }));
  process.exit(0);
}
const servers: ChildProcess[] = [];
try {
  const app = await start(['server/start.mjs'], { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DEMO: 'false', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '', DATA_DIR: dataDir! }) });
  servers.push(app.child);
  const cookie = `ttc_session=${session}`;
  const probe = await fetch(`${app.url}/p/bench/scorecard`, { headers: { cookie } });
  const pageBytes = Buffer.byteLength(await probe.text());
  if (!probe.ok) throw new Error(`scorecard answered ${probe.status}`);

  // Each endpoint, then the bare route sending back exactly what that endpoint sent (status, headers, bytes, from a
  // Buffer in memory): the baseline for that endpoint, measured in the same run, a true ceiling.
  type Measured = Awaited<ReturnType<typeof load>>;
  const endpoints: { name: string; url: string; headers: Record<string, string> }[] = [
    { name: 'scorecard page (300 indicators)', url: `${app.url}/p/bench/scorecard`, headers: { cookie } },
    { name: 'analysis API, one indicator', url: `${app.url}/api/v1/partnerships/bench/indicators/IND_7/analysis`, headers: { authorization: `Bearer ${token}` } },
    { name: 'indicators API, all 300 with status', url: `${app.url}/api/v1/partnerships/bench/indicators`, headers: { authorization: `Bearer ${token}` } },
  ];
  const captured = await Promise.all(endpoints.map((e) => captureResponse(e.url, e.headers)));
  for (const [i, c] of captured.entries()) if (c.status !== 200) throw new Error(`${endpoints[i]!.name} answered ${c.status}`);
  const replayFile = path.join(os.tmpdir(), `ttc-bench-replay-${process.pid}.json`);
  fs.writeFileSync(replayFile, JSON.stringify(captured));
  const bare = await start(['--import', 'tsx', 'bench/bare-server.ts'], { PORT: '0', REPLAY_FILE: replayFile });
  servers.push(bare.child);
  const results: (Measured & { bytes: number; baseline: Measured })[] = [];
  for (const [i, endpoint] of endpoints.entries()) {
    const bytes = Buffer.from(captured[i]!.bodyBase64, 'base64').length;
    const measured = await load(endpoint.name, endpoint.url, endpoint.headers);
    const baseline = await load(`bare route, the same ${bytes} bytes and headers (baseline)`, `${bare.url}/replay/${i}`, endpoint.headers);
    results.push({ ...measured, bytes, baseline });
  }

  // The first visit after a change: a figure is corrected through the API, then the scorecard is computed afresh.
  const firstVisits: number[] = [];
  for (let round = 0; round < 5; round++) {
    const put = await fetch(`${app.url}/api/v1/partnerships/bench/indicators/IND_${[1, 2, 3, 4, 6][round]}/observations`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ series: 'local', period: '2024-25 Q4', value: 40 + round, status: 'revised' }]),
    });
    if (!put.ok) throw new Error(`correcting a figure answered ${put.status}: ${await put.text()}`);
    const started = performance.now();
    const page = await fetch(`${app.url}/p/bench/scorecard`, { headers: { cookie } });
    await page.text();
    firstVisits.push(performance.now() - started);
  }
  const firstVisit = { meanMs: firstVisits.reduce((a, b) => a + b, 0) / firstVisits.length, maxMs: Math.max(...firstVisits) };

  const memory = { appPeakRssMiB: peakRssMiB(app.child.pid!), barePeakRssMiB: peakRssMiB(bare.child.pid!) };
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, engine: engineUrl ? 'PostgreSQL' : 'PGlite (embedded)' };
  const report = { date: new Date().toISOString(), indicators: INDICATORS, periods: PERIODS, durationSeconds: DURATION, connections: CONNECTIONS, pageBytes, machine, memory, results, firstVisitAfterChange: firstVisit };
  fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench', 'results', `latest-${engineUrl ? 'postgres' : 'pglite'}.json`), JSON.stringify(report, null, 2));
  console.log(`\n| what | req/s | p50 ms | p99 ms | bare route, the same response: req/s | vs the bare route |\n|---|---:|---:|---:|---:|---:|`);
  for (const r of results) {
    console.log(`| ${r.name} (${r.bytes} bytes) | ${r.requestsPerSecond.toFixed(0)} | ${r.p50Ms} | ${r.p99Ms} | ${r.baseline.requestsPerSecond.toFixed(0)} | ${((r.requestsPerSecond / r.baseline.requestsPerSecond) * 100).toFixed(1)}% |`);
  }
  console.log(`\nFirst visit to the scorecard after a figure changes: mean ${firstVisit.meanMs.toFixed(0)} ms, worst ${firstVisit.maxMs.toFixed(0)} ms (5 changes).`);
  console.log(`Page size ${pageBytes} bytes; peak RSS: app ${memory.appPeakRssMiB.toFixed(0)} MiB, bare ${memory.barePeakRssMiB.toFixed(0)} MiB; ${machine.cpus} × ${machine.model}, Node ${machine.node}, ${machine.engine}.`);
} finally {
  for (const s of servers) s.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  if (dropDatabase) await dropDatabase();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
