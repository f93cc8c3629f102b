// Starts the tracker: config → database → migrations → demo data → app → listen. SIGTERM/SIGINT close cleanly.
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { DEMO_ACCOUNTS, loadDemoIfEmpty, demoStartMessage } from '../seeds/demo-loader.ts';
import { isFreshDataDir, readDemoImage } from '../seeds/demo-image.ts';
import { startReminderScheduler } from './features/reminders/scheduler.ts';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : String(error));
  process.exit(2);
}

// A first start of the embedded database with the demo unpacks the prepared image, when there is one made by this code.
const demoImage = !config.DATABASE_URL && config.demo && isFreshDataDir(config.dataDir) ? readDemoImage() : null;
const database = await openDatabase({
  databaseUrl: config.DATABASE_URL,
  dataDir: config.DATABASE_URL ? undefined : config.dataDir,
  ...(demoImage ? { loadDataDir: demoImage } : {}),
}).catch(
  (error: unknown) => {
    // Another process has the embedded folder: its message already says which and what to do.
    console.error(error instanceof DataDirLockedError ? error.message : `Cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(3);
  },
);

try {
  await migrateToLatest(database.db);
  if (config.demo) {
    // Unpacked from the image: loaded just now, as far as anyone starting it is concerned.
    const demo = demoImage ? { loaded: true, accounts: DEMO_ACCOUNTS } : await loadDemoIfEmpty(database.db);
    for (const line of demoStartMessage(demo)) console.log(line);
  }
} catch (error) {
  console.error(`Cannot prepare the database: ${error instanceof Error ? error.message : String(error)}`);
  await database.close();
  process.exit(3);
}

const app = await buildApp({ config, database });
// Reminders (issue 21): a pass every REMINDER_MINUTES, never ending the server if one fails.
const reminders = startReminderScheduler(database.db, config, app.log);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  try {
    await reminders.stop();
    await app.close();
    await database.close();
    process.exit(0);
  } catch (error) {
    app.log.error(error, 'unclean shutdown');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

// Safety net. A rejected promise that nobody awaited is a bug: it is logged at error level, to be found and fixed,
// but it does not end the process (Node's default), which would cut off every other request in flight. A thrown
// exception still ends it: after one, the process's state cannot be trusted.
process.on('unhandledRejection', (reason) => app.log.error({ err: reason }, 'unhandled promise rejection (a bug)'));

try {
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  const shown = config.HOST === '0.0.0.0' ? address.replace('0.0.0.0', 'localhost') : address;
  console.log(`Turning the Curve tracker on ${shown} (${database.engine === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'})`);
} catch (error) {
  console.error(`Cannot listen on ${config.HOST}:${config.PORT}: ${error instanceof Error ? error.message : String(error)}`);
  await database.close();
  process.exit(4);
}
