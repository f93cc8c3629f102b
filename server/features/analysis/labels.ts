// The words the analysis is shown in. One place, so the page, the scorecard, its CSV and the API agree.
import type { SpcPointType, SpcRule, Assurance } from '../../analysis/spc.ts';
import type { TurnTheCurveCode, Direction } from '../../analysis/turn-the-curve.ts';

export type StatusCode = TurnTheCurveCode | 'no_baseline';

export const STATUS: Record<StatusCode, { label: string; tag: string }> = {
  turned: { label: 'Turned', tag: 'green' },
  turning: { label: 'Turning', tag: 'turquoise' },
  on_baseline: { label: 'On baseline', tag: 'grey' },
  worse: { label: 'Worse than baseline', tag: 'red' },
  no_data: { label: 'No data', tag: 'yellow' },
  no_baseline: { label: 'No baseline', tag: 'yellow' },
  above_forecast: { label: 'Above forecast', tag: 'blue' },
  below_forecast: { label: 'Below forecast', tag: 'blue' },
};

export const STATUS_ORDER: StatusCode[] = ['turned', 'turning', 'on_baseline', 'worse', 'above_forecast', 'below_forecast', 'no_data', 'no_baseline'];

export const DIRECTION: Record<Direction, string> = {
  improved: 'Improved',
  worsened: 'Worsened',
  no_change: 'No change',
  increased: 'Increased',
  decreased: 'Decreased',
  not_comparable: 'Not comparable',
};

export const SPC_TYPE: Record<SpcPointType, string> = {
  common_cause: 'Common cause',
  special_cause_improvement: 'Improvement (special cause)',
  special_cause_concern: 'Concern (special cause)',
  special_cause_neutral_high: 'Unusually high (special cause)',
  special_cause_neutral_low: 'Unusually low (special cause)',
};

export const SPC_RULE: Record<SpcRule, string> = {
  1: 'a point outside the process limits',
  2: 'a run of 7 points each rising (or each falling)',
  3: '2 of 3 points close to or beyond a limit',
  4: '7 points in a row on one side of the mean',
};

export const ASSURANCE: Record<Assurance, string> = {
  consistent_pass: 'Will consistently meet the target (the whole process range is on the right side of it)',
  consistent_fail: 'Will consistently miss the target unless something changes',
  inconsistent: 'Will hit and miss the target at random',
};

export const JUDGEMENT: Record<string, string> = {
  better: 'Better than baseline',
  worse: 'Worse than baseline',
  on_baseline: 'On baseline',
  above_forecast: 'Above forecast',
  below_forecast: 'Below forecast',
};

export const COMPARISON: Record<string, string> = {
  better: 'better than',
  worse: 'worse than',
  same: 'the same as',
  higher: 'higher than',
  lower: 'lower than',
  not_comparable: 'not comparable with',
};

export const ROLE_NAME: Record<string, string> = { england: 'England', region: 'Region', neighbours: 'Statistical neighbours' };
