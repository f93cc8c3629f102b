// `npm run db:seed -- --demo`: load the Coventry demo partnership and demo accounts into the configured database.
import { loadConfig } from '../server/config.ts';
import { DataDirLockedError } from '../server/db/data-dir-lock.ts';
import { openDatabase } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { DEMO_ACCOUNTS, loadDemo } from './demo-loader.ts';

const args = process.argv.slice(2);
if (!args.includes('--demo') || args.some((a) => a !== '--demo')) {
  console.error('Usage: npm run db:seed -- --demo\n  Loads the Coventry demo partnership and one demo account per role.');
  process.exit(2);
}
const config = loadConfig();
// Refused, for one, while the server has the embedded folder open: the reason in one line, not a stack trace.
const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir }).catch((error: unknown) => {
  console.error(error instanceof DataDirLockedError ? error.message : `Cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
try {
  await migrateToLatest(database.db);
  const existing = await database.db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirst();
  if (existing) {
    console.error('The demo partnership "coventry" is already in this database; nothing was changed.');
    process.exitCode = 1;
  } else {
    await loadDemo(database.db);
    console.log('Loaded the Coventry demo partnership. Demo accounts (for trying the demo only):');
    for (const a of DEMO_ACCOUNTS) console.log(`  ${a.role.padEnd(8)} ${a.email}  password: ${a.password}`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await database.close();
}
