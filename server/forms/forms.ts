// What every server-rendered form shares (stories, partners, what works, actions, data development, programmes, data
// day, deleting a figure): reading a posted form with zod into values or field errors, dates, and route params.
import { z } from 'zod';
import { notFound } from '../http-errors.ts';
import { checkDateParts, dateInput, DATE_PARTS, gatherDateInputs, splitDate } from './date-input.ts';

export { dateInput } from './date-input.ts';

/** One message for one field; `field` is the input's id, so the error summary links to it. */
export interface FieldError {
  field: string;
  text: string;
}

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldError[] };

/**
 * Parses a posted form. Errors come back in the order of the schema's fields (the order they are on the page), one
 * per field; `ids` maps a field name to its input's id where they differ. A date input's three fields (`name-day`,
 * `name-month`, `name-year`) reach the schema as one value under `name`, and its error links to the part at fault.
 */
export function parseForm<T extends z.ZodObject>(schema: T, body: unknown, ids: Record<string, string> = {}): FormResult<z.infer<T>> {
  const order = Object.keys(schema.shape);
  const parsed = schema.safeParse(gatherDateInputs(body ?? {}, order));
  if (parsed.success) return { ok: true, data: parsed.data };
  const byField = new Map<string, { text: string; part: string | null }>();
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? order[0]);
    const part = (DATE_PARTS as readonly unknown[]).includes(issue.path[1]) ? String(issue.path[1]) : null;
    if (!byField.has(name)) byField.set(name, { text: issue.message, part });
  }
  const errors = [...byField]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([name, { text, part }]) => ({ field: part ? `${ids[name] ?? name}-${part}` : (ids[name] ?? name), text }));
  return { ok: false, errors };
}

/** The posted form as strings, to show back to the person after an error. Repeated fields stay lists. */
export function formValues(body: unknown): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  if (!body || typeof body !== 'object') return values;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === '_csrf') continue;
    if (typeof value === 'string') values[key] = value;
    else if (Array.isArray(value)) values[key] = value.filter((v): v is string => typeof v === 'string');
  }
  return values;
}

/**
 * The message for text over its limit. A message that states a number of characters must state the limit enforced
 * (a message saying 1,100 where 1,000 is enforced misleads): a mismatch stops the app at start-up, not in front of a user.
 */
export function tooLongMessage(max: number, message: string): string {
  const stated = /(\d[\d,]*) characters/.exec(message)?.[1];
  if (stated !== undefined && Number(stated.replace(/,/g, '')) !== max) {
    throw new Error(`The message “${message}” states a limit of ${stated} characters, but ${max} is enforced`);
  }
  return message;
}

/** A required text field. */
export const requiredText = (max: number, missing: string, tooLong: string) =>
  z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string().min(1, missing).max(max, tooLongMessage(max, tooLong)));

/** An optional text field: trimmed, '' when absent. */
export const optionalText = (max: number, tooLong?: string) =>
  z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string().max(max, tooLong === undefined ? undefined : tooLongMessage(max, tooLong)));

/** Checkboxes and multiple selects: always a list of strings, empty entries dropped. */
export const stringList = z.preprocess(
  (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.string()).transform((list) => [...new Set(list.map((s) => s.trim()).filter(Boolean))]),
);

/** A select whose empty option means "none": '' → null. The value is checked against the partnership later. */
export const optionalId = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null), z.string().max(100).nullable());

/** One of a fixed set of values, with a message for a missing or forged one. */
export const choice = <const T extends readonly [string, ...string[]]>(values: T, message: string) =>
  z.preprocess((v) => (typeof v === 'string' ? v : ''), z.enum(values, { error: message }));

/**
 * A date typed in one box (YYYY-MM-DD or 31/3/2026), checked by the date input's rules (server/forms/date-input.ts).
 * ISO YYYY-MM-DD, or null when empty. Forms use the three-field `dateInput`; this is for single values.
 */
export function parseDate(input: string): { ok: true; date: string | null } | { ok: false } {
  const check = checkDateParts(splitDate(input), { label: 'The date' });
  return check.ok ? check : { ok: false };
}

/** An optional date input (see `dateInput`), named by `label` in its messages. */
export const dateField = (label: string) => dateInput({ label });

/** Today's date in England, YYYY-MM-DD: "overdue" means past the due date where the partnership is. */
export function todayInEngland(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Parses route params; a malformed id is a page that does not exist, not a server error. */
export function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

export const slugParams = z.object({ slug: z.string() });
export const isUuid = (value: string) => z.uuid().safeParse(value).success;

/** A yes/no checkbox: checked when posted as "yes". */
export const checkbox = z.preprocess((v) => v === 'yes' || (Array.isArray(v) && v.includes('yes')), z.boolean());
