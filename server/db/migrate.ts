import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';

export const migrationsFolder = fileURLToPath(new URL('../../migrations/', import.meta.url));

/**
 * Arbitrary but fixed: the advisory lock every app instance takes while it migrates, and while it loads the demo
 * (two instances starting together on an empty database must not both create it).
 */
export const MIGRATION_LOCK_KEY = 727_100_001;

class FolderMigrationProvider implements MigrationProvider {
  constructor(private readonly folder: string) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    await canImportTypeScript();
    for (const name of await migrationNames(this.folder)) {
      migrations[name] = (await import(pathToFileURL(path.join(this.folder, `${name}.ts`)).href)) as Migration;
    }
    return migrations;
  }
}

/**
 * The migrations are TypeScript, loaded from their folder when one is due. Under tsx (tests, the CLI) they load as
 * they are; the server compiled ahead of time (server/start.mjs) runs without tsx, so it registers it the first time
 * a migration is to be applied — a restart, with every migration applied already, never pays for it.
 */
async function canImportTypeScript(): Promise<void> {
  if (typeLoaderRegistered || process.execArgv.some((arg) => arg.includes('tsx'))) return;
  const { register } = await import('tsx/esm/api');
  register();
  typeLoaderRegistered = true;
}
let typeLoaderRegistered = false;

/** The migration files of a folder, by name (without `.ts`), in order. */
async function migrationNames(folder: string): Promise<string[]> {
  return (await fs.readdir(folder)).filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f)).sort().map((f) => f.replace(/\.ts$/, ''));
}

/** Whether the database has applied every migration in the folder (false when it has no migration table yet). */
async function allApplied(db: Kysely<any>, folder: string): Promise<boolean> {
  const exists = await sql<{ found: boolean }>`select to_regclass('kysely_migration') is not null as found`.execute(db);
  if (!exists.rows[0]?.found) return false;
  const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const names = new Set(applied.rows.map((r) => r.name));
  return (await migrationNames(folder)).every((name) => names.has(name));
}

/**
 * Brings the schema up to date. Two instances starting together both call this: the session-level advisory
 * lock, held on one connection for the whole run, makes the second wait and then find nothing to do.
 */
export async function migrateToLatest(db: Kysely<any>, folder = migrationsFolder): Promise<MigrationResultSet> {
  // A restart, the usual case: every migration is applied already. One read says so, without loading each
  // migration's module or Kysely's migrator (about a second and a half of a two-second restart).
  if (await allApplied(db, folder)) return { results: [] };
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(connection);
    try {
      // Features add their migrations independently; a missing earlier one is applied rather than refused.
      const migrator = new Migrator({ db: connection, provider: new FolderMigrationProvider(folder), allowUnorderedMigrations: true });
      const result = await migrator.migrateToLatest();
      if (result.error) {
        const failed = result.results?.find((r) => r.status === 'Error');
        const reason = result.error instanceof Error ? result.error.message : String(result.error);
        throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${reason}`);
      }
      return result;
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(connection);
    }
  });
}
