// Table types for reminders (issue 21). Their migrations (0018_reminders, 0021_reminder_verification) are the truth.
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type WithDefault<T> = ColumnType<T, T | undefined, T>;
type Moment = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type DateColumn = ColumnType<string | null, string | null | undefined, string | null>;

export const REMINDER_KINDS = ['action_due_soon', 'action_overdue', 'action_stale', 'return_due', 'return_overdue', 'status_changed', 'story_stale', 'action_update_requested', 'import_failed', 'baseline_stale', 'data_day_soon'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];
export type ReminderEmailState = 'none' | 'pending' | 'sending' | 'sent' | 'digest';
export type ReminderDelivery = 'email' | 'digest' | 'off';

export interface ReminderTable {
  id: Generated<string>;
  user_id: string;
  partnership_id: string;
  kind: ReminderKind;
  subject_id: string;
  occasion: string;
  title: string;
  body: WithDefault<string>;
  link: string;
  due_on: DateColumn;
  created_at: CreatedAt;
  read_at: Moment;
  dismissed_at: Moment;
  email_state: WithDefault<ReminderEmailState>;
  email_attempts: WithDefault<number>;
  email_next_at: Moment;
  email_claimed_at: Moment;
  email_claim: ColumnType<string | null, string | null | undefined, string | null>;
  email_sent_at: Moment;
  email_message_id: ColumnType<string | null, string | null | undefined, string | null>;
  email_error: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A person's choice for one kind of notice; `digest` (the weekly digest itself) takes `email` or `off`. */
export interface ReminderPreferenceTable {
  user_id: string;
  kind: string;
  delivery: ReminderDelivery;
}

export interface ReminderDigestTable {
  user_id: string;
  week_start: ColumnType<string, string, string>;
  email_state: WithDefault<'pending' | 'sending' | 'sent'>;
  email_attempts: WithDefault<number>;
  email_next_at: Moment;
  email_claimed_at: Moment;
  email_claim: ColumnType<string | null, string | null | undefined, string | null>;
  email_sent_at: Moment;
  email_message_id: ColumnType<string | null, string | null | undefined, string | null>;
  email_error: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

/** A person's address for notices: verified only while `email` is still their address. */
export interface ReminderAddressTable {
  user_id: string;
  email: string;
  verified_at: Moment;
  link_sent_at: Moment;
}

/** A partnership's return schedule: a period's return is due this many days after the period ends. */
export interface ReminderScheduleTable {
  partnership_id: string;
  return_due_days: WithDefault<number>;
  updated_at: CreatedAt;
}

export interface ReminderTables {
  reminder: ReminderTable;
  reminder_address: ReminderAddressTable;
  reminder_schedule: ReminderScheduleTable;
  reminder_preference: ReminderPreferenceTable;
  reminder_digest: ReminderDigestTable;
}
