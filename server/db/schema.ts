import type { ColumnType, Generated, Selectable } from 'kysely';
import type { AnalysisTables } from './schema-analysis.ts';
import type { DataTables } from './schema-data.ts';
import type { DatadayTables } from './schema-dataday.ts';
import type { LibraryTables } from './schema-library.ts';
import type { StoriesTables } from './schema-stories.ts';
import type { ReminderTables } from './schema-reminders.ts';

// Table types. Migrations are the truth; these describe what they created.
type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, T, T>;

export type Role = 'viewer' | 'officer' | 'manager' | 'admin';
export type Unit = 'percentage' | 'rate' | 'count' | 'score' | 'ratio';
export type Polarity = 'higher' | 'lower' | 'neutral';
export type IndicatorKind = 'single' | 'gap';
export type IndicatorRank = 'headline' | 'secondary' | 'data_development';
export type SeriesRole = 'local' | 'focus' | 'comparison' | 'england' | 'region' | 'neighbours' | 'target';
export type Marker = 'c' | 'x' | 'z' | 'k' | 'low';
export type ObservationStatus = 'provisional' | 'revised' | 'final';
export interface RagRule { greenWithinPercent: number; amberIfImproved: boolean }

export interface PartnershipTable {
  id: Generated<string>;
  slug: string;
  name: string;
  la_name: string | null;
  la_code: string | null;
  la_number: number | null;
  rag_rule: ColumnType<RagRule, RagRule | undefined, RagRule>;
  small_number_threshold: number | null;
  /** Bumped by the database on every change to the partnership's data (int8: a string on both drivers). */
  data_version: ColumnType<string, never, never>;
  created_at: CreatedAt;
}
export interface OutcomeTable {
  id: Generated<string>;
  partnership_id: string;
  title: string;
  description: ColumnType<string, string | undefined, string>;
  position: ColumnType<number, number | undefined, number>;
  /** Bumped by every edit (optimistic locking: a save against an older version is refused). */
  version: ColumnType<number, number | undefined, number>;
  /** Set when retired: hidden from the scorecard, data book, returns and data day; everything it holds is kept. */
  retired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  retired_by: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: CreatedAt;
}
export interface PriorityTable {
  id: Generated<string>;
  partnership_id: string;
  outcome_id: string;
  title: string;
  description: ColumnType<string, string | undefined, string>;
  position: ColumnType<number, number | undefined, number>;
  /** Bumped by every edit (optimistic locking: a save against an older version is refused). */
  version: ColumnType<number, number | undefined, number>;
  /** Set when retired: hidden from the scorecard, data book, returns and data day; everything it holds is kept. */
  retired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  retired_by: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: CreatedAt;
}
export interface IndicatorTable {
  id: Generated<string>;
  partnership_id: string;
  /** Null for a programme's performance measure (it has a programme instead). */
  priority_id: string | null;
  code: string;
  title: string;
  definition: ColumnType<string, string | undefined, string>;
  unit: Unit;
  rate_base: number | null;
  decimals: ColumnType<number, number | undefined, number>;
  polarity: Polarity;
  period_type: string;
  kind: ColumnType<IndicatorKind, IndicatorKind | undefined, IndicatorKind>;
  rank: ColumnType<IndicatorRank, IndicatorRank | undefined, IndicatorRank>;
  focus_label: string | null;
  comparison_label: string | null;
  source_text: ColumnType<string, string | undefined, string>;
  source_url: string | null;
  licence: ColumnType<string, string | undefined, string>;
  illustrative: ColumnType<boolean, boolean | undefined, boolean>;
  position: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  /** Bumped by every edit (optimistic locking: a save against an older version is refused). */
  version: ColumnType<number, number | undefined, number>;
  /** Set when retired: hidden from the scorecard, data book, returns and data day; everything it holds is kept. */
  retired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  retired_by: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: CreatedAt;
}
export interface SeriesTable {
  id: Generated<string>;
  indicator_id: string;
  role: SeriesRole;
  label: string;
  note: ColumnType<string, string | undefined, string>;
}
export interface ObservationTable {
  id: Generated<string>;
  series_id: string;
  period_key: string;
  period_position: number;
  period_label: string;
  value: number | null;
  marker: Marker | null;
  status: ColumnType<ObservationStatus, ObservationStatus | undefined, ObservationStatus>;
  numerator: number | null;
  denominator: number | null;
  note: ColumnType<string, string | undefined, string>;
  version: ColumnType<number, number | undefined, number>;
  updated_by: string | null;
  updated_at: CreatedAt;
}
export interface AppSettingTable { key: string; value: string }

export interface AppUserTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string | null;
  is_site_admin: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  password_changed_at: Date | null;
}
export interface MembershipTable {
  user_id: string;
  partnership_id: string;
  role: Role;
  created_at: CreatedAt;
}
export interface UserSessionTable {
  id_hash: string;
  /** A handle for the session on the account page: not the token's hash. */
  id: Generated<string>;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Date;
  last_seen_at: CreatedAt;
  user_agent: ColumnType<string | null, string | null | undefined, string | null>;
  address: ColumnType<string | null, string | null | undefined, string | null>;
  /** What the last change did, shown once on the next page (server/plugins/notices.ts). */
  notice: ColumnType<string | null, string | null | undefined, string | null>;
}
export interface SetPasswordLinkTable {
  token_hash: string;
  user_id: string;
  created_by: string | null;
  created_at: CreatedAt;
  expires_at: Date;
  used_at: Date | null;
}
export interface ApiTokenTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: string;
  can_write: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
export interface SignInAttemptTable {
  id: Generated<string>;
  address: string;
  email: string;
  succeeded: boolean;
  at: CreatedAt;
}
/** One counter per thing throttled (see features/auth/throttle.ts). */
export interface SignInThrottleTable {
  key: string;
  attempts: number;
  last_at: CreatedAt;
}
export interface SecurityEventTable {
  id: Generated<string>;
  at: CreatedAt;
  kind: string;
  user_id: string | null;
  partnership_id: string | null;
  address: string | null;
  detail: Json<Record<string, unknown>>;
}

/** Every table. Each feature's tables are declared in its own schema-<feature>.ts. */
export type PlanItemKind = 'outcome' | 'priority' | 'indicator';
export type PlanChangeAction = 'created' | 'edited' | 'moved' | 'reordered' | 'retired' | 'restored' | 'deleted';
export type PlanChangeVia = 'form' | 'api' | 'template' | 'import' | 'seed';
/** One change to a partnership's plan (an outcome, priority or indicator): who, when, before → after. */
export interface PlanChangeTable {
  id: Generated<string>;
  seq: Generated<string>;
  partnership_id: string;
  item_kind: PlanItemKind;
  item_id: string;
  item_label: string;
  action: PlanChangeAction;
  before: Json<Record<string, unknown> | null>;
  after: Json<Record<string, unknown> | null>;
  user_id: string | null;
  via: ColumnType<PlanChangeVia, PlanChangeVia | undefined, PlanChangeVia>;
  at: CreatedAt;
}

export interface DB extends AnalysisTables, DataTables, StoriesTables, LibraryTables, DatadayTables, ReminderTables {
  partnership: PartnershipTable;
  outcome: OutcomeTable;
  priority: PriorityTable;
  indicator: IndicatorTable;
  series: SeriesTable;
  observation: ObservationTable;
  plan_change: PlanChangeTable;
  app_setting: AppSettingTable;
  app_user: AppUserTable;
  membership: MembershipTable;
  user_session: UserSessionTable;
  set_password_link: SetPasswordLinkTable;
  api_token: ApiTokenTable;
  sign_in_attempt: SignInAttemptTable;
  sign_in_throttle: SignInThrottleTable;
  security_event: SecurityEventTable;
}

export type PartnershipRow = Selectable<PartnershipTable>;
export type IndicatorRow = Selectable<IndicatorTable>;
export type ObservationRow = Selectable<ObservationTable>;
