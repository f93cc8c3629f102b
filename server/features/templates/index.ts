// Partnership templates (seeds/templates/*.json): what a new partnership starts from instead of a blank page.
// The site-admin "create partnership" page and the CLI (`partnership create --template KEY`) call these two functions.
import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { buildHistory, findAuthority, loadBenchmark, measureCodes, type BenchmarkAuthority, type Benchmark } from './benchmark.ts';
import { createMeasures, createProgramme, findProgrammeByName } from '../programmes/queries.ts';
import {
  existingTables,
  findPartnershipForTemplate,
  insertAction,
  insertDataDevelopmentItem,
  insertOutcome,
  insertPriority,
  insertSeriesObservations,
  nextDataDevelopmentRank,
  nextOutcomePosition,
  recordTemplate,
} from './queries.ts';
import { createIndicator, indicatorCodesTaken, type NewIndicator } from '../indicators/queries.ts';
import { findTemplateFile, readTemplateFiles, TemplateError, type TemplateFile, type TemplateIndicator } from './template-file.ts';
import type { PlanActor } from '../../db/plan-changes.ts';

export { TemplateError } from './template-file.ts';

export interface TemplateSummary {
  key: string;
  name: string;
  summary: string;
  /** The case study of the what-works library the template follows, if any. */
  caseStudy: number | null;
  outcomes: number;
  priorities: number;
  indicators: number;
  /** Indicators whose history the benchmark library can fill for an English authority. */
  withBenchmark: number;
  programmes: number;
  actions: number;
}

/** The templates a partnership can be created from, `blank` last. Throws TemplateError for a malformed file. */
export async function listTemplates(): Promise<TemplateSummary[]> {
  return (await readTemplateFiles()).map(summarise);
}

function summarise(template: TemplateFile): TemplateSummary {
  const priorities = template.outcomes.flatMap((o) => o.priorities);
  const indicators = priorities.flatMap((p) => p.indicators);
  return {
    key: template.key,
    name: template.name,
    summary: template.summary,
    caseStudy: template.caseStudy ?? null,
    outcomes: template.outcomes.length,
    priorities: priorities.length,
    indicators: indicators.length,
    withBenchmark: indicators.filter((i) => measureCodes(i).length > 0).length,
    programmes: priorities.reduce((n, p) => n + p.programmes.length, 0),
    actions: priorities.reduce((n, p) => n + p.actions.length, 0),
  };
}

export interface AppliedTemplate {
  key: string;
  name: string;
  outcomes: number;
  priorities: number;
  indicators: number;
  /** Indicators given history from the benchmark library. */
  indicatorsWithHistory: number;
  programmes: number;
  performanceMeasures: number;
  actions: number;
  dataDevelopmentItems: number;
  /** The authority whose figures were used, when there was one. */
  authority: { laNumber: number; name: string; neighbourModel: string | null } | null;
  /** Plain sentences on what was left out and why, for the page or the CLI to show. */
  notes: string[];
}

/**
 * Creates the template's outcomes, priorities and indicators (and, where those tables exist, its programmes with
 * their performance measures, its actions and its data development agenda) in the partnership, inside the caller's
 * transaction. For an English authority — `options.laNumber`, or the partnership's own LA number when the option is
 * left out; `null` for none — each indicator the benchmark library has gets the authority's history and the England,
 * region and statistical-neighbour series. Adds to what the partnership already has; throws TemplateError (and writes
 * nothing the caller need keep) for an unknown key or an indicator code the partnership already uses.
 */
export async function applyTemplate(
  trx: Transaction<DB>,
  partnershipId: string,
  templateKey: string,
  options: { laNumber?: number | null },
): Promise<AppliedTemplate> {
  const templates = await readTemplateFiles();
  const template = templates.find((t) => t.key === templateKey);
  if (!template) throw new TemplateError(`There is no template "${templateKey}". The templates are: ${templates.map((t) => t.key).join(', ')}.`);
  const partnership = await findPartnershipForTemplate(trx, partnershipId);
  if (!partnership) throw new TemplateError('That partnership does not exist');

  const priorities = template.outcomes.flatMap((o) => o.priorities);
  const codes = priorities.flatMap((p) => [...p.indicators.map((i) => i.code), ...p.programmes.flatMap((g) => g.measures.map((m) => m.code))]);
  const used = await indicatorCodesTaken(trx, partnershipId, codes);
  if (used.length) throw new TemplateError(`The partnership already has indicators with the codes ${used.join(', ')}, which the template would add again.`);

  const notes: string[] = [];
  const laNumber = options.laNumber !== undefined ? options.laNumber : partnership.la_number;
  const needsBenchmark = priorities.some((p) => p.indicators.some((i) => measureCodes(i).length > 0));
  let benchmark: Benchmark | null = null;
  let authority: BenchmarkAuthority | null = null;
  if (needsBenchmark && laNumber != null) {
    benchmark = await loadBenchmark();
    authority = benchmark ? findAuthority(benchmark, laNumber) : null;
    if (!benchmark) notes.push('The benchmark library is not installed, so no indicator has history yet.');
    else if (!authority) notes.push(`LA number ${laNumber} is not an English local authority in the benchmark library, so no indicator has history yet.`);
    else if (!authority.neighbours) notes.push(`${authority.name} is not in the DfE statistical-neighbour files, so there is no neighbour line.`);
  } else if (needsBenchmark) {
    notes.push('No LA number was given, so no indicator has history yet: enter or import the figures.');
  }
  const localName = partnership.la_name?.trim() || authority?.name || 'Local';

  const wanted = ['programme', 'programme_priority', 'action', 'action_priority', 'data_development_item'];
  const tables = await existingTables(trx, wanted);
  const canProgrammes = tables.has('programme') && tables.has('programme_priority');
  const canActions = tables.has('action') && tables.has('action_priority');
  const canDataDevelopment = tables.has('data_development_item');
  const programmeCount = priorities.reduce((n, p) => n + p.programmes.length, 0);
  const actionCount = priorities.reduce((n, p) => n + p.actions.length, 0);
  const dataDevelopmentCount = priorities.reduce((n, p) => n + p.dataDevelopment.length, 0);
  if (programmeCount && !canProgrammes) notes.push(`The ${programmeCount} programmes and their performance measures were left out: this installation has no programmes.`);
  if (actionCount && !canActions) notes.push(`The ${actionCount} suggested actions were left out: this installation has no action plans.`);
  if (dataDevelopmentCount && !canDataDevelopment) notes.push(`The ${dataDevelopmentCount} data development items were left out: this installation has no data development agenda.`);
  if (canProgrammes) {
    const names = priorities.flatMap((p) => p.programmes.map((g) => g.name));
    const taken = (await Promise.all(names.map((name) => findProgrammeByName(trx, partnershipId, name)))).filter((p) => p !== undefined);
    if (taken.length) throw new TemplateError(`The partnership already has programmes called ${taken.map((p) => p.name).join(', ')}, which the template would add again.`);
  }

  const result: AppliedTemplate = {
    key: template.key,
    name: template.name,
    outcomes: 0,
    priorities: 0,
    indicators: 0,
    indicatorsWithHistory: 0,
    programmes: 0,
    performanceMeasures: 0,
    actions: 0,
    dataDevelopmentItems: 0,
    authority: authority ? { laNumber: authority.laNumber, name: authority.name, neighbourModel: authority.neighbours?.model ?? null } : null,
    notes,
  };
  let outcomePosition = await nextOutcomePosition(trx, partnershipId);
  let dataDevelopmentRank = canDataDevelopment && dataDevelopmentCount ? await nextDataDevelopmentRank(trx, partnershipId) : 1;
  for (const outcome of template.outcomes) {
    const outcomeId = await insertOutcome(trx, partnershipId, { title: outcome.title, description: outcome.description, position: outcomePosition++ });
    result.outcomes++;
    for (const [priorityPosition, priority] of outcome.priorities.entries()) {
      const priorityId = await insertPriority(trx, partnershipId, { outcomeId, title: priority.title, description: priority.description, position: priorityPosition });
      result.priorities++;
      for (const [position, spec] of priority.indicators.entries()) {
        const history = benchmark && authority ? buildHistory(benchmark, spec, authority, localName) : null;
        await createTemplateIndicator(trx, partnershipId, priorityId, spec, { position, history, templateName: template.name, localName, actor: { userId: null, via: 'template' } });
        result.indicators++;
        if (history) result.indicatorsWithHistory++;
      }
      if (canProgrammes) {
        // The programmes feature's own queries: a measure made here is like one made on its pages.
        for (const programme of priority.programmes) {
          const programmeId = await createProgramme(
            trx,
            partnershipId,
            { name: programme.name, description: programme.description, customers: programme.customers, lead_partner_id: null },
            [priorityId],
          );
          result.programmes++;
          await createMeasures(
            trx,
            partnershipId,
            programmeId,
            programme.name,
            programme.measures.map((m) => ({
              code: m.code,
              title: m.title,
              definition: m.lead,
              unit: m.unit,
              decimals: m.decimals,
              polarity: m.polarity,
              period_type: m.periodType,
              measure_kind: m.kind,
            })),
          );
          result.performanceMeasures += programme.measures.length;
        }
      }
      if (canActions) {
        for (const action of priority.actions) {
          await insertAction(trx, partnershipId, { ...action, priorityId });
          result.actions++;
        }
      }
      if (canDataDevelopment) {
        for (const item of priority.dataDevelopment) {
          await insertDataDevelopmentItem(trx, partnershipId, { ...item, priorityId, rank: dataDevelopmentRank++ });
          result.dataDevelopmentItems++;
        }
      }
    }
  }
  await recordTemplate(trx, partnershipId, template.key, template.name);
  return result;
}

/** One of a template's indicators under a priority, with its series (and their history, when there is one). */
async function createTemplateIndicator(
  trx: Transaction<DB>,
  partnershipId: string,
  priorityId: string,
  spec: TemplateIndicator,
  context: { position?: number; history: ReturnType<typeof buildHistory>; templateName: string; localName: string; actor: PlanActor },
) {
  const series = context.history?.series ?? emptySeries(spec, context.localName);
  const created = await createIndicator(trx, partnershipId, { priorityId, ...indicatorValues(spec, context.position, context.history, context.templateName) }, context.actor, { series });
  for (const s of series) await insertSeriesObservations(trx, created.series.find((c) => c.role === s.role)!.id, s.observations);
  return created;
}

/** Every indicator the templates suggest, with the template it comes from: the "add from a template" list. */
export async function listTemplateIndicators(): Promise<{ templateKey: string; templateName: string; spec: TemplateIndicator }[]> {
  return (await readTemplateFiles()).flatMap((t) => t.outcomes.flatMap((o) => o.priorities.flatMap((p) => p.indicators.map((spec) => ({ templateKey: t.key, templateName: t.name, spec })))));
}

/**
 * Adds one of a template's indicators under a priority of the partnership (looked up by the caller), after its
 * indicators, with its history from the benchmark library for the partnership's own authority, as applying the
 * whole template would. Throws TemplateError for an unknown template or indicator, or a code already used.
 */
export async function addTemplateIndicator(trx: Transaction<DB>, partnershipId: string, priorityId: string, templateKey: string, code: string, actor: PlanActor) {
  const template = await findTemplateFile(templateKey);
  const spec = template?.outcomes.flatMap((o) => o.priorities.flatMap((p) => p.indicators)).find((i) => i.code === code);
  if (!template || !spec) throw new TemplateError(`There is no indicator ${code} in the template "${templateKey}"`);
  if ((await indicatorCodesTaken(trx, partnershipId, [code])).length) throw new TemplateError(`The partnership already has an indicator ${code}`);
  const partnership = await findPartnershipForTemplate(trx, partnershipId);
  if (!partnership) throw new TemplateError('That partnership does not exist');
  const benchmark = measureCodes(spec).length > 0 && partnership.la_number != null ? await loadBenchmark() : null;
  const authority = benchmark && partnership.la_number != null ? findAuthority(benchmark, partnership.la_number) : null;
  const localName = partnership.la_name?.trim() || authority?.name || 'Local';
  const history = benchmark && authority ? buildHistory(benchmark, spec, authority, localName) : null;
  return createTemplateIndicator(trx, partnershipId, priorityId, spec, { history, templateName: template.name, localName, actor });
}

function indicatorValues(spec: TemplateIndicator, position: number | undefined, history: ReturnType<typeof buildHistory>, templateName: string): Omit<NewIndicator, 'priorityId'> {
  const fromBenchmark = measureCodes(spec).length > 0;
  return {
    code: spec.code,
    title: spec.title,
    definition: history ? `${spec.lead}\n\n${history.method}` : spec.lead,
    unit: spec.unit,
    rateBase: spec.rateBase ?? null,
    decimals: spec.decimals,
    polarity: spec.polarity,
    periodType: spec.periodType,
    kind: spec.kind,
    rank: spec.rank,
    focusLabel: spec.kind === 'gap' ? spec.focusLabel : null,
    comparisonLabel: spec.kind === 'gap' ? spec.comparisonLabel : null,
    sourceText:
      history?.source.text ??
      (fromBenchmark
        ? `Suggested by the ${templateName} template. Published by the Department for Education for every English local authority: enter or import the figures.`
        : `Suggested by the ${templateName} template. The partnership's own data: enter or import the figures.`),
    sourceUrl: history?.source.url ?? null,
    licence: history?.source.licence ?? '',
    position,
  };
}

/** Without history, the series the partnership will fill: its own (for a gap, both groups). */
function emptySeries(spec: TemplateIndicator, localName: string) {
  if (spec.rank === 'data_development') return [];
  if (spec.kind === 'single') return [{ role: 'local' as const, label: localName, observations: [] }];
  const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
  return [
    { role: 'focus' as const, label: `${localName}: ${lower(spec.focusLabel)}`, observations: [] },
    { role: 'comparison' as const, label: `${localName}: ${lower(spec.comparisonLabel)}`, observations: [] },
  ];
}
