import { sql, type Kysely } from 'kysely';

// A search that forgives typos and partial words (issue 18): every word the case studies use, with how many use it,
// searched by trigram similarity (pg_trgm, which PGlite ships too) when a word of a query matches nothing. Refilled
// whenever the library is reloaded (server/features/library/queries.ts, replaceLibrary).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create table library_word (
    word text primary key,
    documents integer not null check (documents > 0)
  )`.execute(db);
  await sql`create index library_word_trigram on library_word using gin (word gin_trgm_ops)`.execute(db);
  await sql`insert into library_word (word, documents)
    select word, ndoc from ts_stat($$select to_tsvector('simple', title || ' ' || content || ' ' || outcomes || ' ' || coalesce(why_it_works, '')) from case_study$$)
    where word ~ '^[a-z][a-z-]*$'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table library_word`.execute(db);
}
