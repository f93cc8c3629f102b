// Every query about agreed SPC settings (issue 16), versioned like baselines: each agreement, and each restore of an
// earlier version, is a new row. Scoped by partnership through the indicator.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { SpcSettings } from '../../analysis/indicator-analysis.ts';
import type { SpcRebase } from '../../db/schema-analysis.ts';
import type { DB } from '../../db/schema.ts';
import { lockPartnershipData } from '../../db/transaction.ts';

const spcSettingColumns = [
  'spc_setting.id',
  'spc_setting.indicator_id',
  'spc_setting.version',
  'spc_setting.from_position',
  'spc_setting.from_label',
  'spc_setting.fix_after',
  'spc_setting.screen',
  'spc_setting.rebases',
  'spc_setting.note',
  'spc_setting.restored_from',
  'spc_setting.agreed_by_name',
  'spc_setting.agreed_at',
] as const;

export type SpcSettingRecord = Awaited<ReturnType<typeof listSpcSettingVersions>>[number];

/** What the analysis needs from an agreed version. */
export function settingsOf(record: Pick<SpcSettingRecord, 'screen' | 'fix_after' | 'rebases' | 'from_position'>): SpcSettings {
  const settings: SpcSettings = { screen: record.screen };
  if (record.fix_after !== null) settings.fixAfter = record.fix_after;
  if (record.rebases.length) settings.rebaseAt = record.rebases.map((r) => r.position);
  if (record.from_position !== null) settings.from = record.from_position;
  return settings;
}

/** Every version, newest first. */
export async function listSpcSettingVersions(db: Kysely<DB>, indicatorId: string) {
  return db.selectFrom('spc_setting').select(spcSettingColumns).where('indicator_id', '=', indicatorId).orderBy('version', 'desc').execute();
}

/** The version the chart uses (the latest agreed), or one named; undefined when none. */
export async function findSpcSettings(db: Kysely<DB>, indicatorId: string, version?: number) {
  let query = db.selectFrom('spc_setting').select(spcSettingColumns).where('indicator_id', '=', indicatorId);
  query = version ? query.where('version', '=', version) : query.orderBy('version', 'desc').limit(1);
  return query.executeTakeFirst();
}

/** The latest agreed settings of every indicator of a partnership, in one query. */
export async function latestSpcSettings(db: Kysely<DB>, partnershipId: string, indicatorIds?: readonly string[]) {
  if (indicatorIds && !indicatorIds.length) return [];
  return db
    .selectFrom('spc_setting')
    .innerJoin('indicator', 'indicator.id', 'spc_setting.indicator_id')
    .distinctOn('spc_setting.indicator_id')
    .select(spcSettingColumns)
    .where('indicator.partnership_id', '=', partnershipId)
    .$if(indicatorIds !== undefined, (q) => q.where('spc_setting.indicator_id', 'in', indicatorIds!))
    .orderBy('spc_setting.indicator_id')
    .orderBy('spc_setting.version', 'desc')
    .execute();
}

export interface SpcSettingsInput {
  indicatorId: string;
  from: { position: number; label: string } | null;
  fixAfter: number | null;
  screen: boolean;
  rebases: SpcRebase[];
  note: string;
  restoredFrom?: number | null;
  agreedBy: string;
  agreedByName: string;
}

/**
 * Agrees a new version, unless someone agreed one since the person opened the form (`basedOn`, 0 for none): then
 * nothing is written and the version they would overwrite comes back. The indicator row is locked, so two people
 * agreeing at once are told one after the other, never both given the same number.
 */
export async function insertSpcSettings(
  trx: Transaction<DB>,
  input: SpcSettingsInput,
  basedOn: number,
): Promise<{ ok: true; record: SpcSettingRecord } | { ok: false; current: SpcSettingRecord }> {
  // The lock order of every writer (server/db/transaction.ts): the partnership's data lock, then the indicator.
  const { partnership_id } = await trx.selectFrom('indicator').select('partnership_id').where('id', '=', input.indicatorId).executeTakeFirstOrThrow();
  await lockPartnershipData(trx, partnership_id);
  await trx.selectFrom('indicator').select('id').where('id', '=', input.indicatorId).forUpdate().executeTakeFirstOrThrow();
  const current = await trx.selectFrom('spc_setting').select(spcSettingColumns).where('indicator_id', '=', input.indicatorId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  if ((current?.version ?? 0) !== basedOn) return { ok: false, current: current! };
  const record = await trx
    .insertInto('spc_setting')
    .values({
      indicator_id: input.indicatorId,
      version: (current?.version ?? 0) + 1,
      from_position: input.from?.position ?? null,
      from_label: input.from?.label ?? null,
      fix_after: input.fixAfter,
      screen: input.screen,
      // As text, then jsonb: the two drivers disagree on how to send a JS array (an empty one above all).
      rebases: sql<SpcRebase[]>`cast(cast(${JSON.stringify(input.rebases)} as text) as jsonb)`,
      note: input.note,
      restored_from: input.restoredFrom ?? null,
      agreed_by: input.agreedBy,
      agreed_by_name: input.agreedByName,
    })
    .returning(spcSettingColumns)
    .executeTakeFirstOrThrow();
  return { ok: true, record };
}
