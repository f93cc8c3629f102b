// One way to run a writing transaction. PostgreSQL may abort a transaction that is perfectly correct on its own
// because another one holds what it needs in the opposite order (deadlock, 40P01) or because it could not be
// serialised with another (40001). Neither is the writer's fault and neither changed anything: the whole
// transaction function is run again, in a fresh transaction, a few times with a short random wait, before the
// error is let through. Anything the failed attempt wrote (its audit rows included) was rolled back with it, so a
// retry never writes twice. Any other error, and any error the function throws itself (a WriteConflict), is not
// retried.
//
// Locks are taken in one order everywhere, so that writers of a partnership's data queue rather than deadlock:
//   1. the partnership row (inPartnershipTransaction, first thing): every change to figures, series, indicators or
//      baselines bumps partnership.data_version through a trigger (migration 0008), which locks that row until
//      commit anyway; taking it first, before any other lock, means no writer can hold a figure while waiting for it;
//   2. the indicator row (a baseline being agreed), then the import being confirmed;
//   3. the figures, sorted by (series_id, period_key) (lockObservations).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './schema.ts';

/** SQLSTATEs that mean "try the same transaction again": deadlock_detected and serialization_failure. */
const RETRYABLE = new Set(['40P01', '40001']);

export const TRANSACTION_ATTEMPTS = 4;

/** The SQLSTATE of a driver error (postgres.js and PGlite both put it on `code`). */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const isRetryable = (error: unknown) => RETRYABLE.has(sqlState(error) ?? '');

/**
 * Takes the partnership's data lock: the lock the data-version trigger takes on the partnership row at a
 * transaction's first write, taken here before anything else (FOR NO KEY UPDATE is what that UPDATE takes).
 */
export async function lockPartnershipData(trx: Transaction<DB>, partnershipId: string): Promise<void> {
  await sql`select id from partnership where id = ${partnershipId} for no key update`.execute(trx);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` in a transaction and commits it; on a deadlock or serialisation failure runs it again from the start
 * (up to TRANSACTION_ATTEMPTS in all). `work` must do all its reading and writing through `trx`, and must not have
 * effects outside the database that a second run would repeat.
 */
export async function inTransaction<T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>, options: { attempts?: number } = {}): Promise<T> {
  const attempts = options.attempts ?? TRANSACTION_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      // 10–40 ms, growing: enough for the transaction we collided with to commit, short enough not to be noticed.
      await pause(attempt * 10 + Math.random() * 20);
    }
  }
}

/** A transaction that changes a partnership's data: its data lock first, then `work`; retried as inTransaction. */
export function inPartnershipTransaction<T>(db: Kysely<DB>, partnershipId: string, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return inTransaction(db, async (trx) => {
    await lockPartnershipData(trx, partnershipId);
    return work(trx);
  });
}
