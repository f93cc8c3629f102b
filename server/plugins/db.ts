import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Database, Engine } from '../db/database.ts';
import type { DB } from '../db/schema.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<DB>;
    dbEngine: Engine;
    /** The embedded engine's count of statements that may have changed data (server/db/pglite-dialect.ts); null for a server. */
    dbWriteCount: (() => number) | null;
  }
}

/** Makes the database the app was given available as `app.db`. The caller owns it and closes it. */
export default fp(
  async function db(app: FastifyInstance, options: { database: Database }) {
    app.decorate('db', options.database.db);
    app.decorate('dbEngine', options.database.engine);
    app.decorate('dbWriteCount', options.database.writeCount ?? null);
  },
  { name: 'db' },
);
