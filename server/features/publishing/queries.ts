import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { PublicationScope } from '../../db/schema-dataday.ts';

// Every query about published Data Books. A publication's snapshot is written once, when it is published, and only
// ever read back or emptied (unpublished): nothing later can change what a public address shows.

const columns = [
  'publication.id',
  'publication.token',
  'publication.title',
  'publication.scope',
  'publication.book_year',
  'publication.indicator_count',
  'publication.published_at',
  'publication.unpublished_at',
  'publisher.name as published_by_name',
  'unpublisher.name as unpublished_by_name',
] as const;

export async function listPublications(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('publication')
    .leftJoin('app_user as publisher', 'publisher.id', 'publication.published_by')
    .leftJoin('app_user as unpublisher', 'unpublisher.id', 'publication.unpublished_by')
    .select(columns)
    .where('publication.partnership_id', '=', partnershipId)
    .orderBy('publication.published_at', 'desc')
    .execute();
}

export async function insertPublication(
  db: Kysely<DB>,
  partnershipId: string,
  userId: string,
  publication: { token: string; title: string; scope: PublicationScope; bookYear: number; indicatorCount: number; snapshot: unknown },
) {
  const row = await db
    .insertInto('publication')
    .values({
      partnership_id: partnershipId,
      token: publication.token,
      title: publication.title,
      scope: publication.scope,
      book_year: publication.bookYear,
      indicator_count: publication.indicatorCount,
      // Sent as text, then cast: a parameter typed jsonb would be JSON-encoded again by postgres.js.
      snapshot: sql`cast(cast(${JSON.stringify(publication.snapshot)} as text) as jsonb)`,
      published_by: userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Takes a publication down: its snapshot is emptied, and the record of when it was up stays. */
export async function unpublish(db: Kysely<DB>, partnershipId: string, publicationId: string, userId: string) {
  const result = await db
    .updateTable('publication')
    .set({ snapshot: null, unpublished_at: sql<Date>`now()` as any, unpublished_by: userId })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', publicationId)
    .where('unpublished_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function findPublication(db: Kysely<DB>, partnershipId: string, publicationId: string) {
  return db.selectFrom('publication').select(['id', 'unpublished_at']).where('partnership_id', '=', partnershipId).where('id', '=', publicationId).executeTakeFirst();
}

/** What a public address shows: a live publication's snapshot, found by its token alone. */
export async function findPublishedByToken(db: Kysely<DB>, token: string) {
  return db
    .selectFrom('publication')
    .select(['publication.title', 'publication.published_at', 'publication.snapshot'])
    .where('publication.token', '=', token)
    .where('publication.unpublished_at', 'is', null)
    .where('publication.snapshot', 'is not', null)
    .executeTakeFirst();
}
