// The partnership's data settings: the small-number threshold and the RAG rule. Scoped by the partnership's id.
import type { Kysely } from 'kysely';
import type { DB, RagRule } from '../../db/schema.ts';

export async function findSettings(db: Kysely<DB>, partnershipId: string) {
  return db.selectFrom('partnership').select(['small_number_threshold', 'rag_rule']).where('id', '=', partnershipId).executeTakeFirstOrThrow();
}

export async function updateSettings(db: Kysely<DB>, partnershipId: string, settings: { smallNumberThreshold: number | null; ragRule: RagRule }) {
  await db
    .updateTable('partnership')
    .set({ small_number_threshold: settings.smallNumberThreshold, rag_rule: settings.ragRule })
    .where('id', '=', partnershipId)
    .execute();
}
