// The one way a figure is written: the form, the CSV import, the published-statistics imports, the API and a
// manager's restore all come through here. It
// - locks the figures it is about to change and checks each against the version the writer saw (optimistic
//   concurrency: a save against a stale version is refused, never silently applied over someone else's);
// - leaves an unchanged figure alone (so re-importing a file changes nothing, not even a version);
// - records every saved change, and every refused attempt, in the audit trail: who, when, old → new, and how.
// The figures are validated before they get here (figure.ts), by the caller that knows where each came from.
import type { Kysely, Transaction } from 'kysely';
import type { Period } from '../../analysis/periods.ts';
import type { DB, SeriesRole } from '../../db/schema.ts';
import type { WriteVia } from '../../db/schema-data.ts';
import { inPartnershipTransaction, lockPartnershipData } from '../../db/transaction.ts';
import { sameFigure, type Figure } from './figure.ts';
import { deleteLockedObservation, insertAudit, insertDeletionAudit, insertObservations, lockObservations, updateObservations, type StoredObservation } from './queries.ts';

export interface WriteContext {
  partnershipId: string;
  userId: string | null;
  via: WriteVia;
  importId?: string | null;
}

export interface WriteItem<Ref = unknown> {
  indicatorId: string;
  seriesId: string;
  role: SeriesRole;
  period: Pick<Period, 'key' | 'position' | 'label'>;
  figure: Figure;
  /**
   * The version the writer saw: a number, or null for "there was no figure". Undefined writes whatever is there
   * now (an API caller that sends no version).
   */
  expectedVersion?: number | null;
  /** The caller's own reference (a form field, a CSV line, an API item index), handed back in results. */
  ref?: Ref;
}

export interface WriteResult<Ref = unknown> {
  item: WriteItem<Ref>;
  action: 'created' | 'updated' | 'unchanged';
  before: StoredObservation | null;
  version: number;
}

export interface WriteConflictItem<Ref = unknown> {
  item: WriteItem<Ref>;
  /** The figure saved now, which the writer did not see; null when it was the writer's figure that vanished. */
  current: StoredObservation | null;
}

/** Thrown inside the transaction so that nothing of the batch is written; carries every conflicting item. */
export class WriteConflict<Ref = unknown> extends Error {
  override name = 'WriteConflict';
  constructor(readonly conflicts: WriteConflictItem<Ref>[]) {
    super(`${conflicts.length} figure(s) changed since they were read`);
  }
}

const keyOf = (seriesId: string, periodKey: string) => `${seriesId}\u0000${periodKey}`;

const figureOf = (o: StoredObservation): Figure => ({
  value: o.value,
  marker: o.marker,
  status: o.status,
  numerator: o.numerator,
  denominator: o.denominator,
  note: o.note,
});

function expectationMet(expected: number | null | undefined, current: StoredObservation | undefined): boolean {
  if (expected === undefined) return true;
  if (expected === null) return !current;
  return !!current && current.version === expected;
}

/**
 * Writes a batch in the caller's transaction: all of it, or (on any conflict) throws WriteConflict so the caller's
 * transaction rolls back and nothing is written. Returns what happened to each item. Set-based: a statement per
 * batch of figures (locking, updating, inserting and auditing), not per figure.
 */
export async function writeObservations<Ref>(trx: Transaction<DB>, context: WriteContext, items: WriteItem<Ref>[]): Promise<WriteResult<Ref>[]> {
  const seen = new Set<string>();
  for (const item of items) {
    const key = keyOf(item.seriesId, item.period.key);
    if (seen.has(key)) throw new Error(`the same figure twice in one batch: ${item.role} ${item.period.label}`);
    seen.add(key);
  }
  // The lock order (server/db/transaction.ts): the partnership's data lock before any figure's. Callers take it
  // first thing (inPartnershipTransaction); taking it again here is free and keeps the order for any other caller.
  await lockPartnershipData(trx, context.partnershipId);
  const keysOf = (list: WriteItem<Ref>[]) => list.map((i) => ({ series_id: i.seriesId, period_key: i.period.key }));
  const locked = await lockObservations(trx, context.partnershipId, keysOf(items));
  const current = new Map(locked.map((o) => [keyOf(o.series_id, o.period_key), o]));

  const conflicts: WriteConflictItem<Ref>[] = [];
  const results: WriteResult<Ref>[] = [];
  const toInsert: WriteItem<Ref>[] = [];
  const toUpdate: { item: WriteItem<Ref>; before: StoredObservation }[] = [];
  for (const item of items) {
    const before = current.get(keyOf(item.seriesId, item.period.key));
    // Two people typing the same figure do not conflict: nothing would be lost either way.
    if (before && sameFigure(figureOf(before), item.figure)) {
      results.push({ item, action: 'unchanged', before, version: before.version });
      continue;
    }
    if (!expectationMet(item.expectedVersion, before)) {
      conflicts.push({ item, current: before ?? null });
      continue;
    }
    if (before) toUpdate.push({ item, before });
    else toInsert.push(item);
  }
  if (conflicts.length) throw new WriteConflict(conflicts);

  const auditContext = { partnership_id: context.partnershipId, via: context.via, user_id: context.userId, import_id: context.importId ?? null };
  const auditOf = (item: WriteItem<Ref>) => ({ indicator_id: item.indicatorId, series_role: item.role, expected_version: item.expectedVersion ?? null });

  // Each statement writes a batch of figures and their audit entries together.
  const update = async (list: { item: WriteItem<Ref>; before: StoredObservation }[]) => {
    if (!list.length) return;
    const updated = await updateObservations(
      trx,
      auditContext,
      list.map(({ item, before }) => ({ id: before.id, version: before.version, figure: item.figure, old: figureOf(before), ...auditOf(item) })),
    );
    const versionOf = new Map(updated.map((r) => [r.id, r.version]));
    // The rows are locked, so none can be missed; if one ever were, refusing is the safe answer.
    const missed = list.filter(({ before }) => !versionOf.has(before.id));
    if (missed.length) throw new WriteConflict(missed.map(({ item, before }) => ({ item, current: before })));
    for (const { item, before } of list) results.push({ item, action: 'updated', before, version: versionOf.get(before.id)! });
  };
  await update(toUpdate);

  if (toInsert.length) {
    const inserted = await insertObservations(
      trx,
      auditContext,
      toInsert.map((item) => ({
        series_id: item.seriesId,
        period_key: item.period.key,
        period_position: item.period.position,
        period_label: item.period.label,
        figure: item.figure,
        ...auditOf(item),
      })),
    );
    const byKey = new Map(inserted.map((r) => [keyOf(r.series_id, r.period_key), r]));
    const lost = toInsert.filter((item) => !byKey.has(keyOf(item.seriesId, item.period.key)));
    for (const item of toInsert) {
      const row = byKey.get(keyOf(item.seriesId, item.period.key));
      if (row) results.push({ item, action: 'created', before: null, version: row.version });
    }
    if (lost.length) {
      // Someone else created these figures after we looked (a writer that did not take the partnership's lock):
      // lock what they saved. The same figure is no change; a writer that named no version writes over it (last
      // write wins, both audited); one that expected no figure is refused, with theirs to show.
      const now = new Map((await lockObservations(trx, context.partnershipId, keysOf(lost))).map((o) => [keyOf(o.series_id, o.period_key), o]));
      const overwrite: { item: WriteItem<Ref>; before: StoredObservation }[] = [];
      for (const item of lost) {
        const theirs = now.get(keyOf(item.seriesId, item.period.key));
        if (theirs && sameFigure(figureOf(theirs), item.figure)) results.push({ item, action: 'unchanged', before: theirs, version: theirs.version });
        else if (theirs && item.expectedVersion === undefined) overwrite.push({ item, before: theirs });
        else conflicts.push({ item, current: theirs ?? null });
      }
      if (conflicts.length) throw new WriteConflict(conflicts);
      await update(overwrite);
    }
  }
  return results;
}

/** Records refused attempts in the audit trail, after the refused batch has been rolled back. */
export async function recordConflicts(db: Kysely<DB>, context: WriteContext, conflicts: WriteConflictItem[]): Promise<void> {
  await insertAudit(
    db,
    conflicts.map(({ item, current }) => ({
      partnership_id: context.partnershipId,
      indicator_id: item.indicatorId,
      series_id: item.seriesId,
      series_role: item.role,
      period_key: item.period.key,
      period_position: item.period.position,
      period_label: item.period.label,
      observation_id: current?.id ?? null,
      via: context.via,
      result: 'conflict',
      old: current ? figureOf(current) : null,
      new: item.figure,
      expected_version: item.expectedVersion ?? null,
      version_before: current?.version ?? null,
      version_after: null,
      user_id: context.userId,
      import_id: null,
    })),
  );
}

export type SaveOutcome<Ref> = { ok: true; results: WriteResult<Ref>[] } | { ok: false; conflicts: WriteConflictItem<Ref>[] };

/**
 * A batch in its own transaction. On a conflict nothing is written, the refused attempts are audited, and the
 * conflicts come back for the caller to show.
 */
export async function saveObservations<Ref>(db: Kysely<DB>, context: WriteContext, items: WriteItem<Ref>[]): Promise<SaveOutcome<Ref>> {
  try {
    const results = await inPartnershipTransaction(db, context.partnershipId, (trx) => writeObservations(trx, context, items));
    return { ok: true, results };
  } catch (error) {
    if (!(error instanceof WriteConflict)) throw error;
    await recordConflicts(db, context, error.conflicts);
    return { ok: false, conflicts: error.conflicts as WriteConflictItem<Ref>[] };
  }
}

export { figureOf };

// ---- deleting a figure ----
// A figure typed in error (the wrong indicator, a period that does not exist) can be deleted: by the same rules as a
// write (its partnership's data lock, the figure locked, the version the officer saw checked) and audited with the
// reason, so that the history shows what was deleted and a manager can restore it like any other change.

export interface DeleteItem {
  indicatorId: string;
  seriesId: string;
  role: SeriesRole;
  period: Pick<Period, 'key' | 'position' | 'label'>;
  /** The version the officer saw: the figure is deleted only if it is still that one. */
  expectedVersion: number;
  reason: string;
}

/** Deleted, or refused because the figure changed (or went) since it was read: `current` is what is saved now. */
export type DeleteOutcome = { ok: true; deleted: StoredObservation } | { ok: false; current: StoredObservation | null };

export async function deleteObservation(db: Kysely<DB>, context: WriteContext, item: DeleteItem): Promise<DeleteOutcome> {
  return inPartnershipTransaction(db, context.partnershipId, async (trx) => {
    const [current] = await lockObservations(trx, context.partnershipId, [{ series_id: item.seriesId, period_key: item.period.key }]);
    if (!current || current.version !== item.expectedVersion) return { ok: false, current: current ?? null };
    if (!(await deleteLockedObservation(trx, current.id, current.version))) return { ok: false, current };
    await insertDeletionAudit(trx, {
      partnership_id: context.partnershipId,
      indicator_id: item.indicatorId,
      series_id: item.seriesId,
      series_role: item.role,
      period_key: current.period_key,
      period_position: current.period_position,
      period_label: current.period_label,
      observation_id: current.id,
      via: context.via,
      old: figureOf(current),
      reason: item.reason,
      version_before: current.version,
      user_id: context.userId,
    });
    return { ok: true, deleted: current };
  });
}
