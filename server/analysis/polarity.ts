// Which way is better for an indicator (docs/method.md, Has the curve turned?). Neutral ("can't say") indicators, such as domestic
// abuse reports where a rise may mean better reporting, are described as above or below, never better or worse.

// 'higher' = higher is better, 'lower' = lower is better; the same values the database stores.
export const POLARITIES = ['higher', 'lower', 'neutral'] as const;
export type Polarity = (typeof POLARITIES)[number];

export function isPolarity(value: unknown): value is Polarity {
  return typeof value === 'string' && (POLARITIES as readonly string[]).includes(value);
}

/** s in the method: +1 if higher is better, −1 if lower is better, 0 if neutral. */
export function polaritySign(polarity: Polarity): 1 | -1 | 0 {
  if (polarity === 'higher') return 1;
  if (polarity === 'lower') return -1;
  return 0;
}

/** Relative tolerance under which two numbers count as equal, so that floating-point noise never decides. */
export const RELATIVE_TOLERANCE = 1e-9;

export function tolerance(...magnitudes: number[]): number {
  return RELATIVE_TOLERANCE * Math.max(0, ...magnitudes.map(Math.abs));
}

/** −1, 0 or +1: the sign of `difference`, counting anything within the tolerance of the given magnitudes as 0. */
export function signWithin(difference: number, ...magnitudes: number[]): -1 | 0 | 1 {
  const tol = tolerance(...magnitudes);
  if (difference > tol) return 1;
  if (difference < -tol) return -1;
  return 0;
}
