// Shapes notices and preferences for their pages.
import { REMINDER_KINDS, type ReminderDelivery, type ReminderKind } from '../../db/schema-reminders.ts';
import * as format from '../../format.ts';
import { KINDS } from './rules.ts';

export const DELIVERY_LABELS: Record<ReminderDelivery, { label: string; hint: string }> = {
  email: { label: 'Email me each one', hint: 'As soon as it is found, and in the weekly digest' },
  digest: { label: 'Weekly digest only', hint: 'Listed in the weekly digest, if you get it' },
  off: { label: 'No email', hint: 'Only on your notices page' },
};

export function noticeRows(
  rows: { id: string; kind: ReminderKind; title: string; body: string; created_at: Date; read_at: Date | null; due_on: string | null; partnership_name: string }[],
) {
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    body: r.body,
    kind: KINDS[r.kind].label,
    partnership: r.partnership_name,
    created: format.date(r.created_at),
    due: r.due_on ? format.date(r.due_on) : null,
    unread: r.read_at === null,
  }));
}

export function preferenceRows(values: Record<string, string>) {
  return REMINDER_KINDS.map((kind) => ({ kind, label: KINDS[kind].label, value: values[kind] ?? '' }));
}
