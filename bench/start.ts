// Benchmark: how long `npm start` takes to a working demo (issue 18), on a fresh data folder and on a restart, and the
// server's peak memory. Starts the server as `npm start` does (server/start.mjs, compiled ahead of time), times until the sign-in page answers 200, then
// stops it; three runs of each. Run it on a quiet machine after `npm ci` (which prepares the demo image):
//   node --import tsx bench/start.ts            (BENCH_RUNS=3; BENCH_NO_IMAGE=1 to time a first start without the image)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_IMAGE_CACHE } from '../seeds/demo-image.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function timeStart(dataDir: string): Promise<{ ms: number; peakMiB: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['server/start.mjs'], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const found = /tracker on (http:\/\/\S+)/.exec(out)?.[1];
      if (found) resolve(found);
    });
    child.on('exit', (code) => reject(new Error(`the server stopped (${code})`)));
  });
  const response = await fetch(`${url}/sign-in`);
  if (response.status !== 200) throw new Error(`sign-in answered ${response.status}`);
  await response.text();
  const ms = performance.now() - started;
  const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const peakMiB = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { ms, peakMiB };
}

const stash = process.env.BENCH_NO_IMAGE ? `${DEMO_IMAGE_CACHE}.hidden-${process.pid}` : null;
if (stash && fs.existsSync(DEMO_IMAGE_CACHE)) fs.renameSync(DEMO_IMAGE_CACHE, stash);
const first: { ms: number; peakMiB: number }[] = [];
const restart: { ms: number; peakMiB: number }[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-start-'));
    fs.rmSync(dataDir, { recursive: true });
    try {
      first.push(await timeStart(dataDir));
      restart.push(await timeStart(dataDir));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
} finally {
  if (stash && fs.existsSync(stash)) fs.renameSync(stash, DEMO_IMAGE_CACHE);
}
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]!.toFixed(0)} / ${s[Math.floor(s.length / 2)]!.toFixed(0)} / ${s.at(-1)!.toFixed(0)}`;
};
console.log(`| start | to a working sign-in page, ms (min / median / max) | peak memory, MiB (min / median / max) |\n|---|---:|---:|`);
console.log(`| first start, fresh data folder${process.env.BENCH_NO_IMAGE ? ' (no prepared image)' : ''} | ${summary(first.map((r) => r.ms))} | ${summary(first.map((r) => r.peakMiB))} |`);
console.log(`| restart | ${summary(restart.map((r) => r.ms))} | ${summary(restart.map((r) => r.peakMiB))} |`);
console.log(`${RUNS} runs; ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}; load average before: ${os.loadavg()[0]!.toFixed(2)}.`);
