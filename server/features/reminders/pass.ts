// One reminder pass: find what is due in every partnership, queue a notice for each person who should hear of it
// (never the same notice twice: the table's unique key), then send the emails that are due, each exactly once.
// Run by the scheduler inside the app (scheduler.ts) or by `npm run cli -- notices run`.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ReminderDelivery, ReminderEmailState } from '../../db/schema-reminders.ts';
import { STATUS } from '../analysis/labels.ts';
import { analyse, analysePartnership } from '../analysis/service.ts';
import { duePeriod } from '../observations/returns.ts';
import * as format from '../../format.ts';
import type { Mailer } from './mail.ts';
import {
  countMissingFigures,
  findReturnDueDays,
  insertReminders,
  listCurrentBaselines,
  listDataDaysAhead,
  listFailedImports,
  listAllPreferences,
  listMembersWithRole,
  listOpenOwnedActions,
  listPartnerships,
  listStoriesAndLatestFigures,
  type NewReminder,
  type PartnershipForReminders,
} from './queries.ts';
import {
  addDays,
  BASELINE_REFRESH_YEARS,
  baselineRefreshDue,
  DATA_DAY_AHEAD_DAYS,
  DAY_MS,
  defaultDelivery,
  DUE_SOON_DAYS,
  IMPORT_FAILED_WITHIN_DAYS,
  isoDate,
  RETURN_DUE_DAYS,
  returnDueOn,
  STALE_DAYS,
} from './rules.ts';
import { deliverEmails, type DeliveryReport } from './send.ts';

export interface PassOptions {
  /** Sends email; null or absent: notices stay in the app. */
  mailer?: Mailer | null;
}

export interface PassReport extends DeliveryReport {
  queued: number;
}

type Found = Omit<NewReminder, 'email_state' | 'user_id' | 'created_at'> & { userIds: string[] };

export async function runReminderPass(db: Kysely<DB>, now: Date, options: PassOptions = {}): Promise<PassReport> {
  const mailer = options.mailer ?? null;
  const preferences = await listAllPreferences(db);
  const rows: NewReminder[] = [];
  const partnerships = await listPartnerships(db);
  for (const partnership of partnerships) {
    const found = [
      ...(await actionReminders(db, partnership, now)),
      ...(await returnReminders(db, partnership, now)),
      ...(await importReminders(db, partnership, now)),
      ...(await managerReminders(db, partnership)),
      ...(await planReminders(db, partnership, now)),
    ];
    for (const { userIds, ...notice } of found) {
      for (const user_id of userIds) {
        const delivery = preferences.get(`${user_id}:${notice.kind}`) ?? defaultDelivery(notice.kind);
        rows.push({ ...notice, user_id, email_state: emailStateFor(mailer !== null, delivery), created_at: now });
      }
    }
  }
  const queued = await insertReminders(db, rows);
  // Queued: the partnerships' data as it is now has been looked at (an error above leaves them to the next pass).
  let seen = judgedDataVersions.get(db);
  if (!seen) judgedDataVersions.set(db, (seen = new Map()));
  for (const partnership of partnerships) seen.set(partnership.id, partnership.data_version);
  const delivered = mailer ? await deliverEmails(db, mailer, now) : { sent: 0, failed: 0, digests: 0 };
  return { queued, ...delivered };
}

function emailStateFor(mailConfigured: boolean, delivery: ReminderDelivery): ReminderEmailState {
  if (!mailConfigured) return 'none';
  return delivery === 'email' ? 'pending' : delivery === 'digest' ? 'digest' : 'none';
}

/** Owners: an action due within a week, one overdue, one whose status nobody has changed for 90 days. */
async function actionReminders(db: Kysely<DB>, partnership: PartnershipForReminders, now: Date): Promise<Found[]> {
  const today = isoDate(now);
  const found: Found[] = [];
  for (const action of await listOpenOwnedActions(db, partnership.id)) {
    const base = { partnership_id: partnership.id, subject_id: action.id, link: `/p/${partnership.slug}/actions/${action.id}`, userIds: [action.owner_id] };
    if (action.due_date && action.due_date < today) {
      found.push({ ...base, kind: 'action_overdue', occasion: action.due_date, due_on: action.due_date, title: `Overdue: ${action.title}`, body: `This action was due on ${format.date(action.due_date)}. Update its status or agree a new date.` });
    } else if (action.due_date && action.due_date <= addDays(today, DUE_SOON_DAYS)) {
      found.push({ ...base, kind: 'action_due_soon', occasion: action.due_date, due_on: action.due_date, title: `Due soon: ${action.title}`, body: `This action is due on ${format.date(action.due_date)}.` });
    }
    if (action.status_since <= addDays(today, -STALE_DAYS)) {
      found.push({ ...base, kind: 'action_stale', occasion: action.status_since, due_on: null, title: `What happened? ${action.title}`, body: `Nobody has changed this action’s status since ${format.date(action.status_since)}. Add a progress update.` });
    }
  }
  return found;
}

/** Officers: the return of the period now due (the same period the returns page offers), due or overdue. */
async function returnReminders(db: Kysely<DB>, partnership: PartnershipForReminders, now: Date): Promise<Found[]> {
  const period = await duePeriod(db, partnership.id, now);
  if (!period) return [];
  const missing = await countMissingFigures(db, partnership.id, period);
  if (!missing) return [];
  const dueOn = returnDueOn(period, (await findReturnDueDays(db, partnership.id)) ?? RETURN_DUE_DAYS);
  const overdue = isoDate(now) > dueOn;
  const officers = await listMembersWithRole(db, partnership.id, 'officer');
  if (!officers.length) return [];
  const count = missing === 1 ? '1 indicator has' : `${missing} indicators have`;
  return [
    {
      partnership_id: partnership.id,
      kind: overdue ? 'return_overdue' : 'return_due',
      subject_id: partnership.id,
      occasion: `${period.type}:${period.key}`,
      due_on: dueOn,
      link: `/p/${partnership.slug}/returns?period=${encodeURIComponent(`${period.type}:${period.key}`)}`,
      title: `${overdue ? 'Return overdue' : 'Return due'}: ${period.label}, ${partnership.name}`,
      body: `The ${period.label} return ${overdue ? 'was' : 'is'} due on ${format.date(dueOn)}; ${count} no figure for it yet.`,
      userIds: officers,
    },
  ];
}

/** Officers: an import whose checks found problems, waiting unapplied (the imports page lists what failed). */
async function importReminders(db: Kysely<DB>, partnership: PartnershipForReminders, now: Date): Promise<Found[]> {
  const failed = await listFailedImports(db, partnership.id, new Date(now.getTime() - IMPORT_FAILED_WITHIN_DAYS * DAY_MS));
  if (!failed.length) return [];
  const officers = await listMembersWithRole(db, partnership.id, 'officer');
  if (!officers.length) return [];
  return failed.map((d) => ({
    partnership_id: partnership.id,
    kind: 'import_failed' as const,
    subject_id: d.id,
    occasion: 'checks',
    due_on: null,
    link: `/p/${partnership.slug}/imports/${d.id}`,
    title: `Import failed its checks: ${d.file_name || 'an upload'}`,
    body: `The checks found ${d.problems === 1 ? '1 problem' : `${d.problems} problems`} in this file, uploaded on ${format.date(d.created_at)}; nothing from it is saved until they are fixed.`,
    userIds: officers,
  }));
}

/** Managers: a baseline older than the refresh rule, and a data day within 14 days with what is not ready for it. */
async function planReminders(db: Kysely<DB>, partnership: PartnershipForReminders, now: Date): Promise<Found[]> {
  const managers = await listMembersWithRole(db, partnership.id, 'manager');
  if (!managers.length) return [];
  const today = isoDate(now);
  const found: Found[] = [];
  for (const b of await listCurrentBaselines(db, partnership.id)) {
    const due = baselineRefreshDue(b.agreed_on);
    if (due > today) continue;
    found.push({
      partnership_id: partnership.id,
      kind: 'baseline_stale',
      subject_id: b.indicator_id,
      occasion: `v${b.version}`,
      due_on: due,
      link: `/p/${partnership.slug}/indicators/${encodeURIComponent(b.code)}`,
      title: `Baseline to refresh: ${b.title}`,
      body: `Its baseline (from ${b.baseline_label}) was agreed on ${format.date(b.agreed_on)}, more than ${BASELINE_REFRESH_YEARS} years ago. Agree a fresh one from the curve’s history.`,
      userIds: managers,
    });
  }
  const some = (titles: string[]) => (titles.length > 5 ? `${titles.slice(0, 5).join(', ')} and ${titles.length - 5} more` : titles.join(', '));
  for (const day of await listDataDaysAhead(db, partnership.id, today, addDays(today, DATA_DAY_AHEAD_DAYS))) {
    const notReady = [
      day.noStory.length ? `${day.noStory.length === 1 ? '1 indicator has' : `${day.noStory.length} indicators have`} no story yet (${some(day.noStory)})` : '',
      day.provisional.length ? `${day.provisional.length === 1 ? '1 latest figure is' : `${day.provisional.length} latest figures are`} still provisional (${some(day.provisional)})` : '',
    ].filter(Boolean);
    found.push({
      partnership_id: partnership.id,
      kind: 'data_day_soon',
      subject_id: day.id,
      occasion: day.held_on,
      due_on: day.held_on,
      link: `/p/${partnership.slug}/data-days/${day.id}`,
      title: `Data day on ${format.date(day.held_on)}: ${day.title}`,
      body: notReady.length ? `Not ready yet: ${notReady.join('; ')}.` : 'Every indicator on it has a story and a figure that is not provisional.',
      userIds: managers,
    });
  }
  return found;
}

/** Per database, the data version of each partnership when its managers' notices were last found. */
const judgedDataVersions = new WeakMap<object, Map<string, string>>();

/** Managers: a curve whose status changed with its latest figure, and a story older than its indicator's latest figure. */
async function managerReminders(db: Kysely<DB>, partnership: PartnershipForReminders): Promise<Found[]> {
  const managers = await listMembersWithRole(db, partnership.id, 'manager');
  if (!managers.length) return [];
  // Analysing every indicator is the pass's one heavy step: a partnership whose data has not changed since this
  // process last looked has no new curve or story to tell its managers about (what was found then is queued already).
  if (judgedDataVersions.get(db)?.get(partnership.id) === partnership.data_version) return [];
  const found: Found[] = [];
  for (const { indicator, observations, baseline, analysis } of await analysePartnership(db, partnership.id, partnership.rag_rule)) {
    const measured = observations.filter((o) => (o.role === 'local' || o.role === 'focus' || o.role === 'comparison') && o.value !== null);
    if (!measured.length) continue;
    const latest = Math.max(...measured.map((o) => o.period_position));
    const before = analyse(indicator, observations.filter((o) => !(o.period_position === latest && (o.role === 'local' || o.role === 'focus' || o.role === 'comparison'))), baseline, partnership.rag_rule);
    const label = measured.find((o) => o.period_position === latest)!.period_label;
    const base = { partnership_id: partnership.id, subject_id: indicator.id, link: `/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}`, due_on: null, userIds: managers };
    const now = analysis.status.code;
    const was = before.status.code;
    if (now !== was && now !== 'no_baseline' && was !== 'no_baseline' && !(now === 'no_data' && was === 'no_data')) {
      found.push({
        ...base,
        kind: 'status_changed',
        occasion: `${latest}:${now}`,
        title: `${indicator.title}: ${was === 'turned' ? 'no longer turned' : STATUS[now].label.toLowerCase()} with ${label}`,
        body: `Was “${STATUS[was].label}”, now “${STATUS[now].label}”. ${analysis.status.sentence}`,
      });
    }
    if (analysis.gap?.levellingDown && !before.gap?.levellingDown) {
      found.push({ ...base, kind: 'status_changed', occasion: `${latest}:levelling_down`, title: `${indicator.title}: the gap narrowed by levelling down with ${label}`, body: analysis.gap.description });
    }
  }
  for (const story of await listStoriesAndLatestFigures(db, partnership.id)) {
    if (new Date(story.story_at) >= new Date(story.figure_at)) continue;
    found.push({
      partnership_id: partnership.id,
      kind: 'story_stale',
      subject_id: story.story_id,
      occasion: story.period_key,
      due_on: null,
      link: `/p/${partnership.slug}/indicators/${encodeURIComponent(story.code)}`,
      title: `Story to update: ${story.title}`,
      body: `The story behind this curve was last written before the ${story.period_label} figure came in.`,
      userIds: managers,
    });
  }
  return found;
}
