// Periods as UK public statistics publish them (docs/method.md, Periods and markers): the one place a period label is parsed and printed.
//
// Every period has
// - `position`: an integer; consecutive periods of one type differ by exactly 1, so a forecast can use it as x
//   (calendar year = year; financial and academic year = start year; fy quarter = startYear·4 + (q − 1);
//   month = year·12 + (month − 1));
// - `label`: the canonical way to write it (`2024-25 Q3`, `2024/25`, `2024-25`, `2024`, `2024-11`);
// - `key`: the label with `/` and spaces turned into `-` (`2024-25-Q3`, `2024-25`, `2024-25`, `2024`, `2024-11`).
//   Years always have four digits, so keys sort correctly as text within one type. A key is unique within a type
//   only (an academic and a financial year can share one), is safe in a URL, and parses back with `parsePeriod`.

export const PERIOD_TYPES = ['fy_quarter', 'academic_year', 'financial_year', 'calendar_year', 'month'] as const;
export type PeriodType = (typeof PERIOD_TYPES)[number];

export interface Period {
  type: PeriodType;
  position: number;
  label: string;
  key: string;
}

export class PeriodError extends Error {
  override name = 'PeriodError';
}

// Four-digit years only: keys sort as text, and a two-digit end year is never ambiguous.
const MIN_YEAR = 1000;
const MAX_YEAR = 9998;

const TYPE_LABELS: Record<PeriodType, string> = {
  fy_quarter: 'Financial year quarter',
  academic_year: 'Academic year',
  financial_year: 'Financial year',
  calendar_year: 'Calendar year',
  month: 'Month',
};

// How an error message names the type ("is not <this>") and the form it expects.
const TYPE_IN_SENTENCE: Record<PeriodType, string> = {
  fy_quarter: 'a financial year quarter',
  academic_year: 'an academic year',
  financial_year: 'a financial year',
  calendar_year: 'a calendar year',
  month: 'a month',
};

const EXPECTED_FORM: Record<PeriodType, string> = {
  fy_quarter: '2024-25 Q3',
  academic_year: '2024/25',
  financial_year: '2024-25',
  calendar_year: '2024',
  month: '2024-11',
};

const MONTH_NAMES = [
  'january', 'february', 'march', 'april', 'may', 'june',
  'july', 'august', 'september', 'october', 'november', 'december',
];

export function isPeriodType(value: unknown): value is PeriodType {
  return typeof value === 'string' && (PERIOD_TYPES as readonly string[]).includes(value);
}

export function periodTypeLabel(type: PeriodType): string {
  assertPeriodType(type);
  return TYPE_LABELS[type];
}

export function periodsPerYear(type: PeriodType): number {
  assertPeriodType(type);
  if (type === 'fy_quarter') return 4;
  if (type === 'month') return 12;
  return 1;
}

export function parsePeriod(type: PeriodType, text: string): Period {
  assertPeriodType(type);
  if (typeof text !== 'string') throw notA(type, String(text));
  const cleaned = text.trim().replace(/\s+/g, ' ');
  switch (type) {
    case 'calendar_year': return parseCalendarYear(text, cleaned);
    case 'academic_year':
    case 'financial_year': return periodFromPosition(type, parseYearSpan(type, text, cleaned));
    case 'fy_quarter': return parseFyQuarter(text, cleaned);
    case 'month': return parseMonth(text, cleaned);
  }
}

export function tryParsePeriod(
  type: PeriodType,
  text: string,
): { ok: true; period: Period } | { ok: false; error: string } {
  try {
    return { ok: true, period: parsePeriod(type, text) };
  } catch (error) {
    if (error instanceof PeriodError) return { ok: false, error: error.message };
    throw error;
  }
}

export function periodFromPosition(type: PeriodType, position: number): Period {
  assertPeriodType(type);
  if (!Number.isInteger(position)) {
    throw new PeriodError(`${String(position)} is not a period position: expected a whole number`);
  }
  const perYear = periodsPerYear(type);
  const year = Math.floor(position / perYear);
  const withinYear = position - year * perYear;
  const lastYear = type === 'calendar_year' || type === 'month' ? MAX_YEAR + 1 : MAX_YEAR;
  if (year < MIN_YEAR || year > lastYear) {
    throw new PeriodError(
      `${position} is outside the supported range for ${TYPE_IN_SENTENCE[type]}: years must have four digits`,
    );
  }
  let label: string;
  switch (type) {
    case 'calendar_year': label = String(year); break;
    case 'academic_year': label = `${year}/${endYearDigits(year)}`; break;
    case 'financial_year': label = `${year}-${endYearDigits(year)}`; break;
    case 'fy_quarter': label = `${year}-${endYearDigits(year)} Q${withinYear + 1}`; break;
    case 'month': label = `${year}-${String(withinYear + 1).padStart(2, '0')}`; break;
  }
  return { type, position, label, key: label.replace(/[/ ]/g, '-') };
}

/**
 * The periods a figure may be entered for: from 1990 (before it, no statistic this tracker follows was published)
 * to five years after today's (a target or a forecast, never further). Anything outside is almost always a typing
 * slip (9998/99), and would leave a partnership's pages to cope with years they cannot show.
 */
export const EARLIEST_PERIOD_YEAR = 1990;
export const PERIOD_YEARS_AHEAD = 5;

export function periodWindow(today: Date): { from: number; to: number } {
  return { from: EARLIEST_PERIOD_YEAR, to: today.getUTCFullYear() + PERIOD_YEARS_AHEAD };
}

/** Why a period is outside the window, stating the window; null when it is inside. */
export function periodOutsideWindow(period: Pick<Period, 'type' | 'position' | 'label'>, today: Date): string | null {
  const year = Math.floor(period.position / periodsPerYear(period.type));
  const { from, to } = periodWindow(today);
  if (year >= from && year <= to) return null;
  return `${period.label} is outside the periods we accept: ${EXPECTED_FORM[period.type]} style periods from ${from} to ${to} are accepted`;
}

/** A period from a position, or null where none can be written (a neighbour of a period at the edge of the range). */
export function tryPeriodFromPosition(type: PeriodType, position: number): Period | null {
  try {
    return periodFromPosition(type, position);
  } catch (error) {
    if (error instanceof PeriodError) return null;
    throw error;
  }
}

/**
 * A period's label for display, whatever the position: a position no four-digit year can be written for (a row
 * stored before periods were checked) reads "period <n>" rather than failing the page it is on.
 */
export function periodLabel(type: PeriodType, position: number): string {
  return tryPeriodFromPosition(type, position)?.label ?? `period ${position}`;
}

export function formatPeriod(p: Period): string {
  return periodFromPosition(p.type, p.position).label;
}

export function previousPeriod(p: Period): Period {
  return periodFromPosition(p.type, p.position - 1);
}

export function samePeriodLastYear(p: Period): Period {
  return periodFromPosition(p.type, p.position - periodsPerYear(p.type));
}

// ---- explore-education-statistics time identifiers (docs/method.md, Periods and markers) ----
//
// Every time_identifier EES uses (its TimeIdentifier list: label as written in a data file, and the code its API
// uses), with the form its time_period takes and the period of ours it is — or why it has none. An identifier maps
// only where one of our periods covers exactly the same months; anything else is refused, never placed on a nearby
// period.

export type EesTimeForm = 'span' | 'year';

export interface EesTimeIdentifier {
  /** As written in the time_identifier column of a data file. */
  label: string;
  /** As the EES API writes it. */
  code: string;
  /** What time_period holds: six digits for a span of two years (202425), four for a single year (2024). */
  form: EesTimeForm;
  /** Our period: its type and position from the time_period's (first) year; null where there is none. */
  maps: { type: PeriodType; position: (year: number) => number } | null;
  /** Why there is no period of ours, for the message; set exactly when `maps` is null. */
  refused?: string;
}

const NO_TERMS =
  'a school term: this tracker has no term periods (terms differ in length and in what happens in them, so they are not a series)';

function eesTimeIdentifiers(): EesTimeIdentifier[] {
  const list: EesTimeIdentifier[] = [
    { label: 'Academic year', code: 'AY', form: 'span', maps: { type: 'academic_year', position: (y) => y } },
  ];
  for (let q = 1; q <= 4; q++) {
    list.push({ label: `Academic year Q${q}`, code: `AYQ${q}`, form: 'span', maps: null,
      refused: 'an academic year quarter: this tracker has academic years, and quarters of the financial year only' });
  }
  list.push({ label: 'Calendar year', code: 'CY', form: 'year', maps: { type: 'calendar_year', position: (y) => y } });
  // A calendar quarter is the same three months as a financial year quarter: January to March 2024 is 2023-24 Q4.
  for (let q = 1; q <= 4; q++) {
    list.push({ label: `Calendar year Q${q}`, code: `CYQ${q}`, form: 'year',
      maps: { type: 'fy_quarter', position: (y) => (q === 1 ? (y - 1) * 4 + 3 : y * 4 + q - 2) } });
  }
  list.push(
    { label: 'Part 1 (April to September)', code: 'P1', form: 'span', maps: null,
      refused: 'half of a financial year: this tracker has financial years and their quarters, not halves' },
    { label: 'Part 2 (October to March)', code: 'P2', form: 'span', maps: null,
      refused: 'half of a financial year: this tracker has financial years and their quarters, not halves' },
    { label: 'Financial year', code: 'FY', form: 'span', maps: { type: 'financial_year', position: (y) => y } },
  );
  for (let q = 1; q <= 4; q++) {
    list.push({ label: `Financial year Q${q}`, code: `FYQ${q}`, form: 'span', maps: { type: 'fy_quarter', position: (y) => y * 4 + q - 1 } });
  }
  list.push({ label: 'Tax year', code: 'TY', form: 'span', maps: null,
    refused: 'a tax year, which runs from 6 April to 5 April: this tracker\'s financial years run from 1 April, so a tax year is not one of them' });
  for (let q = 1; q <= 4; q++) {
    list.push({ label: `Tax year Q${q}`, code: `TYQ${q}`, form: 'span', maps: null,
      refused: 'a tax year quarter, which starts on the 6th of the month: this tracker\'s quarters start on the 1st' });
  }
  // A reporting year is the single year a publisher reports a figure for, written as one year: it is that calendar year.
  list.push({ label: 'Reporting year', code: 'RY', form: 'year', maps: { type: 'calendar_year', position: (y) => y } });
  list.push(
    { label: 'Autumn term', code: 'T1', form: 'span', maps: null, refused: NO_TERMS },
    { label: 'Autumn and spring term', code: 'T1T2', form: 'span', maps: null,
      refused: 'two school terms together: this tracker has no term periods, and two terms are not an academic year' },
    { label: 'Spring term', code: 'T2', form: 'span', maps: null, refused: NO_TERMS },
    { label: 'Summer term', code: 'T3', form: 'span', maps: null, refused: NO_TERMS },
  );
  for (let w = 1; w <= 52; w++) {
    list.push({ label: `Week ${w}`, code: `W${w}`, form: 'year', maps: null, refused: 'a week: this tracker has no week periods' });
  }
  MONTH_NAMES.forEach((name, m) => {
    list.push({ label: name[0]!.toUpperCase() + name.slice(1), code: `M${m + 1}`, form: 'year', maps: { type: 'month', position: (y) => y * 12 + m } });
  });
  return list;
}

/** Every time identifier EES uses, in its own order. */
export const EES_TIME_IDENTIFIERS: readonly EesTimeIdentifier[] = eesTimeIdentifiers();

const EES_BY_NAME = new Map<string, EesTimeIdentifier>();
for (const id of EES_TIME_IDENTIFIERS) {
  EES_BY_NAME.set(id.label.toLowerCase(), id);
  EES_BY_NAME.set(id.code.toLowerCase(), id);
}

/** The identifiers that map, as a sentence names them. */
export const EES_SUPPORTED_TEXT =
  '"Academic year", "Calendar year", "Calendar year Q1" to "Q4", "Financial year", "Financial year Q1" to "Q4", ' +
  '"Reporting year" and the months "January" to "December"';

/** The EES time identifier a time_identifier cell names (its label or API code, in any case), or null. */
export function findEesTimeIdentifier(timeIdentifier: string): EesTimeIdentifier | null {
  const name = String(timeIdentifier ?? '').trim().replace(/\s+/g, ' ').toLowerCase();
  return EES_BY_NAME.get(name) ?? null;
}

/**
 * A period from an explore-education-statistics file's `time_period` and `time_identifier` columns; an identifier
 * with no period of ours is refused with a message naming it, saying why, and listing the ones that are read.
 */
export function periodFromDfe(timePeriod: string, timeIdentifier: string): Period {
  const code = String(timePeriod ?? '').trim();
  const named = String(timeIdentifier ?? '').trim().replace(/\s+/g, ' ');
  const fail = (why: string, listSupported = false) =>
    new PeriodError(
      `time_identifier "${named}" with time_period "${code}" cannot be read: ${why}` +
        (listSupported ? `. This tracker reads ${EES_SUPPORTED_TEXT}` : ''),
    );
  const identifier = findEesTimeIdentifier(named);
  if (!identifier) {
    throw fail(named ? 'it is not a time identifier explore education statistics uses' : 'the time_identifier is empty', true);
  }
  if (!identifier.maps) throw fail(`"${identifier.label}" is ${identifier.refused}`, true);
  let year: number;
  if (identifier.form === 'span') {
    if (!/^\d{6}$/.test(code)) throw fail(`expected a six-digit time_period such as 202425 for "${identifier.label}"`);
    year = Number(code.slice(0, 4));
    if (Number(code.slice(4)) !== (year + 1) % 100) throw fail('the two years must be consecutive, e.g. 202425');
  } else {
    if (!/^\d{4}$/.test(code)) throw fail(`expected a four-digit time_period such as 2024 for "${identifier.label}"`);
    year = Number(code);
  }
  return periodFromPosition(identifier.maps.type, identifier.maps.position(year));
}

// ---- parsing helpers ----

function assertPeriodType(type: unknown): asserts type is PeriodType {
  if (!isPeriodType(type)) {
    throw new PeriodError(`"${String(type)}" is not a period type: expected one of ${PERIOD_TYPES.join(', ')}`);
  }
}

function notA(type: PeriodType, text: string, why?: string): PeriodError {
  const expected = `the form ${EXPECTED_FORM[type]}`;
  return new PeriodError(
    `"${text}" is not ${TYPE_IN_SENTENCE[type]}: ${why ? `${why} (expected ${expected})` : `expected ${expected}`}`,
  );
}

function endYearDigits(startYear: number): string {
  return String((startYear + 1) % 100).padStart(2, '0');
}

function checkYear(type: PeriodType, original: string, year: number): void {
  if (year < MIN_YEAR || year > MAX_YEAR + 1) throw notA(type, original, 'the year must have four digits');
}

function parseCalendarYear(original: string, cleaned: string): Period {
  if (!/^\d{4}$/.test(cleaned)) throw notA('calendar_year', original);
  const year = Number(cleaned);
  checkYear('calendar_year', original, year);
  return periodFromPosition('calendar_year', year);
}

// A year span such as 2024/25, 2024-25, 2024/2025 or 2024–25 (either separator for either type:
// both are in common use). Returns the start year.
const YEAR_SPAN = String.raw`(\d{4}) ?[-/–] ?(\d{2}|\d{4})`;

function yearSpanStart(type: PeriodType, original: string, startText: string, endText: string): number {
  const start = Number(startText);
  checkYear(type, original, start);
  const end = Number(endText);
  const consecutive = endText.length === 2 ? end === (start + 1) % 100 : end === start + 1;
  if (!consecutive) throw notA(type, original, 'the two years must be consecutive');
  if (start > MAX_YEAR) throw notA(type, original, 'the year must have four digits');
  return start;
}

function parseYearSpan(type: PeriodType, original: string, cleaned: string): number {
  const match = new RegExp(`^${YEAR_SPAN}$`).exec(cleaned);
  if (!match) throw notA(type, original);
  return yearSpanStart(type, original, match[1], match[2]);
}

function parseFyQuarter(original: string, cleaned: string): Period {
  // "2024-25 Q3", "2024-25-Q3" (the key), "2024-25Q3", "Q3 2024-25"; the quarter digit is checked separately
  // so that "Q5" gets its own message.
  const yearFirst = new RegExp(`^${YEAR_SPAN} ?-? ?q(\\d+)$`, 'i').exec(cleaned);
  const quarterFirst = new RegExp(`^q(\\d+) ?-? ?${YEAR_SPAN}$`, 'i').exec(cleaned);
  let startText: string, endText: string, quarterText: string;
  if (yearFirst) [, startText, endText, quarterText] = yearFirst;
  else if (quarterFirst) [, quarterText, startText, endText] = quarterFirst;
  else throw notA('fy_quarter', original);
  const start = yearSpanStart('fy_quarter', original, startText, endText);
  const quarter = Number(quarterText);
  if (!/^\d$/.test(quarterText) || quarter < 1 || quarter > 4) {
    throw notA('fy_quarter', original, 'the quarter must be Q1 to Q4');
  }
  return periodFromPosition('fy_quarter', start * 4 + quarter - 1);
}

function parseMonth(original: string, cleaned: string): Period {
  // "2024-11", "2024-1", "2024/11"
  const numeric = /^(\d{4})[-/](\d{1,2})$/.exec(cleaned);
  if (numeric) {
    const year = Number(numeric[1]);
    checkYear('month', original, year);
    const month = Number(numeric[2]);
    if (month < 1 || month > 12) throw notA('month', original, 'the month must be 01 to 12');
    return periodFromPosition('month', year * 12 + month - 1);
  }
  // "November 2024", "Nov 2024"
  const named = /^([a-z]+) (\d{4})$/i.exec(cleaned);
  if (named) {
    const name = named[1].toLowerCase();
    const month = MONTH_NAMES.findIndex((m) => m === name || (name.length === 3 && m.startsWith(name)));
    if (month >= 0) {
      const year = Number(named[2]);
      checkYear('month', original, year);
      return periodFromPosition('month', year * 12 + month);
    }
  }
  throw notA('month', original);
}
