import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { CompiledQuery, Kysely, sql, type DatabaseConnection, type Driver } from 'kysely';
import { PostgresJSDialect, PostgresJSDriver, type PostgresJSDialectConfig } from 'kysely-postgres-js';
import postgres from 'postgres';
import { lockDataDir } from './data-dir-lock.ts';
import { PGliteDialect, pgliteParsers } from './pglite-dialect.ts';
import type { DB } from './schema.ts';

export type Engine = 'postgres' | 'pglite';

export interface Database {
  db: Kysely<DB>;
  engine: Engine;
  /** The embedded instance, when there is one (tests dump it as a template). */
  pglite?: PGlite;
  /** The embedded engine's count of statements that may have changed data (pglite-dialect.ts); none for a server. */
  writeCount?: () => number;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL server; when absent the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Where PGlite keeps its files; `undefined` with no URL means in memory. */
  dataDir?: string;
  /** A pre-built PGlite data folder (a tarball from dumpDataDir) to start from: tests copy one migrated template. */
  loadDataDir?: Blob;
  poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const client = postgres(options.databaseUrl, {
      max: options.poolSize ?? 10,
      onnotice: () => {},
      // int8 stays a string on both engines (see pgliteParsers).
      types: {},
      // After a restart or a terminated backend, reconnect within a second: the driver's default backoff grows to
      // 20 s after a few failures, and every request would wait that long.
      backoff: (attempts: number) => Math.min(0.05 * 2 ** attempts, 1),
      // A server that does not answer at all (a dead host) fails requests with 503 in 10 s, not 30.
      connect_timeout: 10,
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ postgres: client }) });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
  // Held from before the engine touches the folder until after it has let go (see data-dir-lock.ts).
  const lock = options.dataDir ? lockDataDir(options.dataDir) : undefined;
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(options.dataDir, {
      parsers: pgliteParsers,
      // The trigram extension the library's search uses (migrations/0015_library_words.ts); PostgreSQL ships it in contrib.
      extensions: { pg_trgm },
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  // A tarball holds the lock file of the process that dumped it, now unpacked over ours.
  if (options.loadDataDir) lock?.reassert();
  const dialect = new PGliteDialect(pglite);
  const db = new Kysely<DB>({ dialect });
  const close = async () => {
    try {
      await db.destroy();
      // Kysely hands the dialect nothing to destroy when no query ran; the engine must still stop (it keeps Node alive).
      if (!pglite.closed) await pglite.close();
    } finally {
      lock?.release();
    }
  };
  return { db, engine: 'pglite', pglite, writeCount: () => dialect.writes.count, close };
}

/**
 * kysely-postgres-js, except for a rollback that fails: Kysely's PostgresDriver then calls a method of its own
 * connection class that this driver's connection lacks, and the caller gets "… is not a function" (a 500) in place of
 * the connection error (a 503). The rollback's own error is thrown instead; a failed rollback means the connection is
 * gone, and the patched driver will not hand it out again (patches/postgres+3.4.10.patch).
 */
class PostgresDialect extends PostgresJSDialect {
  readonly #config: PostgresJSDialectConfig;
  constructor(config: PostgresJSDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new PostgresDriver(this.#config);
  }
}

class PostgresDriver extends PostgresJSDriver {
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
}

/** True when the database answers a trivial query within the time allowed. */
export async function isDatabaseReachable(db: Kysely<DB>, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const probe = sql`select 1 as ok`.execute(db).then(() => true as const);
    return await Promise.race([probe, timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
