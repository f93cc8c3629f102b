// The order of a partnership's outcomes, priorities and indicators: `position`, kept 0..n-1 among the active items of
// one parent. Shared by the plan (outcomes, priorities) and the indicator module.
import { sql, type Transaction } from 'kysely';
import type { DB } from './schema.ts';

/**
 * Writes positions 0..n-1 in the given order, in one statement, touching only the rows whose position changes (so
 * a reorder bumps the data version once, and leaves the other rows as they were).
 */
export async function renumberPositions(trx: Transaction<DB>, table: 'outcome' | 'priority' | 'indicator', partnershipId: string, ordered: readonly { id: string; position: number }[]) {
  const changed = ordered.flatMap((row, index) => (row.position === index ? [] : [{ id: row.id, position: index }]));
  if (!changed.length) return;
  await sql`
    update ${sql.table(table)} as t set position = w.position
    from jsonb_to_recordset(cast(${changed} as jsonb)) as w(id uuid, position integer)
    where t.id = w.id and t.partnership_id = ${partnershipId}`.execute(trx);
}
