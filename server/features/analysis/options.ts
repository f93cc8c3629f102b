// The SPC options a page or an API call may ask for: screening, fixed baseline points, rebasing periods.
import { z } from 'zod';
import { tryParsePeriod, type PeriodType } from '../../analysis/periods.ts';
import type { SpcSettings } from '../../analysis/indicator-analysis.ts';

export const analysisQuery = z.object({
  screen: z.enum(['true', 'false']).optional(),
  fix: z.string().regex(/^\d{1,3}$/, 'fix must be a whole number of points, at least 2').optional(),
  rebase: z.string().max(500).optional(),
  version: z.string().regex(/^\d{1,6}$/).optional(),
});

export type AnalysisQuery = z.infer<typeof analysisQuery>;

/** Turns the query into SPC settings; problems come back as messages naming the parameter. */
export function spcSettingsFrom(query: AnalysisQuery, periodType: PeriodType): { settings: SpcSettings; problems: string[] } {
  const problems: string[] = [];
  const settings: SpcSettings = { screen: query.screen === 'true' };
  if (query.fix !== undefined) {
    const fix = Number(query.fix);
    if (fix < 2) problems.push('fix must be at least 2 points');
    else settings.fixAfter = fix;
  }
  if (query.rebase) {
    const positions: number[] = [];
    for (const text of query.rebase.split(',').map((s) => s.trim()).filter(Boolean)) {
      const parsed = tryParsePeriod(periodType, text);
      if (parsed.ok) positions.push(parsed.period.position);
      else problems.push(`rebase: ${parsed.error}`);
    }
    if (positions.length) settings.rebaseAt = positions;
  }
  return { settings, problems };
}
