// The record of every change to a partnership's plan — an outcome, priority or indicator created, edited, moved,
// reordered, retired, restored or deleted — with who made it, when, how (a form, the API, a template) and the item's
// fields before and after. Written in the same transaction as the change; read by the partnership's history page.
// Here, below the features, because the plan (outcomes, priorities) and the indicator module both write it.
import type { Kysely, Transaction } from 'kysely';
import type { DB, PlanChangeAction, PlanChangeVia, PlanItemKind } from './schema.ts';

/** Who made a change and how: recorded in plan_change. Without one a change is recorded as nobody's. */
export interface PlanActor {
  userId: string | null;
  via?: PlanChangeVia;
}

export interface PlanChange {
  partnershipId: string;
  kind: PlanItemKind;
  itemId: string;
  /** The item's title (an indicator's code and title) at the time, so the entry reads well after a rename or delete. */
  label: string;
  action: PlanChangeAction;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  userId: string | null;
  via?: PlanChangeVia;
}

export async function recordPlanChange(db: Kysely<DB> | Transaction<DB>, change: PlanChange): Promise<void> {
  await db
    .insertInto('plan_change')
    .values({
      partnership_id: change.partnershipId,
      item_kind: change.kind,
      item_id: change.itemId,
      item_label: change.label,
      action: change.action,
      before: change.before ?? null,
      after: change.after ?? null,
      user_id: change.userId,
      via: change.via ?? 'form',
    })
    .execute();
}

/** The fields of `after` that differ from `before`, both sides: what an "edited" entry records. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return Object.keys(a).length ? { before: b, after: a } : null;
}
