// Backup and restore of the embedded database: PGlite dumps its whole data folder as one gzipped tarball, and
// starts a new folder from one. (On PostgreSQL, pg_dump and pg_restore do this job: see the README.)
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from './database.ts';
import type { DB } from './schema.ts';

/** A backup or a restore that cannot be done as asked; the message says why and what to do. */
export class BackupRefusal extends Error {}

export interface BackupContents {
  partnerships: number;
  observations: number;
}

/** True when the folder holds an embedded database (not merely exists). */
function holdsDatabase(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, 'PG_VERSION'));
}

/**
 * Writes a backup of the embedded database in `dataDir` to `outFile`. It opens the database, so it takes the folder's
 * lock: while the server runs it is refused (the engine's files are only consistent as the engine that has them sees them).
 * The file appears under its name only once complete.
 */
export async function backupEmbeddedDatabase(dataDir: string, outFile: string): Promise<BackupContents & { bytes: number }> {
  if (!holdsDatabase(dataDir)) throw new BackupRefusal(`There is no embedded database in ${dataDir} to back up`);
  if (fs.existsSync(outFile)) throw new BackupRefusal(`${outFile} already exists; give a new file name (a backup is never written over another file)`);
  if (!fs.existsSync(path.dirname(path.resolve(outFile)))) throw new BackupRefusal(`The folder of ${outFile} does not exist`);
  const database = await openDatabase({ dataDir });
  const partial = `${outFile}.partial-${process.pid}`;
  try {
    const contents = await countContents(database.db);
    const tarball = await database.pglite!.dumpDataDir('gzip');
    fs.writeFileSync(partial, Buffer.from(await tarball.arrayBuffer()), { flag: 'wx' });
    fs.renameSync(partial, outFile);
    return { ...contents, bytes: fs.statSync(outFile).size };
  } finally {
    fs.rmSync(partial, { force: true });
    await database.close();
  }
}

/**
 * Starts the embedded database in `dataDir` from a backup. Only into a folder that is new or empty: a restore never
 * mixes with, or replaces, a database that is there. A backup that cannot be loaded leaves the folder as it found it.
 */
export async function restoreEmbeddedDatabase(backupFile: string, dataDir: string): Promise<BackupContents> {
  if (!fs.existsSync(backupFile)) throw new BackupRefusal(`There is no backup file at ${backupFile}`);
  const existed = fs.existsSync(dataDir);
  if (existed && !fs.statSync(dataDir).isDirectory()) throw new BackupRefusal(`${dataDir} is a file, not a folder`);
  if (existed && fs.readdirSync(dataDir).length > 0) {
    throw new BackupRefusal(
      `${dataDir} is not empty; restore into a new or empty folder (move the old one aside first, then point DATA_DIR at the new one)`,
    );
  }
  const tarball = new Blob([fs.readFileSync(backupFile)]);
  let database;
  try {
    database = await openDatabase({ dataDir, loadDataDir: tarball });
  } catch (error) {
    // Whatever was half unpacked goes, so that the folder can be used again.
    if (existed) for (const entry of fs.readdirSync(dataDir)) fs.rmSync(path.join(dataDir, entry), { recursive: true, force: true });
    else fs.rmSync(dataDir, { recursive: true, force: true });
    throw new BackupRefusal(`${backupFile} could not be restored; is it a backup made by "backup"? (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    return await countContents(database.db);
  } finally {
    // The tarball carried the lock file of the process that made it: openDatabase made it ours, and closing removes it.
    await database.close();
  }
}

/** What a person checks a backup by: how many partnerships and figures it holds (none before the first migration). */
async function countContents(db: Kysely<DB>): Promise<BackupContents> {
  const migrated = await sql<{ ready: boolean }>`select to_regclass('public.observation') is not null as ready`.execute(db);
  if (!migrated.rows[0]?.ready) return { partnerships: 0, observations: 0 };
  const counts = await sql<{ partnerships: string; observations: string }>`
    select (select count(*) from partnership) as partnerships, (select count(*) from observation) as observations`.execute(db);
  const row = counts.rows[0]!;
  return { partnerships: Number(row.partnerships), observations: Number(row.observations) };
}
