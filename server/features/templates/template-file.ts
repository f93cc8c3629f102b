// The shape of a partnership template (seeds/templates/<key>.json), checked with zod when the files are read:
// a template a partnership adds later is refused with a message that names the file and the field, not half applied.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PERIOD_TYPES } from '../../analysis/periods.ts';
import { CODE_PATTERN, POLARITIES, UNITS } from '../indicators/rules.ts';

export const TEMPLATES_FOLDER = fileURLToPath(new URL('../../../seeds/templates/', import.meta.url));

const text = (max: number) => z.string().trim().min(1).max(max);
const code = z.string().regex(CODE_PATTERN, 'an indicator code: letters, digits, _ . -, at most 64');
const unit = z.enum(UNITS);
const polarity = z.enum(POLARITIES);
const periodType = z.enum(PERIOD_TYPES);

const measured = {
  code,
  title: text(200),
  /** One or two plain sentences on what is counted; for a benchmark measure, the LAIT description follows. */
  lead: text(2000),
  unit,
  rateBase: z.number().int().positive().optional(),
  decimals: z.number().int().min(0).max(6),
  polarity,
  periodType,
};

const benchmarkOptions = {
  /** First period to take from the benchmark, as the extract writes it (e.g. '2022' for the reformed EYFS profile). */
  from: z.string().max(10).optional(),
  /** Notes for periods (as the extract writes them), put on every series at that period. */
  periodNotes: z.record(z.string(), z.string().max(500)).optional(),
  /** False when the extract's England row is not this indicator (FirstYJS is not a rate there). */
  england: z.boolean().optional(),
  /** Where the LAIT took the figures from, when it is not DfE's own collection. */
  originalSource: z.string().max(300).optional(),
};

const rank = z.enum(['headline', 'secondary', 'data_development']);

/** An indicator. With `measure` (or `focus` and `comparison`) its history comes from the benchmark library. */
const indicatorSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('single'), ...measured, ...benchmarkOptions, rank, measure: z.string().max(64).optional() }),
  z.strictObject({
    kind: z.literal('gap'),
    ...measured,
    ...benchmarkOptions,
    rank,
    focus: z.string().max(64).optional(),
    comparison: z.string().max(64).optional(),
    focusLabel: text(200),
    comparisonLabel: text(200),
  }),
]);

/**
 * A performance measure of a programme (docs/method.md, The objects): how much, how well, is anyone better off. Made the way the
 * programmes pages make one (a count or a percentage, no rate base).
 */
const { rateBase: _rateBase, ...measuredWithoutRate } = measured;
const performanceMeasureSpec = z.strictObject({ ...measuredWithoutRate, kind: z.enum(['how_much', 'how_well', 'better_off']) });

const programmeSpec = z.strictObject({
  name: text(200),
  description: z.string().max(4000).default(''),
  customers: z.string().max(2000).default(''),
  measures: z.array(performanceMeasureSpec).default([]),
});

const actionSpec = z.strictObject({ title: text(200), description: z.string().max(4000).default('') });
const dataDevelopmentSpec = z.strictObject({ title: text(200), description: z.string().max(4000).default(''), howToGet: z.string().max(4000).default('') });

const prioritySpec = z.strictObject({
  title: text(300),
  description: z.string().max(4000).default(''),
  indicators: z.array(indicatorSpec).default([]),
  programmes: z.array(programmeSpec).default([]),
  actions: z.array(actionSpec).default([]),
  dataDevelopment: z.array(dataDevelopmentSpec).default([]),
});

const outcomeSpec = z.strictObject({
  title: text(300),
  description: z.string().max(4000).default(''),
  priorities: z.array(prioritySpec).default([]),
});

/** Guidance shown on the pages of a partnership started from the template. */
const guidanceSpec = z.strictObject({
  /** Per indicator, the sections of a data book entry (Coventry): the trend, the statistics, the story behind the data. */
  dataBook: z.strictObject({ intro: z.string().max(2000), storyQuestions: z.array(text(500)).min(1) }).optional(),
  /** Per priority, the seven population questions (Wakefield), in order. */
  populationQuestions: z.array(text(500)).length(7).optional(),
});

export const templateFile = z.strictObject({
  key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  name: text(100),
  summary: text(2000),
  /** The case study of the what-works library the template follows. */
  caseStudy: z.number().int().positive().optional(),
  guidance: guidanceSpec.default({}),
  outcomes: z.array(outcomeSpec),
});

export type TemplateFile = z.infer<typeof templateFile>;
export type TemplateIndicator = z.infer<typeof indicatorSpec>;
export type TemplatePerformanceMeasure = z.infer<typeof performanceMeasureSpec>;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Every code a template would create must be unique within it (they are unique within a partnership). */
function checkCodes(template: TemplateFile, file: string): void {
  const seen = new Set<string>();
  for (const outcome of template.outcomes) {
    for (const priority of outcome.priorities) {
      const codes = [...priority.indicators.map((i) => i.code), ...priority.programmes.flatMap((p) => p.measures.map((m) => m.code))];
      for (const c of codes) {
        if (seen.has(c)) throw new TemplateError(`${file}: the indicator code ${c} is used twice`);
        seen.add(c);
      }
    }
  }
  for (const outcome of template.outcomes) {
    for (const priority of outcome.priorities) {
      for (const i of priority.indicators) {
        const benchmark = i.kind === 'single' ? [i.measure] : [i.focus, i.comparison];
        if (i.kind === 'gap' && (!i.focus) !== (!i.comparison)) throw new TemplateError(`${file}: ${i.code} names only one of focus and comparison`);
        if (i.kind === 'gap' && i.polarity === 'neutral') throw new TemplateError(`${file}: ${i.code} is a gap, so its polarity must be higher or lower, not neutral`);
        if (benchmark.some(Boolean) && i.rank === 'data_development') throw new TemplateError(`${file}: ${i.code} has benchmark data, so it is not on the data development agenda`);
      }
    }
  }
}

export async function readTemplateFile(file: string): Promise<TemplateFile> {
  const name = path.basename(file);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new TemplateError(`${name}: not readable JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = templateFile.safeParse(json);
  if (!parsed.success) {
    const problem = parsed.error.issues[0]!;
    throw new TemplateError(`${name}: ${problem.path.join('.') || 'the file'}: ${problem.message}`);
  }
  if (`${parsed.data.key}.json` !== name) throw new TemplateError(`${name}: its key "${parsed.data.key}" must be its file name`);
  checkCodes(parsed.data, name);
  return parsed.data;
}

/** Every template in the folder, in the order the files sort (`blank` last). */
export async function readTemplateFiles(folder = TEMPLATES_FOLDER): Promise<TemplateFile[]> {
  const files = (await readdir(folder)).filter((f) => /^[a-z0-9][a-z0-9-]*\.json$/.test(f)).sort();
  const templates = await Promise.all(files.map((f) => readTemplateFile(path.join(folder, f))));
  return templates.sort((a, b) => Number(a.key === 'blank') - Number(b.key === 'blank') || a.name.localeCompare(b.name));
}

const byKey = new Map<string, { mtimeMs: number; template: TemplateFile }>();

/**
 * One template by key, for the pages that show its guidance: read again only when its file changes. Null when the
 * file is gone or no longer valid (the guidance is then simply not shown).
 */
export async function findTemplateFile(key: string, folder = TEMPLATES_FOLDER): Promise<TemplateFile | null> {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(key)) return null;
  const file = path.join(folder, `${key}.json`);
  try {
    const { mtimeMs } = await stat(file);
    const cached = byKey.get(file);
    if (cached && cached.mtimeMs === mtimeMs) return cached.template;
    const template = await readTemplateFile(file);
    byKey.set(file, { mtimeMs, template });
    return template;
  } catch {
    return null;
  }
}
