// Backup and restore, the way the README tells an operator to do them: on the embedded database, `npm run cli --
// database backup` and `database restore` (real processes); on PostgreSQL, pg_dump and pg_restore. Either way every
// figure comes back.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres from 'postgres';
import t, { type Test } from 'tap';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { LOCK_FILE } from '../../server/db/data-dir-lock.ts';
import { createTestDatabase } from '../helpers/database.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Read once, here: the embedded test hides it for a moment (tap starts a subtest at once, before later lines run). */
const postgresUrl = process.env.TEST_DATABASE_URL;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !['DATABASE_URL', 'DATA_DIR', 'PUBLIC_URL', 'PORT', 'DEMO', 'NODE_OPTIONS'].includes(k)) clean[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { cwd: root, env: { ...clean, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end();
  });
}

/** Every figure, every partnership and every account, in an order that does not depend on how they were stored. */
async function everything(db: Database['db']) {
  return {
    observations: await db.selectFrom('observation').selectAll().orderBy('id').execute(),
    partnerships: await db.selectFrom('partnership').selectAll().orderBy('id').execute(),
    users: await db.selectFrom('app_user').select(['id', 'email', 'password_hash']).orderBy('id').execute(),
  };
}

function tempDir(t: Test, prefix: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The demo partnership on the embedded engine, whichever engine this run tests: backup and restore of a data folder are the embedded engine's. */
async function embeddedDemo(): Promise<Database> {
  const postgresRun = process.env.TEST_DATABASE_URL;
  delete process.env.TEST_DATABASE_URL;
  try {
    return await createTestDatabase('demo');
  } finally {
    if (postgresRun !== undefined) process.env.TEST_DATABASE_URL = postgresRun;
  }
}

t.setTimeout(240_000);

t.test('embedded: database backup, then database restore into an empty folder, gives back every figure', async (t) => {
  const work = tempDir(t, 'ttc-backup-');
  const dataDir = path.join(work, 'data');
  const restored = path.join(work, 'restored');
  const backupFile = path.join(work, 'tracker.backup');

  // The demo partnership in a data folder, as the server leaves it.
  const demo = await embeddedDemo();
  const original = await everything(demo.db);
  const tarball = await demo.pglite!.dumpDataDir('gzip');
  await demo.close();
  await (await openDatabase({ dataDir, loadDataDir: tarball })).close();
  t.ok(original.observations.length > 100, `the demo has figures to lose (${original.observations.length})`);

  // While something has the folder open, a backup is refused (its files are only consistent to the engine using them).
  const holder = await openDatabase({ dataDir });
  const whileOpen = await cli(['database', 'backup', '--out', backupFile], { DATA_DIR: dataDir });
  await holder.close();
  t.equal(whileOpen.status, 1, 'refused while the folder is open');
  t.match(whileOpen.stderr, `The embedded database in ${dataDir} is in use by process ${process.pid}`);
  t.notOk(fs.existsSync(backupFile), 'no backup file was written');

  const backup = await cli(['database', 'backup', '--out', backupFile], { DATA_DIR: dataDir });
  t.equal(backup.status, 0, `backup: ${backup.stderr.trim()}`);
  t.match(backup.stdout, new RegExp(`Wrote a backup of .*data to .*tracker\\.backup \\(.*1 partnership, ${original.observations.length} figures\\)`));
  t.ok(fs.statSync(backupFile).size > 0, 'the backup file is there');

  const again = await cli(['database', 'backup', '--out', backupFile], { DATA_DIR: dataDir });
  t.equal(again.status, 1, 'a backup is never written over an existing file');
  t.match(again.stderr, /already exists/);

  // Into a folder that holds anything: refused, and the folder is left as it was.
  fs.mkdirSync(restored);
  fs.writeFileSync(path.join(restored, 'notes.txt'), 'keep me');
  const intoFull = await cli(['database', 'restore', '--from', backupFile, '--data-dir', restored], {});
  t.equal(intoFull.status, 1, 'a folder that is not empty is refused');
  t.match(intoFull.stderr, `${restored} is not empty; restore into a new or empty folder`);
  t.same(fs.readdirSync(restored), ['notes.txt'], 'the folder is untouched');
  fs.rmSync(path.join(restored, 'notes.txt'));

  const restore = await cli(['database', 'restore', '--from', backupFile, '--data-dir', restored], {});
  t.equal(restore.status, 0, `restore: ${restore.stderr.trim()}`);
  t.match(restore.stdout, `Restored ${backupFile} into ${restored} (1 partnership, ${original.observations.length} figures). Start the tracker with DATA_DIR=${restored}.`);
  t.notOk(fs.existsSync(path.join(restored, LOCK_FILE)), 'the restored folder is held by nobody');

  const reopened = await openDatabase({ dataDir: restored });
  t.teardown(() => reopened.close());
  const found = await everything(reopened.db);
  t.equal(found.observations.length, original.observations.length, 'as many figures');
  t.same(found, original, 'every figure, partnership and account, exactly as it was');
});

t.test('embedded: the commands say what to use instead on PostgreSQL, and refuse what is not a backup', async (t) => {
  const work = tempDir(t, 'ttc-backup-refusals-');
  const [onPostgres, notABackup] = await Promise.all([
    cli(['database', 'backup', '--out', path.join(work, 'x.backup')], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }),
    (async () => {
      fs.writeFileSync(path.join(work, 'junk.backup'), 'not a tarball');
      return cli(['database', 'restore', '--from', path.join(work, 'junk.backup'), '--data-dir', path.join(work, 'new')], {});
    })(),
  ]);
  t.equal(onPostgres.status, 1);
  t.match(onPostgres.stderr, /DATABASE_URL is set: back PostgreSQL up with pg_dump --format=custom/);
  t.equal(notABackup.status, 1, 'a file that is not a backup is refused');
  t.match(notABackup.stderr, /junk\.backup could not be restored/);
  t.notMatch(notABackup.stderr, /^\s+at /m, 'no stack trace');
  t.notOk(fs.existsSync(path.join(work, 'new')), 'nothing half-restored is left behind');
});

const execFileText = promisify(execFile);

// The PostgreSQL run of the suite (TEST_DATABASE_URL, as .ci/run does it) runs this; the embedded run has no server to
// dump, and registers nothing (a skipped test would fail CI, and the embedded backup is tested above).
if (postgresUrl) t.test('PostgreSQL: pg_dump --format=custom, then pg_restore into a new database, gives back every figure', async (t) => {
  const adminUrl = postgresUrl!;
  const work = tempDir(t, 'ttc-pgdump-');
  const dumpFile = path.join(work, 'tracker.dump');
  const demo = await createTestDatabase('demo');
  t.teardown(() => demo.close());
  const original = await everything(demo.db);
  t.ok(original.observations.length > 100, `the demo has figures to lose (${original.observations.length})`);

  // The commands of the README, as written there.
  const sourceUrl = (demo as { url?: string }).url!;
  await execFileText('pg_dump', ['--format=custom', `--file=${dumpFile}`, `--dbname=${sourceUrl}`]);

  const name = `ttc_restored_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  t.teardown(async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });
  const target = new URL(adminUrl);
  target.pathname = `/${name}`;
  await execFileText('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${target.toString()}`, dumpFile]);

  const restored = await openDatabase({ databaseUrl: target.toString(), poolSize: 2 });
  const found = await everything(restored.db).finally(() => restored.close());
  t.equal(found.observations.length, original.observations.length, 'as many figures');
  t.same(found, original, 'every figure, partnership and account, exactly as it was');
});
