import { sql, type Kysely } from 'kysely';

// A gap is how far the focus group is behind the comparison group (docs/method.md, Gaps), which has no meaning unless one
// direction is better: a gap indicator must be "higher" or "lower" is better, never neutral. The API and templates
// refuse one; this makes the database refuse one too. NOT VALID: rows written before are left for the analysis to
// treat as it can (no "why did the gap move"), rather than stopping the app from starting.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table indicator add constraint indicator_gap_has_direction check (kind <> 'gap' or polarity <> 'neutral') not valid`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table indicator drop constraint if exists indicator_gap_has_direction`.execute(db);
}
