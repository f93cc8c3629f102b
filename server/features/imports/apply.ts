// What every import has in common: a plan (new, changed and unchanged figures, every bad row, indicators to
// create), shown as a preview and stored; and confirming it, in one transaction, against the versions the preview
// saw — a figure someone changed in between stops the whole import rather than being overwritten.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import { describeFigure } from '../observations/figure.ts';
import type { PlannedItem } from '../observations/plan.ts';
import type { IndicatorForData } from '../observations/queries.ts';
import { recordConflicts, WriteConflict, writeObservations, type WriteConflictItem } from '../observations/write.ts';
import { writeItemsFor } from '../observations/plan.ts';
import { createIndicator, findIndicatorId, partnershipAreaName, type NewIndicator } from '../indicators/queries.ts';
import { createOutcome, createPriority } from '../plan/queries.ts';
import { lockImport, replaceAuthorityValues, updateImport, type AuthorityValueRow } from './queries.ts';

export interface ImportProblem {
  where: string;
  field: string;
  text: string;
}

export interface BuiltImport {
  planned: PlannedItem<string>[];
  problems: ImportProblem[];
  /** Rows with no figure at all (a template row left empty), skipped. */
  skipped: number;
  /** Indicators the import creates; their figures' indicator id is `new:<code>` until then. */
  newIndicators: NewIndicator[];
  /** Labels for series the import creates, by `<code>\u0000<role>`. */
  seriesLabels: Record<string, string>;
  /** Every authority's values, by indicator (its id, or `new:<code>` for one the import creates). */
  authorityValues: { indicatorId: string; rows: AuthorityValueRow[] }[];
  notes: string[];
  /** A priority (and perhaps an outcome) to create for the new indicators, whose priorityId is then NEW_PRIORITY. */
  newPriority?: NewPriority | null;
}

export interface NewPriority {
  title: string;
  outcomeId: string | null;
  newOutcomeTitle: string | null;
}

export const NEW_PRIORITY = 'new-priority';

export const placeholderId = (code: string) => `new:${code}`;

export interface PlanRowView {
  where: string;
  code: string;
  role: string;
  period: string;
  action: 'create' | 'update';
  before: string;
  after: string;
}

export interface StoredPlan {
  [key: string]: unknown;
  rows: PlanRowView[];
  problems: ImportProblem[];
  counts: { create: number; update: number; unchanged: number; skipped: number; problems: number; problemRows: number; authorityValues: number };
  versions: Record<string, number | null>;
  creates: string[];
  notes: string[];
}

const MAX_ROWS_SHOWN = 1000;
const MAX_PROBLEMS_KEPT = 1000;

export const versionKey = (code: string, role: string, periodKey: string) => `${code}|${role}|${periodKey}`;

export function storePlan(built: BuiltImport): StoredPlan {
  const changed = built.planned.filter((p) => p.action !== 'unchanged');
  const versions: Record<string, number | null> = {};
  // Only the figures that exist: a missing key means "there was no figure" (applyImport), which keeps the stored
  // plan of a big import of new figures small.
  for (const p of built.planned) if (p.before) versions[versionKey(p.indicator.code, p.role, p.period.key)] = p.before.version;
  const creates = built.newIndicators.map((i) => `A new indicator ${i.code}: ${i.title}`);
  if (built.newPriority && built.newIndicators.some((i) => i.priorityId === NEW_PRIORITY)) {
    creates.unshift(`A new priority “${built.newPriority.title}”${built.newPriority.newOutcomeTitle ? ` under a new outcome “${built.newPriority.newOutcomeTitle}”` : ''}`);
  }
  return {
    rows: changed.slice(0, MAX_ROWS_SHOWN).map((p) => ({
      where: p.ref,
      code: p.indicator.code,
      role: p.role,
      period: p.period.label,
      action: p.action as 'create' | 'update',
      before: p.before ? describeFigure(p.before, p.indicator) : '',
      after: describeFigure(p.figure, p.indicator),
    })),
    problems: built.problems.slice(0, MAX_PROBLEMS_KEPT),
    counts: {
      create: changed.filter((p) => p.action === 'create').length,
      update: changed.filter((p) => p.action === 'update').length,
      unchanged: built.planned.length - changed.length,
      skipped: built.skipped,
      problems: built.problems.length,
      problemRows: new Set(built.problems.map((p) => p.where)).size,
      authorityValues: built.authorityValues.reduce((n, a) => n + a.rows.length, 0),
    },
    versions,
    creates,
    notes: built.notes,
  };
}

/** A synthetic indicator record for one the import will create, so its figures can be planned like any other. */
export function plannedIndicator(spec: NewIndicator): IndicatorForData {
  return {
    id: placeholderId(spec.code),
    code: spec.code,
    title: spec.title,
    unit: spec.unit,
    rate_base: spec.unit === 'rate' ? (spec.rateBase ?? null) : null,
    decimals: spec.decimals ?? 1,
    polarity: spec.polarity,
    period_type: spec.periodType,
    kind: spec.kind,
    rank: spec.rank ?? 'headline',
    priority_id: spec.priorityId,
    programme_id: null,
    programme_name: null,
    focus_label: spec.focusLabel ?? null,
    comparison_label: spec.comparisonLabel ?? null,
    position: 0,
  };
}

export type ApplyOutcome =
  | { ok: true; created: number; updated: number; indicators: number }
  | { ok: false; reason: 'conflict'; conflicts: WriteConflictItem<string>[] }
  | { ok: false; reason: 'not_pending' };

/**
 * Applies a freshly rebuilt plan in one transaction: creates its indicators and series, writes its figures through
 * the one write path (expecting the versions the preview saw), replaces every authority's values, and marks the
 * import applied. All or nothing.
 */
export async function applyImport(
  db: Kysely<DB>,
  context: { partnershipId: string; userId: string; importId: string },
  built: BuiltImport,
  versions: Record<string, number | null>,
): Promise<ApplyOutcome> {
  const writeContext = { partnershipId: context.partnershipId, userId: context.userId, via: 'import' as const, importId: context.importId };
  const actor = { userId: context.userId, via: 'import' as const };
  const areaName = await partnershipAreaName(db, context.partnershipId);
  try {
    return await inPartnershipTransaction(db, context.partnershipId, async (trx) => {
      const locked = await lockImport(trx, context.partnershipId, context.importId);
      if (!locked || locked.status !== 'preview') return { ok: false, reason: 'not_pending' } as const;
      const realIds = new Map<string, string>();
      let indicatorsCreated = 0;
      let newPriorityId: string | null = null;
      if (built.newPriority && built.newIndicators.some((i) => i.priorityId === NEW_PRIORITY)) {
        const outcomeId = built.newPriority.outcomeId ?? (await createOutcome(trx, context.partnershipId, { title: built.newPriority.newOutcomeTitle ?? 'Benchmarks' }, actor)).id;
        newPriorityId = (await createPriority(trx, context.partnershipId, { outcomeId, title: built.newPriority.title }, actor)).id;
      }
      for (const raw of built.newIndicators) {
        const spec = raw.priorityId === NEW_PRIORITY ? { ...raw, priorityId: newPriorityId! } : raw;
        // Created by someone else since the preview: use it (its figures are then checked against ours as usual).
        const existing = await findIndicatorId(trx, context.partnershipId, spec.code);
        if (existing) {
          realIds.set(placeholderId(spec.code), existing);
          continue;
        }
        const created = await createIndicator(trx, context.partnershipId, spec, actor);
        realIds.set(placeholderId(spec.code), created.id);
        indicatorsCreated++;
      }
      const changed = built.planned
        .filter((p) => p.action !== 'unchanged')
        .map((p) => {
          const id = realIds.get(p.indicator.id) ?? p.indicator.id;
          if (id.startsWith('new:')) throw new Error(`indicator ${p.indicator.code} was neither found nor created`);
          const key = versionKey(p.indicator.code, p.role, p.period.key);
          return { ...p, indicator: { ...p.indicator, id }, expectedVersion: key in versions ? versions[key]! : null };
        });
      const items = await writeItemsFor(trx, areaName, changed, built.seriesLabels);
      const results = await writeObservations(trx, writeContext, items);
      for (const { indicatorId, rows } of built.authorityValues) {
        const id = realIds.get(indicatorId) ?? indicatorId;
        if (!id.startsWith('new:')) await replaceAuthorityValues(trx, id, rows);
      }
      await trx
        .updateTable('data_import')
        .set({ status: 'applied', applied_by: context.userId, applied_at: new Date(), source_text: null })
        .where('partnership_id', '=', context.partnershipId)
        .where('id', '=', context.importId)
        .execute();
      return {
        ok: true,
        created: results.filter((r) => r.action === 'created').length,
        updated: results.filter((r) => r.action === 'updated').length,
        indicators: indicatorsCreated,
      } as const;
    });
  } catch (error) {
    if (!(error instanceof WriteConflict)) throw error;
    await recordConflicts(db, writeContext, error.conflicts);
    return { ok: false, reason: 'conflict', conflicts: (error as WriteConflict<string>).conflicts };
  }
}

export { updateImport };
