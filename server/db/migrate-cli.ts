// `npm run db:migrate`: bring the configured database's schema up to date and exit.
import { loadConfig } from '../config.ts';
import { DataDirLockedError } from './data-dir-lock.ts';
import { openDatabase } from './database.ts';
import { migrateToLatest } from './migrate.ts';

const config = loadConfig();
// Refused, for one, while the server has the embedded folder open: the reason in one line, not a stack trace.
const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir }).catch((error: unknown) => {
  console.error(error instanceof DataDirLockedError ? error.message : `Cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
try {
  const result = await migrateToLatest(database.db);
  const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await database.close();
}
