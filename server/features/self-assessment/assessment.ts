// The gap-narrowing self-assessment (seed 003) without I/O: the rating scale, reading the form, comparing two
// assessments.
import type { BenchmarkStrand, SelfAssessmentRating } from '../../db/schema-library.ts';
import { checkDateParts, type DatePart } from '../../forms/date-input.ts';

export const RATINGS: readonly SelfAssessmentRating[] = ['not_yet', 'developing', 'established', 'embedded'];

export const RATING_LABELS: Readonly<Record<SelfAssessmentRating, string>> = {
  not_yet: 'Not yet',
  developing: 'Developing',
  established: 'Established',
  embedded: 'Embedded',
};

/** What each point of the scale means, shown beside the choice. */
export const RATING_HINTS: Readonly<Record<SelfAssessmentRating, string>> = {
  not_yet: 'Not yet in place, or only talked about',
  developing: 'Started in some places or with some partners',
  established: 'In place across the partnership, with evidence of it',
  embedded: 'How the partnership works, sustained, with evidence that it makes a difference',
};

/** govuk-tag colours: never the only signal, the label is always written. */
export const RATING_TAGS: Readonly<Record<SelfAssessmentRating, string>> = {
  not_yet: 'govuk-tag--red',
  developing: 'govuk-tag--yellow',
  established: 'govuk-tag--turquoise',
  embedded: 'govuk-tag--green',
};

export const STRAND_LABELS: Readonly<Record<BenchmarkStrand, string>> = {
  central_government: 'Central government',
  local_government: 'Local government',
  schools: 'Schools',
};

/** A statement rated "not yet" or "developing" is weak: it is where actions are wanted. */
export const isWeak = (rating: SelfAssessmentRating | null | undefined) => rating === 'not_yet' || rating === 'developing';

export const scoreOf = (rating: SelfAssessmentRating) => RATINGS.indexOf(rating) + 1;

export function isRating(value: unknown): value is SelfAssessmentRating {
  return typeof value === 'string' && (RATINGS as readonly string[]).includes(value);
}

// ---- the form ----

export const EVIDENCE_MAX = 4000;
export const OWNER_MAX = 200;
export const TITLE_MAX = 200;

export interface StatementEntry {
  statementNumber: number;
  rating: SelfAssessmentRating | null;
  evidence: string;
  owner: string;
}

export interface AssessmentInput {
  /** YYYY-MM-DD */
  assessedOn: string;
  title: string;
  entries: StatementEntry[];
}

/** What the form shows: the values as typed, so a form with errors comes back as the user left it. */
export interface AssessmentFormValues {
  day: string;
  month: string;
  year: string;
  title: string;
  entries: Record<number, { rating: string; evidence: string; owner: string }>;
}

export interface FormError {
  field: string;
  text: string;
}

const field = (body: Record<string, unknown>, name: string) => {
  const value = body[name];
  return typeof value === 'string' ? value : '';
};

/** Today in England, as YYYY-MM-DD. */
export function londonToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** The GOV.UK date input's three fields → YYYY-MM-DD, or the error to show and the field it belongs to. */
function checkAssessmentDate(day: string, month: string, year: string, today: string): { date: string } | { error: string; part: DatePart } {
  const check = checkDateParts({ day, month, year }, { label: 'The date of the assessment', missing: 'Enter the date of the assessment', notFuture: true, today });
  if (!check.ok) return { error: check.text, part: check.part };
  if (check.date! < '2000-01-01') return { error: 'The date of the assessment must be in 2000 or later', part: 'year' };
  return { date: check.date! };
}

/** The GOV.UK date input's three fields → YYYY-MM-DD, or the error to show. */
export function parseDateFields(day: string, month: string, year: string, today: string): { date: string } | { error: string } {
  const checked = checkAssessmentDate(day, month, year, today);
  return 'error' in checked ? { error: checked.error } : checked;
}

/** Reads and checks the posted form. Errors name the input they belong to, in the order of the form. */
export function parseAssessmentForm(
  body: Record<string, unknown>,
  statementNumbers: readonly number[],
  today: string,
): { values: AssessmentFormValues; input: AssessmentInput | null; errors: FormError[] } {
  const values: AssessmentFormValues = {
    day: field(body, 'assessed-on-day'),
    month: field(body, 'assessed-on-month'),
    year: field(body, 'assessed-on-year'),
    title: field(body, 'title'),
    entries: {},
  };
  const errors: FormError[] = [];
  const date = checkAssessmentDate(values.day, values.month, values.year, today);
  if ('error' in date) errors.push({ field: `assessed-on-${date.part}`, text: date.error });
  const title = values.title.trim();
  if (title.length > TITLE_MAX) errors.push({ field: 'title', text: `The title must be ${TITLE_MAX} characters or fewer` });

  const entries: StatementEntry[] = [];
  for (const n of statementNumbers) {
    const raw = { rating: field(body, `rating-${n}`), evidence: field(body, `evidence-${n}`), owner: field(body, `owner-${n}`) };
    values.entries[n] = raw;
    const rating = raw.rating === '' ? null : raw.rating;
    const evidence = raw.evidence.trim().replace(/\r\n?/g, '\n');
    const owner = raw.owner.trim();
    if (rating !== null && !isRating(rating)) errors.push({ field: `rating-${n}`, text: `Statement ${n}: choose a rating from the scale` });
    else if (rating !== null && rating !== 'not_yet' && !evidence) {
      errors.push({ field: `evidence-${n}`, text: `Statement ${n}: say what shows it is ${RATING_LABELS[rating].toLowerCase()}` });
    }
    if (evidence.length > EVIDENCE_MAX) errors.push({ field: `evidence-${n}`, text: `Statement ${n}: the evidence must be ${EVIDENCE_MAX.toLocaleString('en-GB')} characters or fewer` });
    if (owner.length > OWNER_MAX) errors.push({ field: `owner-${n}`, text: `Statement ${n}: the owner must be ${OWNER_MAX} characters or fewer` });
    if (rating !== null || evidence || owner) entries.push({ statementNumber: n, rating: isRating(rating) ? rating : null, evidence, owner });
  }
  if (!entries.some((e) => e.rating !== null) && !errors.some((e) => e.field.startsWith('rating-'))) {
    errors.push({ field: `rating-${statementNumbers[0] ?? 1}`, text: 'Rate at least one statement' });
  }
  if (errors.length || 'error' in date) return { values, input: null, errors };
  return { values, input: { assessedOn: date.date, title, entries }, errors };
}

/** The form's values for an assessment already recorded (to edit it, or to start the next one from it). */
export function formValuesFrom(
  assessment: { assessedOn: string; title: string } | null,
  ratings: readonly { statement_number: number; rating: SelfAssessmentRating | null; evidence: string; owner: string }[],
): AssessmentFormValues {
  const [year, month, day] = assessment ? assessment.assessedOn.split('-') : ['', '', ''];
  const entries: AssessmentFormValues['entries'] = {};
  for (const r of ratings) entries[r.statement_number] = { rating: r.rating ?? '', evidence: r.evidence, owner: r.owner };
  return { day: day ? String(Number(day)) : '', month: month ? String(Number(month)) : '', year: year ?? '', title: assessment?.title ?? '', entries };
}

// ---- comparing two assessments ----

export type Movement = 'up' | 'down' | 'same' | 'newly_rated' | 'no_longer_rated' | 'not_rated';

export interface StatementComparison {
  statementNumber: number;
  from: SelfAssessmentRating | null;
  to: SelfAssessmentRating | null;
  movement: Movement;
  /** Points moved on the four-point scale (+ up, − down); 0 unless both are rated. */
  steps: number;
  evidenceChanged: boolean;
  ownerChanged: boolean;
}

export interface ComparisonSummary {
  up: number;
  down: number;
  same: number;
  newlyRated: number;
  noLongerRated: number;
  notRated: number;
  /** Mean score (1 not yet … 4 embedded) of the statements rated in both, before and after; null when none are. */
  meanBefore: number | null;
  meanAfter: number | null;
}

type RatingRow = { statement_number: number; rating: SelfAssessmentRating | null; evidence: string; owner: string };

/** What moved between an earlier and a later assessment, statement by statement. */
export function compareAssessments(
  statementNumbers: readonly number[],
  earlier: readonly RatingRow[],
  later: readonly RatingRow[],
): { statements: StatementComparison[]; summary: ComparisonSummary } {
  const before = new Map(earlier.map((r) => [r.statement_number, r]));
  const after = new Map(later.map((r) => [r.statement_number, r]));
  const summary: ComparisonSummary = { up: 0, down: 0, same: 0, newlyRated: 0, noLongerRated: 0, notRated: 0, meanBefore: null, meanAfter: null };
  const bothScores: [number, number][] = [];
  const statements = statementNumbers.map((n): StatementComparison => {
    const a = before.get(n);
    const b = after.get(n);
    const from = a?.rating ?? null;
    const to = b?.rating ?? null;
    let movement: Movement;
    let steps = 0;
    if (from && to) {
      steps = scoreOf(to) - scoreOf(from);
      movement = steps > 0 ? 'up' : steps < 0 ? 'down' : 'same';
      bothScores.push([scoreOf(from), scoreOf(to)]);
    } else if (to) movement = 'newly_rated';
    else if (from) movement = 'no_longer_rated';
    else movement = 'not_rated';
    const key = ({ up: 'up', down: 'down', same: 'same', newly_rated: 'newlyRated', no_longer_rated: 'noLongerRated', not_rated: 'notRated' } as const)[movement];
    summary[key]++;
    return {
      statementNumber: n,
      from,
      to,
      movement,
      steps,
      evidenceChanged: (a?.evidence ?? '') !== (b?.evidence ?? ''),
      ownerChanged: (a?.owner ?? '') !== (b?.owner ?? ''),
    };
  });
  if (bothScores.length) {
    summary.meanBefore = bothScores.reduce((s, [x]) => s + x, 0) / bothScores.length;
    summary.meanAfter = bothScores.reduce((s, [, y]) => s + y, 0) / bothScores.length;
  }
  return { statements, summary };
}

/** How many statements of an assessment have each rating. */
export function ratingProfile(ratings: readonly { rating: SelfAssessmentRating | null }[]): Record<SelfAssessmentRating, number> & { notRated: number } {
  const profile = { not_yet: 0, developing: 0, established: 0, embedded: 0, notRated: 0 };
  for (const r of ratings) {
    if (r.rating) profile[r.rating]++;
  }
  return profile;
}
