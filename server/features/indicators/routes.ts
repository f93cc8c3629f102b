// A partnership shapes its own indicators on pages (issue 15): add one from scratch or from the benchmark library,
// change it (wording always; what its figures mean only while it has none), move it to another priority or up and
// down within its own, retire and restore it, delete one made by mistake. Managers and admins only; every change is
// recorded in plan_change in the same transaction, and an edit made from an older version is refused with both
// versions side by side and nothing lost.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { PERIOD_TYPES, periodTypeLabel } from '../../analysis/periods.ts';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import type { FieldError } from '../../forms/forms.ts';
import { formValues, parseParams } from '../../forms/forms.ts';
import { notFound } from '../../http-errors.ts';
import * as format from '../../format.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import {
  createIndicator,
  deleteBlockers,
  deleteIndicator,
  deleteRefusal,
  findIndicatorForEdit,
  findPriorityInPartnership,
  indicatorCodesTaken,
  indicatorCodeTaken,
  indicatorHoldings,
  listPriorityChoices,
  reorderIndicator,
  restoreIndicator,
  retireIndicator,
  snapshot,
  updateIndicator,
  type EditableIndicator,
  type IndicatorResult,
} from './queries.ts';
import { FORM_ORDER, formErrors, formToFields, indicatorFields, indicatorPatch, KINDS, POLARITIES, RANKS, shapeProblems, UNITS, type IndicatorFields, type IndicatorProblem } from './rules.ts';

const slugParams = z.object({ slug: z.string() });
const codeParams = slugParams.extend({ code: z.string().min(1).max(64) });
const priorityQuery = z.object({ priority: z.string().max(100).optional(), q: z.string().max(200).optional() });
const versionField = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null), z.number().int().min(1).nullable());
const moveForm = z.object({ direction: z.enum(['up', 'down']), version: versionField });

const FIELD_LABELS: Record<keyof IndicatorFields, string> = {
  priorityId: 'Priority',
  code: 'Code',
  title: 'Title',
  definition: 'Definition',
  unit: 'Unit',
  rateBase: 'Rate base',
  decimals: 'Decimal places',
  polarity: 'Which way is better',
  periodType: 'Period type',
  kind: 'Single or gap',
  focusLabel: 'Focus group',
  comparisonLabel: 'Comparison group',
  rank: 'Rank',
  source: 'Source',
  sourceUrl: 'Source web address',
  licence: 'Licence',
};

const RANK_TEXT: Record<(typeof RANKS)[number], string> = { headline: 'Headline', secondary: 'Secondary', data_development: 'Data development' };
const KIND_TEXT: Record<(typeof KINDS)[number], string> = { single: 'Single: one figure per period', gap: 'Gap: between a focus group and a comparison group' };

type Values = Record<string, string | string[]>;

/** The form's values from an indicator as saved. */
function valuesOf(i: EditableIndicator): Values {
  const s = snapshot(i);
  return {
    priorityId: s.priorityId ?? '',
    code: s.code,
    title: s.title,
    definition: s.definition,
    unit: s.unit,
    rateBase: s.rateBase === null ? '' : String(s.rateBase),
    decimals: String(s.decimals),
    polarity: s.polarity,
    periodType: s.periodType,
    kind: s.kind,
    focusLabel: s.focusLabel ?? '',
    comparisonLabel: s.comparisonLabel ?? '',
    rank: s.rank,
    source: s.source,
    sourceUrl: s.sourceUrl ?? '',
    licence: s.licence,
    version: String(i.version),
  };
}

const problemErrors = (problems: IndicatorProblem[]): FieldError[] =>
  [...problems].sort((a, b) => FORM_ORDER.indexOf(a.field) - FORM_ORDER.indexOf(b.field)).map((p) => ({ field: p.field, text: p.text }));

export default async function indicatorRoutes(app: FastifyInstance) {
  const planHref = (caller: Caller) => `/p/${caller.partnership.slug}/plan`;
  const indicatorHref = (caller: Caller, code: string) => `/p/${caller.partnership.slug}/indicators/${encodeURIComponent(code)}`;
  const actorOf = (caller: Caller) => ({ userId: caller.userId, via: 'form' as const });

  async function renderForm(
    reply: FastifyReply,
    caller: Caller,
    options: { indicator?: EditableIndicator; values: Values; errors?: FieldError[]; status?: number; theirs?: { rows: { label: string; yours: string; theirs: string }[]; version: number } | null; locked?: string[] },
  ) {
    const priorities = await listPriorityChoices(app.db, caller.partnershipId);
    const editing = options.indicator;
    // A retired priority still shows as the indicator's own, so that an edit does not move it by accident.
    const priorityOptions = priorities.map((p) => ({ value: p.id, text: `${p.outcome_title}: ${p.title}` }));
    if (editing?.priority_id && !priorities.some((p) => p.id === editing.priority_id)) priorityOptions.unshift({ value: editing.priority_id, text: `${editing.outcome_title}: ${editing.priority_title} (retired)` });
    return reply.code(options.status ?? 200).view('indicators/form', {
      pageTitle: editing ? `Change the indicator: ${editing.title}` : 'Add an indicator',
      partnership: caller.partnership,
      editing: Boolean(editing),
      indicator: editing ? { code: editing.code, title: editing.title, retired: editing.retired_at !== null, programme: editing.programme_id !== null } : null,
      formAction: editing ? `${indicatorHref(caller, editing.code)}/edit` : `/p/${caller.partnership.slug}/plan/indicators/new`,
      cancelHref: editing ? indicatorHref(caller, editing.code) : planHref(caller),
      libraryHref: `/p/${caller.partnership.slug}/plan/indicators/from-library${options.values.priorityId ? `?priority=${encodeURIComponent(String(options.values.priorityId))}` : ''}`,
      planHref: planHref(caller),
      values: options.values,
      errors: options.errors ?? [],
      theirs: options.theirs ?? null,
      locked: options.locked ?? [],
      priorityOptions: [{ value: '', text: 'Choose a priority' }, ...priorityOptions],
      unitOptions: UNITS.map((u) => ({ value: u, text: format.unitName[u] })),
      polarityOptions: POLARITIES.map((p) => ({ value: p, text: format.polarityLabel[p] })),
      periodTypeOptions: PERIOD_TYPES.map((p) => ({ value: p, text: periodTypeLabel(p) })),
      kindOptions: KINDS.map((k) => ({ value: k, text: KIND_TEXT[k] })),
      rankOptions: RANKS.map((r) => ({ value: r, text: RANK_TEXT[r] })),
    });
  }

  async function findOr404(caller: Caller, params: unknown): Promise<EditableIndicator> {
    const { code } = parseParams(codeParams, params);
    const indicator = await findIndicatorForEdit(app.db, caller.partnershipId, code);
    if (!indicator) throw notFound();
    return indicator;
  }

  /** The fields that cannot change now, with why: shown by the fields, so nobody fills in what will be refused. */
  async function lockedFields(indicator: EditableIndicator): Promise<string[]> {
    const holdings = await indicatorHoldings(app.db, indicator.id);
    return [...(holdings.figures > 0 ? ['unit', 'rateBase', 'periodType', 'kind'] : []), ...(holdings.baselines > 0 ? ['polarity'] : [])];
  }

  // ---- adding from scratch ----

  app.get('/p/:slug/plan/indicators/new', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const query = priorityQuery.safeParse(request.query ?? {});
    const priorityId = query.success ? query.data.priority : undefined;
    if (priorityId && !(await findPriorityInPartnership(app.db, caller.partnershipId, priorityId))) throw notFound();
    return renderForm(reply, caller, { values: { priorityId: priorityId ?? '', unit: 'percentage', polarity: 'higher', periodType: 'academic_year', kind: 'single', rank: 'headline', decimals: '1' } });
  });

  app.post('/p/:slug/plan/indicators/new', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const values = formValues(request.body);
    const fields = formToFields((request.body ?? {}) as Record<string, unknown>, { editing: false });
    // A priority id that is not this partnership's was not chosen from the list: it is not found.
    if (typeof fields.priorityId === 'string' && !(await findPriorityInPartnership(app.db, caller.partnershipId, fields.priorityId))) throw notFound();
    const parsed = indicatorFields.safeParse(fields);
    if (!parsed.success) return renderForm(reply, caller, { values, errors: formErrors(parsed.error), status: 400 });
    const input = parsed.data;
    const problems = shapeProblems({ unit: input.unit, rateBase: input.rateBase ?? null, polarity: input.polarity, periodType: input.periodType, kind: input.kind, focusLabel: input.focusLabel ?? null, comparisonLabel: input.comparisonLabel ?? null });
    if (problems.length) return renderForm(reply, caller, { values, errors: problemErrors(problems), status: 400 });
    const created = await inPartnershipTransaction(app.db, caller.partnershipId, async (trx) =>
      (await indicatorCodeTaken(trx, caller.partnershipId, input.code)) ? null : createIndicator(trx, caller.partnershipId, { ...input, sourceText: input.source }, actorOf(caller)),
    );
    if (!created) return renderForm(reply, caller, { values, errors: [{ field: 'code', text: `The code ${input.code} is already used by another indicator in this partnership: choose another` }], status: 400 });
    return reply.notice(`Indicator added: ${input.title} (${created.code})`).redirect(indicatorHref(caller, created.code), 303);
  });

  // ---- changing ----

  app.get('/p/:slug/indicators/:code/edit', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const indicator = await findOr404(caller, request.params);
    return renderForm(reply, caller, { indicator, values: valuesOf(indicator), locked: await lockedFields(indicator) });
  });

  app.post('/p/:slug/indicators/:code/edit', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const indicator = await findOr404(caller, request.params);
    const values = formValues(request.body);
    const locked = await lockedFields(indicator);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const fields = formToFields(body, { editing: true });
    if (typeof fields.priorityId === 'string' && !(await findPriorityInPartnership(app.db, caller.partnershipId, fields.priorityId))) throw notFound();
    const version = versionField.safeParse(body.version).data;
    if (!version) return renderForm(reply, caller, { indicator, values, locked, errors: [{ field: 'title', text: 'The form was missing its version: open the indicator again and make your change' }], status: 400 });
    const parsed = indicatorPatch.safeParse({ ...fields, version });
    if (!parsed.success) return renderForm(reply, caller, { indicator, values, locked, errors: formErrors(parsed.error), status: 400 });
    const result = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => updateIndicator(trx, caller.partnershipId, indicator.code, parsed.data, actorOf(caller)));
    if (result.ok) return reply.notice(`Indicator saved: ${result.indicator.title} (${result.indicator.code})`).redirect(indicatorHref(caller, result.indicator.code), 303);
    if (result.reason === 'not_found') throw notFound();
    if (result.reason === 'refused') return renderForm(reply, caller, { indicator, values, locked, errors: problemErrors(result.problems), status: 400 });
    // Someone saved first: their version beside this person's, this person's input kept in the form, and the new
    // version carried so that saving again is a knowing overwrite.
    const current = result.current;
    const saved = valuesOf(current);
    const priorityNames = new Map((await listPriorityChoices(app.db, caller.partnershipId)).map((p) => [p.id, `${p.outcome_title}: ${p.title}`]));
    const rows = FORM_ORDER.filter((f) => (saved[f] ?? '') !== String(values[f] ?? '').trim()).map((f) => ({
      label: FIELD_LABELS[f],
      yours: describe(f, String(values[f] ?? ''), priorityNames),
      theirs: describe(f, String(saved[f] ?? ''), priorityNames),
    }));
    return renderForm(reply, caller, {
      indicator: current,
      values: { ...values, version: String(current.version) },
      locked: await lockedFields(current),
      errors: [{ field: 'title', text: 'Someone else changed this indicator since you opened it. Your changes are below and have not been saved: compare them with the saved version, then save again.' }],
      status: 409,
      theirs: { rows, version: current.version },
    });
  });

  /** A field's value in words, for the side-by-side comparison. */
  function describe(field: keyof IndicatorFields, value: string, priorityNames: Map<string, string>): string {
    if (value === '') return '(empty)';
    if (field === 'unit') return format.unitName[value as (typeof UNITS)[number]] ?? value;
    if (field === 'polarity') return format.polarityLabel[value as (typeof POLARITIES)[number]] ?? value;
    if (field === 'kind') return KIND_TEXT[value as (typeof KINDS)[number]] ?? value;
    if (field === 'rank') return RANK_TEXT[value as (typeof RANKS)[number]] ?? value;
    if (field === 'periodType') return (PERIOD_TYPES as readonly string[]).includes(value) ? periodTypeLabel(value as (typeof PERIOD_TYPES)[number]) : value;
    if (field === 'priorityId') return priorityNames.get(value) ?? value;
    return value;
  }

  // ---- reordering, retiring, restoring ----

  /** After a button on the plan or the indicator's page: back where it was pressed, or a page saying what stopped it. */
  async function afterButton(reply: FastifyReply, caller: Caller, indicator: EditableIndicator, result: IndicatorResult, done: string) {
    if (result.ok) return reply.redirect(done, 303);
    if (result.reason === 'not_found') throw notFound();
    const text =
      result.reason === 'conflict'
        ? `Someone else changed ${indicator.code} since you opened the page: it is now at version ${result.current.version}. Check it, then try again.`
        : result.problems.map((p) => p.text).join(' ');
    return reply.code(409).view('indicators/refused', {
      pageTitle: `${indicator.code}: ${indicator.title}`,
      partnership: caller.partnership,
      indicator: { code: indicator.code, title: indicator.title },
      text,
      backHref: indicatorHref(caller, indicator.code),
      planHref: planHref(caller),
    });
  }

  app.post('/p/:slug/indicators/:code/move', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const indicator = await findOr404(caller, request.params);
    const parsed = moveForm.safeParse(request.body ?? {});
    if (!parsed.success) return afterButton(reply, caller, indicator, { ok: false, reason: 'refused', problems: [{ field: 'priorityId', message: '', text: 'Use the “Move up” and “Move down” buttons to change the order' }] }, '');
    const result = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => reorderIndicator(trx, caller.partnershipId, indicator.code, parsed.data.version, parsed.data.direction, actorOf(caller)));
    return afterButton(reply, caller, indicator, result, `${planHref(caller)}#indicator-${encodeURIComponent(indicator.code)}`);
  });

  for (const action of ['retire', 'restore'] as const) {
    app.post(`/p/:slug/indicators/:code/${action}`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const indicator = await findOr404(caller, request.params);
      const version = versionField.safeParse((request.body as Record<string, unknown> | undefined)?.version).data ?? null;
      const change = action === 'retire' ? retireIndicator : restoreIndicator;
      const result = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => change(trx, caller.partnershipId, indicator.code, version, actorOf(caller)));
      reply.notice(action === 'retire' ? `Indicator retired: ${indicator.title}. It can be restored from Retired items` : `Indicator restored: ${indicator.title}`);
      return afterButton(reply, caller, indicator, result, action === 'retire' ? planHref(caller) : indicatorHref(caller, indicator.code));
    });
  }

  // ---- deleting one made by mistake ----

  async function renderDelete(reply: FastifyReply, caller: Caller, indicator: EditableIndicator, status = 200, message?: string) {
    const blockers = deleteBlockers(await indicatorHoldings(app.db, indicator.id));
    return reply.code(status).view('indicators/delete', {
      pageTitle: `Delete the indicator: ${indicator.title}`,
      partnership: caller.partnership,
      indicator: { code: indicator.code, title: indicator.title, version: indicator.version, retired: indicator.retired_at !== null },
      blockers,
      message: message ?? (blockers.length ? deleteRefusal(indicator.code, blockers) : null),
      href: indicatorHref(caller, indicator.code),
    });
  }

  app.get('/p/:slug/indicators/:code/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    return renderDelete(reply, caller, await findOr404(caller, request.params));
  });

  app.post('/p/:slug/indicators/:code/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const indicator = await findOr404(caller, request.params);
    const result = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => deleteIndicator(trx, caller.partnershipId, indicator.code, actorOf(caller)));
    if (result.ok) return reply.redirect(planHref(caller), 303);
    if (result.reason === 'not_found') throw notFound();
    return renderDelete(reply, caller, indicator, 409, result.reason === 'refused' ? result.problems[0]!.text : undefined);
  });
}
