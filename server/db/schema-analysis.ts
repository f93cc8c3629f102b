// Table types for baselines and analysis settings (issue 5). Their migrations are the truth.
import type { ColumnType, Generated } from 'kysely';
import type { LinearFit } from '../analysis/forecast.ts';

export interface ManualPoint {
  position: number;
  label: string;
  value: number;
}

export interface BaselineTable {
  id: Generated<string>;
  indicator_id: string;
  version: number;
  baseline_position: number;
  baseline_label: string;
  history_window: number;
  method: 'linear' | 'manual';
  fit: ColumnType<LinearFit | null, LinearFit | null, LinearFit | null>;
  manual_points: ColumnType<ManualPoint[] | null, ManualPoint[] | null, ManualPoint[] | null>;
  note: ColumnType<string, string | undefined, string>;
  agreed_by: string | null;
  agreed_by_name: string;
  agreed_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A rebase point of agreed SPC settings: new limits from this period on, and why. */
export interface SpcRebase {
  position: number;
  label: string;
  reason: string;
}

/** Agreed SPC settings (migration 0014): one row per version, never changed once written. */
export interface SpcSettingTable {
  id: Generated<string>;
  indicator_id: string;
  version: number;
  from_position: number | null;
  from_label: string | null;
  fix_after: number | null;
  screen: boolean;
  rebases: ColumnType<SpcRebase[], SpcRebase[], SpcRebase[]>;
  note: ColumnType<string, string | undefined, string>;
  restored_from: number | null;
  agreed_by: string | null;
  agreed_by_name: string;
  agreed_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface AnalysisTables {
  baseline: BaselineTable;
  spc_setting: SpcSettingTable;
}
