// Every query of the imports feature: uploads and their previews, saved mappings, every authority's values, and
// the figures an export writes out. Every query is scoped by the partnership's id.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ImportKind, ImportStatus } from '../../db/schema-data.ts';
import { observationFigureColumns } from '../../db/columns.ts';

export async function findPartnershipArea(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('partnership')
    .select(['id', 'slug', 'name', 'la_name', 'la_code', 'la_number', 'small_number_threshold'])
    .where('id', '=', partnershipId)
    .executeTakeFirstOrThrow();
}

export async function createImport(
  db: Kysely<DB>,
  input: {
    partnershipId: string;
    kind: ImportKind;
    status: ImportStatus;
    fileName?: string;
    fileSize?: number;
    fileSha256?: string | null;
    sourceText?: string | null;
    mapping?: Record<string, unknown> | null;
    plan?: Record<string, unknown> | null;
    summary?: Record<string, unknown>;
    userId: string | null;
  },
): Promise<string> {
  const row = await db
    .insertInto('data_import')
    .values({
      partnership_id: input.partnershipId,
      kind: input.kind,
      status: input.status,
      file_name: input.fileName ?? '',
      file_size: input.fileSize ?? 0,
      file_sha256: input.fileSha256 ?? null,
      source_text: input.sourceText ?? null,
      mapping: input.mapping ?? null,
      plan: input.plan ?? null,
      summary: input.summary ?? {},
      created_by: input.userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const importColumns = [
  'data_import.id',
  'data_import.kind',
  'data_import.status',
  'data_import.file_name',
  'data_import.file_size',
  'data_import.mapping',
  'data_import.plan',
  'data_import.summary',
  'data_import.created_at',
  'data_import.applied_at',
  'creator.name as created_by_name',
  'applier.name as applied_by_name',
] as const;

export async function findImport(db: Kysely<DB>, partnershipId: string, importId: string) {
  return db
    .selectFrom('data_import')
    .leftJoin('app_user as creator', 'creator.id', 'data_import.created_by')
    .leftJoin('app_user as applier', 'applier.id', 'data_import.applied_by')
    .select(importColumns)
    .where('data_import.partnership_id', '=', partnershipId)
    .where('data_import.id', '=', importId)
    .executeTakeFirst();
}

export type ImportRecord = NonNullable<Awaited<ReturnType<typeof findImport>>>;

/** The uploaded file, read only when an import is mapped or confirmed (it can be megabytes). */
export async function findImportSource(db: Kysely<DB>, partnershipId: string, importId: string): Promise<string | null> {
  const row = await db.selectFrom('data_import').select('source_text').where('partnership_id', '=', partnershipId).where('id', '=', importId).executeTakeFirst();
  return row?.source_text ?? null;
}

/** Locks an import while it is confirmed, so that two clicks on "Confirm" cannot both apply it. */
export async function lockImport(trx: Transaction<DB>, partnershipId: string, importId: string) {
  return trx
    .selectFrom('data_import')
    .select(['id', 'status'])
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', importId)
    .forUpdate()
    .executeTakeFirst();
}

export async function updateImport(
  db: Kysely<DB>,
  partnershipId: string,
  importId: string,
  patch: { status?: ImportStatus; mapping?: Record<string, unknown> | null; plan?: Record<string, unknown> | null; summary?: Record<string, unknown>; clearSource?: boolean; appliedBy?: string | null },
) {
  await db
    .updateTable('data_import')
    .set({
      ...(patch.status ? { status: patch.status } : {}),
      ...(patch.mapping !== undefined ? { mapping: patch.mapping } : {}),
      ...(patch.plan !== undefined ? { plan: patch.plan } : {}),
      ...(patch.summary ? { summary: patch.summary } : {}),
      ...(patch.clearSource ? { source_text: null } : {}),
      ...(patch.appliedBy !== undefined ? { applied_by: patch.appliedBy, applied_at: sql<Date>`now()` as any } : {}),
    })
    .where('partnership_id', '=', partnershipId)
    .where('id', '=', importId)
    .execute();
}

export async function listImports(db: Kysely<DB>, partnershipId: string, limit = 20) {
  return db
    .selectFrom('data_import')
    .leftJoin('app_user as creator', 'creator.id', 'data_import.created_by')
    .select(['data_import.id', 'data_import.kind', 'data_import.status', 'data_import.file_name', 'data_import.summary', 'data_import.created_at', 'creator.name as created_by_name'])
    .where('data_import.partnership_id', '=', partnershipId)
    .orderBy('data_import.created_at', 'desc')
    .limit(limit)
    .execute();
}

export async function saveMapping(db: Kysely<DB>, partnershipId: string, name: string, mapping: Record<string, unknown>, userId: string | null) {
  return db
    .insertInto('import_mapping')
    .values({ partnership_id: partnershipId, name, mapping, created_by: userId })
    .onConflict((oc) => oc.columns(['partnership_id', 'name']).doUpdateSet({ mapping, updated_at: sql<Date>`now()` as any }))
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function listMappings(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('import_mapping')
    .select(['id', 'name', 'mapping', 'updated_at'])
    .where('partnership_id', '=', partnershipId)
    .orderBy('name')
    .execute();
}

export async function findMapping(db: Kysely<DB>, partnershipId: string, mappingId: string) {
  return db.selectFrom('import_mapping').select(['id', 'name', 'mapping']).where('partnership_id', '=', partnershipId).where('id', '=', mappingId).executeTakeFirst();
}

export async function deleteMapping(db: Kysely<DB>, partnershipId: string, mappingId: string): Promise<boolean> {
  const rows = await db.deleteFrom('import_mapping').where('partnership_id', '=', partnershipId).where('id', '=', mappingId).returning('id').execute();
  return rows.length > 0;
}

export interface AuthorityValueRow {
  period_position: number;
  period_label: string;
  area_code: string;
  area_name: string;
  value: number | null;
}

/**
 * Replaces every authority's values of an indicator for the periods given (an import brings whole periods). The
 * indicator id comes from a lookup scoped by partnership.
 */
export async function replaceAuthorityValues(trx: Transaction<DB>, indicatorId: string, rows: AuthorityValueRow[]): Promise<void> {
  const positions = [...new Set(rows.map((r) => r.period_position))];
  if (!positions.length) return;
  await trx.deleteFrom('indicator_authority_value').where('indicator_id', '=', indicatorId).where('period_position', 'in', positions).execute();
  for (let i = 0; i < rows.length; i += 1000) {
    await trx
      .insertInto('indicator_authority_value')
      .values(rows.slice(i, i + 1000).map((r) => ({ ...r, indicator_id: indicatorId })))
      .execute();
  }
}

export async function listAuthorityValues(db: Kysely<DB>, partnershipId: string, indicatorId: string) {
  return db
    .selectFrom('indicator_authority_value')
    .innerJoin('indicator', 'indicator.id', 'indicator_authority_value.indicator_id')
    .select(['indicator_authority_value.period_position', 'indicator_authority_value.period_label', 'indicator_authority_value.area_code', 'indicator_authority_value.area_name', 'indicator_authority_value.value'])
    .where('indicator.partnership_id', '=', partnershipId)
    .where('indicator_authority_value.indicator_id', '=', indicatorId)
    .orderBy('indicator_authority_value.period_position')
    .orderBy('indicator_authority_value.area_code')
    .execute();
}

/** Every figure of the partnership (or of some indicators), in the order an export writes them. */
export async function listFiguresForExport(db: Kysely<DB>, partnershipId: string, codes?: string[]) {
  let query = db
    .selectFrom('observation')
    .innerJoin('series', 'series.id', 'observation.series_id')
    .innerJoin('indicator', 'indicator.id', 'series.indicator_id')
    .leftJoin('priority', 'priority.id', 'indicator.priority_id')
    .leftJoin('outcome', 'outcome.id', 'priority.outcome_id')
    .leftJoin('programme', 'programme.id', 'indicator.programme_id')
    .select([
      'indicator.id as indicator_id',
      'indicator.code',
      'indicator.unit',
      'series.role',
      'series.label',
      ...observationFigureColumns,
    ])
    .where('indicator.partnership_id', '=', partnershipId);
  if (codes) query = query.where('indicator.code', 'in', codes.length ? codes : ['']);
  return query
    .orderBy(sql`outcome.position nulls last`)
    .orderBy(sql`priority.position nulls last`)
    .orderBy(sql`programme.name nulls first`)
    .orderBy('indicator.position')
    .orderBy('indicator.code')
    .orderBy(sql`array_position(array['local','focus','comparison','england','region','neighbours','target'], series.role)`)
    .orderBy('observation.period_position')
    .execute();
}
