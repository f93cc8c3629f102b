// Every query of the what-works library: case studies, golden threads and the gap-narrowing benchmark. The library is
// shared reference material (no partnership_id); the queries that touch partnership data (links to what works and
// actions) take the partnership id like every other feature's.
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { CaseStudy, GapBenchmark, GoldenThread } from '../../../seeds/library/parse.ts';
import { MATCH_END, MATCH_START, type SearchPlan, type SearchTerm } from './search.ts';

// ---- loading the library from seeds/library/ ----

export const LIBRARY_SOURCE = 'seeds/library';

export async function findLibraryHash(db: Kysely<DB>): Promise<string | null> {
  const row = await db.selectFrom('library_source').select('sha256').where('name', '=', LIBRARY_SOURCE).executeTakeFirst();
  return row?.sha256 ?? null;
}

export interface LibraryContent {
  goldenThreads: GoldenThread[];
  gapBenchmark: GapBenchmark;
  caseStudies: CaseStudy[];
}

/** Takes the lock that start-up loading is serialised on, then answers the hash loaded now. */
export async function lockLibrary(trx: Transaction<DB>): Promise<string | null> {
  await sql`select pg_advisory_xact_lock(727100008)`.execute(trx);
  return findLibraryHash(trx);
}

/**
 * Makes the library tables hold exactly `content`: rows are updated in place (so links to a case study or a rating
 * of a statement survive a reload), new ones added and vanished ones removed.
 */
export async function replaceLibrary(trx: Transaction<DB>, content: LibraryContent, sha256: string): Promise<void> {
  const { goldenThreads, gapBenchmark, caseStudies } = content;
  await trx
    .insertInto('golden_thread')
    .values(
      goldenThreads.map((t, position) => ({
        slug: t.slug,
        number: t.number,
        name: t.name,
        title: t.title,
        description: t.description,
        this_means: t.thisMeans,
        notes: t.notes,
        aliases: t.aliases,
        canonical: t.canonical,
        position,
      })),
    )
    .onConflict((oc) =>
      oc.column('slug').doUpdateSet((eb) => ({
        number: eb.ref('excluded.number'),
        name: eb.ref('excluded.name'),
        title: eb.ref('excluded.title'),
        description: eb.ref('excluded.description'),
        this_means: eb.ref('excluded.this_means'),
        notes: eb.ref('excluded.notes'),
        aliases: eb.ref('excluded.aliases'),
        canonical: eb.ref('excluded.canonical'),
        position: eb.ref('excluded.position'),
      })),
    )
    .execute();
  await trx.deleteFrom('golden_thread').where('slug', 'not in', goldenThreads.map((t) => t.slug)).execute();

  await trx
    .insertInto('case_study')
    .values(
      caseStudies.map((c) => ({
        number: c.number,
        authority: c.authority,
        title: c.title,
        part: c.part,
        area: c.area,
        content: c.content,
        outcomes: c.outcomes,
        outcomes_include_what_is_working: c.outcomesIncludeWhatIsWorking,
        why_it_works: c.whyItWorks,
        subjects: c.subjects,
      })),
    )
    .onConflict((oc) =>
      oc.column('number').doUpdateSet((eb) => ({
        authority: eb.ref('excluded.authority'),
        title: eb.ref('excluded.title'),
        part: eb.ref('excluded.part'),
        area: eb.ref('excluded.area'),
        content: eb.ref('excluded.content'),
        outcomes: eb.ref('excluded.outcomes'),
        outcomes_include_what_is_working: eb.ref('excluded.outcomes_include_what_is_working'),
        why_it_works: eb.ref('excluded.why_it_works'),
        subjects: eb.ref('excluded.subjects'),
      })),
    )
    .execute();
  await trx.deleteFrom('case_study').where('number', 'not in', caseStudies.map((c) => c.number)).execute();
  await trx.deleteFrom('library_word').execute();
  await sql`insert into library_word (word, documents)
    select word, ndoc from ts_stat(${LIBRARY_WORDS_SOURCE}) where word ~ '^[a-z][a-z-]*$'`.execute(trx);
  await trx.deleteFrom('case_study_golden_thread').execute();
  await trx
    .insertInto('case_study_golden_thread')
    .values(caseStudies.flatMap((c) => c.goldenThreads.map((slug) => ({ case_study_number: c.number, thread_slug: slug }))))
    .execute();

  await trx
    .insertInto('gap_benchmark')
    .values({ title: gapBenchmark.title, subtitle: gapBenchmark.subtitle, preamble: gapBenchmark.preamble })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({ title: eb.ref('excluded.title'), subtitle: eb.ref('excluded.subtitle'), preamble: eb.ref('excluded.preamble') })),
    )
    .execute();
  await trx.deleteFrom('gap_benchmark_principle').execute();
  await trx
    .insertInto('gap_benchmark_principle')
    .values(gapBenchmark.principles.map((p, position) => ({ numeral: p.numeral, position, text: p.text })))
    .execute();
  await trx
    .insertInto('gap_benchmark_statement')
    .values(gapBenchmark.statements.map((s) => ({ number: s.number, strand: s.strand, text: s.text })))
    .onConflict((oc) => oc.column('number').doUpdateSet((eb) => ({ strand: eb.ref('excluded.strand'), text: eb.ref('excluded.text') })))
    .execute();
  // A statement that has been rated cannot silently vanish: the foreign key refuses, and start-up says why.
  await trx.deleteFrom('gap_benchmark_statement').where('number', 'not in', gapBenchmark.statements.map((s) => s.number)).execute();

  await trx
    .insertInto('library_source')
    .values({ name: LIBRARY_SOURCE, sha256 })
    .onConflict((oc) => oc.column('name').doUpdateSet({ sha256, loaded_at: sql<Date>`now()` as any }))
    .execute();
}

// ---- search ----

/** The words of every case study, unstemmed, as migrations/0015_library_words.ts first counted them. */
const LIBRARY_WORDS_SOURCE = `select to_tsvector('simple', title || ' ' || content || ' ' || outcomes || ' ' || coalesce(why_it_works, '')) from case_study`;

export interface CaseStudyFilters {
  /** Words to search for (web-search syntax: "quoted phrases", or, -not). */
  query?: string;
  thread?: string;
  subject?: string;
  authority?: string;
  part?: 'A' | 'B';
}

/** A single word of a query as a prefix query: the word or a longer one ("safeguard" finds "safeguarding"). */
const prefixQuery = (word: string) => sql`to_tsquery('english', ${`${word.replace(/[^a-z0-9]/g, '')}:*`})`;

function termQuery(term: SearchTerm): RawBuilder<unknown> {
  if (term.word) return prefixQuery(term.word);
  return sql.join((term.phrases ?? []).map((p) => sql`phraseto_tsquery('english', ${p})`), sql` || `);
}

/**
 * For each word of a query that no case study uses (not even as the start of a longer word), the library's most
 * similar word by trigrams — "exclusoin" → "exclusion" — when one is similar enough.
 */
export async function nearestLibraryWords(db: Kysely<DB>, words: readonly string[]): Promise<Map<string, string>> {
  const candidates = words.filter((w) => /^[a-z]{4,}$/.test(w));
  if (!candidates.length) return new Map();
  const rows = await sql<{ typed: string; nearest: string | null }>`
    select t.typed, (
      select w.word from library_word w
      where similarity(w.word, t.typed) >= 0.4
      order by similarity(w.word, t.typed) desc, w.documents desc, w.word
      limit 1) as nearest
    from unnest(cast(${candidates} as text[])) as t(typed)
    where numnode(to_tsquery('english', t.typed || ':*')) > 0
      and not exists (select 1 from case_study c where c.search @@ to_tsquery('english', t.typed || ':*'))`.execute(db);
  return new Map(rows.rows.filter((r) => r.nearest && r.nearest !== r.typed).map((r) => [r.typed, r.nearest!]));
}

/** ln((N + 1) / (documents + 0.5)) for each query: rare terms weigh more; a term no case study uses weighs nothing. */
async function termWeights(db: Kysely<DB>, queries: readonly RawBuilder<unknown>[]): Promise<number[]> {
  if (!queries.length) return [];
  const row = await sql<Record<string, string | number>>`select count(*) as library,
    ${sql.join(queries.map((q, i) => sql`count(*) filter (where search @@ (${q})) as ${sql.ref(`t${i}`)}`))}
    from case_study`.execute(db);
  const counts = row.rows[0]!;
  const library = Number(counts.library);
  return queries.map((_, i) => {
    const documents = Number(counts[`t${i}`]);
    return documents ? Math.log((library + 1) / (documents + 0.5)) : 0;
  });
}

const threadSlugsOf = sql<string[]>`array(
  select g.thread_slug from case_study_golden_thread g join golden_thread t on t.slug = g.thread_slug
  where g.case_study_number = case_study.number order by t.position)`;

/**
 * Case studies matching the filters. With words to search for (see searchPlan): those matching every word (or a
 * synonym for a name) first, then those matching most of the query's terms, each group best first by cover density
 * (words close together count more, normalised by length); each with an excerpt whose matches are marked, whether
 * it matches all the words, and which terms it matched. Without words, in the document's order.
 */
export async function searchCaseStudies(db: Kysely<DB>, filters: CaseStudyFilters, plan?: SearchPlan) {
  let query = db
    .selectFrom('case_study')
    .select(['case_study.number', 'case_study.title', 'case_study.authority', 'case_study.part', 'case_study.area', 'case_study.content', 'case_study.outcomes', 'case_study.why_it_works', 'case_study.subjects'])
    .select(threadSlugsOf.as('thread_slugs'));
  if (filters.thread) {
    const slug = filters.thread;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('case_study_golden_thread')
          .select(sql`1`.as('one'))
          .whereRef('case_study_golden_thread.case_study_number', '=', 'case_study.number')
          .where('case_study_golden_thread.thread_slug', '=', slug),
      ),
    );
  }
  if (filters.subject) query = query.where(sql<boolean>`case_study.subjects @> jsonb_build_array(${filters.subject}::text)`);
  if (filters.authority) query = query.where('case_study.authority', '=', filters.authority);
  if (filters.part) query = query.where('case_study.part', '=', filters.part);

  if (!plan || (!plan.terms.length && !plan.alternatives.some((a) => a.trim()))) {
    const rows = await query.orderBy('case_study.number').execute();
    return rows.map((r) => ({ ...r, rank: null as number | null, excerpt: null as string | null, matches_all: true, matched: [] as string[] }));
  }
  const all = sql.join(plan.alternatives.map((a) => sql`websearch_to_tsquery('english', ${a})`), sql` || `);
  const terms = plan.terms.map((term) => ({ text: term.text, q: termQuery(term) }));
  // Each term weighs by how rare it is in the library (inverse document frequency), so a case study about "NEET"
  // that never says "young people" still comes before the many that say "young people" only.
  const weights = await termWeights(db, terms.map((t) => t.q));
  const totalWeight = weights.reduce((sum, w) => sum + w, 0);
  const any = terms.length ? sql`(${all}) || ${sql.join(terms.map((t) => sql`(${t.q})`), sql` || `)}` : all;
  const matched = terms.length
    ? sql<string[]>`array_remove(array[${sql.join(terms.map((t) => sql`case when case_study.search @@ (${t.q}) then ${t.text}::text end`))}], null)`
    : sql<string[]>`array[]::text[]`;
  const matchedWeight = terms.length
    ? sql<number>`(${sql.join(terms.map((t, i) => sql`case when case_study.search @@ (${t.q}) then ${weights[i]!}::float8 else 0 end`), sql` + `)})`
    : sql<number>`0::float8`;
  const matchesAll = sql<boolean>`case_study.search @@ (${all})`;
  const rank = sql<number>`ts_rank_cd(case_study.search, ${any}, 1)`;
  const headlineOptions = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxWords=40, MinWords=20, ShortWord=3, MaxFragments=2, FragmentDelimiter=" … "`;
  for (const word of plan.excluded) query = query.where(sql<boolean>`not (case_study.search @@ ${prefixQuery(word)})`);
  const rows = await query
    .select([
      rank.as('rank'),
      matchesAll.as('matches_all'),
      matched.as('matched'),
      sql<string>`ts_headline('english', case_study.content || ' ' || case_study.outcomes || ' ' || coalesce(case_study.why_it_works, ''), ${any}, ${headlineOptions})`.as('excerpt'),
    ])
    .where(sql<boolean>`case_study.search @@ (${any})`)
    // A case study matching only some of the terms must match half of them, or carry half the query's weight:
    // "fathers" alone is a match for "fathers support programme" (ranked by weight, after every full match).
    .where(sql<boolean>`(${matchesAll} or cardinality(${matched}) * 2 >= ${terms.length} or ${matchedWeight} >= ${totalWeight / 2}::float8)`)
    .orderBy(matchesAll, 'desc')
    .orderBy(matchedWeight, 'desc')
    .orderBy(rank, 'desc')
    .orderBy('case_study.number')
    .execute();
  return rows.map((r) => ({ ...r, rank: Number(r.rank) }));
}

/**
 * Case studies that share terms with an indicator's title, best first. Each term counts by how well it matches
 * (cover density) times how rare it is in the library (inverse document frequency), so "NEET" outweighs
 * "education": a title such as "Permanent exclusion rate" finds the examples about exclusion first.
 */
export async function suggestCaseStudies(db: Kysely<DB>, terms: { words: string[]; phrases: string[] }, limit = 3) {
  const queries = [
    ...terms.words.map((w) => sql`plainto_tsquery('english', ${w})`),
    ...terms.phrases.map((p) => sql`phraseto_tsquery('english', ${p})`),
  ];
  if (queries.length === 0) return [];
  const rows = await sql<{ number: number; title: string; authority: string; part: 'A' | 'B' }>`
    with term as (
      select q, (select count(*) from case_study where search @@ q) as documents
      from (values ${sql.join(queries.map((q) => sql`(${q})`))}) as v(q)
      where numnode(q) > 0
    ), library as (select count(*) as documents from case_study)
    select c.number, c.title, c.authority, c.part
    from case_study c join term t on c.search @@ t.q cross join library l
    group by c.number, c.title, c.authority, c.part
    order by sum(ts_rank_cd(c.search, t.q, 1) * ln((l.documents + 1)::float8 / t.documents)) desc, c.number
    limit ${limit}`.execute(db);
  return rows.rows;
}

// ---- filter choices ----

export async function listGoldenThreads(db: Kysely<DB>) {
  return db
    .selectFrom('golden_thread')
    .leftJoin('case_study_golden_thread', 'case_study_golden_thread.thread_slug', 'golden_thread.slug')
    .select([
      'golden_thread.slug',
      'golden_thread.number',
      'golden_thread.name',
      'golden_thread.title',
      'golden_thread.canonical',
      sql<number>`count(case_study_golden_thread.case_study_number)::int`.as('case_studies'),
    ])
    .groupBy(['golden_thread.slug', 'golden_thread.number', 'golden_thread.name', 'golden_thread.title', 'golden_thread.canonical', 'golden_thread.position'])
    .orderBy('golden_thread.position')
    .execute();
}

export async function listSubjects(db: Kysely<DB>) {
  const rows = await sql<{ subject: string; case_studies: number; first: number }>`
    select subject, count(*)::int as case_studies, min(number)::int as first
    from case_study, jsonb_array_elements_text(subjects) as subject
    group by subject order by subject`.execute(db);
  return rows.rows;
}

export async function listAuthorities(db: Kysely<DB>) {
  return db
    .selectFrom('case_study')
    .select(['authority', sql<number>`count(*)::int`.as('case_studies')])
    .groupBy('authority')
    .orderBy('authority')
    .execute();
}

// ---- one case study, one thread ----

export async function findCaseStudy(db: Kysely<DB>, number: number) {
  return db
    .selectFrom('case_study')
    .select([
      'number',
      'authority',
      'title',
      'part',
      'area',
      'content',
      'outcomes',
      'outcomes_include_what_is_working',
      'why_it_works',
      'subjects',
    ])
    .select(threadSlugsOf.as('thread_slugs'))
    .where('number', '=', number)
    .executeTakeFirst();
}

export async function findGoldenThread(db: Kysely<DB>, slug: string) {
  return db
    .selectFrom('golden_thread')
    .select(['slug', 'number', 'name', 'title', 'description', 'this_means', 'notes', 'aliases', 'canonical'])
    .where('slug', '=', slug)
    .executeTakeFirst();
}

export async function listCaseStudiesForThread(db: Kysely<DB>, slug: string) {
  return db
    .selectFrom('case_study')
    .innerJoin('case_study_golden_thread', 'case_study_golden_thread.case_study_number', 'case_study.number')
    .select(['case_study.number', 'case_study.title', 'case_study.authority', 'case_study.part', 'case_study.area'])
    .where('case_study_golden_thread.thread_slug', '=', slug)
    .orderBy('case_study.number')
    .execute();
}

// ---- the library in a partnership's work: what works, actions, golden-thread tags ----
// Queries that take a partnership id are scoped by it; those that take a user id reach only the partnerships the user
// is a member of.

/** The partnerships in which the user may link the library to indicators and actions (manager or admin). */
export async function listManagedPartnerships(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('membership')
    .innerJoin('partnership', 'partnership.id', 'membership.partnership_id')
    .select(['partnership.id', 'partnership.slug', 'partnership.name'])
    .where('membership.user_id', '=', userId)
    .where('membership.role', 'in', ['manager', 'admin'])
    .orderBy('partnership.name')
    .execute();
}

/** Where a case study is already used in the user's partnerships: indicators' what works, and actions. */
export async function listCaseStudyUses(db: Kysely<DB>, userId: string, number: number) {
  const [whatWorks, actions] = await Promise.all([
    db
      .selectFrom('what_works')
      .innerJoin('membership', (join) => join.onRef('membership.partnership_id', '=', 'what_works.partnership_id').on('membership.user_id', '=', userId))
      .innerJoin('partnership', 'partnership.id', 'what_works.partnership_id')
      .leftJoin('indicator', 'indicator.id', 'what_works.indicator_id')
      .leftJoin('priority', 'priority.id', 'what_works.priority_id')
      .select(['partnership.slug', 'partnership.name as partnership_name', 'indicator.code', 'indicator.title as indicator_title', 'priority.id as priority_id', 'priority.title as priority_title'])
      .where('what_works.case_study_number', '=', number)
      .orderBy('partnership.name')
      .orderBy('indicator.title')
      .execute(),
    db
      .selectFrom('action_case_study')
      .innerJoin('membership', (join) => join.onRef('membership.partnership_id', '=', 'action_case_study.partnership_id').on('membership.user_id', '=', userId))
      .innerJoin('partnership', 'partnership.id', 'action_case_study.partnership_id')
      .innerJoin('action', 'action.id', 'action_case_study.action_id')
      .select(['partnership.slug', 'partnership.name as partnership_name', 'action.id', 'action.title', 'action.status'])
      .where('action_case_study.case_study_number', '=', number)
      .orderBy('partnership.name')
      .orderBy('action.title')
      .execute(),
  ]);
  return { whatWorks, actions };
}

/** The actions tagged with a golden thread in the user's partnerships. */
export async function listActionsForThread(db: Kysely<DB>, userId: string, slug: string) {
  return db
    .selectFrom('action_golden_thread')
    .innerJoin('membership', (join) => join.onRef('membership.partnership_id', '=', 'action_golden_thread.partnership_id').on('membership.user_id', '=', userId))
    .innerJoin('partnership', 'partnership.id', 'action_golden_thread.partnership_id')
    .innerJoin('action', 'action.id', 'action_golden_thread.action_id')
    .select(['partnership.slug', 'partnership.name as partnership_name', 'action.id', 'action.title', 'action.status'])
    .where('action_golden_thread.thread_slug', '=', slug)
    .orderBy('partnership.name')
    .orderBy('action.title')
    .execute();
}

/** The partnership's indicators and performance measures to choose from, with what they sit under. */
export async function listIndicatorChoices(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('indicator')
    .leftJoin('priority', 'priority.id', 'indicator.priority_id')
    .leftJoin('programme', 'programme.id', 'indicator.programme_id')
    .select(['indicator.id', 'indicator.code', 'indicator.title', 'priority.title as priority_title', 'programme.name as programme_name'])
    .where('indicator.partnership_id', '=', partnershipId)
    .orderBy('priority.position')
    .orderBy('priority.title')
    .orderBy('programme.name')
    .orderBy('indicator.position')
    .orderBy('indicator.title')
    .execute();
}

export async function findIndicatorForLink(db: Kysely<DB>, partnershipId: string, code: string) {
  return db
    .selectFrom('indicator')
    .select(['id', 'code', 'title'])
    .where('partnership_id', '=', partnershipId)
    .where('code', '=', code)
    .executeTakeFirst();
}

export async function isCaseStudyInWhatWorks(db: Kysely<DB>, partnershipId: string, indicatorId: string, number: number): Promise<boolean> {
  const row = await db
    .selectFrom('what_works')
    .select('id')
    .where('partnership_id', '=', partnershipId)
    .where('indicator_id', '=', indicatorId)
    .where('case_study_number', '=', number)
    .executeTakeFirst();
  return !!row;
}

/** A case study as an idea in an indicator's "what works": its evidence level from its part, its cost as the manager says. */
export async function addCaseStudyToWhatWorks(
  trx: Transaction<DB>,
  partnershipId: string,
  values: { indicatorId: string; userId: string; number: number; title: string; description: string; source: string; part: 'A' | 'B'; cost: 'no_cost' | 'low_cost' | 'funded' },
) {
  const { id } = await trx
    .insertInto('what_works')
    .values({
      partnership_id: partnershipId,
      indicator_id: values.indicatorId,
      title: values.title,
      description: values.description,
      evidence_level: values.part === 'A' ? 'demonstrable' : 'some_evidence',
      cost: values.cost,
      source: values.source,
      source_url: null,
      case_study_number: values.number,
      created_by: values.userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function listActionChoices(db: Kysely<DB>, partnershipId: string) {
  return db.selectFrom('action').select(['id', 'title', 'status']).where('partnership_id', '=', partnershipId).orderBy('title').execute();
}

export async function findActionForLink(db: Kysely<DB>, partnershipId: string, actionId: string) {
  return db.selectFrom('action').select(['id', 'title', 'status']).where('partnership_id', '=', partnershipId).where('id', '=', actionId).executeTakeFirst();
}

/** Links a case study to an action and, when asked, tags the action with the case study's golden threads. */
export async function linkCaseStudyToAction(
  trx: Transaction<DB>,
  partnershipId: string,
  values: { actionId: string; number: number; userId: string; threads: string[] },
) {
  await trx
    .insertInto('action_case_study')
    .values({ partnership_id: partnershipId, action_id: values.actionId, case_study_number: values.number, created_by: values.userId })
    .onConflict((oc) => oc.columns(['action_id', 'case_study_number']).doNothing())
    .execute();
  if (values.threads.length) {
    await trx
      .insertInto('action_golden_thread')
      .values(values.threads.map((slug) => ({ partnership_id: partnershipId, action_id: values.actionId, thread_slug: slug })))
      .onConflict((oc) => oc.columns(['action_id', 'thread_slug']).doNothing())
      .execute();
  }
}

export async function unlinkCaseStudyFromAction(db: Kysely<DB>, partnershipId: string, actionId: string, number: number): Promise<boolean> {
  const row = await db
    .deleteFrom('action_case_study')
    .where('partnership_id', '=', partnershipId)
    .where('action_id', '=', actionId)
    .where('case_study_number', '=', number)
    .returning('action_id')
    .executeTakeFirst();
  return !!row;
}

/** An action's golden threads (slugs, in the threads' order) and the case studies linked to it. */
export async function findActionLibraryLinks(db: Kysely<DB>, partnershipId: string, actionId: string) {
  const [threads, caseStudies] = await Promise.all([
    db
      .selectFrom('action_golden_thread')
      .innerJoin('golden_thread', 'golden_thread.slug', 'action_golden_thread.thread_slug')
      .select(['golden_thread.slug', 'golden_thread.name'])
      .where('action_golden_thread.partnership_id', '=', partnershipId)
      .where('action_golden_thread.action_id', '=', actionId)
      .orderBy('golden_thread.position')
      .execute(),
    db
      .selectFrom('action_case_study')
      .innerJoin('case_study', 'case_study.number', 'action_case_study.case_study_number')
      .select(['case_study.number', 'case_study.title', 'case_study.authority', 'case_study.part'])
      .where('action_case_study.partnership_id', '=', partnershipId)
      .where('action_case_study.action_id', '=', actionId)
      .orderBy('case_study.number')
      .execute(),
  ]);
  return { threads, caseStudies };
}

/** Replaces an action's golden-thread tags with these (known slugs only; the caller checked the action). */
export async function setActionThreads(trx: Transaction<DB>, partnershipId: string, actionId: string, slugs: string[]) {
  await trx.deleteFrom('action_golden_thread').where('partnership_id', '=', partnershipId).where('action_id', '=', actionId).execute();
  if (slugs.length) {
    await trx
      .insertInto('action_golden_thread')
      .values(slugs.map((slug) => ({ partnership_id: partnershipId, action_id: actionId, thread_slug: slug })))
      .execute();
  }
}

// ---- golden threads all the way through a partnership's work (issue 18) ----
// An action follows a golden thread when a manager chose the thread for it, or when a case study linked to it carries
// the thread; an indicator (or a priority) follows a thread when an action linked to it does. Every query here is
// scoped by the partnership's id and answers a whole page at once.

/** (action_id, thread_slug, case_study_number — null when the thread was chosen for the action directly) of a partnership. */
function threadsFollowed(partnershipId: string) {
  return sql`(
    select ac.action_id, g.thread_slug, ac.case_study_number
      from action_case_study ac join case_study_golden_thread g on g.case_study_number = ac.case_study_number
      where ac.partnership_id = ${partnershipId}
    union all
    select agt.action_id, agt.thread_slug, null::integer
      from action_golden_thread agt where agt.partnership_id = ${partnershipId}
  )`;
}

/** The case studies linked to an action and the golden threads it follows, with each thread's "this means". */
export async function listActionEvidence(db: Kysely<DB>, partnershipId: string, actionId: string) {
  const [caseStudies, threads] = await Promise.all([
    db
      .selectFrom('action_case_study')
      .innerJoin('case_study', 'case_study.number', 'action_case_study.case_study_number')
      .select(['case_study.number', 'case_study.title', 'case_study.authority', 'case_study.part'])
      .where('action_case_study.partnership_id', '=', partnershipId)
      .where('action_case_study.action_id', '=', actionId)
      .orderBy('case_study.number')
      .execute(),
    sql<{ slug: string; number: number | null; name: string; title: string; this_means: string[] | null; position: number; case_studies: number[]; chosen: boolean }>`
      select t.slug, t.number, t.name, t.title, t.this_means, t.position,
        array_remove(array_agg(distinct f.case_study_number), null) as case_studies,
        bool_or(f.case_study_number is null) as chosen
      from ${threadsFollowed(partnershipId)} f join golden_thread t on t.slug = f.thread_slug
      where f.action_id = ${actionId}
      group by t.slug, t.number, t.name, t.title, t.this_means, t.position
      order by t.position`.execute(db),
  ]);
  return {
    caseStudies,
    threads: threads.rows.map((t) => ({
      slug: t.slug,
      number: t.number,
      name: t.name,
      title: t.title,
      thisMeans: (t.this_means ?? []) as string[],
      position: t.position,
      caseStudies: t.case_studies.map(Number).sort((a, b) => a - b),
      chosen: t.chosen,
    })),
  };
}

/** This partnership's actions that follow a golden thread (chosen, or through their case studies), each with its indicators. */
export async function listPartnershipActionsFollowing(db: Kysely<DB>, partnershipId: string, slug: string) {
  const rows = await db
    .selectFrom('action')
    .leftJoin('action_indicator', (join) => join.onRef('action_indicator.action_id', '=', 'action.id').onRef('action_indicator.partnership_id', '=', 'action.partnership_id'))
    .leftJoin('indicator', 'indicator.id', 'action_indicator.indicator_id')
    .select(['action.id', 'action.title', 'action.status', 'indicator.code', 'indicator.title as indicator_title'])
    .select(
      sql<number[]>`array(select ac.case_study_number from action_case_study ac join case_study_golden_thread g on g.case_study_number = ac.case_study_number
        where ac.action_id = action.id and ac.partnership_id = action.partnership_id and g.thread_slug = ${slug} order by ac.case_study_number)`.as('case_studies'),
    )
    .where('action.partnership_id', '=', partnershipId)
    .where(sql<boolean>`action.id in (select f.action_id from ${threadsFollowed(partnershipId)} f where f.thread_slug = ${slug})`)
    .orderBy('action.title')
    .orderBy('action.id')
    .orderBy('indicator.title')
    .execute();
  const actions = new Map<string, { id: string; title: string; status: (typeof rows)[number]['status']; caseStudies: number[]; indicators: { code: string; title: string }[] }>();
  for (const r of rows) {
    const action = actions.get(r.id) ?? { id: r.id, title: r.title, status: r.status, caseStudies: r.case_studies.map(Number), indicators: [] };
    if (r.code) action.indicators.push({ code: r.code, title: r.indicator_title! });
    actions.set(r.id, action);
  }
  return [...actions.values()];
}

/**
 * Every golden thread, in order, with the codes of this partnership's indicators that follow it (through an action
 * linked to the indicator that follows the thread): the scorecard's thread filter.
 */
export async function listThreadIndicatorCodes(db: Kysely<DB>, partnershipId: string) {
  const rows = await sql<{ slug: string; number: number | null; name: string; codes: string[] }>`
    with followed as (select distinct action_id, thread_slug from ${threadsFollowed(partnershipId)} f)
    select t.slug, t.number, t.name,
      array(select distinct i.code
        from followed
        join action_indicator ai on ai.action_id = followed.action_id and ai.partnership_id = ${partnershipId}
        join indicator i on i.id = ai.indicator_id
        where followed.thread_slug = t.slug
        order by i.code) as codes
    from golden_thread t
    order by t.position`.execute(db);
  return rows.rows;
}

/**
 * The golden threads that this partnership's actions follow, for each indicator and priority an action is linked to,
 * with the actions that follow each: what the data book names under each outcome.
 */
export async function listThreadsByActionTarget(db: Kysely<DB>, partnershipId: string) {
  const rows = await sql<{ kind: 'indicator' | 'priority'; target_id: string; slug: string; number: number | null; name: string; position: number; action_id: string }>`
    with followed as (select distinct action_id, thread_slug from ${threadsFollowed(partnershipId)} f), target as (
      select 'indicator' as kind, ai.indicator_id as target_id, ai.action_id from action_indicator ai where ai.partnership_id = ${partnershipId}
      union all
      select 'priority' as kind, ap.priority_id as target_id, ap.action_id from action_priority ap where ap.partnership_id = ${partnershipId}
    )
    select distinct target.kind, target.target_id, t.slug, t.number, t.name, t.position, target.action_id
    from target join followed on followed.action_id = target.action_id join golden_thread t on t.slug = followed.thread_slug
    order by t.position`.execute(db);
  return rows.rows;
}
