// One embedded data folder, one process: while the server has DATA_DIR open, the CLI, the migrator, the seeder and a
// second server refuse at once, naming the folder and the server; once the server is killed with -9, the folder is
// taken over without anyone deleting anything. Real processes, the way an operator runs them.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../server/db/data-dir-lock.ts';
import { openDatabase } from '../../server/db/database.ts';
import { createUser } from '../../server/features/accounts/queries.ts';
import { verifyPassword } from '../../server/features/auth/passwords.ts';
import { findUserByEmail } from '../../server/features/auth/queries.ts';
import { createTestDatabase } from '../helpers/database.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Only what chooses the database is ours: an embedded folder, never a PostgreSQL URL from the test's environment. */
function envFor(dataDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !['DATABASE_URL', 'DATA_DIR', 'PUBLIC_URL', 'PORT', 'DEMO', 'NODE_OPTIONS'].includes(k)) env[k] = v;
  }
  return { ...env, DATA_DIR: dataDir, DEMO: 'false', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' };
}

/** Runs a command to its end; a server that starts listening (it should have refused) is stopped there. */
function run(script: string, args: string[], env: Record<string, string>, input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (/tracker on http/.test(stdout)) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Starts the server and waits for the line that says where it listens. */
function startServer(t: Test, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const url = /tracker on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) resolve({ child, url });
    });
    child.on('exit', (code) => reject(new Error(`the server stopped (${code}) before listening: ${stderr}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

function assertRefusal(t: Test, what: string, result: Run, dataDir: string, serverPid: number) {
  t.not(result.status, 0, `${what}: non-zero exit`);
  t.match(result.stderr, `The embedded database in ${dataDir} is in use by process ${serverPid}`, `${what}: names the folder and the server's pid`);
  t.match(result.stderr, /node server\/main\.ts, started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, `${what}: says what the process is and when it started`);
  t.match(result.stderr, /Stop the server first.*DATABASE_URL/, `${what}: says what to do instead`);
  t.notMatch(result.stderr, /^\s+at /m, `${what}: no stack trace`);
  t.ok(result.stderr.trim().split('\n').length <= 2, `${what}: one or two lines`);
}

t.setTimeout(180_000);

const dataDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-lock-')));
t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }));
const env = envFor(dataDir);

// The folder starts as a copy of the migrated template: each process then opens it in a fraction of a second,
// instead of the server running initdb and every migration.
// The lock is the embedded engine's, so this file tests it on either run (TEST_DATABASE_URL set or not).
t.before(async () => {
  const postgresRun = process.env.TEST_DATABASE_URL;
  delete process.env.TEST_DATABASE_URL;
  const template = await createTestDatabase('empty').finally(() => {
    if (postgresRun !== undefined) process.env.TEST_DATABASE_URL = postgresRun;
  });
  const tarball = await template.pglite!.dumpDataDir('gzip');
  await template.close();
  const folder = await openDatabase({ dataDir, loadDataDir: tarball });
  await createUser(folder.db, { email: 'owner@example.org', name: 'Owner' });
  await folder.close();
});

const NEW_PASSWORD = 'kettle-lantern-orbit-42';

t.test('while the server runs, every other process refuses the folder; after kill -9 it is taken over', async (t) => {
  const server = await startServer(t, env);
  const serverPid = server.child.pid!;
  t.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the server is up');

  // Two at a time: the machine has few cores and each is a node process.
  const [cli, migrate] = await Promise.all([
    run('server/cli.ts', ['user', 'set-password', '--email', 'owner@example.org', '--password-stdin'], env, `${NEW_PASSWORD}\n`),
    run('server/db/migrate-cli.ts', [], env),
  ]);
  const [seed, secondServer] = await Promise.all([run('seeds/seed-cli.ts', ['--demo'], env), run('server/main.ts', [], env)]);
  assertRefusal(t, 'the CLI', cli, dataDir, serverPid);
  t.equal(cli.status, 1, 'the CLI refuses with its "refused" status');
  t.equal(cli.stdout, '', 'the CLI did nothing');
  assertRefusal(t, 'db:migrate', migrate, dataDir, serverPid);
  assertRefusal(t, 'db:seed', seed, dataDir, serverPid);
  assertRefusal(t, 'a second server', secondServer, dataDir, serverPid);

  t.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the server still serves');

  server.child.kill('SIGKILL');
  await exited(server.child);
  t.ok(fs.existsSync(path.join(dataDir, LOCK_FILE)), 'kill -9 left the lock file behind');

  // The commands people need for a locked-out user, now that the folder is free.
  const after = await run('server/cli.ts', ['user', 'set-password', '--email', 'owner@example.org', '--password-stdin'], env, `${NEW_PASSWORD}\n`);
  t.equal(after.status, 0, `the CLI takes the folder over: ${after.stderr.trim()}`);
  t.match(after.stdout, 'Set a new password for owner@example.org; every sign-in of that account has ended.');
  t.notOk(fs.existsSync(path.join(dataDir, LOCK_FILE)), 'the CLI gave the folder up when it finished');
  const link = await run('server/cli.ts', ['user', 'set-password', '--email', 'owner@example.org'], { ...env, PUBLIC_URL: 'https://tracker.example.org' });
  t.equal(link.status, 0, `a set-password link instead: ${link.stderr.trim()}`);
  t.match(link.stdout, /^Send owner@example\.org this link to set a new password; it works once, within 72 hours:\nhttps:\/\/tracker\.example\.org\/set-password\/\S+\n$/);
});

t.test('in one process the folder opens once; closing it gives it up', async (t) => {
  const first = await openDatabase({ dataDir });
  await t.rejects(openDatabase({ dataDir }), DataDirLockedError, 'a second open in the same process is refused');
  await t.rejects(openDatabase({ dataDir }), /is in use by this same process/);
  await first.close();
  t.notOk(fs.existsSync(path.join(dataDir, LOCK_FILE)), 'closing removed the lock file');
  const again = await openDatabase({ dataDir });
  const owner = await findUserByEmail(again.db, 'owner@example.org');
  t.ok(await verifyPassword(NEW_PASSWORD, owner?.password_hash ?? null), 'the password set by the CLI is the one that works');
  await again.close();
});

t.test('a lock file is judged by whether its holder still runs', async (t) => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-lock-unit-'));
  t.teardown(() => fs.rmSync(folder, { recursive: true, force: true }));
  const file = path.join(folder, LOCK_FILE);
  const write = (holder: object, ageMs = 0) => {
    fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), command: 'npm start', startedAt: new Date().toISOString(), processStart: null, ...holder }));
    const when = new Date(Date.now() - ageMs);
    fs.utimesSync(file, when, when);
  };

  // A live process of this machine (our parent) holds it.
  write({ pid: process.ppid });
  t.throws(() => lockDataDir(folder), new RegExp(`in use by process ${process.ppid} \\(npm start, started`), 'a live holder is respected');

  // The same pid, but a process started at another time: the pid was reused after the holder died.
  write({ pid: process.ppid, processStart: '1' });
  const reused = lockDataDir(folder);
  t.match(JSON.parse(fs.readFileSync(file, 'utf8')), { pid: process.pid }, 'a reused pid does not keep the folder');
  reused.release();
  t.notOk(fs.existsSync(file), 'released');

  // A process of another machine sharing the folder: trusted while its heartbeat is fresh, taken over when it is not.
  write({ pid: 1, host: 'elsewhere.example' });
  t.throws(() => lockDataDir(folder), /in use by process 1 \(npm start on elsewhere\.example, started .*delete .*tracker\.lock/);
  write({ pid: 1, host: 'elsewhere.example' }, 5 * 60_000);
  lockDataDir(folder).release();

  // A half-written file (its writer killed mid-write) that nobody has touched for long.
  fs.writeFileSync(file, '{"pid": 12');
  const old = new Date(Date.now() - 5 * 60_000);
  fs.utimesSync(file, old, old);
  lockDataDir(folder).release();
});
