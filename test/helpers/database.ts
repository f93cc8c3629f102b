// Each test file gets its own database, started from a migrated template (and optionally the demo data), so tests
// never depend on each other's rows. PGlite by default; a real PostgreSQL when TEST_DATABASE_URL is set.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { migrateToLatest, migrationsFolder } from '../../server/db/migrate.ts';
import { loadDemo } from '../../seeds/demo-loader.ts';

export type Fixture = 'empty' | 'demo';

const root = new URL('../../', import.meta.url).pathname;

function filesUnder(folder: string, pattern: RegExp): string[] {
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) => pattern.test(f)).sort().map((f) => path.join(folder, f));
}

/** Changes to migrations, or to anything that builds the demo (seeds and the server code they call), make a new template. */
function fingerprint(fixture: Fixture): string {
  const hash = createHash('sha256');
  const files = [
    ...filesUnder(migrationsFolder, /\.ts$/),
    ...(fixture === 'demo' ? [...filesUnder(path.join(root, 'seeds'), /\.(ts|json)$/), ...filesUnder(path.join(root, 'server'), /\.ts$/)] : []),
  ];
  for (const file of files) hash.update(file).update(fs.readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

async function prepare(database: Database, fixture: Fixture) {
  await migrateToLatest(database.db);
  if (fixture === 'demo') await loadDemo(database.db);
}

async function pgliteTemplate(fixture: Fixture): Promise<Blob> {
  const file = path.join(os.tmpdir(), `ttc-template-${fixture}-${fingerprint(fixture)}.tar.gz`);
  if (!fs.existsSync(file)) {
    // Test files run in parallel: each may build the template, and an atomic rename keeps one whole copy.
    const database = await openDatabase({});
    await prepare(database, fixture);
    const dump = await dumpPglite(database);
    await database.close();
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(temp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(temp, file);
  }
  return new Blob([fs.readFileSync(file)]);
}

async function dumpPglite(database: Database): Promise<Blob> {
  if (!database.pglite) throw new Error('not a PGlite database');
  return database.pglite.dumpDataDir('gzip');
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function postgresTemplate(adminUrl: string, fixture: Fixture): Promise<string> {
  const name = `ttc_template_${fixture}_${fingerprint(fixture)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(727100002)`;
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!exists) {
      // Templates of older code are of no more use.
      const stale = await admin`select datname from pg_database where datname like ${`ttc_template_${fixture}_%`} and datname <> ${name}`;
      for (const { datname } of stale) await admin.unsafe(`drop database if exists "${datname}"`).catch(() => {});
      await admin.unsafe(`create database "${name}"`);
      const database = await openDatabase({ databaseUrl: withDatabase(adminUrl, name), poolSize: 2 });
      try {
        await prepare(database, fixture);
      } catch (error) {
        await database.close();
        await admin.unsafe(`drop database if exists "${name}"`);
        throw error;
      }
      await database.close();
    }
    await admin`select pg_advisory_unlock(727100002)`;
  } finally {
    await admin.end();
  }
  return name;
}

export interface TestDatabase extends Database {
  engine: Database['engine'];
  /** A URL other processes can use (PostgreSQL only). */
  url?: string;
}

export async function createTestDatabase(fixture: Fixture = 'empty'): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    return openDatabase({ loadDataDir: await pgliteTemplate(fixture) });
  }
  const template = await postgresTemplate(adminUrl, fixture);
  const name = `ttc_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}" template "${template}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const database = await openDatabase({ databaseUrl: url, poolSize: 5 });
  return {
    ...database,
    url,
    async close() {
      await database.close();
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
