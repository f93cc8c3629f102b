// The SPC options a page or an API call may ask for (screening, fixed baseline points, rebasing periods), and the
// settings a partnership agreed, which the chart uses unless a what-if preview asks otherwise.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { tryParsePeriod, type PeriodType } from '../../analysis/periods.ts';
import type { SpcSettings } from '../../analysis/indicator-analysis.ts';
import type { SpcRebase } from '../../db/schema-analysis.ts';
import type { DB } from '../../db/schema.ts';
import type { FieldError } from '../../forms/forms.ts';
import * as format from '../../format.ts';
import { findSpcSettings, settingsOf, type SpcSettingRecord } from './spc-settings.ts';

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

// ---- Agreed SPC settings (issue 16): what the chart uses, what-if previews, and the form that agrees a version ----

/** Nothing agreed: every figure, no screening, limits neither fixed nor rebased (the MDC tool's defaults). */
export const DEFAULT_SPC_SETTINGS: SpcSettings = { screen: false };

export interface SpcChoice {
  /** What the chart is computed with. */
  settings: SpcSettings;
  /** The agreed version the chart starts from; null when none has been agreed. */
  agreed: SpcSettingRecord | null;
  /** True when URL parameters changed the agreed settings: a what-if, not what the partnership agreed. */
  preview: boolean;
  problems: string[];
  /** One sentence naming the version used (or the defaults), for the chart. */
  sentence: string;
  /** The preview's URL parameters, to open the form with them ('' when not a preview). */
  previewQuery: string;
}

const PREVIEW_KEYS = ['screen', 'fix', 'rebase'] as const;

/**
 * The SPC settings a chart uses: the latest agreed version, with any `screen`, `fix` or `rebase` URL parameter laid
 * over it as a preview that says so.
 */
export function spcChoiceFrom(query: AnalysisQuery, periodType: PeriodType, agreed: SpcSettingRecord | null | undefined): SpcChoice {
  const base = agreed ? settingsOf(agreed) : DEFAULT_SPC_SETTINGS;
  const preview = PREVIEW_KEYS.some((key) => query[key] !== undefined && query[key] !== '');
  const sentence = describeSpcSettings(agreed ?? null);
  if (!preview) return { settings: base, agreed: agreed ?? null, preview, problems: [], sentence, previewQuery: '' };
  const previewQuery = new URLSearchParams(PREVIEW_KEYS.filter((key) => query[key] !== undefined).map((key) => [key, query[key]!])).toString();
  const asked = spcSettingsFrom(query, periodType);
  const settings: SpcSettings = { ...base };
  if (query.screen !== undefined) settings.screen = asked.settings.screen;
  if (query.fix !== undefined) settings.fixAfter = asked.settings.fixAfter;
  if (query.rebase !== undefined) settings.rebaseAt = asked.settings.rebaseAt;
  return { settings, agreed: agreed ?? null, preview, problems: asked.problems, sentence, previewQuery };
}

/** The chart's choice for one indicator: reads its agreed settings. */
export async function spcChoiceFor(db: Kysely<DB>, indicator: { id: string; period_type: string }, query: AnalysisQuery): Promise<SpcChoice> {
  return spcChoiceFrom(query, indicator.period_type as PeriodType, await findSpcSettings(db, indicator.id));
}

/** "limits from 2019 Q1; rebased at 2021-22 Q2 because …; limits fixed after 12 points; moving-range screening on". */
export function describeSpcChoices(record: Pick<SpcSettingRecord, 'from_label' | 'rebases' | 'fix_after' | 'screen'>): string {
  return [
    record.from_label ? `limits from ${record.from_label}` : 'limits from the first figure',
    ...record.rebases.map((r) => `rebased at ${r.label} because ${r.reason}`),
    record.fix_after ? `limits fixed after ${record.fix_after} points` : 'limits not fixed',
    `moving-range screening ${record.screen ? 'on' : 'off'}`,
  ].join('; ');
}

export function describeSpcSettings(record: SpcSettingRecord | null): string {
  if (!record) return 'No SPC settings have been agreed for this indicator: the chart uses the defaults (every figure, limits neither fixed nor rebased, moving-range screening off).';
  return `SPC settings version ${record.version}, agreed by ${record.agreed_by_name} on ${format.date(record.agreed_at)}: ${describeSpcChoices(record)}.`;
}

const posted = (max: number, message: string) => z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string().max(max, message));
const postedList = (max: number, message: string) =>
  z.preprocess((v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().trim().max(max, message)).max(20, 'Rebase: at most 20 rebase points'));

/** The SPC settings form as posted (field names are the inputs' names). */
export const spcSettingsBody = z.object({
  from: posted(20, 'Limits from: enter a period like the ones in the table, or leave it blank'),
  screen: z.preprocess((v) => (typeof v === 'string' ? v : ''), z.enum(['yes', 'no'], { error: 'Screening: choose whether outlying moving ranges are screened out' })),
  fixAfter: posted(3, 'Fix limits after: enter a whole number of points from 2 to 999, or leave it blank'),
  rebasePeriod: postedList(20, 'Rebase: a period is at most 20 characters'),
  rebaseReason: postedList(500, 'Rebase: a reason is at most 500 characters'),
  note: posted(2000, 'Why these settings: at most 2,000 characters'),
  basedOn: z.preprocess((v) => (typeof v === 'string' && /^\d{1,6}$/.test(v.trim()) ? Number(v) : undefined), z.number({ error: 'The form was damaged: open it again' }).int().min(0)),
});

export interface SpcSettingsProposal {
  from: { position: number; label: string } | null;
  fixAfter: number | null;
  screen: boolean;
  rebases: SpcRebase[];
  note: string;
  basedOn: number;
}

/**
 * Checks a posted form against the indicator's periods and figures. Problems name the field (its input's id), so the
 * form is shown again with the person's input and each message beside its field.
 */
export function proposeSpcSettings(
  body: unknown,
  periodType: PeriodType,
  figurePositions: readonly number[],
): { ok: true; proposal: SpcSettingsProposal } | { ok: false; problems: FieldError[] } {
  const parsed = spcSettingsBody.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'from');
    return { ok: false, problems: [{ field: name === 'rebasePeriod' || name === 'rebaseReason' ? 'rebase-0-period' : name, text: issue.message }] };
  }
  const data = parsed.data;
  const problems: FieldError[] = [];
  const positions = [...figurePositions].sort((a, b) => a - b);

  let from: SpcSettingsProposal['from'] = null;
  if (data.from) {
    const period = tryParsePeriod(periodType, data.from);
    if (!period.ok) problems.push({ field: 'from', text: `Limits from: ${period.error}` });
    else {
      const count = positions.filter((p) => p >= period.period.position).length;
      if (count < 2) problems.push({ field: 'from', text: `Limits from: there ${count === 1 ? 'is only 1 figure' : 'are no figures'} from ${period.period.label} on, and limits need at least 2` });
      else from = { position: period.period.position, label: period.period.label };
    }
  }

  let fixAfter: number | null = null;
  if (data.fixAfter) {
    if (!/^\d+$/.test(data.fixAfter) || Number(data.fixAfter) < 2) problems.push({ field: 'fixAfter', text: `Fix limits after: "${data.fixAfter}" is not a whole number of points from 2 to 999` });
    else fixAfter = Number(data.fixAfter);
  }

  const first = from?.position ?? positions[0];
  const rebases: SpcRebase[] = [];
  const rows = Math.max(data.rebasePeriod.length, data.rebaseReason.length);
  for (let i = 0; i < rows; i++) {
    const text = data.rebasePeriod[i] ?? '';
    const reason = data.rebaseReason[i] ?? '';
    if (!text && !reason) continue;
    const field = `rebase-${i}-period`;
    const name = `Rebase ${i + 1}`;
    if (!text) {
      problems.push({ field, text: `${name}: enter the period the new limits start from, or clear the reason` });
      continue;
    }
    const period = tryParsePeriod(periodType, text);
    if (!period.ok) problems.push({ field, text: `${name}: ${period.error}` });
    else if (first !== undefined && period.period.position <= first) problems.push({ field, text: `${name}: ${period.period.label} is not after the first period the chart uses; a rebase must come later` });
    else if (!positions.some((p) => p >= period.period.position)) problems.push({ field, text: `${name}: there are no figures from ${period.period.label} on` });
    else if (rebases.some((r) => r.position === period.period.position)) problems.push({ field, text: `${name}: ${period.period.label} is given twice` });
    else if (!reason) problems.push({ field: `rebase-${i}-reason`, text: `${name}: say why the process changed at ${period.period.label} (a rebase needs a reason)` });
    else rebases.push({ position: period.period.position, label: period.period.label, reason });
  }
  if (!data.note) problems.push({ field: 'note', text: 'Why these settings: say why they were agreed, and where (for example “Data day, 12 March”)' });
  if (problems.length) return { ok: false, problems };
  rebases.sort((a, b) => a.position - b.position);
  return { ok: true, proposal: { from, fixAfter, screen: data.screen === 'yes', rebases, note: data.note, basedOn: data.basedOn } };
}
