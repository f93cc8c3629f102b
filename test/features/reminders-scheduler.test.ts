// Issue 21, item 6: the scheduler inside the app (a failing pass never ends the server; email off is said once) and
// `npm run cli -- notices run`, one pass from cron, run as a child process the way an operator runs it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { EMAIL_OFF_MESSAGE, startReminderScheduler } from '../../server/features/reminders/scheduler.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { startSmtp } from '../helpers/smtp.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const config = { SMTP_URL: undefined, MAIL_FROM: undefined, PUBLIC_URL: undefined, PORT: 3000, REMINDER_MINUTES: 15 };

function logSink() {
  const lines: { level: string; message: string; detail: unknown }[] = [];
  const log = {
    info: (detail: unknown, message?: string) => lines.push({ level: 'info', message: typeof detail === 'string' ? detail : message ?? '', detail }),
    error: (detail: unknown, message?: string) => lines.push({ level: 'error', message: typeof detail === 'string' ? detail : message ?? '', detail }),
  };
  return { lines, log: log as never };
}

const waitFor = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (await check()) return true;
  return false;
};

/** A partnership with one officer who owns one overdue action: one notice to find. */
async function oneOverdueAction(database: Database) {
  const db = database.db;
  const partnership = await db.insertInto('partnership').values({ slug: 'testshire', name: 'Testshire Partnership', la_name: null, la_code: null, la_number: null, small_number_threshold: null }).returning('id').executeTakeFirstOrThrow();
  const user = await db.insertInto('app_user').values({ email: 'olu@testshire.example', name: 'Olu Officer', password_hash: null }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('membership').values({ user_id: user.id, partnership_id: partnership.id, role: 'officer' }).execute();
  await db.insertInto('action').values({ partnership_id: partnership.id, title: 'Send the attendance letters', owner_id: user.id, due_date: '2020-01-31' }).execute();
}

t.test('the scheduler: runs the pass, survives a failing one, says once that email is off', async (t) => {
  const database = await createTestDatabase('empty');
  t.teardown(() => database.close());
  await oneOverdueAction(database);

  const failing = logSink();
  let calls = 0;
  const broken = startReminderScheduler(database.db, config, failing.log, { firstDelayMs: 0, pass: async () => { calls++; throw new Error('database gone'); } });
  t.ok(await waitFor(() => failing.lines.some((l) => l.level === 'error')), 'the failure is logged');
  await broken.stop();
  t.equal(calls, 1);
  t.match(failing.lines.find((l) => l.level === 'error')!.message, /reminder pass failed/);
  t.equal(failing.lines.filter((l) => l.message === EMAIL_OFF_MESSAGE).length, 1, 'email off: said once at start');

  const working = logSink();
  const scheduler = startReminderScheduler(database.db, config, working.log, { firstDelayMs: 0 });
  const queued = () => database.db.selectFrom('reminder').select('title').execute();
  t.ok(await waitFor(async () => (await queued()).length > 0), 'the first pass queues the notice');
  await scheduler.stop();
  t.same((await queued()).map((r) => r.title), ['Overdue: Send the attendance letters']);
  t.ok(working.lines.some((l) => l.message === 'reminder pass'), 'what it did is logged');

  const off = logSink();
  (await Promise.resolve(startReminderScheduler(database.db, { ...config, REMINDER_MINUTES: 0 }, off.log))).stop();
  t.ok(off.lines.some((l) => /scheduler is off/.test(l.message)), 'REMINDER_MINUTES=0 turns it off, and says so');
});

t.test('npm run cli -- notices run: one pass, emails sent', async (t) => {
  const smtp = await startSmtp(t);
  let env: Record<string, string>;
  let database: Database;
  if (process.env.TEST_DATABASE_URL) {
    const testDb = await createTestDatabase('empty');
    database = testDb;
    env = { DATABASE_URL: testDb.url! };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-notices-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    // A folder started from the migrated template (quicker than migrating a new one).
    const template = await createTestDatabase('empty');
    const image = await template.pglite!.dumpDataDir('gzip');
    await template.close();
    database = await openDatabase({ dataDir: dir, loadDataDir: image });
    env = { DATA_DIR: dir };
  }
  await oneOverdueAction(database);
  // The embedded folder is one process's at a time: let the command have it.
  if (!process.env.TEST_DATABASE_URL) await database.close();
  else t.teardown(() => database.close());

  const run = () =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'DATA_DIR', 'PUBLIC_URL', 'NODE_OPTIONS', 'DEMO'].includes(k)));
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'notices', 'run'], {
        cwd: root,
        env: { ...clean, ...env, DEMO: 'false', SMTP_URL: smtp.url, MAIL_FROM: 'tracker@testshire.example', PUBLIC_URL: 'https://tracker.testshire.example' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const first = await run();
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, /Queued 1 new notice\./);
  t.match(first.stdout, /Sent 1 email and 0 weekly digests; 0 failed/);
  t.same(smtp.received.map((m) => m.to), [['olu@testshire.example']]);
  t.match(smtp.received[0]!.text, /https:\/\/tracker\.testshire\.example\/notices\//);
});
