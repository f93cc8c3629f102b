import type { Kysely } from 'kysely';
import { addVersionTriggers, dropVersionTriggers } from './0008_data_version.ts';

// Every authority's figure (rank and quartile on the indicator page and in the analysis API) is data too: a LAIT
// import that changes only those must move the data version, or a cached analysis would show the old rank.
export async function up(db: Kysely<any>): Promise<void> {
  await addVersionTriggers(db, 'indicator_authority_value', (rows) => `select i.partnership_id from ${rows} r join indicator i on i.id = r.indicator_id`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await dropVersionTriggers(db, 'indicator_authority_value');
}
