// A figure (one observation's value or marker, status, numerator, denominator and note) as typed into a form, a CSV
// row or an API item → a checked figure, or messages that say what is wrong. Pure: the form, the imports and the API
// all validate through here, so "12,5" gets the same answer everywhere.
import type { IndicatorKind, Marker, ObservationStatus, SeriesRole, Unit } from '../../db/schema.ts';
import type { FigureJson } from '../../db/schema-data.ts';
import * as format from '../../format.ts';

export type Figure = FigureJson;

export interface RawFigure {
  value?: string | number | null;
  marker?: string | null;
  status?: string | null;
  numerator?: string | number | null;
  denominator?: string | number | null;
  note?: string | null;
}

export type FigureField = 'value' | 'marker' | 'status' | 'numerator' | 'denominator' | 'note';

export interface FieldProblem {
  field: FigureField;
  text: string;
}

export interface UnitInfo {
  unit: Unit;
  rate_base: number | null;
  decimals: number;
}

export const MARKERS: readonly Marker[] = ['c', 'x', 'z', 'k', 'low'];
export const STATUSES: readonly ObservationStatus[] = ['provisional', 'revised', 'final'];
export const NOTE_MAX = 1000;

/** The series a person can fill for each kind of indicator (comparators and targets included). */
export function rolesFor(kind: IndicatorKind): SeriesRole[] {
  return kind === 'gap'
    ? ['focus', 'comparison', 'england', 'region', 'neighbours', 'target']
    : ['local', 'england', 'region', 'neighbours', 'target'];
}

/** Whether a series of the indicator holds gaps (a gap indicator's comparators and target) rather than group figures. */
export function holdsGaps(kind: IndicatorKind, role: SeriesRole): boolean {
  return kind === 'gap' && role !== 'focus' && role !== 'comparison';
}

/** The partnership's own figures, the ones a quarterly return collects. */
export function entryRolesFor(kind: IndicatorKind): SeriesRole[] {
  return kind === 'gap' ? ['focus', 'comparison'] : ['local'];
}

const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const THOUSANDS = /^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/;

export type ParsedNumber = { ok: true; value: number | null } | { ok: false; text: string };

/**
 * The largest figure kept. Figures are stored as double precision: beyond 2^53 whole numbers are no longer exact
 * (9,007,199,254,740,993 would be saved as …992), and no published statistic comes near it.
 */
export const LARGEST_FIGURE = Number.MAX_SAFE_INTEGER;

const cannotStore = (shown: string, why: string) => ({ ok: false as const, text: `“${shown}” is not a number we can store: ${why}` });
const TOO_LARGE = `a figure must be between −${LARGEST_FIGURE.toLocaleString('en-GB')} and ${LARGEST_FIGURE.toLocaleString('en-GB')}`;

/** The digits of a decimal number, without sign, leading or trailing zeros, and its decimal exponent: "12.50" → 125, -1. */
function decimalDigits(text: string): { digits: string; exponent: number } {
  const match = /^[-+]?(\d*)\.?(\d*)(?:[eE]([-+]?\d+))?$/.exec(text)!;
  const whole = match[1] ?? '';
  const fraction = match[2] ?? '';
  let digits = (whole + fraction).replace(/^0+/, '');
  let exponent = Number(match[3] ?? 0) - fraction.length;
  const trailing = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return { digits, exponent: digits ? exponent : 0 };
}

/** Whether a double gives back exactly the decimal that was written (more than ~15 significant digits may not). */
function storedExactly(text: string, value: number): boolean {
  const written = decimalDigits(text);
  const stored = decimalDigits(Math.abs(value).toExponential().replace('+', ''));
  return written.digits === stored.digits && written.exponent === stored.exponent;
}

/**
 * A number as people and spreadsheets write it: `12.5`, `1,234` (thousands), `1.5E+01`, ` 7 `, and `12.5%` when
 * `allowPercent`. A decimal comma (`12,5`) and words are refused with a message that says why. Blank → null.
 * A number a double cannot hold exactly (too large, too many digits, infinite, not a number) is refused, never
 * rounded: what is saved is what was written.
 */
export function parseNumber(input: string | number | null | undefined, allowPercent = false): ParsedNumber {
  if (input === null || input === undefined) return { ok: true, value: null };
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return cannotStore(String(input), 'it is not a finite number');
    if (Math.abs(input) > LARGEST_FIGURE) return cannotStore(String(input), TOO_LARGE);
    return { ok: true, value: input === 0 ? 0 : input };
  }
  let text = String(input).trim();
  if (text === '') return { ok: true, value: null };
  const shown = text;
  if (allowPercent && text.endsWith('%')) text = text.slice(0, -1).trim();
  if (THOUSANDS.test(text)) text = text.replace(/,/g, '');
  if (/^[-+]?\d+,\d+$/.test(text)) {
    return { ok: false, text: `“${shown}” is not a number: use a full stop for the decimal point (${text.replace(',', '.')})` };
  }
  if (/^[-+]?(nan|inf|infinity|∞)$/i.test(text)) return cannotStore(shown, 'it is not a finite number');
  if (!NUMBER_TEXT.test(text)) {
    if (/\d/.test(text) && /[£$€]/.test(text)) return { ok: false, text: `“${shown}” is not a number: leave out the currency sign` };
    return { ok: false, text: `“${shown}” is not a number` };
  }
  const value = Number(text);
  if (!Number.isFinite(value) || Math.abs(value) > LARGEST_FIGURE) return cannotStore(shown, TOO_LARGE);
  if (value === 0 && decimalDigits(text).digits !== '') return cannotStore(shown, 'it is too close to 0 to be kept');
  if (!storedExactly(text, value)) return cannotStore(shown, 'it has more significant digits than can be kept exactly (15 always are)');
  return { ok: true, value: value === 0 ? 0 : value };
}

export function parseMarker(input: string | null | undefined): { ok: true; marker: Marker | null } | { ok: false; text: string } {
  const text = String(input ?? '').trim().toLowerCase();
  if (text === '') return { ok: true, marker: null };
  if ((MARKERS as readonly string[]).includes(text)) return { ok: true, marker: text as Marker };
  return { ok: false, text: `“${String(input).trim()}” is not a marker: use c (suppressed), x (not available), z (not applicable), k (rounds to zero) or low` };
}

const STATUS_LETTERS: Record<string, ObservationStatus> = { p: 'provisional', r: 'revised', f: 'final' };

export function parseStatus(input: string | null | undefined): { ok: true; status: ObservationStatus | null } | { ok: false; text: string } {
  const text = String(input ?? '').trim().toLowerCase();
  if (text === '') return { ok: true, status: null };
  if ((STATUSES as readonly string[]).includes(text)) return { ok: true, status: text as ObservationStatus };
  if (STATUS_LETTERS[text]) return { ok: true, status: STATUS_LETTERS[text]! };
  return { ok: false, text: `“${String(input).trim()}” is not a status: use provisional, revised or final` };
}

const unitWords: Record<Unit, string> = { percentage: 'A percentage', rate: 'A rate', count: 'A count', score: 'A score', ratio: 'A ratio' };

/**
 * Why a value does not fit the unit, or null when it does. A gap (the comparator and target series of a gap
 * indicator hold gaps, not group figures) may be negative: the focus group can be ahead.
 */
export function unitProblem(value: number, unit: UnitInfo, gap = false): string | null {
  // Formatted only for a message: toLocaleString is slow, and a big import checks 100,000 values.
  const shown = () => format.number(value, Math.min(6, decimalsOf(value)));
  if (gap) {
    if (unit.unit === 'percentage' && Math.abs(value) > 100) return `A gap in percentage points must be between −100 and 100: ${shown()} is not`;
    if (unit.unit === 'count' && !Number.isInteger(value)) return `A gap in a count must be a whole number: ${shown()} is not`;
    return null;
  }
  switch (unit.unit) {
    case 'percentage':
      return value < 0 || value > 100 ? `A percentage must be between 0 and 100: ${shown()} is not` : null;
    case 'count':
      return !Number.isInteger(value) || value < 0 ? `A count must be a whole number, 0 or more: ${shown()} is not` : null;
    case 'rate':
    case 'ratio':
      return value < 0 ? `${unitWords[unit.unit]} cannot be negative: ${shown()} is` : null;
    case 'score':
      return null;
  }
}

function decimalsOf(value: number): number {
  const text = String(value);
  if (/e/i.test(text)) return 6;
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** The value worked out from a numerator and denominator, as the unit defines it; null for a count. */
export function computedValue(unit: UnitInfo, numerator: number, denominator: number): number | null {
  const ratio = numerator / denominator;
  let value: number;
  switch (unit.unit) {
    case 'percentage': value = ratio * 100; break;
    case 'rate': value = ratio * (unit.rate_base ?? 1); break;
    case 'ratio':
    case 'score': value = ratio; break;
    case 'count': return null;
  }
  // Twelve significant digits: no binary noise (0.1 × 3), and far more than any published figure carries.
  return Number(value.toPrecision(12));
}

const roundTo = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/**
 * Checks a figure. `existing` is the figure saved now (if any): a blank status keeps its status, except that a new
 * value replacing a final one becomes revised (GSS: a revised figure is one changed since it was published);
 * a new figure with no status is final.
 */
export function checkFigure(
  unit: UnitInfo,
  raw: RawFigure,
  existing: Figure | null,
  options: { gap?: boolean } = {},
): { ok: true; figure: Figure } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  let rawValue = raw.value;
  let rawMarker = raw.marker;
  // A marker typed in the value column, as published tables do ("c", "x"): read it as the marker.
  if (typeof rawValue === 'string' && parseMarker(rawValue).ok && rawValue.trim() !== '' && !String(rawMarker ?? '').trim()) {
    rawMarker = rawValue;
    rawValue = null;
  }
  const value = parseNumber(rawValue, unit.unit === 'percentage');
  if (!value.ok) problems.push({ field: 'value', text: value.text });
  const marker = parseMarker(rawMarker);
  if (!marker.ok) problems.push({ field: 'marker', text: marker.text });
  const status = parseStatus(raw.status);
  if (!status.ok) problems.push({ field: 'status', text: status.text });
  const numerator = parseNumber(raw.numerator);
  if (!numerator.ok) problems.push({ field: 'numerator', text: numerator.text });
  const denominator = parseNumber(raw.denominator);
  if (!denominator.ok) problems.push({ field: 'denominator', text: denominator.text });
  const note = String(raw.note ?? '').trim();
  if (note.length > NOTE_MAX) problems.push({ field: 'note', text: `A note can be at most ${NOTE_MAX} characters: this one has ${note.length}` });
  if (problems.length) return { ok: false, problems };

  let v = (value as { value: number | null }).value;
  const m = (marker as { marker: Marker | null }).marker;
  const n = (numerator as { value: number | null }).value;
  const d = (denominator as { value: number | null }).value;

  if (n !== null || d !== null) {
    if (options.gap) {
      problems.push({ field: n !== null ? 'numerator' : 'denominator', text: 'A gap is worked out from the two groups, so it has no numerator or denominator: leave them blank' });
    } else if (unit.unit === 'count') {
      problems.push({ field: n !== null ? 'numerator' : 'denominator', text: 'A count is not worked out from a numerator and denominator: leave them blank' });
    } else if (m) {
      problems.push({ field: 'marker', text: 'A figure with a marker has no numerator or denominator: remove them, or the marker' });
    } else if (n === null) {
      problems.push({ field: 'numerator', text: 'Enter the numerator too, or leave the denominator blank' });
    } else if (d === null) {
      problems.push({ field: 'denominator', text: 'Enter the denominator too, or leave the numerator blank' });
    } else if (n < 0) {
      problems.push({ field: 'numerator', text: `The numerator cannot be negative: ${format.number(n, decimalsOf(n))} is` });
    } else if (d <= 0) {
      problems.push({ field: 'denominator', text: `The denominator must be more than 0: ${format.number(d, decimalsOf(d))} is not` });
    } else {
      const computed = computedValue(unit, n, d)!;
      const shown = format.value(computed, { unit: unit.unit, decimals: unit.decimals, rateBase: unit.rate_base });
      if (v !== null && roundTo(v, unit.decimals) !== roundTo(computed, unit.decimals)) {
        problems.push({
          field: 'value',
          text: `The value is worked out from the numerator and denominator (${shown}): leave it blank, or correct the numbers`,
        });
      } else if (unit.unit === 'percentage' && n > d) {
        problems.push({ field: 'numerator', text: `The numerator (${format.number(n, decimalsOf(n))}) is more than the denominator (${format.number(d, decimalsOf(d))}): a percentage cannot be over 100` });
      } else {
        v = computed;
      }
    }
  }
  if (problems.length) return { ok: false, problems };

  if (v !== null && m) problems.push({ field: 'marker', text: 'Give a value or a marker, not both' });
  else if (v === null && !m) problems.push({ field: 'value', text: 'Enter a value, or choose a marker if there is no figure (x: not available)' });
  else if (v !== null) {
    const why = unitProblem(v, unit, options.gap);
    if (why) problems.push({ field: 'value', text: why });
  }
  if (problems.length) return { ok: false, problems };

  const figure: Figure = { value: v, marker: m, status: 'final', numerator: n, denominator: d, note };
  const given = (status as { status: ObservationStatus | null }).status;
  if (given) figure.status = given;
  else if (existing) figure.status = existing.status === 'final' && !sameNumbers(existing, figure) ? 'revised' : existing.status;
  return { ok: true, figure };
}

const sameNumber = (a: number | null, b: number | null) =>
  a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b)));

function sameNumbers(a: Figure, b: Figure): boolean {
  return sameNumber(a.value, b.value) && a.marker === b.marker && sameNumber(a.numerator, b.numerator) && sameNumber(a.denominator, b.denominator);
}

export function sameFigure(a: Figure, b: Figure): boolean {
  return sameNumbers(a, b) && a.status === b.status && a.note === b.note;
}

/** A figure for a sentence: "12.5% (provisional)", "c (suppressed to protect confidentiality, final)". */
export function describeFigure(figure: Figure | null | undefined, unit: UnitInfo): string {
  if (!figure) return 'no figure';
  const spec = { unit: unit.unit, decimals: unit.decimals, rateBase: unit.rate_base };
  const main = figure.marker ? `${figure.marker} (${format.MARKERS[figure.marker].label})` : format.value(figure.value, spec);
  const parts = [main, figure.status];
  if (figure.numerator !== null && figure.denominator !== null) parts.push(`${format.number(figure.numerator, decimalsOf(figure.numerator))} ÷ ${format.number(figure.denominator, decimalsOf(figure.denominator))}`);
  return `${main} (${parts.slice(1).join(', ')})`;
}

/** A number as a form or a CSV file gets it back: every digit stored, no thousands separators. */
export function numberText(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}
