import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { PERIOD_TYPES, periodTypeLabel } from '../../analysis/periods.ts';
import type { Unit } from '../../db/schema.ts';
import type { MeasureKind } from '../../db/schema-stories.ts';
import * as format from '../../format.ts';
import { notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import { choice, formValues, isUuid, optionalId, optionalText, parseForm, parseParams, requiredText, slugParams, stringList, type FieldError } from '../../forms/forms.ts';
import { MEASURE_KINDS, measureKindHint, measureKindLabel } from '../conversation/labels.ts';
import { listPriorityChoices } from '../conversation/queries.ts';
import { renderText } from '../conversation/text.ts';
import { directionText, latestAndDirection } from '../indicators/measure.ts';
import { indicatorCharts } from '../indicators/view-model.ts';
import { ownIds } from '../actions/queries.ts';
import { findPartner, listPartnerChoices } from '../partners/queries.ts';
import {
  codesLike,
  createMeasures,
  createProgramme,
  findProgramme,
  findProgrammeByName,
  listMeasures,
  listProgrammePriorities,
  listProgrammes,
  listProgrammesForPriority,
  takenCodes,
  updateProgramme,
  type MeasureValues,
} from './queries.ts';

const programmeParams = slugParams.extend({ programmeId: z.uuid() });

const programmeForm = z.object({
  name: requiredText(200, 'Enter the name of the programme or service', 'The name must be 200 characters or fewer'),
  description: optionalText(5000, 'The description must be 5,000 characters or fewer'),
  customers: optionalText(2000, 'Who the customers are must be 2,000 characters or fewer'),
  lead_partner: optionalId,
  priorities: stringList,
});

const UNITS = ['count', 'percentage', 'rate', 'score', 'ratio'] as const satisfies readonly Unit[];
const unitText: Record<(typeof UNITS)[number], string> = {
  count: 'A number (count)',
  percentage: 'A percentage',
  rate: 'A rate',
  score: 'A score',
  ratio: 'A ratio',
};
const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,57}$/;

const measureForm = z.object({
  measure_kind: choice(MEASURE_KINDS, 'Choose which question the measure answers'),
  title: requiredText(200, 'Enter what the measure counts', 'The title must be 200 characters or fewer'),
  definition: optionalText(5000, 'The definition must be 5,000 characters or fewer'),
  unit: z.preprocess((v) => (typeof v === 'string' && v ? v : 'count'), z.enum(UNITS, { error: 'Choose how the measure is counted' })),
  polarity: choice(['higher', 'lower', 'neutral'] as const, 'Choose which way is better'),
  period_type: choice(PERIOD_TYPES, 'Choose how often the figures come'),
  code: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z.string().refine((v) => v === '' || CODE_PATTERN.test(v), 'A code is letters, digits, “_”, “.” or “-”, starting with a letter or digit, at most 58 characters'),
  ),
});

const kindOptions = MEASURE_KINDS.map((value) => ({ value, text: measureKindLabel[value], hint: measureKindHint[value] }));
const periodOptions = PERIOD_TYPES.map((value) => ({ value, text: periodTypeLabel(value) }));

/** A code from a title: "Families seen within 2 weeks" → FAMILIES_SEEN_WITHIN_2_WEEKS. */
export function codeFromTitle(title: string): string {
  const code = title
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase()
    .slice(0, 40)
    .replace(/_+$/, '');
  return code || 'MEASURE';
}

export default async function programmeRoutes(app: FastifyInstance) {
  app.partnershipNav.push({ key: 'programmes', text: 'Programmes', order: 33, role: 'viewer', href: (slug) => `/p/${slug}/programmes` });

  app.prioritySections.push({
    key: 'programmes',
    order: 40,
    template: 'programmes/section',
    async load({ db, partnership, role, priority }) {
      const programmes = await listProgrammesForPriority(db, partnership.id, priority.id);
      return {
        programmesSection: {
          programmes: programmes.map((p) => ({ ...p, href: `/p/${partnership.slug}/programmes/${p.id}` })),
          addHref: `/p/${partnership.slug}/programmes/new?priority=${priority.id}`,
          canManage: roleAtLeast(role, 'manager'),
        },
      };
    },
  });

  app.get('/p/:slug/programmes', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const programmes = await listProgrammes(app.db, caller.partnershipId);
    const priorities = await listProgrammePriorities(app.db, caller.partnershipId, programmes.map((p) => p.id));
    const slug = caller.partnership.slug;
    return reply.view('programmes/index', {
      pageTitle: 'Programmes and services',
      partnership: caller.partnership,
      canManage: caller.canManage,
      programmes: programmes.map((p) => ({
        ...p,
        href: `/p/${slug}/programmes/${p.id}`,
        priorities: priorities.filter((x) => x.programme_id === p.id).map((x) => ({ title: x.title, href: `/p/${slug}/priorities/${x.id}` })),
      })),
    });
  });

  async function renderProgrammeForm(reply: FastifyReply, caller: Caller, options: { programmeId?: string; values: Record<string, unknown>; errors?: FieldError[]; status?: number }) {
    const [partners, priorities] = await Promise.all([listPartnerChoices(app.db, caller.partnershipId), listPriorityChoices(app.db, caller.partnershipId)]);
    const chosenPartner = String(options.values.lead_partner ?? '');
    const slug = caller.partnership.slug;
    return reply.code(options.status ?? 200).view('programmes/form', {
      pageTitle: options.programmeId ? 'Change a programme or service' : 'Add a programme or service',
      partnership: caller.partnership,
      programmeId: options.programmeId ?? null,
      action: options.programmeId ? `/p/${slug}/programmes/${options.programmeId}` : `/p/${slug}/programmes`,
      values: options.values,
      errors: options.errors ?? [],
      partnerOptions: [{ value: '', text: 'No lead partner yet' }, ...partners.filter((p) => p.active || p.id === chosenPartner).map((p) => ({ value: p.id, text: p.name }))],
      priorityOptions: priorities.map((p) => ({ value: p.id, text: `${p.title} (${p.outcome_title})` })),
    });
  }

  async function checkProgramme(caller: Caller, form: z.infer<typeof programmeForm>, programme?: { id: string; lead_partner_id: string | null }): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    if (await findProgrammeByName(app.db, caller.partnershipId, form.name, programme?.id)) errors.push({ field: 'name', text: `There is already a programme called ${form.name}` });
    if (form.lead_partner) {
      const partner = isUuid(form.lead_partner) ? await findPartner(app.db, caller.partnershipId, form.lead_partner) : undefined;
      if (!partner || (!partner.active && partner.id !== programme?.lead_partner_id)) errors.push({ field: 'lead_partner', text: 'Choose a lead partner from the list' });
    }
    const priorityIds = form.priorities.filter(isUuid);
    if (priorityIds.length !== form.priorities.length || (await ownIds(app.db, caller.partnershipId, 'priority', priorityIds)).length !== priorityIds.length) {
      errors.push({ field: 'priorities', text: 'Choose priorities from the list' });
    }
    return errors;
  }

  const programmeValues = (form: z.infer<typeof programmeForm>) => ({ name: form.name, description: form.description, customers: form.customers, lead_partner_id: form.lead_partner });

  app.get('/p/:slug/programmes/new', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { priority } = z.object({ priority: z.uuid().optional().catch(undefined) }).parse(request.query ?? {});
    const chosen = priority ? await ownIds(app.db, caller.partnershipId, 'priority', [priority]) : [];
    return renderProgrammeForm(reply, caller, { values: { priorities: chosen } });
  });

  app.post('/p/:slug/programmes', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const parsed = parseForm(programmeForm, request.body);
    const errors = parsed.ok ? await checkProgramme(caller, parsed.data) : parsed.errors;
    if (!parsed.ok || errors.length) return renderProgrammeForm(reply, caller, { values: formValues(request.body), errors, status: 400 });
    const id = await app.db.transaction().execute((trx) => createProgramme(trx, caller.partnershipId, programmeValues(parsed.data), parsed.data.priorities));
    return reply.notice(`Programme “${parsed.data.name}” added`).redirect(`/p/${caller.partnership.slug}/programmes/${id}`, 303);
  });

  async function loadProgramme(caller: Caller, params: unknown) {
    const { programmeId } = parseParams(programmeParams, params);
    const programme = await findProgramme(app.db, caller.partnershipId, programmeId);
    if (!programme) throw notFound();
    return programme;
  }

  app.get('/p/:slug/programmes/:programmeId', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const programme = await loadProgramme(caller, request.params);
    const slug = caller.partnership.slug;
    const [{ measures, series, observations }, priorities] = await Promise.all([
      listMeasures(app.db, caller.partnershipId, programme.id),
      listProgrammePriorities(app.db, caller.partnershipId, [programme.id]),
    ]);
    const measureViews = measures.map((m, index) => {
      const own = observations.filter((o) => o.indicator_id === m.id);
      const { charts, headline, spec } = indicatorCharts(m, series.filter((s) => s.indicator_id === m.id), own);
      const main = charts.at(-1)!;
      const summary = latestAndDirection(headline, m.polarity, m.kind);
      return {
        code: m.code,
        title: m.title,
        kind: m.measure_kind as MeasureKind,
        href: `/p/${slug}/indicators/${encodeURIComponent(m.code)}`,
        definitionHtml: renderText(m.definition),
        hasData: headline.some((p) => p.value !== null || p.marker !== null),
        latestText: summary.latest ? `${summary.latest.label}: ${format.observation(summary.latest, spec)}` : 'No figures yet',
        direction: summary.direction,
        directionText: directionText[summary.direction],
        measuredAs: `${format.unitLabel(spec)}, by ${periodTypeLabel(m.period_type as (typeof PERIOD_TYPES)[number]).toLowerCase()}; ${format.polarityLabel[m.polarity].toLowerCase()}`,
        // Several charts on one page: each needs its own id.
        chart: { ...main.chart, id: `chart-measure-${index}` },
        table: main.table,
      };
    });
    return reply.view('programmes/show', {
      pageTitle: programme.name,
      scripts: ['/vendor/chart.js/chart.umd.min.js', '/public/js/indicator-chart.js'],
      partnership: caller.partnership,
      canManage: caller.canManage,
      programme: { ...programme, descriptionHtml: renderText(programme.description), customersHtml: renderText(programme.customers) },
      priorities: priorities.map((p) => ({ title: p.title, href: `/p/${slug}/priorities/${p.id}` })),
      groups: MEASURE_KINDS.map((kind) => ({ kind, question: measureKindLabel[kind], hint: measureKindHint[kind], measures: measureViews.filter((m) => m.kind === kind) })),
      addMeasureHref: `/p/${slug}/programmes/${programme.id}/measures/new`,
    });
  });

  app.get('/p/:slug/programmes/:programmeId/edit', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const programme = await loadProgramme(caller, request.params);
    const priorities = await listProgrammePriorities(app.db, caller.partnershipId, [programme.id]);
    return renderProgrammeForm(reply, caller, {
      programmeId: programme.id,
      values: { name: programme.name, description: programme.description, customers: programme.customers, lead_partner: programme.lead_partner_id ?? '', priorities: priorities.map((p) => p.id) },
    });
  });

  app.post('/p/:slug/programmes/:programmeId', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const programme = await loadProgramme(caller, request.params);
    const parsed = parseForm(programmeForm, request.body);
    const errors = parsed.ok ? await checkProgramme(caller, parsed.data, programme) : parsed.errors;
    if (!parsed.ok || errors.length) return renderProgrammeForm(reply, caller, { programmeId: programme.id, values: formValues(request.body), errors, status: 400 });
    await app.db.transaction().execute((trx) => updateProgramme(trx, caller.partnershipId, programme.id, programmeValues(parsed.data), parsed.data.priorities));
    return reply.notice(`Programme “${parsed.data.name}” saved`).redirect(`/p/${caller.partnership.slug}/programmes/${programme.id}`, 303);
  });

  // ---- Performance measures ----

  const renderMeasureForm = (reply: FastifyReply, caller: Caller, programme: { id: string; name: string }, values: Record<string, unknown>, errors: FieldError[] = [], status = 200) =>
    reply.code(status).view('programmes/measure-form', {
      pageTitle: `Add a performance measure: ${programme.name}`,
      partnership: caller.partnership,
      programme: { ...programme, href: `/p/${caller.partnership.slug}/programmes/${programme.id}` },
      action: `/p/${caller.partnership.slug}/programmes/${programme.id}/measures`,
      values,
      errors,
      kindOptions,
      unitOptions: UNITS.map((value) => ({ value, text: unitText[value] })),
      periodOptions,
      polarityOptions: (['higher', 'lower', 'neutral'] as const).map((value) => ({ value, text: format.polarityLabel[value] })),
    });

  app.get('/p/:slug/programmes/:programmeId/measures/new', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const programme = await loadProgramme(caller, request.params);
    return renderMeasureForm(reply, caller, programme, { polarity: 'higher', period_type: 'fy_quarter', unit: 'count' });
  });

  app.post('/p/:slug/programmes/:programmeId/measures', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const programme = await loadProgramme(caller, request.params);
    const parsed = parseForm(measureForm, request.body);
    if (!parsed.ok) return renderMeasureForm(reply, caller, programme, formValues(request.body), parsed.errors, 400);
    const form = parsed.data;
    const base = form.code || (await freeCode(caller.partnershipId, codeFromTitle(form.title), form.measure_kind === 'better_off'));
    const common = { definition: form.definition, polarity: form.polarity, period_type: form.period_type, measure_kind: form.measure_kind };
    // "Is anyone better off?" is a number and a percentage of the same people: two measures, made together.
    const measures: MeasureValues[] =
      form.measure_kind === 'better_off'
        ? [
            { ...common, code: `${base}_N`, title: `${form.title} (number)`, unit: 'count', decimals: 0 },
            { ...common, code: `${base}_PCT`, title: `${form.title} (percentage)`, unit: 'percentage', decimals: 1 },
          ]
        : [{ ...common, code: base, title: form.title, unit: form.unit, decimals: form.unit === 'count' ? 0 : 1 }];
    const taken = await takenCodes(app.db, caller.partnershipId, measures.map((m) => m.code));
    if (taken.size) {
      const error = { field: 'code', text: `The code ${[...taken].join(' and ')} is already used by another indicator or measure: choose another` };
      return renderMeasureForm(reply, caller, programme, formValues(request.body), [error], 400);
    }
    await app.db.transaction().execute((trx) => createMeasures(trx, caller.partnershipId, programme.id, programme.name, measures));
    return reply.notice(`${measures.length} performance measure${measures.length === 1 ? '' : 's'} added to ${programme.name}`).redirect(`/p/${caller.partnership.slug}/programmes/${programme.id}#measure-${measures[0]!.code}`, 303);
  });

  /** The first free code built on `base` (and, for a pair, with both its _N and _PCT forms free). */
  async function freeCode(partnershipId: string, base: string, pair: boolean): Promise<string> {
    const used = await codesLike(app.db, partnershipId, base);
    const free = (code: string) => (pair ? !used.has(`${code}_N`) && !used.has(`${code}_PCT`) : !used.has(code));
    if (free(base)) return base;
    for (let n = 2; ; n++) if (free(`${base}_${n}`)) return `${base}_${n}`;
  }
}
