// The operator's command line, run the way operators and scripts run it: a child process on a throwaway database
// (a fresh PGlite folder, or a fresh database on TEST_DATABASE_URL), which it must migrate itself.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import t, { type Test } from 'tap';
import { openDatabase, type Database } from '../server/db/database.ts';
import { findPartnershipId, findSetPasswordLink, listMembers } from '../server/features/accounts/queries.ts';
import { verifyPassword } from '../server/features/auth/passwords.ts';
import { findTokenCaller, findUserByEmail } from '../server/features/auth/queries.ts';
import { listTemplates } from '../server/features/templates/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of the test, without anything that would choose another database or change the output. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !['DATABASE_URL', 'DATA_DIR', 'PUBLIC_URL', 'PORT', 'DEMO', 'NODE_OPTIONS'].includes(k)) env[k] = v;
  }
  return env;
}

function cli(args: string[], env: Record<string, string>, input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { cwd: root, env: { ...cleanEnv(), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Runs the CLIs a few at a time: the machine may have two cores, and the other test is starting processes too. */
async function inTurns<T>(jobs: (() => Promise<T>)[], width = 2): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

/** A refusal or a usage error explains itself in one or two lines, without a stack trace. */
function assertShortComplaint(t: Test, run: Run, status: number, pattern: RegExp) {
  t.equal(run.status, status, `exit ${status}: ${run.stderr.trim()}`);
  t.match(run.stderr, pattern);
  const lines = run.stderr.trimEnd().split('\n');
  t.ok(lines.length >= 1 && lines.length <= 2, 'one or two lines');
  t.notMatch(run.stderr, /^\s+at /m, 'no stack trace');
  t.equal(run.stdout, '', 'nothing on standard output');
}

interface ThrowawayDatabase {
  /** What points the CLI at it. */
  env: Record<string, string>;
  open(): Promise<Database>;
}

async function throwawayDatabase(t: Test): Promise<ThrowawayDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-cli-'));
    t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    return { env: { DATA_DIR: dataDir }, open: () => openDatabase({ dataDir }) };
  }
  const name = `ttc_cli_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  t.teardown(async () => {
    const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
    } finally {
      await cleanup.end();
    }
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return { env: { DATABASE_URL: databaseUrl }, open: () => openDatabase({ databaseUrl, poolSize: 2 }) };
}

/** Opens the database between CLI runs (PGlite allows one process at a time), and closes it again. */
async function inspect<T>(database: ThrowawayDatabase, look: (db: Database['db']) => Promise<T>): Promise<T> {
  const opened = await database.open();
  try {
    return await look(opened.db);
  } finally {
    await opened.close();
  }
}

// The two parts are independent (the first opens no database): run side by side. About twenty node processes in
// all, a couple of seconds each, longer when the machine is busy: more time than tap's default for one file.
t.jobs = 2;
t.setTimeout(300_000);

t.test('help, and wrong command lines, answer at once without opening a database', async (t) => {
  const unused = path.join(os.tmpdir(), `ttc-cli-unused-${randomBytes(6).toString('hex')}`);
  // An unreachable server: a command that tried to open the database would fail differently, and slowly.
  const env: Record<string, string> = process.env.TEST_DATABASE_URL ? { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' } : { DATA_DIR: unused };
  const [help, tokenHelp, unknown, missing, unknownOption, badRole, badTemplate, shortPassword] = await inTurns([
    () => cli(['--help'], env),
    () => cli(['token', 'create', '--email', 'x@example.org', '--help'], env),
    () => cli(['frobnicate'], env),
    () => cli(['user', 'create', '--email', 'x@example.org'], env),
    () => cli(['user', 'create', '--email', 'x@example.org', '--name', 'X', '--colour', 'red'], env),
    () => cli(['member', 'add', '--partnership', 'cov', '--email', 'x@example.org', '--role', 'owner'], env),
    () => cli(['partnership', 'create', '--slug', 'x1', '--name', 'X', '--template', 'no-such-template'], env),
    () => cli(['user', 'create', '--email', 'x@example.org', '--name', 'X', '--password-stdin'], env, 'too short\n'),
  ]);

  t.equal(help.status, 0);
  t.equal(help.stderr, '');
  t.match(help.stdout, /^Usage: npm run cli -- <command> \[options\]/);
  for (const line of [
    'user create --email E --name N [--site-admin] [--password-stdin]',
    'partnership create --slug S --name N [--la-name X] [--la-code E08000026] [--la-number 331] [--template KEY]',
    'member add --partnership S --email E --role viewer|officer|manager|admin',
    'member remove --partnership S --email E',
    'token create --email E --name N [--write]',
    'token revoke --email E (--name N | --id ID)',
  ]) {
    t.ok(help.stdout.includes(line), `lists ${line}`);
  }
  t.equal(tokenHelp.status, 0, 'a command\'s --help wins over its other options');
  t.match(tokenHelp.stdout, /^Usage: npm run cli -- token create --email E --name N \[--write\]\n/);
  t.match(tokenHelp.stdout, /--write/);

  assertShortComplaint(t, unknown, 2, /Unknown command "frobnicate"/);
  assertShortComplaint(t, missing, 2, /--name is required\nUsage: npm run cli -- user create /);
  assertShortComplaint(t, unknownOption, 2, /Unknown option --colour/);
  assertShortComplaint(t, badRole, 2, /--role must be one of viewer, officer, manager, admin, not "owner"/);
  assertShortComplaint(t, badTemplate, 2, /Unknown template "no-such-template"; the templates are: .*blank/);
  assertShortComplaint(t, shortPassword, 1, /at least 12 characters/);
  t.notOk(fs.existsSync(unused), 'no database was created');
});

t.test('accounts, partnerships, memberships and tokens', async (t) => {
  const database = await throwawayDatabase(t);
  const run = (args: string[], input = '', env: Record<string, string> = {}) => cli(args, { ...database.env, ...env }, input);
  const password = 'correct horse battery staple';

  // Users.
  const alice = await run(['user', 'create', '--email', 'Alice@Example.org', '--name', 'Alice Admin', '--site-admin', '--password-stdin'], `${password}\nnot this line\n`);
  t.equal(alice.status, 0, alice.stderr);
  t.match(alice.stdout, /Created the account alice@example\.org \(site administrator\)/);
  t.notMatch(alice.stdout, /set-password/, 'no link when the password was given');

  const bob = await run(['user', 'create', '--email', 'bob@example.org', '--name', 'Bob Officer'], '', { PUBLIC_URL: 'https://ttc.example.org/' });
  t.equal(bob.status, 0, bob.stderr);
  t.match(bob.stdout, /72 hours/);
  const link = lastLine(bob.stdout);
  t.match(link, /^https:\/\/ttc\.example\.org\/set-password\/[A-Za-z0-9_-]{40,}$/, 'a one-time link under PUBLIC_URL');

  assertShortComplaint(t, await run(['user', 'create', '--email', 'ALICE@example.org', '--name', 'Someone Else']), 1, /already an account for alice@example\.org/);

  // Partnerships.
  const cov = await run(['partnership', 'create', '--slug', 'cov', '--name', 'Coventry Partnership', '--la-name', 'Coventry', '--la-code', 'E08000026', '--la-number', '331']);
  t.equal(cov.status, 0, cov.stderr);
  t.match(cov.stdout, /Created the partnership "Coventry Partnership" \(cov\)/);
  assertShortComplaint(t, await run(['partnership', 'create', '--slug', 'Cov!', '--name', 'Bad']), 1, /"Cov!" is not a usable short name/);

  const template = (await listTemplates()).find((s) => s.outcomes > 0)!;
  const templated = await run(['partnership', 'create', '--slug', 'templated', '--name', 'From a template', '--la-number', '331', '--template', template.key]);
  t.equal(templated.status, 0, templated.stderr);
  t.match(templated.stdout, `Applied the template "${template.name}" (${template.key}): ${template.outcomes} outcome`);

  // Memberships.
  t.match((await run(['member', 'add', '--partnership', 'cov', '--email', 'bob@example.org', '--role', 'officer'])).stdout, /Added bob@example\.org to cov as officer/);
  t.match((await run(['member', 'add', '--partnership', 'cov', '--email', 'bob@example.org', '--role', 'manager'])).stdout, /Changed bob@example\.org's role in cov from officer to manager/);
  assertShortComplaint(t, await run(['member', 'add', '--partnership', 'nowhere', '--email', 'bob@example.org', '--role', 'admin']), 1, /no partnership with the short name "nowhere"/);

  // Tokens.
  const readOnly = await run(['token', 'create', '--email', 'bob@example.org', '--name', 'dashboard']);
  t.equal(readOnly.status, 0, readOnly.stderr);
  t.match(readOnly.stdout, /^Read-only token 'dashboard' for bob@example\.org \(id [0-9a-f-]{36}\)\. It is shown once:\n/);
  const readOnlyToken = lastLine(readOnly.stdout);
  t.match(readOnlyToken, /^ttc_[A-Za-z0-9_-]+$/, 'the token alone on the last line');
  const writing = await run(['token', 'create', '--email', 'bob@example.org', '--name', 'loader', '--write']);
  t.match(writing.stdout, /^Read-write token 'loader'/);
  const writingToken = lastLine(writing.stdout);
  const writingId = /\(id ([0-9a-f-]{36})\)/.exec(writing.stdout)?.[1] ?? '';

  await inspect(database, async (db) => {
    const stored = await findUserByEmail(db, 'alice@example.org');
    t.equal(stored?.name, 'Alice Admin');
    t.equal(stored?.is_site_admin, true);
    t.ok(await verifyPassword(password, stored?.password_hash ?? null), 'the first line of standard input is the password');
    t.equal((await findUserByEmail(db, 'bob@example.org'))?.password_hash, null, 'Bob sets his own password');
    t.equal((await findSetPasswordLink(db, link.split('/').at(-1)!))?.email, 'bob@example.org', 'the link is Bob\'s');

    const partnership = await db.selectFrom('partnership').select(['name', 'la_name', 'la_code', 'la_number']).where('slug', '=', 'cov').executeTakeFirst();
    t.same(partnership, { name: 'Coventry Partnership', la_name: 'Coventry', la_code: 'E08000026', la_number: 331 });
    t.equal(await findPartnershipId(db, 'Cov!'), null);
    t.equal(await findPartnershipId(db, 'coventry'), null, 'no demo data, whatever DEMO says');
    const templatedId = (await findPartnershipId(db, 'templated'))!;
    const outcomes = await db.selectFrom('outcome').select('title').where('partnership_id', '=', templatedId).execute();
    t.equal(outcomes.length, template.outcomes, 'the template\'s outcomes are in the new partnership');
    const members = await listMembers(db, (await findPartnershipId(db, 'cov'))!);
    t.same(members.map((m) => [m.email, m.role]), [['bob@example.org', 'manager']]);

    const byReadOnly = await findTokenCaller(db, readOnlyToken, null);
    t.equal(byReadOnly?.user.email, 'bob@example.org', 'the printed token works');
    t.equal(byReadOnly?.canWrite, false, 'read-only without --write');
    t.equal((await findTokenCaller(db, writingToken, null))?.canWrite, true, 'can write with --write');
  });

  t.match((await run(['member', 'remove', '--partnership', 'cov', '--email', 'bob@example.org'])).stdout, /Removed bob@example\.org from cov/);
  const byName = await run(['token', 'revoke', '--email', 'bob@example.org', '--name', 'dashboard']);
  t.equal(byName.status, 0, byName.stderr);
  t.match(byName.stdout, /Revoked the token named 'dashboard' of bob@example\.org/);
  const byId = await run(['token', 'revoke', '--email', 'bob@example.org', '--id', writingId]);
  t.equal(byId.status, 0, byId.stderr);

  await inspect(database, async (db) => {
    t.same(await listMembers(db, (await findPartnershipId(db, 'cov'))!), [], 'removed');
    t.equal(await findTokenCaller(db, readOnlyToken, null), null, 'revoked by name');
    t.equal(await findTokenCaller(db, writingToken, null), null, 'revoked by id');
  });
});
