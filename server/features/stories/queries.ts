import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { SubjectKind } from '../conversation/subjects.ts';

// Every query about the story behind the curve. A subject (indicator or priority) has one story; each save adds an
// immutable version, so "what we said last year" is always readable and restorable. All scoped by partnership id.

export interface StoryContent {
  period_text: string;
  summary: string;
  contributing: string;
  restricting: string;
  root_causes: string[];
  change_note: string;
}

type SubjectRef = { kind: SubjectKind; id: string };
const subjectColumn = (subject: SubjectRef) => (subject.kind === 'indicator' ? 'story.indicator_id' : 'story.priority_id');

const versionColumns = [
  'story_version.id',
  'story_version.story_id',
  'story_version.version',
  'story_version.period_text',
  'story_version.summary',
  'story_version.contributing',
  'story_version.restricting',
  'story_version.root_causes',
  'story_version.change_note',
  'story_version.restored_from',
  'story_version.created_at',
  'story.indicator_id',
  'story.priority_id',
  'app_user.name as author_name',
] as const;

function selectVersions(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('story_version')
    .innerJoin('story', 'story.id', 'story_version.story_id')
    .leftJoin('app_user', 'app_user.id', 'story_version.author_id')
    .select(versionColumns)
    .where('story_version.partnership_id', '=', partnershipId);
}

export type StoryVersionRecord = Awaited<ReturnType<ReturnType<typeof selectVersions>['execute']>>[number];

/** The latest version of the subject's story, with how many versions there are. */
export async function currentStory(db: Kysely<DB>, partnershipId: string, subject: SubjectRef) {
  const row = await selectVersions(db, partnershipId)
    .select(sql<number>`(select count(*)::int from story_version v where v.story_id = story.id)`.as('version_count'))
    .where(subjectColumn(subject), '=', subject.id)
    .orderBy('story_version.version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ?? null;
}

/** The latest story of each of several subjects, in one query (a priority and all its indicators, for a report). */
export async function currentStories(db: Kysely<DB>, partnershipId: string, subjects: { indicatorIds?: string[]; priorityIds?: string[] }) {
  const indicatorIds = subjects.indicatorIds ?? [];
  const priorityIds = subjects.priorityIds ?? [];
  if (!indicatorIds.length && !priorityIds.length) return [];
  return selectVersions(db, partnershipId)
    .distinctOn('story_version.story_id')
    .where((eb) =>
      eb.or([
        ...(indicatorIds.length ? [eb('story.indicator_id', 'in', indicatorIds)] : []),
        ...(priorityIds.length ? [eb('story.priority_id', 'in', priorityIds)] : []),
      ]),
    )
    .orderBy('story_version.story_id')
    .orderBy('story_version.version', 'desc')
    .execute();
}

export async function listVersions(db: Kysely<DB>, partnershipId: string, subject: SubjectRef) {
  return selectVersions(db, partnershipId).where(subjectColumn(subject), '=', subject.id).orderBy('story_version.version', 'desc').execute();
}

export async function findVersion(db: Kysely<DB>, partnershipId: string, subject: SubjectRef, versionId: string) {
  return selectVersions(db, partnershipId).where(subjectColumn(subject), '=', subject.id).where('story_version.id', '=', versionId).executeTakeFirst();
}

export type SaveResult = { saved: true; version: number } | { saved: false; reason: 'unchanged'; version: number } | { saved: false; reason: 'conflict'; current: number };

/**
 * Adds a version to the subject's story. `baseVersion` is the version the writer started from (0 for a new story): if
 * someone saved since, nothing is written and the caller shows the conflict. Saving the text unchanged adds nothing.
 */
export async function saveVersion(
  trx: Transaction<DB>,
  partnershipId: string,
  subject: SubjectRef,
  authorId: string,
  content: StoryContent,
  options: { baseVersion: number | null; restoredFrom?: number },
): Promise<SaveResult> {
  await trx
    .insertInto('story')
    .values({ partnership_id: partnershipId, indicator_id: subject.kind === 'indicator' ? subject.id : null, priority_id: subject.kind === 'priority' ? subject.id : null })
    .onConflict((oc) => oc.column(subject.kind === 'indicator' ? 'indicator_id' : 'priority_id').doNothing())
    .execute();
  // Locking the story makes concurrent saves take turns, so version numbers never collide.
  const story = await trx
    .selectFrom('story')
    .select('id')
    .where('partnership_id', '=', partnershipId)
    .where(subject.kind === 'indicator' ? 'indicator_id' : 'priority_id', '=', subject.id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const latest = await trx
    .selectFrom('story_version')
    .select(['version', 'period_text', 'summary', 'contributing', 'restricting', 'root_causes'])
    .where('story_id', '=', story.id)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  const current = latest?.version ?? 0;
  if (options.baseVersion !== null && options.baseVersion !== current) return { saved: false, reason: 'conflict', current };
  if (latest && sameContent(latest, content) && options.restoredFrom === undefined) return { saved: false, reason: 'unchanged', version: current };
  const version = current + 1;
  await trx
    .insertInto('story_version')
    .values({
      partnership_id: partnershipId,
      story_id: story.id,
      version,
      period_text: content.period_text,
      summary: content.summary,
      contributing: content.contributing,
      restricting: content.restricting,
      // Sent as text, then cast: a parameter typed jsonb would be JSON-encoded again by postgres.js, and a JS array
      // would be sent as a PostgreSQL array.
      root_causes: sql`cast(cast(${JSON.stringify(content.root_causes)} as text) as jsonb)`,
      change_note: content.change_note,
      restored_from: options.restoredFrom ?? null,
      author_id: authorId,
    })
    .execute();
  return { saved: true, version };
}

function sameContent(a: Omit<StoryContent, 'change_note'>, b: StoryContent): boolean {
  return (
    a.period_text === b.period_text &&
    a.summary === b.summary &&
    a.contributing === b.contributing &&
    a.restricting === b.restricting &&
    JSON.stringify(a.root_causes) === JSON.stringify(b.root_causes)
  );
}
