import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';

// Issue 8: the what-works library (case studies, golden threads), the gap-narrowing benchmark and partnerships'
// self-assessments against it, and which template a partnership was created from.
//
// The library is shared reference material, not partnership data: it has no partnership_id. Its rows are loaded
// here from seeds/library/*.json (a snapshot, so a freshly migrated database already has them); the app compares
// the files' hash with library_source at start-up and reloads when the files have changed since.
// Like every migration this imports nothing from the app: it reads the JSON itself.

const LIBRARY_FILES = ['golden-threads.json', 'gap-benchmark.json', 'case-studies.json'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table golden_thread (
    slug text primary key check (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    number integer unique,
    name text not null,
    title text not null,
    description text,
    this_means jsonb not null default '[]',
    notes jsonb not null default '[]',
    aliases jsonb not null default '[]',
    canonical boolean not null,
    position integer not null
  )`.execute(db);

  // The search vector weighs where a word appears: the title most; then what the example achieved, why it works and
  // the subjects the document's index lists it under; then its description; then where it is. (Subjects are jsonb
  // because to_tsvector over jsonb is immutable, as a generated column needs, and over text[] is not.)
  await sql`create table case_study (
    number integer primary key check (number > 0),
    authority text not null,
    title text not null,
    part text not null check (part in ('A', 'B')),
    area text not null,
    content text not null,
    outcomes text not null,
    outcomes_include_what_is_working boolean not null,
    why_it_works text,
    subjects jsonb not null default '[]',
    search tsvector generated always as (
      setweight(to_tsvector('english', title), 'A') ||
      setweight(to_tsvector('english', outcomes || ' ' || coalesce(why_it_works, '')), 'B') ||
      setweight(to_tsvector('english', subjects), 'B') ||
      setweight(to_tsvector('english', content), 'C') ||
      setweight(to_tsvector('english', authority || ' ' || area), 'D')
    ) stored
  )`.execute(db);
  await sql`create index case_study_search on case_study using gin (search)`.execute(db);
  await sql`create index case_study_authority on case_study (authority)`.execute(db);

  await sql`create table case_study_golden_thread (
    case_study_number integer not null references case_study(number) on delete cascade,
    thread_slug text not null references golden_thread(slug) on delete cascade,
    primary key (case_study_number, thread_slug)
  )`.execute(db);
  await sql`create index case_study_golden_thread_slug on case_study_golden_thread (thread_slug)`.execute(db);

  await sql`create table gap_benchmark (
    id boolean primary key default true check (id),
    title text not null,
    subtitle text,
    preamble text not null
  )`.execute(db);
  await sql`create table gap_benchmark_principle (
    numeral text primary key,
    position integer not null unique,
    text text not null
  )`.execute(db);
  await sql`create table gap_benchmark_statement (
    number integer primary key check (number > 0),
    strand text not null check (strand in ('central_government', 'local_government', 'schools')),
    text text not null
  )`.execute(db);

  // What was loaded: a hash of the seed files, so start-up can tell whether they changed.
  await sql`create table library_source (
    name text primary key,
    sha256 text not null,
    loaded_at timestamptz not null default now()
  )`.execute(db);

  // Self-assessment against the gap-narrowing benchmark: one assessment on a date, one rating per statement.
  await sql`create table self_assessment (
    id uuid primary key default gen_random_uuid(),
    partnership_id uuid not null references partnership(id) on delete cascade,
    assessed_on date not null,
    title text not null default '',
    created_by uuid references app_user(id) on delete set null,
    created_at timestamptz not null default now(),
    updated_by uuid references app_user(id) on delete set null,
    updated_at timestamptz not null default now(),
    unique (id, partnership_id)
  )`.execute(db);
  await sql`create index self_assessment_partnership on self_assessment (partnership_id, assessed_on)`.execute(db);

  // partnership_id is repeated so that every query can be scoped by it, and the composite key keeps it honest.
  await sql`create table self_assessment_rating (
    self_assessment_id uuid not null,
    partnership_id uuid not null,
    statement_number integer not null references gap_benchmark_statement(number),
    rating text check (rating in ('not_yet', 'developing', 'established', 'embedded')),
    evidence text not null default '',
    owner text not null default '',
    primary key (self_assessment_id, statement_number),
    foreign key (self_assessment_id, partnership_id) references self_assessment(id, partnership_id) on delete cascade
  )`.execute(db);

  // The template a partnership was started from (its guidance is shown on the indicator and priority pages).
  await sql`create table partnership_template (
    partnership_id uuid primary key references partnership(id) on delete cascade,
    template_key text not null,
    template_name text not null,
    applied_at timestamptz not null default now()
  )`.execute(db);

  await loadLibrarySnapshot(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'partnership_template',
    'self_assessment_rating',
    'self_assessment',
    'library_source',
    'gap_benchmark_statement',
    'gap_benchmark_principle',
    'gap_benchmark',
    'case_study_golden_thread',
    'case_study',
    'golden_thread',
  ]) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}

// ---- the snapshot of seeds/library/ ----

interface ThreadJson {
  slug: string;
  number: number | null;
  name: string;
  title: string;
  description: string | null;
  thisMeans: string[];
  notes: string[];
  aliases: string[];
  canonical: boolean;
}
interface BenchmarkJson {
  title: string;
  subtitle: string | null;
  preamble: string;
  principles: { numeral: string; text: string }[];
  statements: { number: number; strand: string; text: string }[];
}
interface CaseStudyJson {
  number: number;
  authority: string;
  title: string;
  part: 'A' | 'B';
  area: string;
  content: string;
  outcomes: string;
  outcomesIncludeWhatIsWorking: boolean;
  whyItWorks: string | null;
  goldenThreads: string[];
  subjects: string[];
}

async function loadLibrarySnapshot(db: Kysely<any>): Promise<void> {
  const folder = new URL('../seeds/library/', import.meta.url);
  const texts = LIBRARY_FILES.map((file) => readFileSync(new URL(file, folder), 'utf8'));
  const hash = createHash('sha256');
  for (const [i, file] of LIBRARY_FILES.entries()) hash.update(file).update('\0').update(texts[i]!).update('\0');
  const threads = JSON.parse(texts[0]!) as ThreadJson[];
  const benchmark = JSON.parse(texts[1]!) as BenchmarkJson;
  const studies = JSON.parse(texts[2]!) as CaseStudyJson[];

  await db
    .insertInto('golden_thread')
    .values(
      threads.map((t, position) => ({
        slug: t.slug,
        number: t.number,
        name: t.name,
        title: t.title,
        description: t.description,
        // jsonb: passed as values, never as JSON text (postgres.js would encode the text a second time)
        this_means: t.thisMeans,
        notes: t.notes,
        aliases: t.aliases,
        canonical: t.canonical,
        position,
      })),
    )
    .execute();
  await db
    .insertInto('case_study')
    .values(
      studies.map((c) => ({
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
    .execute();
  await db
    .insertInto('case_study_golden_thread')
    .values(studies.flatMap((c) => c.goldenThreads.map((slug) => ({ case_study_number: c.number, thread_slug: slug }))))
    .execute();
  await db.insertInto('gap_benchmark').values({ id: true, title: benchmark.title, subtitle: benchmark.subtitle, preamble: benchmark.preamble }).execute();
  await db
    .insertInto('gap_benchmark_principle')
    .values(benchmark.principles.map((p, position) => ({ numeral: p.numeral, position, text: p.text })))
    .execute();
  await db
    .insertInto('gap_benchmark_statement')
    .values(benchmark.statements.map((s) => ({ number: s.number, strand: s.strand, text: s.text })))
    .execute();
  await db.insertInto('library_source').values({ name: 'seeds/library', sha256: hash.digest('hex') }).execute();
}
