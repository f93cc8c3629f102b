import { baselineColumns } from '../analysis/queries.ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { observationFigureColumns } from '../../db/columns.ts';
import type { FigureJson } from '../../db/schema-data.ts';
import type { RoomNoteKind, RoomNoteStatus } from '../../db/schema-dataday.ts';

// Every query of the data day: the days and their agendas, room notes, and what "since the last data day" reads
// (the audit trail of figures, baseline versions, story versions). All are scoped by partnership id.

// ---- Data days ----------------------------------------------------------------------------------------------------

const dataDayColumns = ['data_day.id', 'data_day.title', 'data_day.created_at', 'data_day.updated_at'] as const;
const heldOn = sql<string>`data_day.held_on::text`.as('held_on');

export async function listDataDays(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('data_day')
    .select(dataDayColumns)
    .select(heldOn)
    .select([
      sql<number>`(select count(*)::int from data_day_slide s where s.data_day_id = data_day.id)`.as('slide_count'),
      sql<number>`(select count(*)::int from room_note n where n.data_day_id = data_day.id and n.status = 'open')`.as('open_notes'),
      sql<number>`(select count(*)::int from room_note n where n.data_day_id = data_day.id)`.as('note_count'),
    ])
    .where('data_day.partnership_id', '=', partnershipId)
    .orderBy('data_day.held_on', 'desc')
    .orderBy('data_day.created_at', 'desc')
    .execute();
}

export type DataDayRecord = NonNullable<Awaited<ReturnType<typeof findDataDay>>>;

export async function findDataDay(db: Kysely<DB>, partnershipId: string, dataDayId: string) {
  return db
    .selectFrom('data_day')
    .select(dataDayColumns)
    .select(heldOn)
    .where('data_day.partnership_id', '=', partnershipId)
    .where('data_day.id', '=', dataDayId)
    .executeTakeFirst();
}

/** The data day held most recently before the given one (by date; on the same date, the one created earlier). */
export async function findPreviousDataDay(db: Kysely<DB>, partnershipId: string, dataDay: { id: string; held_on: string; created_at: Date }) {
  return db
    .selectFrom('data_day')
    .select(dataDayColumns)
    .select(heldOn)
    .where('data_day.partnership_id', '=', partnershipId)
    .where('data_day.id', '<>', dataDay.id)
    .where((eb) =>
      eb.or([
        eb('data_day.held_on', '<', sql<string>`${dataDay.held_on}::date`),
        eb.and([eb('data_day.held_on', '=', sql<string>`${dataDay.held_on}::date`), eb('data_day.created_at', '<', dataDay.created_at)]),
      ]),
    )
    .orderBy('data_day.held_on', 'desc')
    .orderBy('data_day.created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The latest data day held on or before a date: "the last data day", seen from that date. */
export async function findLastDataDayOnOrBefore(db: Kysely<DB>, partnershipId: string, date: string) {
  return db
    .selectFrom('data_day')
    .select(dataDayColumns)
    .select(heldOn)
    .where('data_day.partnership_id', '=', partnershipId)
    .where('data_day.held_on', '<=', sql<string>`${date}::date`)
    .orderBy('data_day.held_on', 'desc')
    .orderBy('data_day.created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface DataDayValues {
  title: string;
  held_on: string;
}

export type AgendaItem = { kind: 'outcome' | 'priority' | 'indicator'; id: string };

export async function createDataDay(trx: Transaction<DB>, partnershipId: string, userId: string, values: DataDayValues, agenda: AgendaItem[]): Promise<string> {
  const { id } = await trx
    .insertInto('data_day')
    .values({ partnership_id: partnershipId, created_by: userId, ...values })
    .returning('id')
    .executeTakeFirstOrThrow();
  await replaceAgenda(trx, partnershipId, id, agenda);
  return id;
}

export async function updateDataDay(db: Kysely<DB>, partnershipId: string, dataDayId: string, values: DataDayValues) {
  await db
    .updateTable('data_day')
    .set({ ...values, updated_at: sql<Date>`now()` as any })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', dataDayId)
    .execute();
}

export async function listAgenda(db: Kysely<DB>, partnershipId: string, dataDayId: string): Promise<AgendaItem[]> {
  const rows = await db
    .selectFrom('data_day_slide')
    .select(['outcome_id', 'priority_id', 'indicator_id'])
    .where('partnership_id', '=', partnershipId)
    .where('data_day_id', '=', dataDayId)
    .orderBy('position')
    .execute();
  return rows.map((r) =>
    r.outcome_id ? { kind: 'outcome', id: r.outcome_id } : r.priority_id ? { kind: 'priority', id: r.priority_id } : { kind: 'indicator', id: r.indicator_id! },
  );
}

/**
 * Saves the agenda as given, in order. The data day row is locked, so two managers saving at once take turns
 * (the last save wins whole; positions never collide). The caller has checked every id belongs to the partnership.
 */
export async function replaceAgenda(trx: Transaction<DB>, partnershipId: string, dataDayId: string, agenda: AgendaItem[]) {
  await trx.selectFrom('data_day').select('id').where('partnership_id', '=', partnershipId).where('id', '=', dataDayId).forUpdate().executeTakeFirstOrThrow();
  await trx.deleteFrom('data_day_slide').where('partnership_id', '=', partnershipId).where('data_day_id', '=', dataDayId).execute();
  if (!agenda.length) return;
  await trx
    .insertInto('data_day_slide')
    .values(
      agenda.map((item, i) => ({
        partnership_id: partnershipId,
        data_day_id: dataDayId,
        position: i + 1,
        outcome_id: item.kind === 'outcome' ? item.id : null,
        priority_id: item.kind === 'priority' ? item.id : null,
        indicator_id: item.kind === 'indicator' ? item.id : null,
      })),
    )
    .execute();
  await trx.updateTable('data_day').set({ updated_at: sql<Date>`now()` as any }).where('partnership_id', '=', partnershipId).where('id', '=', dataDayId).execute();
}

// ---- Room notes -----------------------------------------------------------------------------------------------------

const noteColumns = [
  'room_note.id',
  'room_note.kind',
  'room_note.body',
  'room_note.who',
  'room_note.outcome_id',
  'room_note.priority_id',
  'room_note.indicator_id',
  'room_note.slide_label',
  'room_note.status',
  'room_note.action_id',
  'room_note.what_works_id',
  'room_note.data_development_item_id',
  'room_note.created_at',
  'room_note.reviewed_at',
  'author.name as author_name',
  'reviewer.name as reviewer_name',
] as const;

function selectNotes(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('room_note')
    .leftJoin('app_user as author', 'author.id', 'room_note.created_by')
    .leftJoin('app_user as reviewer', 'reviewer.id', 'room_note.reviewed_by')
    .select(noteColumns)
    .where('room_note.partnership_id', '=', partnershipId);
}

export type RoomNoteRecord = Awaited<ReturnType<typeof listNotes>>[number];

export async function listNotes(db: Kysely<DB>, partnershipId: string, dataDayId: string) {
  return selectNotes(db, partnershipId).where('room_note.data_day_id', '=', dataDayId).orderBy('room_note.created_at').orderBy('room_note.id').execute();
}

export async function findNote(db: Kysely<DB>, partnershipId: string, dataDayId: string, noteId: string) {
  return selectNotes(db, partnershipId).where('room_note.data_day_id', '=', dataDayId).where('room_note.id', '=', noteId).executeTakeFirst();
}

export async function countNotes(db: Kysely<DB>, partnershipId: string, dataDayId: string) {
  const row = await db
    .selectFrom('room_note')
    .select(sql<number>`count(*)::int`.as('count'))
    .where('partnership_id', '=', partnershipId)
    .where('data_day_id', '=', dataDayId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export interface NewRoomNote {
  kind: RoomNoteKind;
  body: string;
  who: string;
  subject: { kind: 'outcome' | 'priority' | 'indicator'; id: string } | null;
  slide_label: string;
}

export async function insertNote(db: Kysely<DB>, partnershipId: string, dataDayId: string, userId: string, note: NewRoomNote) {
  const { id } = await db
    .insertInto('room_note')
    .values({
      partnership_id: partnershipId,
      data_day_id: dataDayId,
      kind: note.kind,
      body: note.body,
      who: note.who,
      outcome_id: note.subject?.kind === 'outcome' ? note.subject.id : null,
      priority_id: note.subject?.kind === 'priority' ? note.subject.id : null,
      indicator_id: note.subject?.kind === 'indicator' ? note.subject.id : null,
      slide_label: note.slide_label,
      created_by: userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/**
 * Records what an open note became. Locks the note and changes it only if it is still open, so a note reviewed twice
 * at once (two managers, or a double click) is turned into one thing, not two. Returns false if it was not open.
 */
export async function lockOpenNote(trx: Transaction<DB>, partnershipId: string, noteId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('room_note')
    .select('status')
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', noteId)
    .forUpdate()
    .executeTakeFirst();
  return row?.status === 'open';
}

export async function resolveNote(
  trx: Transaction<DB>,
  partnershipId: string,
  noteId: string,
  userId: string,
  outcome: { status: Exclude<RoomNoteStatus, 'open'>; actionId?: string; whatWorksId?: string; dataDevelopmentItemId?: string },
) {
  await trx
    .updateTable('room_note')
    .set({
      status: outcome.status,
      action_id: outcome.actionId ?? null,
      what_works_id: outcome.whatWorksId ?? null,
      data_development_item_id: outcome.dataDevelopmentItemId ?? null,
      reviewed_by: userId,
      reviewed_at: sql<Date>`now()` as any,
    })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', noteId)
    .execute();
}

/** A dismissed note back on the list to review. Only dismissed notes: what a note became stays linked. */
export async function reopenNote(db: Kysely<DB>, partnershipId: string, noteId: string) {
  await db
    .updateTable('room_note')
    .set({ status: 'open', reviewed_by: null, reviewed_at: null })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', noteId)
    .where('status', '=', 'dismissed')
    .execute();
}

// ---- Figures the Data Book and the slides need besides the indicators' own -------------------------------------

/** Every authority's value of the partnership's indicators (for rank and quartile), in one query. */
export async function listAuthorityValues(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('indicator_authority_value')
    .innerJoin('indicator', 'indicator.id', 'indicator_authority_value.indicator_id')
    .select(['indicator_authority_value.indicator_id', 'indicator_authority_value.period_position', 'indicator_authority_value.value'])
    .where('indicator.partnership_id', '=', partnershipId)
    .execute();
}

// ---- Since the last data day ----------------------------------------------------------------------------------------

/** The figures as stored now, with when each last changed: the end point of "as at" reconstruction. */
export async function listFiguresWithTimes(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .select([
      'series.indicator_id',
      'series.role',
      'series.label as series_label',
      'observation.series_id',
      ...observationFigureColumns,
    ])
    .where('indicator.partnership_id', '=', partnershipId)
    .where('indicator.programme_id', 'is', null)
    .orderBy('observation.period_position')
    .execute();
}

/** Saved changes to figures after a moment, oldest first: each one's `old` is the figure as it stood before it. */
export async function listFigureChangesAfter(db: Kysely<DB>, partnershipId: string, after: Date) {
  return db
    .selectFrom('observation_audit')
    .select(['series_id', 'period_key', 'old', 'new', 'at', 'seq'])
    .where('partnership_id', '=', partnershipId)
    .where('result', '=', 'saved')
    .where('at', '>', after)
    .orderBy('seq')
    .execute() as Promise<{ series_id: string; period_key: string; old: FigureJson | null; new: FigureJson; at: Date; seq: string }[]>;
}

/** Every baseline version of every indicator of the partnership, with when it was agreed. */
export async function listAllBaselines(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('baseline')
    .innerJoin('indicator', 'indicator.id', 'baseline.indicator_id')
    .select(baselineColumns)
    .where('indicator.partnership_id', '=', partnershipId)
    .orderBy('baseline.indicator_id')
    .orderBy('baseline.version')
    .execute();
}

/** Story versions written between two moments, with what each story is about. */
export async function listStoryVersionsBetween(db: Kysely<DB>, partnershipId: string, after: Date, upTo: Date) {
  return db
    .selectFrom('story_version')
    .innerJoin('story', 'story.id', 'story_version.story_id')
    .leftJoin('indicator', 'indicator.id', 'story.indicator_id')
    .leftJoin('priority', 'priority.id', 'story.priority_id')
    .select([
      'story_version.story_id',
      'story_version.version',
      'story_version.period_text',
      'story_version.change_note',
      'story_version.created_at',
      'story.indicator_id',
      'story.priority_id',
      'indicator.code as indicator_code',
      'indicator.title as indicator_title',
      'indicator.programme_id',
      'priority.title as priority_title',
    ])
    .where('story_version.partnership_id', '=', partnershipId)
    .where('story_version.created_at', '>', after)
    .where('story_version.created_at', '<=', upTo)
    .orderBy('story_version.created_at')
    .execute();
}

/** Deletes a data day with its agenda and room notes (they cascade); what the notes became stays. Answers its title, or null. */
export async function deleteDataDay(trx: Transaction<DB>, partnershipId: string, dataDayId: string): Promise<{ title: string } | null> {
  const row = await trx.deleteFrom('data_day').where('partnership_id', '=', partnershipId).where('id', '=', dataDayId).returning('title').executeTakeFirst();
  return row ?? null;
}
