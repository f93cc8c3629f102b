// Benchmark: the bytes an indicator page costs a browser over the network, on a first visit (empty cache) and on the
// next visit (stylesheets and scripts kept, fingerprinted). Targets: ≤ 300 KB first, ≤ 30 KB next.
//   node --import tsx bench/page-weight.ts            (embedded PGlite in a throwaway folder, with the demo partnership)
//   BENCH_DATABASE_URL=postgres://… node --import tsx bench/page-weight.ts   (loads the demo there if it is empty)
// Bytes are as Chromium counts them on the wire (headers and compressed bodies: DevTools' "transferred").
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, launchBrowser } from '../test/helpers/browser.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const FIRST_TARGET = 300 * 1024;
const NEXT_TARGET = 30 * 1024;
const EMAIL = 'manager@demo.example';
const PASSWORD = 'demo-manager-pass';

function start(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['server/start.mjs'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(?:listening|on) (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve({ child, url: match[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the app exited (${code}) before listening:\n${output}`)));
  });
}

/** Signs in with a plain HTTP client, so the browser's cache is still empty when it first asks for the page. */
async function signIn(base: string): Promise<{ name: string; value: string }[]> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  };
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const form = await fetch(`${base}/sign-in`);
  keep(form);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error('no CSRF token on the sign-in page');
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: EMAIL, password: PASSWORD }).toString(),
  });
  keep(res);
  if (res.status !== 303 && res.status !== 302) throw new Error(`sign-in answered ${res.status}`);
  return [...jar].map(([name, value]) => ({ name, value }));
}

interface Load {
  bytes: number;
  requests: { url: string; bytes: number; status: number; cached: boolean; encoding: string }[];
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}`);
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const dataDir = databaseUrl ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-page-weight-'));
  const app = await start({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DEMO: 'true', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '', DATA_DIR: dataDir! }) });
  const context = await launchBrowser();
  try {
    const cookies = await signIn(app.url);
    await context.addCookies(cookies.map((c) => ({ ...c, url: app.url })));
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const home = await (await fetch(`${app.url}/p/coventry`, { headers: { cookie } })).text();
    const indicatorPath = /href="(\/p\/coventry\/indicators\/[^"]+)"/.exec(home)?.[1];
    if (!indicatorPath) throw new Error('the demo partnership page links no indicator');
    const pageUrl = `${app.url}${indicatorPath}`;

    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    let current: Load = { bytes: 0, requests: [] };
    const pending = new Map<string, { url: string; status: number; cached: boolean; encoding: string }>();
    const fromCache = new Set<string>();
    cdp.on('Network.requestServedFromCache', (e) => fromCache.add(e.requestId));
    cdp.on('Network.responseReceived', (e) => {
      const encoding = Object.entries(e.response.headers).find(([k]) => k.toLowerCase() === 'content-encoding')?.[1] ?? '';
      const cached = fromCache.has(e.requestId) || Boolean(e.response.fromDiskCache);
      pending.set(e.requestId, { url: e.response.url, status: e.response.status, cached, encoding: String(encoding) });
    });
    cdp.on('Network.loadingFinished', (e) => {
      const known = pending.get(e.requestId);
      current.bytes += e.encodedDataLength;
      if (known) current.requests.push({ ...known, bytes: e.encodedDataLength });
    });

    const visit = async (): Promise<Load> => {
      current = { bytes: 0, requests: [] };
      pending.clear();
      fromCache.clear();
      const res = await page.goto(pageUrl, { waitUntil: 'networkidle' });
      if (res?.status() !== 200) throw new Error(`${indicatorPath} answered ${res?.status()}`);
      return current;
    };
    const first = await visit();
    // The next visit: following a link to the page again (not a reload, which would ask again for everything).
    current = { bytes: 0, requests: [] }; // not counted
    await page.goto(`${app.url}/p/coventry`, { waitUntil: 'networkidle' });
    const next = await visit();

    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    const show = (name: string, load: Load, target: number) => {
      console.log(`\n${name}: ${kb(load.bytes)} transferred in ${load.requests.length} requests (target ≤ ${kb(target)}: ${load.bytes <= target ? 'met' : 'NOT met'})`);
      for (const r of load.requests) {
        const where = r.url.replace(app.url, '');
        console.log(`  ${String(r.status).padStart(3)} ${kb(r.bytes).padStart(9)}  ${r.cached ? 'cache' : (r.encoding || 'plain').padEnd(5)}  ${where}`);
      }
    };
    console.log(`Indicator page ${indicatorPath}, signed in as the demo manager, Chromium ${context.browser()?.version() ?? ''}`);
    show('First visit (empty cache)', first, FIRST_TARGET);
    show('Next visit (warm cache)', next, NEXT_TARGET);
    console.log('\n| Load | Transferred | Requests | Target |\n|---|---|---|---|');
    console.log(`| First visit (empty cache) | ${kb(first.bytes)} | ${first.requests.length} | ≤ 300 KB |`);
    console.log(`| Next visit (warm cache) | ${kb(next.bytes)} | ${next.requests.length} | ≤ 30 KB |`);
    process.exitCode = first.bytes <= FIRST_TARGET && next.bytes <= NEXT_TARGET ? 0 : 1;
  } finally {
    await context.close();
    app.child.kill('SIGTERM');
    await new Promise((resolve) => app.child.once('exit', resolve));
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
