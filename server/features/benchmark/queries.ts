// All SQL of the every-authority benchmark pages: the partnership's own authority, and an indicator's stored
// authority values (kept by the benchmark and EES imports) for its rank and quartile over time.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/** The partnership's local authority (its DfE LA number), to highlight on the page; nulls when not set. */
export async function findPartnershipAuthority(db: Kysely<DB>, partnershipId: string) {
  return db.selectFrom('partnership').select(['la_number', 'la_name']).where('id', '=', partnershipId).executeTakeFirstOrThrow();
}

/** Every authority's stored value of one of the partnership's indicators, every period, oldest first. */
export async function listIndicatorAuthorityValues(db: Kysely<DB>, partnershipId: string, indicatorId: string) {
  return db
    .selectFrom('indicator_authority_value')
    .innerJoin('indicator', 'indicator.id', 'indicator_authority_value.indicator_id')
    .select(['indicator_authority_value.period_position', 'indicator_authority_value.period_label', 'indicator_authority_value.area_code', 'indicator_authority_value.value'])
    .where('indicator.partnership_id', '=', partnershipId)
    .where('indicator_authority_value.indicator_id', '=', indicatorId)
    .orderBy('indicator_authority_value.period_position')
    .orderBy('indicator_authority_value.area_code')
    .execute();
}
