// `npm start` runs the server compiled ahead of time (server/start.mjs), without tsx: it must find its views, public
// files and migrations as the TypeScript does, and apply migrations to a new database (which loads tsx only then).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('../../', import.meta.url));

t.test('the compiled server migrates a new embedded database and serves pages, styles and scripts', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-start-compiled-'));
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  // Plain node: no --import tsx, as `npm start` runs it.
  const child = spawn(process.execPath, ['server/start.mjs'], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', DEMO: 'false', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    child.kill('SIGTERM');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const found = /tracker on (http:\/\/\S+)/.exec(out)?.[1];
      if (found) resolve(found);
    });
    child.on('exit', (code) => reject(new Error(`the server stopped (${code}): ${stderr}`)));
  });
  t.notMatch(stderr, /running it through tsx instead/, 'the compiled bundle ran, not the fallback');

  const signIn = await fetch(`${url}/sign-in`);
  t.equal(signIn.status, 200);
  const html = await signIn.text();
  t.match(html, /Sign in/);
  const stylesheets = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]!);
  t.ok(stylesheets.length >= 2, 'the page links its stylesheets (govuk-frontend and ours)');
  for (const href of stylesheets) t.equal((await fetch(`${url}${href}`)).status, 200, `${href} is found where the TypeScript finds it`);
  const health = await fetch(`${url}/healthz`);
  t.equal(health.status, 200, 'the database was migrated and answers');

  const stopped = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  t.equal(await stopped, 0, 'stops cleanly on SIGTERM');
});
