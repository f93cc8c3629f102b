// Table types for stories, partners, what works, actions, data development agenda, programmes (issue 7).
// Their migrations (0005_a_story_partners_actions, 0005_b_performance_measures) are the truth.
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type WithDefault<T> = ColumnType<T, T | undefined, T>;
/** A `date` column. Always selected as text (`::text`, YYYY-MM-DD): drivers turn dates into midnight-UTC Dates otherwise. */
type DateColumn = ColumnType<string | null, string | null | undefined, string | null>;

export type PartnerSector = 'council' | 'health' | 'police' | 'schools' | 'voluntary' | 'other';
export type EvidenceLevel = 'demonstrable' | 'some_evidence' | 'promising' | 'idea';
export type CostLevel = 'no_cost' | 'low_cost' | 'funded';
export type ActionStatus = 'not_started' | 'on_track' | 'at_risk' | 'off_track' | 'done';
export type DataDevelopmentStatus = 'wanted' | 'in_progress' | 'available';
export type MeasureKind = 'how_much' | 'how_well' | 'better_off';

export interface PartnerTable {
  id: Generated<string>;
  partnership_id: string;
  name: string;
  sector: PartnerSector;
  description: WithDefault<string>;
  contact: WithDefault<string>;
  active: WithDefault<boolean>;
  created_at: CreatedAt;
}

export interface PartnerRoleTable {
  id: Generated<string>;
  partnership_id: string;
  partner_id: string;
  priority_id: string | null;
  indicator_id: string | null;
  role: string;
  created_at: CreatedAt;
}

export interface StoryTable {
  id: Generated<string>;
  partnership_id: string;
  indicator_id: string | null;
  priority_id: string | null;
  created_at: CreatedAt;
}

export interface StoryVersionTable {
  id: Generated<string>;
  partnership_id: string;
  story_id: string;
  version: number;
  period_text: string;
  summary: WithDefault<string>;
  contributing: WithDefault<string>;
  restricting: WithDefault<string>;
  /** Most important first. Written as `cast(cast(<json> as text) as jsonb)`: the drivers disagree on how to send a JS array. */
  root_causes: ColumnType<string[], unknown, unknown>;
  change_note: WithDefault<string>;
  restored_from: number | null;
  author_id: string | null;
  created_at: CreatedAt;
}

export interface WhatWorksTable {
  id: Generated<string>;
  partnership_id: string;
  indicator_id: string | null;
  priority_id: string | null;
  title: string;
  description: WithDefault<string>;
  evidence_level: EvidenceLevel;
  cost: CostLevel;
  source: WithDefault<string>;
  source_url: string | null;
  /** The what-works library's case study number (issue 8); no foreign key by design. */
  case_study_number: number | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface ActionTable {
  id: Generated<string>;
  partnership_id: string;
  title: string;
  description: WithDefault<string>;
  lead_partner_id: string | null;
  owner_id: string | null;
  start_date: DateColumn;
  due_date: DateColumn;
  status: WithDefault<ActionStatus>;
  version: WithDefault<number>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface ActionIndicatorTable {
  partnership_id: string;
  action_id: string;
  indicator_id: string;
}

export interface ActionPriorityTable {
  partnership_id: string;
  action_id: string;
  priority_id: string;
}

export interface ActionUpdateTable {
  id: Generated<string>;
  partnership_id: string;
  action_id: string;
  author_id: string | null;
  body: WithDefault<string>;
  status_from: ActionStatus;
  status_to: ActionStatus | null;
  created_at: CreatedAt;
}

export interface DataDevelopmentItemTable {
  id: Generated<string>;
  partnership_id: string;
  priority_id: string | null;
  indicator_id: string | null;
  title: string;
  description: WithDefault<string>;
  how_to_get: WithDefault<string>;
  owner_id: string | null;
  partner_id: string | null;
  status: WithDefault<DataDevelopmentStatus>;
  rank: number;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface ProgrammeTable {
  id: Generated<string>;
  partnership_id: string;
  name: string;
  description: WithDefault<string>;
  customers: WithDefault<string>;
  lead_partner_id: string | null;
  created_at: CreatedAt;
}

export interface ProgrammePriorityTable {
  partnership_id: string;
  programme_id: string;
  priority_id: string;
}

// A performance measure is an indicator that belongs to a programme (migration 0005_b). Its priority_id is then null:
// `IndicatorTable.priority_id` in schema.ts should read `string | null` (an augmentation cannot change a property's type).
declare module './schema.ts' {
  interface IndicatorTable {
    programme_id: ColumnType<string | null, string | null | undefined, string | null>;
    measure_kind: ColumnType<MeasureKind | null, MeasureKind | null | undefined, MeasureKind | null>;
  }
}

export interface StoriesTables {
  partner: PartnerTable;
  partner_role: PartnerRoleTable;
  story: StoryTable;
  story_version: StoryVersionTable;
  what_works: WhatWorksTable;
  action: ActionTable;
  action_indicator: ActionIndicatorTable;
  action_priority: ActionPriorityTable;
  action_update: ActionUpdateTable;
  data_development_item: DataDevelopmentItemTable;
  programme: ProgrammeTable;
  programme_priority: ProgrammePriorityTable;
}
