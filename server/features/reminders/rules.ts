// The reminders' rules in one place, as pure functions: who is told what, when a return falls due, how long a failed
// email waits before it is tried again. No I/O.
import type { Period, PeriodType } from '../../analysis/periods.ts';
import type { Role } from '../../db/schema.ts';
import type { ReminderDelivery, ReminderKind } from '../../db/schema-reminders.ts';

export const DAY_MS = 24 * 3600 * 1000;
/** An action due within this many days is "due soon". */
export const DUE_SOON_DAYS = 7;
/** An open action whose status nobody has changed for this long is asked about. */
export const STALE_DAYS = 90;
/**
 * A return is due this many days after its period ends, unless the partnership's return schedule (its settings page)
 * says otherwise (quarterly returns are commonly due 30 days after quarter end).
 */
export const RETURN_DUE_DAYS = 30;
/** The return schedule's bounds: at least the day after the period ends, at most a year after. */
export const RETURN_DUE_DAYS_MIN = 1;
export const RETURN_DUE_DAYS_MAX = 365;
/**
 * A baseline agreed longer ago than this is due for a refresh: by then the history it was forecast from (docs/method.md,
 * "three to five years is the aim") has moved on by as much again. Partnerships have no setting of their own for it
 * yet; three years is the documented default.
 */
export const BASELINE_REFRESH_YEARS = 3;
/** Managers hear of a data day this many days ahead, with what is not ready for it. */
export const DATA_DAY_AHEAD_DAYS = 14;
/** An import whose checks found problems is told of while it is this recent (older ones are long abandoned). */
export const IMPORT_FAILED_WITHIN_DAYS = 14;
/** A person may ask for another verification link this long after the last one. */
export const VERIFY_RESEND_MS = 2 * 60 * 1000;
/** A claimed email not marked sent within this time is taken to be lost with its worker and is claimed again. */
export const CLAIM_LEASE_MS = 10 * 60 * 1000;

export interface KindInfo {
  /** What the preferences page and an email call this kind of notice. */
  label: string;
  /** Who is told: the role a member must have in the partnership (owners: the action's owner, any role). */
  audience: 'owner' | Role;
  /** The least role that may open the page the notice links to, checked again when it is listed, opened or emailed. */
  needs: Role;
}

export const KINDS: Record<ReminderKind, KindInfo> = {
  action_due_soon: { label: 'An action you own is due within 7 days', audience: 'owner', needs: 'viewer' },
  action_overdue: { label: 'An action you own is overdue', audience: 'owner', needs: 'viewer' },
  action_stale: { label: 'An action you own has had the same status for 90 days', audience: 'owner', needs: 'viewer' },
  return_due: { label: 'A return is due', audience: 'officer', needs: 'officer' },
  return_overdue: { label: 'A return is overdue', audience: 'officer', needs: 'officer' },
  status_changed: { label: 'A curve’s status changed with its latest figure', audience: 'manager', needs: 'viewer' },
  story_stale: { label: 'A story is older than its indicator’s latest figure', audience: 'manager', needs: 'viewer' },
  action_update_requested: { label: 'A manager asks what happened with an action you own', audience: 'owner', needs: 'viewer' },
  import_failed: { label: 'An import failed its checks', audience: 'officer', needs: 'officer' },
  baseline_stale: { label: `A baseline is older than ${BASELINE_REFRESH_YEARS} years`, audience: 'manager', needs: 'viewer' },
  data_day_soon: { label: `A data day is coming up within ${DATA_DAY_AHEAD_DAYS} days`, audience: 'manager', needs: 'viewer' },
};

/** The weekly digest's own preference key. */
export const DIGEST = 'digest';

/** What someone gets for a kind when they have not chosen: every notice by email as it happens. */
export const defaultDelivery = (_kind: ReminderKind): ReminderDelivery => 'email';

/** The weekly digest is opt-in, except for managers, who have it unless they turn it off. */
export const digestByDefault = (roles: readonly Role[]) => roles.includes('manager');

/** YYYY-MM-DD of a moment, in UTC (dates in the tracker are calendar dates, not times of day). */
export const isoDate = (date: Date) => date.toISOString().slice(0, 10);
export const addDays = (iso: string, days: number) => isoDate(new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS));

/** The first day of a period, as YYYY-MM-DD. */
export function periodStart(type: PeriodType, position: number): string {
  const ymd = (y: number, m: number) => isoDate(new Date(Date.UTC(y, m, 1)));
  switch (type) {
    case 'calendar_year': return ymd(position, 0);
    case 'month': return ymd(Math.floor(position / 12), position % 12);
    case 'academic_year': return ymd(position, 8);
    case 'financial_year': return ymd(position, 3);
    case 'fy_quarter': return ymd(Math.floor(position / 4), 3 + 3 * (position % 4));
  }
}

/** The day a period's return is due: `dueDays` (the partnership's schedule, else RETURN_DUE_DAYS) after its last day. */
export function returnDueOn(period: Pick<Period, 'type' | 'position'>, dueDays: number = RETURN_DUE_DAYS): string {
  return addDays(periodStart(period.type, period.position + 1), dueDays - 1);
}

/** The day a baseline agreed on `agreedOn` (YYYY-MM-DD) is due for a refresh. */
export function baselineRefreshDue(agreedOn: string, years: number = BASELINE_REFRESH_YEARS): string {
  const [y, m, d] = agreedOn.split('-').map(Number) as [number, number, number];
  return isoDate(new Date(Date.UTC(y + years, m - 1, d)));
}

/**
 * Domains reserved for examples and tests (RFC 2606, RFC 6761): nothing sent there reaches a person, so there is
 * nobody to protect and no mailbox to prove. The demo's accounts use them, so the demo emails a local test server.
 */
const RESERVED_DOMAIN = /(^|\.)(example|example\.com|example\.net|example\.org|test|invalid|localhost)$/i;

/**
 * Whether a person's address may be emailed: its owner followed a verification link sent to that very address, or
 * set their password from a one-time link (sent to them by email), or the address is on a reserved domain.
 */
export function addressVerified(address: { email: string; verifiedEmail: string | null; verifiedAt: Date | null; passwordLinkUsed: boolean }): boolean {
  if (RESERVED_DOMAIN.test(address.email.split('@').pop() ?? '')) return true;
  if (address.passwordLinkUsed) return true;
  return address.verifiedAt !== null && address.verifiedEmail !== null && address.verifiedEmail.toLowerCase() === address.email.toLowerCase();
}

/** How long a failed email waits before the next try: 1, 2, 4 … minutes, at most six hours; it is never given up. */
export function retryDelayMs(attempts: number): number {
  return Math.min(2 ** Math.max(0, attempts - 1), 360) * 60 * 1000;
}

/** Monday of the week a moment falls in (UTC), as YYYY-MM-DD: the weekly digest's key. */
export function weekStart(now: Date): string {
  const day = (now.getUTCDay() + 6) % 7; // Monday = 0
  return isoDate(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - day)));
}
