// Every number, marker and status on a page is formatted here, so a figure reads the same everywhere.
import type { Marker, ObservationStatus, Polarity, Unit } from './db/schema.ts';

export interface UnitSpec {
  unit: Unit;
  decimals: number;
  rateBase?: number | null;
  /** A gap between two groups: a difference, so a percentage gap is in percentage points. */
  gap?: boolean;
}

/** How an indicator's figures are written; `measured` means what it judges (for a gap indicator, the gap). */
export function unitSpecOf(
  indicator: { unit: Unit; decimals: number; rate_base: number | null; kind: 'single' | 'gap' },
  what: 'measured' | 'groups' = 'measured',
): UnitSpec {
  return { unit: indicator.unit, decimals: indicator.decimals, rateBase: indicator.rate_base, gap: indicator.kind === 'gap' && what === 'measured' };
}

export const MARKERS: Record<Marker, { short: string; label: string }> = {
  c: { short: 'c', label: 'suppressed to protect confidentiality' },
  x: { short: 'x', label: 'not available' },
  z: { short: 'z', label: 'not applicable' },
  k: { short: 'k', label: 'rounds to zero, but is not zero' },
  low: { short: 'low', label: 'fewer than the reporting threshold' },
};

// One formatter per number of decimals: toLocaleString with options builds a new one on every call, which made number
// formatting most of a scorecard's cost (issue 20). The same output (toLocaleString is specified as this).
const numberFormats = new Map<number, Intl.NumberFormat>();

export function number(value: number, decimals: number): string {
  let formatter = numberFormats.get(decimals);
  if (!formatter) numberFormats.set(decimals, (formatter = new Intl.NumberFormat('en-GB', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })));
  return formatter.format(value);
}

/** A value with its unit, e.g. "12.3%", "21.4 per 1,000", "45.2". */
export function value(v: number | null | undefined, spec: UnitSpec): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  const text = number(v, spec.decimals);
  switch (spec.unit) {
    case 'percentage': return spec.gap ? `${text} pp` : `${text}%`;
    case 'rate': return spec.rateBase ? `${text} per ${spec.rateBase.toLocaleString('en-GB')}` : text;
    default: return text;
  }
}

/** How the unit is named in a column heading or axis. */
export function unitLabel(spec: UnitSpec): string {
  switch (spec.unit) {
    case 'percentage': return spec.gap ? 'Percentage points (pp)' : 'Percentage';
    case 'rate': return spec.rateBase ? `Rate per ${spec.rateBase.toLocaleString('en-GB')}` : 'Rate';
    case 'count': return 'Number';
    case 'score': return 'Score';
    case 'ratio': return 'Ratio';
  }
}

/** The cell text for an observation: the value, or the marker spelled out. Never a zero for a missing figure. */
export function observation(o: { value: number | null; marker: Marker | null } | undefined, spec: UnitSpec): string {
  if (!o) return 'no data';
  if (o.marker) return `${o.marker} (${MARKERS[o.marker].label})`;
  return value(o.value, spec);
}

export const statusLabel: Record<ObservationStatus, string> = { provisional: 'provisional', revised: 'revised', final: 'final' };

export const polarityLabel: Record<Polarity, string> = {
  higher: 'Higher is better',
  lower: 'Lower is better',
  neutral: 'Neither higher nor lower is better',
};

export const unitName: Record<Unit, string> = {
  percentage: 'Percentage',
  rate: 'Rate',
  count: 'Count',
  score: 'Score',
  ratio: 'Ratio',
};

/** A day, always as "7 December 2026" (YYYY-MM-DD dates are days, not instants). Periods keep their own labels. */
export function date(d: Date | string | null | undefined): string {
  if (!d) return '';
  const when = typeof d === 'string' ? new Date(d) : d;
  return when.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
}

/** A moment, always as "7 December 2026 at 14:05", in England's time. */
export function dateTime(d: Date | string | null | undefined): string {
  if (!d) return '';
  const when = typeof d === 'string' ? new Date(d) : d;
  return when.toLocaleString('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/London' });
}

/** Safe JSON for a `<script type="application/json">` block: nothing in it can close the element. */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * "Chrome 156 on Linux" from a User-Agent header, for the account page's list of sign-ins: the raw header is a
 * paragraph nobody recognises their phone in. Unknown agents are shown as sent, shortened.
 */
export function browserName(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Not recorded';
  const ua = userAgent;
  const system = /Windows/.test(ua) ? 'Windows' : /iPhone|iPad|iPod/.test(ua) ? 'iOS' : /Android/.test(ua) ? 'Android'
    : /CrOS/.test(ua) ? 'ChromeOS' : /Mac OS X|Macintosh/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
  const browsers: [string, RegExp][] = [
    ['Edge', /Edg(?:e|A|iOS)?\/(\d+)/],
    ['Opera', /OPR\/(\d+)/],
    ['Firefox', /(?:Firefox|FxiOS)\/(\d+)/],
    ['Chrome', /(?:Chrome|CriOS)\/(\d+)/],
    ['Safari', /Version\/(\d+)[^ ]* .*Safari\//],
  ];
  for (const [name, pattern] of browsers) {
    const match = pattern.exec(ua);
    if (match) return `${/Headless/.test(ua) ? `Headless ${name}` : name} ${match[1]}${system ? ` on ${system}` : ''}`;
  }
  return ua.length > 60 ? `${ua.slice(0, 57)}…` : ua;
}
