// What an indicator may be and what may change about it, without I/O: the one schema for creating and editing an
// indicator (the API validates with it; the form turns its strings into the same shape first), the rules across
// fields (a rate needs its base, a gap needs a better direction), and the rules of what may change once figures are
// recorded — changing the unit, rate base, period type or single↔gap would change what the recorded figures mean,
// and changing which way is better would change every judgement made against an agreed baseline.
import { z } from 'zod';
import { PERIOD_TYPES, periodTypeLabel, type PeriodType } from '../../analysis/periods.ts';
import { POLARITIES } from '../../analysis/polarity.ts';
import type { IndicatorKind, IndicatorRank, Polarity, Unit } from '../../db/schema.ts';

export const UNITS = ['percentage', 'rate', 'count', 'score', 'ratio'] as const satisfies readonly Unit[];
export { POLARITIES };
export const KINDS = ['single', 'gap'] as const satisfies readonly IndicatorKind[];
export const RANKS = ['headline', 'secondary', 'data_development'] as const satisfies readonly IndicatorRank[];

export const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const title = z.string({ error: 'is required' }).trim().min(1, 'is required').max(300, 'must be at most 300 characters');

/** Every field of an indicator a person or a client sets, as the API takes it. */
export const indicatorFields = z
  .object({
    priorityId: z.string({ error: 'is required' }).max(100),
    code: z.string({ error: 'is required' }).trim().regex(CODE_PATTERN, 'must be 1 to 64 letters, digits, _ . or -, starting with a letter or digit'),
    title,
    unit: z.enum(UNITS),
    polarity: z.enum(POLARITIES),
    periodType: z.enum(PERIOD_TYPES),
    kind: z.enum(KINDS),
    decimals: z.number().int('must be a whole number').min(0, 'must be 0 to 6').max(6, 'must be 0 to 6').optional(),
    rateBase: z.number().int('must be a whole number').positive('must be more than 0').max(1_000_000_000, 'must be at most 1,000,000,000').nullable().optional(),
    definition: z.string().max(20000, 'must be at most 20,000 characters').optional(),
    source: z.string().max(2000, 'must be at most 2,000 characters').optional(),
    sourceUrl: z.url({ protocol: /^https?$/, error: 'must be a web address starting http:// or https://' }).max(2000).nullable().optional(),
    licence: z.string().max(300, 'must be at most 300 characters').optional(),
    rank: z.enum(RANKS).optional(),
    focusLabel: z.string().trim().min(1, 'is required when given').max(200, 'must be at most 200 characters').nullable().optional(),
    comparisonLabel: z.string().trim().min(1, 'is required when given').max(200, 'must be at most 200 characters').nullable().optional(),
  })
  .strict();

export type IndicatorFields = z.infer<typeof indicatorFields>;

/** A change to an indicator: any of its fields, and the version the writer saw. */
export const indicatorPatch = indicatorFields.partial().extend({ version: z.number({ error: 'is required' }).int('must be a whole number').min(1) }).strict();
export type IndicatorPatch = z.infer<typeof indicatorPatch>;

/** One refusal: the field, the API's words ("cannot change: …") and the sentence a person reads on the form. */
export interface IndicatorProblem {
  field: keyof IndicatorFields;
  message: string;
  text: string;
}

/** The meaning-bearing fields as they are, or would be after a change. */
export interface IndicatorShape {
  unit: Unit;
  rateBase: number | null;
  polarity: Polarity;
  periodType: string;
  kind: IndicatorKind;
  focusLabel: string | null;
  comparisonLabel: string | null;
}

/** Rules across fields, for a new indicator or one after an edit. */
export function shapeProblems(shape: IndicatorShape): IndicatorProblem[] {
  const problems: IndicatorProblem[] = [];
  if (shape.unit === 'rate' && !shape.rateBase) problems.push({ field: 'rateBase', message: 'is required for a rate (per 1,000: 1000)', text: 'Enter the rate base for a rate, for example 1000 for “per 1,000”' });
  if (shape.unit !== 'rate' && shape.rateBase) problems.push({ field: 'rateBase', message: 'is only for a rate', text: 'A rate base is only for a rate: leave it empty, or choose “rate” as the unit' });
  if (shape.kind !== 'gap' && (shape.focusLabel || shape.comparisonLabel)) {
    const field = shape.focusLabel ? 'focusLabel' : 'comparisonLabel';
    problems.push({ field, message: 'is only for a gap indicator', text: 'Group labels are only for a gap indicator: leave them empty, or choose “gap”' });
  }
  if (shape.kind === 'gap' && shape.polarity === 'neutral') {
    problems.push({
      field: 'polarity',
      message: 'must be "higher" or "lower" for a gap indicator: the gap is how far the focus group is behind, which needs a better direction',
      text: 'Choose whether higher or lower is better: a gap is how far the focus group is behind, which needs a better direction',
    });
  }
  return problems;
}

const UNIT_WORDS: Record<Unit, string> = { percentage: 'percentages', rate: 'rates', count: 'counts', score: 'scores', ratio: 'ratios' };
const POLARITY_WORDS: Record<Polarity, string> = { higher: 'higher is better', lower: 'lower is better', neutral: 'neither direction is better' };
const INSTEAD = 'Retire this indicator and add a new one instead.';

function unitWords(shape: Pick<IndicatorShape, 'unit' | 'rateBase'>): string {
  return shape.unit === 'rate' && shape.rateBase ? `rates per ${shape.rateBase.toLocaleString('en-GB')}` : UNIT_WORDS[shape.unit];
}

function refusal(field: keyof IndicatorFields, name: string, why: string, instead = INSTEAD): IndicatorProblem {
  return { field, message: `cannot change: ${why}. ${instead}`, text: `You cannot change the ${name}: ${why}. ${instead}` };
}
/** Measured the same way, the new indicator can take the old one's figures (observations/carry-across.ts). */
const INSTEAD_CARRY = 'Retire this indicator and add a new one instead: its figures can then be carried across to the new one, with a note.';

/**
 * The changes refused because they would change the meaning of what is recorded: with figures, the unit, the rate
 * base, the period type and single↔gap; with an agreed baseline, which way is better. Wording is always allowed.
 */
export function meaningChanges(current: IndicatorShape, next: IndicatorShape, facts: { hasFigures: boolean; hasBaseline: boolean }): IndicatorProblem[] {
  const problems: IndicatorProblem[] = [];
  if (facts.hasFigures) {
    if (next.unit !== current.unit) problems.push(refusal('unit', 'unit', `figures already recorded are in ${unitWords(current)}: changing the unit would change what they mean`));
    else if (current.unit === 'rate' && (next.rateBase ?? null) !== (current.rateBase ?? null)) {
      problems.push(refusal('rateBase', 'rate base', `figures already recorded are ${unitWords(current)}: changing the rate base would change what they mean`));
    }
    if (next.periodType !== current.periodType) {
      const label = periodTypeLabel(current.periodType as PeriodType).toLowerCase();
      problems.push(refusal('periodType', 'period type', `figures already recorded are by ${label}: changing the period type would change which period each figure belongs to`));
    }
    if (next.kind !== current.kind) {
      const what = current.kind === 'gap' ? 'for two groups (a gap)' : 'for one group (a single indicator)';
      problems.push(refusal('kind', 'single or gap choice', `figures already recorded are ${what}: changing between single and gap would change what they mean`));
    }
  }
  if (facts.hasBaseline && next.polarity !== current.polarity) {
    problems.push(refusal('polarity', 'direction', `a baseline has been agreed with ${POLARITY_WORDS[current.polarity]}: changing which way is better would change every judgement made against it`, INSTEAD_CARRY));
  }
  return problems;
}

/** The shape of an indicator after a change: the change's fields over the current ones. */
export function shapeAfter(current: IndicatorShape, change: Partial<IndicatorFields>): IndicatorShape {
  const unit = change.unit ?? current.unit;
  const kind = change.kind ?? current.kind;
  return {
    unit,
    // A rate's base stays unless changed; any other unit has none.
    rateBase: unit === 'rate' ? (change.rateBase !== undefined ? change.rateBase : current.rateBase) : (change.rateBase ?? null),
    polarity: change.polarity ?? current.polarity,
    periodType: change.periodType ?? current.periodType,
    kind,
    focusLabel: change.focusLabel !== undefined ? change.focusLabel : kind === 'gap' ? current.focusLabel : null,
    comparisonLabel: change.comparisonLabel !== undefined ? change.comparisonLabel : kind === 'gap' ? current.comparisonLabel : null,
  };
}

// ---- the form ------------------------------------------------------------------------------------------------------

/** What a person reads for a field the schema refused, whatever zod said about it. */
export const FORM_TEXT: Record<keyof IndicatorFields, string> = {
  priorityId: 'Choose the priority the indicator belongs to',
  code: 'Enter a code of 1 to 64 letters, digits, _ . or -, starting with a letter or digit, like KS2_RWM',
  title: 'Enter the indicator’s title, at most 300 characters',
  unit: 'Choose the unit the figures are in',
  polarity: 'Choose which way is better',
  periodType: 'Choose how the figures’ periods are counted',
  kind: 'Choose a single indicator or a gap between two groups',
  decimals: 'Decimal places must be a whole number from 0 to 6',
  rateBase: 'The rate base must be a whole number, for example 1000 for “per 1,000”',
  definition: 'The definition must be 20,000 characters or fewer',
  source: 'The source must be 2,000 characters or fewer',
  sourceUrl: 'Enter the source’s web address, starting http:// or https://',
  licence: 'The licence must be 300 characters or fewer',
  rank: 'Choose headline, secondary or data development',
  focusLabel: 'Enter the focus group’s name, at most 200 characters',
  comparisonLabel: 'Enter the comparison group’s name, at most 200 characters',
};

/** The order of the fields on the form: the error summary lists problems in it. */
export const FORM_ORDER: (keyof IndicatorFields)[] = ['priorityId', 'code', 'title', 'definition', 'unit', 'rateBase', 'decimals', 'polarity', 'periodType', 'kind', 'focusLabel', 'comparisonLabel', 'rank', 'source', 'sourceUrl', 'licence'];

/**
 * A posted form in the schema's shape: text trimmed, an empty optional field left out (an empty source URL or group
 * label clears it when editing), whole numbers as numbers. Fields not on the form are not touched.
 */
export function formToFields(body: Record<string, unknown>, options: { editing: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const textOf = (key: string) => (typeof body[key] === 'string' ? (body[key] as string).trim() : undefined);
  for (const key of FORM_ORDER) {
    const value = textOf(key);
    if (value === undefined) continue;
    if (key === 'decimals' || key === 'rateBase') {
      if (value === '') {
        if (key === 'rateBase' && options.editing) out[key] = null;
        continue;
      }
      out[key] = /^-?\d+$/.test(value) ? Number(value) : value;
    } else if (key === 'sourceUrl' || key === 'focusLabel' || key === 'comparisonLabel') {
      if (value !== '') out[key] = value;
      else if (options.editing) out[key] = null;
    } else if (value !== '' || key === 'definition' || key === 'source' || key === 'licence') {
      out[key] = value;
    }
  }
  return out;
}

/** Field errors for the form from the schema's issues: one per field, in the order of the form. */
export function formErrors(error: z.ZodError): { field: string; text: string }[] {
  const fields = new Set<keyof IndicatorFields>();
  for (const issue of error.issues) {
    const name = issue.path[0];
    if (typeof name === 'string' && name in FORM_TEXT) fields.add(name as keyof IndicatorFields);
  }
  return FORM_ORDER.filter((f) => fields.has(f)).map((field) => ({ field, text: FORM_TEXT[field] }));
}
