// `npm run bench`: every benchmark of BENCHMARKS.md in one command, on a quiet machine — the scorecard and APIs against
// their replayed bare responses (bench/scorecard.ts) on PGlite and PostgreSQL, three runs each; starting the app
// (bench/start.ts); and the 100,000-figure import (bench/import.ts), three runs on each engine. Prints min / median /
// max of the runs as Markdown tables for BENCHMARKS.md and writes them to bench/results/all-latest.json.
//   npm run bench                     (BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres by default)
//   BENCH_ONLY=scorecard,start,import  choose parts; BENCH_RUNS=3
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ONLY = new Set((process.env.BENCH_ONLY ?? 'scorecard,start,import').split(',').map((s) => s.trim()));

function run(script: string, env: Record<string, string>): string {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  process.stderr.write(`  ${script} ${JSON.stringify(env)}: ${((performance.now() - started) / 1000).toFixed(0)} s, exit ${result.status}\n`);
  if (result.status !== 0) throw new Error(`${script} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
function spread(values: number[], digits = 0): string {
  const s = sorted(values);
  const f = (v: number) => v.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${f(s[0]!)} / ${f(s[Math.floor((s.length - 1) / 2)]!)} / ${f(s.at(-1)!)}`;
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model?.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const loadBefore = os.loadavg()[0]!.toFixed(2);
const output: Record<string, unknown> = { date: new Date().toISOString(), machine, loadAverageBefore: loadBefore, runs: RUNS };
const lines: string[] = [`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}; load average before ${loadBefore}. min / median / max of ${RUNS} runs.`];

interface ScorecardReport {
  results: { name: string; bytes: number; requestsPerSecond: number; p50Ms: number; p99Ms: number; baseline: { requestsPerSecond: number; p99Ms: number } }[];
  firstVisitAfterChange: { meanMs: number; maxMs: number; p99Ms?: number };
  memory: { appPeakRssMiB: number };
}

if (ONLY.has('scorecard')) {
  for (const engine of ['pglite', 'postgres'] as const) {
    const reports: ScorecardReport[] = [];
    for (let i = 0; i < RUNS; i++) {
      run('bench/scorecard.ts', engine === 'postgres' ? { BENCH_DATABASE_URL: ADMIN_URL } : { BENCH_DATABASE_URL: '' });
      reports.push(JSON.parse(fs.readFileSync(path.join(root, 'bench', 'results', `latest-${engine}.json`), 'utf8')) as ScorecardReport);
    }
    output[`scorecard-${engine}`] = reports;
    lines.push('', `### ${engine === 'postgres' ? 'PostgreSQL 15' : 'PGlite (embedded)'}`, '');
    lines.push('| what | requests/s | p99 ms | bare route, the same response: requests/s | vs the bare route |', '|---|---:|---:|---:|---:|');
    for (const [index, first] of reports[0]!.results.entries()) {
      const each = reports.map((r) => r.results[index]!);
      lines.push(
        `| ${first.name} (${first.bytes.toLocaleString('en-GB')} bytes) | ${spread(each.map((r) => r.requestsPerSecond))} | ${spread(each.map((r) => r.p99Ms))} | ${spread(each.map((r) => r.baseline.requestsPerSecond))} | ${spread(each.map((r) => (100 * r.requestsPerSecond) / r.baseline.requestsPerSecond), 1)}% |`,
      );
    }
    lines.push(
      '',
      `First scorecard after a figure changes: worst ${spread(reports.map((r) => r.firstVisitAfterChange.maxMs))} ms, mean ${spread(reports.map((r) => r.firstVisitAfterChange.meanMs))} ms. App peak memory ${spread(reports.map((r) => r.memory.appPeakRssMiB))} MiB.`,
    );
  }
}

if (ONLY.has('start')) {
  const out = run('bench/start.ts', { BENCH_RUNS: String(RUNS) });
  output.start = out;
  lines.push('', '### Starting the app', '', ...out.split('\n').filter((l) => l.startsWith('|')));
}

if (ONLY.has('import')) {
  const out = run('bench/import.ts', { BENCH_RUNS: String(RUNS), BENCH_DATABASE_URL: ADMIN_URL });
  output.import = JSON.parse(fs.readFileSync(path.join(root, 'bench', 'results', 'import-latest.json'), 'utf8'));
  lines.push('', '### A 100,000-figure import', '', ...out.split('\n').filter((l) => l.startsWith('|')));
}

lines.push('', `Load average after: ${os.loadavg()[0]!.toFixed(2)}.`);
fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench', 'results', 'all-latest.json'), JSON.stringify(output, null, 2));
console.log(lines.join('\n'));
