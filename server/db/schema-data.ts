// Table types for audit trail, imports and import mappings (issue 6). Their migrations are the truth
// (migrations/0004_data.ts).
import type { ColumnType, Generated } from 'kysely';
import type { Marker, ObservationStatus, SeriesRole } from './schema.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, T, T>;
type NullableJson<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** A whole figure as the audit trail keeps it. */
export interface FigureJson {
  value: number | null;
  marker: Marker | null;
  status: ObservationStatus;
  numerator: number | null;
  denominator: number | null;
  note: string;
}

export type ImportKind = 'csv' | 'ees' | 'lait';
export type ImportStatus = 'mapping' | 'preview' | 'applied' | 'cancelled';
export type WriteVia = 'form' | 'import' | 'api' | 'restore';

export interface DataImportTable {
  id: Generated<string>;
  partnership_id: string;
  kind: ImportKind;
  status: ImportStatus;
  file_name: ColumnType<string, string | undefined, string>;
  file_size: ColumnType<number, number | undefined, number>;
  file_sha256: string | null;
  source_text: string | null;
  mapping: NullableJson<Record<string, unknown>>;
  plan: NullableJson<Record<string, unknown>>;
  summary: ColumnType<Record<string, unknown>, Record<string, unknown> | undefined, Record<string, unknown>>;
  created_by: string | null;
  created_at: CreatedAt;
  applied_by: string | null;
  applied_at: Date | null;
}

export interface ObservationAuditTable {
  id: Generated<string>;
  seq: Generated<string>;
  partnership_id: string;
  indicator_id: string;
  series_id: string;
  series_role: SeriesRole;
  period_key: string;
  period_position: number;
  period_label: string;
  observation_id: string | null;
  via: WriteVia;
  /** 'deleted': the figure `old` was deleted (no `new`), for the `reason` given. */
  result: 'saved' | 'conflict' | 'deleted';
  old: NullableJson<FigureJson>;
  new: NullableJson<FigureJson>;
  reason: ColumnType<string | null, string | null | undefined, string | null>;
  expected_version: number | null;
  version_before: number | null;
  version_after: number | null;
  user_id: string | null;
  import_id: string | null;
  at: CreatedAt;
}

export interface ImportMappingTable {
  id: Generated<string>;
  partnership_id: string;
  name: string;
  kind: ColumnType<'ees', 'ees' | undefined, 'ees'>;
  mapping: Json<Record<string, unknown>>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface IndicatorAuthorityValueTable {
  indicator_id: string;
  period_position: number;
  period_label: string;
  /** The DfE (old) LA number as text, e.g. '331' (partnership.la_number). */
  area_code: string;
  area_name: string;
  value: number | null;
}

export interface DataTables {
  data_import: DataImportTable;
  observation_audit: ObservationAuditTable;
  import_mapping: ImportMappingTable;
  indicator_authority_value: IndicatorAuthorityValueTable;
}
