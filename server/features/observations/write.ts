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
import { sameFigure, type Figure } from './figure.ts';
import {
  insertAudit,
  insertObservations,
  lockObservations,
  updateObservation,
  type AuditInsert,
  type StoredObservation,
} from './queries.ts';

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
 * transaction rolls back and nothing is written. Returns what happened to each item.
 */
export async function writeObservations<Ref>(trx: Transaction<DB>, context: WriteContext, items: WriteItem<Ref>[]): Promise<WriteResult<Ref>[]> {
  const seen = new Set<string>();
  for (const item of items) {
    const key = keyOf(item.seriesId, item.period.key);
    if (seen.has(key)) throw new Error(`the same figure twice in one batch: ${item.role} ${item.period.label}`);
    seen.add(key);
  }
  const seriesIds = [...new Set(items.map((i) => i.seriesId))];
  const periodKeys = [...new Set(items.map((i) => i.period.key))];
  const locked = await lockObservations(trx, context.partnershipId, seriesIds, periodKeys);
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

  const audit: AuditInsert[] = [];
  const auditRow = (item: WriteItem<Ref>, before: StoredObservation | null, observationId: string, versionAfter: number): AuditInsert => ({
    partnership_id: context.partnershipId,
    indicator_id: item.indicatorId,
    series_id: item.seriesId,
    series_role: item.role,
    period_key: item.period.key,
    period_position: item.period.position,
    period_label: item.period.label,
    observation_id: observationId,
    via: context.via,
    result: 'saved',
    old: before ? figureOf(before) : null,
    new: item.figure,
    expected_version: item.expectedVersion ?? null,
    version_before: before?.version ?? null,
    version_after: versionAfter,
    user_id: context.userId,
    import_id: context.importId ?? null,
  });

  for (const { item, before } of toUpdate) {
    const updated = await updateObservation(trx, before.id, before.version, item.figure, context.userId);
    // The row is locked, so this cannot miss; if it ever did, refusing is the safe answer.
    if (!updated) throw new WriteConflict([{ item, current: before }]);
    results.push({ item, action: 'updated', before, version: updated.version });
    audit.push(auditRow(item, before, updated.id, updated.version));
  }

  if (toInsert.length) {
    const inserted = await insertObservations(
      trx,
      toInsert.map((item) => ({
        series_id: item.seriesId,
        period_key: item.period.key,
        period_position: item.period.position,
        period_label: item.period.label,
        figure: item.figure,
      })),
      context.userId,
    );
    const byKey = new Map(inserted.map((r) => [keyOf(r.series_id, r.period_key), r]));
    const lost = toInsert.filter((item) => !byKey.has(keyOf(item.seriesId, item.period.key)));
    if (lost.length) {
      // Someone else created these figures after we looked: read what they saved, to show it.
      const now = await lockObservations(trx, context.partnershipId, [...new Set(lost.map((i) => i.seriesId))], [...new Set(lost.map((i) => i.period.key))]);
      const nowByKey = new Map(now.map((o) => [keyOf(o.series_id, o.period_key), o]));
      const realConflicts = lost
        .map((item) => ({ item, current: nowByKey.get(keyOf(item.seriesId, item.period.key)) ?? null }))
        .filter((c) => !(c.current && sameFigure(figureOf(c.current), c.item.figure)));
      if (realConflicts.length) throw new WriteConflict(realConflicts);
    }
    for (const item of toInsert) {
      const row = byKey.get(keyOf(item.seriesId, item.period.key));
      if (!row) {
        results.push({ item, action: 'unchanged', before: null, version: 1 });
        continue;
      }
      results.push({ item, action: 'created', before: null, version: row.version });
      audit.push(auditRow(item, null, row.id, row.version));
    }
  }
  await insertAudit(trx, audit);
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
    const results = await db.transaction().execute((trx) => writeObservations(trx, context, items));
    return { ok: true, results };
  } catch (error) {
    if (!(error instanceof WriteConflict)) throw error;
    await recordConflicts(db, context, error.conflicts);
    return { ok: false, conflicts: error.conflicts as WriteConflictItem<Ref>[] };
  }
}

export { figureOf };
