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
    const files = (await fs.readdir(this.folder)).filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      migrations[file.replace(/\.ts$/, '')] = (await import(pathToFileURL(path.join(this.folder, file)).href)) as Migration;
    }
    return migrations;
  }
}

/**
 * Brings the schema up to date. Two instances starting together both call this: the session-level advisory
 * lock, held on one connection for the whole run, makes the second wait and then find nothing to do.
 */
export async function migrateToLatest(db: Kysely<any>, folder = migrationsFolder): Promise<MigrationResultSet> {
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
