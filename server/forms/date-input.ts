// The one way a date is entered: the GOV.UK date input (day, month, year as three fields), checked here with the
// GOV.UK messages, for every form that asks for a date (data day, actions, history filter, since the last data day,
// self-assessment). Views draw it with views/partials/date-input.eta.
import { z } from 'zod';

export const DATE_PARTS = ['day', 'month', 'year'] as const;
export type DatePart = (typeof DATE_PARTS)[number];

/**
 * What the person typed, kept to show back to them after an error. `unsplit` marks a single-field date (the old
 * form, older clients) that could not be split into day, month and year.
 */
export type DateParts = Record<DatePart, string> & { unsplit?: boolean };

export interface DateRules {
  /** The date's name at the start of a sentence, e.g. "The due date", "Date of the data day". */
  label: string;
  /** The message when nothing is entered; without it the date is optional (null when empty). */
  missing?: string;
  /** The date cannot be after today (England). */
  notFuture?: boolean;
  /** Today, YYYY-MM-DD; defaults to today in England. */
  today?: string;
}

export type DateCheck = { ok: true; date: string | null } | { ok: false; part: DatePart; text: string };

/** The ISO day (YYYY-MM-DD) if it exists in the calendar, otherwise null. */
function realDate(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

function todayInEngland(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

const listOf = (parts: string[]) => (parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`);

/**
 * Checks the three fields of a date input. Errors name the first field with the problem (the error summary links to
 * it), worded as the GOV.UK date input pattern words them.
 */
export function checkDateParts(parts: DateParts, rules: DateRules): DateCheck {
  const [d, m, y] = [parts.day.trim(), parts.month.trim(), parts.year.trim()];
  if (!d && !m && !y) return rules.missing ? { ok: false, part: 'day', text: rules.missing } : { ok: true, date: null };
  if (parts.unsplit) return { ok: false, part: 'day', text: `${rules.label} must be a real date` };
  const absent = DATE_PARTS.filter((p) => !{ day: d, month: m, year: y }[p]);
  if (absent.length) return { ok: false, part: absent[0]!, text: `${rules.label} must include a ${listOf(absent)}` };
  const notNumber = DATE_PARTS.find((p) => !/^\d+$/.test({ day: d, month: m, year: y }[p]));
  if (notNumber) return { ok: false, part: notNumber, text: `${rules.label} must be a real date` };
  if (!/^\d{4}$/.test(y)) return { ok: false, part: 'year', text: 'Year must include 4 numbers' };
  const [day, month, year] = [Number(d), Number(m), Number(y)];
  if (month < 1 || month > 12) return { ok: false, part: 'month', text: `${rules.label} must be a real date` };
  const iso = realDate(year, month, day);
  if (!iso) return { ok: false, part: 'day', text: `${rules.label} must be a real date` };
  if (rules.notFuture && iso > (rules.today ?? todayInEngland())) return { ok: false, part: 'day', text: `${rules.label} must be today or in the past` };
  if (year < 1900 || year > 2200) return { ok: false, part: 'year', text: `${rules.label} must be between 1900 and 2200` };
  return { ok: true, date: iso };
}

/**
 * A date posted as one field, as older clients and the previous single-box form sent it: YYYY-MM-DD or 31/3/2026.
 * Split into the three parts so it is checked (and shown back) exactly as the date input would be.
 */
export function splitDate(value: string): DateParts {
  const text = value.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  if (iso) return { day: String(Number(iso[3])), month: String(Number(iso[2])), year: iso[1]! };
  const uk = /^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$/.exec(text);
  if (uk) return { day: String(Number(uk[1])), month: String(Number(uk[2])), year: uk[3]! };
  // Not a date we can split: the text stays in the day field, so the person sees it, and the check says it is not a date.
  return text ? { day: text, month: '', year: '', unsplit: true } : { day: '', month: '', year: '' };
}

const text = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);

/**
 * The posted parts of the date called `name`: `name-day`, `name-month`, `name-year`; when none of the three was
 * posted, the single field `name` (the old form and older clients). Undefined when none of them was posted.
 */
export function readDateParts(body: Record<string, unknown>, name: string): DateParts | undefined {
  const posted = DATE_PARTS.map((p) => text(body[`${name}-${p}`]));
  if (posted.some((v) => v !== undefined)) return { day: posted[0] ?? '', month: posted[1] ?? '', year: posted[2] ?? '' };
  const single = text(body[name]);
  return single === undefined ? undefined : splitDate(single);
}

/**
 * Reads one date input straight from a body or query string (for forms not read through `parseForm`, like filters).
 * `field` is the id of the input the error summary should link to.
 */
export function readDateInput(body: Record<string, unknown>, name: string, rules: DateRules): { parts: DateParts; date: string | null; error: { field: string; text: string } | null } {
  const parts = readDateParts(body, name) ?? { day: '', month: '', year: '' };
  const check = checkDateParts(parts, rules);
  if (check.ok) return { parts, date: check.date, error: null };
  return { parts, date: null, error: { field: `${name}-${check.part}`, text: check.text } };
}

/**
 * A date input in a zod form schema read by `parseForm` (which gathers the three posted fields under the date's
 * name). Gives YYYY-MM-DD, or null when optional and empty. An error's path names the part, so `parseForm` links the
 * error summary to that field (e.g. `due_date-month`).
 */
export const dateInput = (rules: DateRules) =>
  z.preprocess((v) => v ?? '', z.unknown()).transform((value, ctx): string | null => {
    const parts: DateParts =
      typeof value === 'string' ? splitDate(value)
      : value && typeof value === 'object' ? { day: '', month: '', year: '', ...(value as Partial<DateParts>) }
      : { day: '', month: '', year: '' };
    const check = checkDateParts(parts, rules);
    if (check.ok) return check.date;
    ctx.addIssue({ code: 'custom', message: check.text, path: [check.part] });
    return z.NEVER;
  });

/** Gathers each date input's three posted fields under its name, for the schema's `dateInput` fields. */
export function gatherDateInputs(body: unknown, names: readonly string[]): unknown {
  if (!body || typeof body !== 'object') return body;
  const gathered: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const name of names) {
    const posted = DATE_PARTS.some((p) => gathered[`${name}-${p}`] !== undefined);
    if (posted) gathered[name] = readDateParts(gathered, name);
  }
  return gathered;
}
