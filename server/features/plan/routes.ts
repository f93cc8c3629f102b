// "Your plan": a partnership's managers shape their own outcomes and priorities on pages — add, edit, reorder, move a
// priority to another outcome, retire and restore, delete what was made by mistake. Every form carries the item's
// version, so a manager who saves over someone else's newer change is told, sees both, and loses nothing.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import { notFound } from '../../http-errors.ts';
import * as format from '../../format.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import { formValues, optionalText, parseForm, parseParams, requiredText, slugParams, type FieldError } from '../../forms/forms.ts';
import {
  createOutcome,
  createPriority,
  deleteBlockers,
  deleteItem,
  DESCRIPTION_MAX,
  editItem,
  findOutcome,
  findPriority,
  listOutcomes,
  listPlanIndicators,
  listPriorities,
  movePriority,
  placeItem,
  restoreItem,
  retireBlocker,
  retireItem,
  TITLE_MAX,
  type PlanActor,
  type PlanItem,
  type PlanKind,
  type PlanResult,
} from './queries.ts';

const itemParams = slugParams.extend({ id: z.uuid() });
const versionField = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : undefined), z.number({ error: 'This form is out of date: open it again' }).int().positive());

const itemForm = (kind: PlanKind) =>
  z.object({
    title: requiredText(TITLE_MAX, `Enter a title for the ${kind}`, `The title must be ${TITLE_MAX} characters or fewer`),
    description: optionalText(DESCRIPTION_MAX, `The description must be ${DESCRIPTION_MAX.toLocaleString('en-GB')} characters or fewer`),
  });
const outcomeForm = itemForm('outcome');
const priorityForm = itemForm('priority').extend({
  outcome: z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string().min(1, 'Choose the outcome this priority serves')),
});
const editFields = { version: versionField };
const moveForm = z.object({ direction: z.enum(['up', 'down']), version: versionField });
const stateForm = z.object({ version: versionField });

const label: Record<PlanKind, { one: string; plural: string }> = {
  outcome: { one: 'outcome', plural: 'outcomes' },
  priority: { one: 'priority', plural: 'priorities' },
};

export default async function planRoutes(app: FastifyInstance) {
  const base = (caller: Caller) => `/p/${caller.partnership.slug}/plan`;
  const itemHref = (caller: Caller, kind: PlanKind, id: string) => `${base(caller)}/${label[kind].plural}/${id}`;
  const actorOf = (caller: Caller): PlanActor => ({ userId: caller.userId, via: 'form' });
  const crumbs = (caller: Caller, extra: { href: string; text: string }[] = []) => [
    { href: `/p/${caller.partnership.slug}`, text: caller.partnership.name },
    { href: base(caller), text: 'Your plan' },
    ...extra,
  ];

  async function findItem(caller: Caller, kind: PlanKind, params: unknown) {
    const { id } = parseParams(itemParams, params);
    const item = kind === 'outcome' ? await findOutcome(app.db, caller.partnershipId, id) : await findPriority(app.db, caller.partnershipId, id);
    if (!item) throw notFound();
    return item;
  }

  app.partnershipNav.push({ key: 'plan', text: 'Your plan', order: 5, role: 'manager', href: (slug) => `/p/${slug}/plan` });

  // ---- the plan -------------------------------------------------------------------------------------------------

  async function renderPlan(reply: FastifyReply, caller: Caller, errors: FieldError[] = [], status = 200) {
    const [outcomes, priorities, indicators] = await Promise.all([
      listOutcomes(app.db, caller.partnershipId),
      listPriorities(app.db, caller.partnershipId),
      listPlanIndicators(app.db, caller.partnershipId),
    ]);
    const slug = caller.partnership.slug;
    return reply.code(status).view('plan/index', {
      pageTitle: 'Your plan',
      partnership: caller.partnership,
      breadcrumbs: crumbs(caller).slice(0, 1),
      errors,
      base: base(caller),
      outcomes: outcomes.map((o, oi) => {
        const under = priorities.filter((p) => p.outcome_id === o.id);
        return {
          id: o.id,
          title: o.title,
          description: o.description,
          version: o.version,
          href: itemHref(caller, 'outcome', o.id),
          first: oi === 0,
          last: oi === outcomes.length - 1,
          canDelete: under.length === 0,
          priorities: under.map((p, pi) => {
            const held = indicators.filter((i) => i.priority_id === p.id);
            return {
              id: p.id,
              title: p.title,
              description: p.description,
              version: p.version,
              href: itemHref(caller, 'priority', p.id),
              pageHref: `/p/${slug}/priorities/${p.id}`,
              first: pi === 0,
              last: pi === under.length - 1,
              canDelete: held.length === 0,
              addIndicatorHref: `${base(caller)}/indicators/new?priority=${p.id}`,
              indicators: held.map((i, ii) => ({
                code: i.code,
                title: i.title,
                version: i.version,
                first: ii === 0,
                last: ii === held.length - 1,
                href: `/p/${slug}/indicators/${encodeURIComponent(i.code)}`,
                editHref: `/p/${slug}/indicators/${encodeURIComponent(i.code)}/edit`,
                moveHref: `/p/${slug}/indicators/${encodeURIComponent(i.code)}/move`,
              })),
            };
          }),
        };
      }),
    });
  }

  app.get('/p/:slug/plan', { config: { access: 'manager' } }, async (request, reply) => renderPlan(reply, callerIn(request)));

  app.get('/p/:slug/plan/retired', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const [outcomes, priorities, indicators] = await Promise.all([
      listOutcomes(app.db, caller.partnershipId, { retiredOnly: true }),
      listPriorities(app.db, caller.partnershipId, { retiredOnly: true }),
      listPlanIndicators(app.db, caller.partnershipId, { retiredOnly: true }),
    ]);
    const retired = (item: { retired_at: Date | null; retired_by_name: string | null }) => ({
      when: item.retired_at ? format.dateTime(item.retired_at) : '',
      who: item.retired_by_name ?? 'a former member',
    });
    return reply.view('plan/retired', {
      pageTitle: 'Retired outcomes, priorities and indicators',
      partnership: caller.partnership,
      breadcrumbs: crumbs(caller),
      outcomes: outcomes.map((o) => ({ id: o.id, title: o.title, version: o.version, href: itemHref(caller, 'outcome', o.id), ...retired(o) })),
      priorities: priorities.map((p) => ({ id: p.id, title: p.title, version: p.version, href: itemHref(caller, 'priority', p.id), outcomeTitle: p.outcome_title, outcomeRetired: p.outcome_retired, ...retired(p) })),
      indicators: indicators.map((i) => ({
        code: i.code,
        title: i.title,
        version: i.version,
        restoreAction: `/p/${caller.partnership.slug}/indicators/${encodeURIComponent(i.code)}/restore`,
        ...retired(i),
      })),
    });
  });

  // ---- adding and editing ---------------------------------------------------------------------------------------

  async function outcomeOptions(caller: Caller, current?: string) {
    const outcomes = await listOutcomes(app.db, caller.partnershipId, { includeRetired: true });
    return outcomes.filter((o) => !o.retired_at || o.id === current).map((o) => ({ value: o.id, text: o.retired_at ? `${o.title} (retired)` : o.title }));
  }

  async function renderForm(
    reply: FastifyReply,
    caller: Caller,
    kind: PlanKind,
    options: { item?: PlanItem & { outcome_id?: string }; values: Record<string, unknown>; errors?: FieldError[]; status?: number; theirs?: { title: string; description: string; outcome?: string; version: number } },
  ) {
    const editing = Boolean(options.item);
    const action = editing ? `${itemHref(caller, kind, options.item!.id)}/edit` : `${base(caller)}/${label[kind].plural}/new`;
    return reply.code(options.status ?? 200).view('plan/form', {
      pageTitle: editing ? `Change the ${kind}` : `Add ${kind === 'outcome' ? 'an outcome' : 'a priority'}`,
      partnership: caller.partnership,
      breadcrumbs: crumbs(caller),
      kind,
      editing,
      action,
      cancelHref: base(caller),
      values: options.values,
      errors: options.errors ?? [],
      theirs: options.theirs ?? null,
      outcomeOptions: kind === 'priority' ? await outcomeOptions(caller, options.item?.outcome_id) : [],
      titleHint: kind === 'outcome' ? 'What the partnership wants for children and young people, for example “Children are safe at home”' : 'A priority of the plan, for example “Reduce persistent absence”',
    });
  }

  app.get('/p/:slug/plan/outcomes/new', { config: { access: 'manager' } }, async (request, reply) => renderForm(reply, callerIn(request), 'outcome', { values: {} }));

  app.post('/p/:slug/plan/outcomes/new', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const parsed = parseForm(outcomeForm, request.body);
    if (!parsed.ok) return renderForm(reply, caller, 'outcome', { values: formValues(request.body), errors: parsed.errors, status: 400 });
    await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => createOutcome(trx, caller.partnershipId, parsed.data, actorOf(caller)));
    return reply.notice(`Outcome added: ${parsed.data.title}`).redirect(base(caller), 303);
  });

  app.get('/p/:slug/plan/priorities/new', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const query = z.object({ outcome: z.uuid().optional() }).safeParse(request.query ?? {});
    if (!query.success) throw notFound();
    if (query.data.outcome) {
      const outcome = await findOutcome(app.db, caller.partnershipId, query.data.outcome);
      if (!outcome || outcome.retired_at) throw notFound();
    }
    return renderForm(reply, caller, 'priority', { values: { outcome: query.data.outcome ?? '' } });
  });

  app.post('/p/:slug/plan/priorities/new', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const parsed = parseForm(priorityForm, request.body);
    const errors = parsed.ok ? await checkOutcome(caller, parsed.data.outcome) : parsed.errors;
    if (!parsed.ok || errors.length) return renderForm(reply, caller, 'priority', { values: formValues(request.body), errors, status: 400 });
    const { outcome, ...values } = parsed.data;
    await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => createPriority(trx, caller.partnershipId, { ...values, outcomeId: outcome }, actorOf(caller)));
    return reply.notice(`Priority added: ${values.title}`).redirect(`${base(caller)}#outcome-${outcome}`, 303);
  });

  /** The outcome a priority form names must be an active outcome of this partnership (or the one it is under now). */
  async function checkOutcome(caller: Caller, outcomeId: string, current?: string): Promise<FieldError[]> {
    const outcome = z.uuid().safeParse(outcomeId).success ? await findOutcome(app.db, caller.partnershipId, outcomeId) : undefined;
    return outcome && (!outcome.retired_at || outcome.id === current) ? [] : [{ field: 'outcome', text: 'Choose an outcome from the list' }];
  }

  for (const kind of ['outcome', 'priority'] as const) {
    const prefix = `/p/:slug/plan/${label[kind].plural}/:id`;
    const form = kind === 'outcome' ? outcomeForm : priorityForm;
    const formOf = (item: PlanItem & { outcome_id?: string }) => ({
      title: item.title,
      description: item.description,
      version: String(item.version),
      ...(kind === 'priority' ? { outcome: item.outcome_id } : {}),
    });

    app.get(`${prefix}/edit`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const item = await findItem(caller, kind, request.params);
      return renderForm(reply, caller, kind, { item, values: formOf(item) });
    });

    app.post(`${prefix}/edit`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const item = await findItem(caller, kind, request.params);
      const parsed = parseForm(form.extend(editFields), request.body);
      const values = formValues(request.body);
      if (!parsed.ok) return renderForm(reply, caller, kind, { item, values, errors: parsed.errors, status: 400 });
      const data: { title: string; description: string; version: number; outcome?: string } = parsed.data;
      const errors = data.outcome !== undefined ? await checkOutcome(caller, data.outcome, (item as PlanItem & { outcome_id?: string }).outcome_id) : [];
      if (errors.length) return renderForm(reply, caller, kind, { item, values, errors, status: 400 });
      const result = await inPartnershipTransaction(app.db, caller.partnershipId, async (trx): Promise<PlanResult<PlanItem>> => {
        const edited = await editItem(trx, kind, caller.partnershipId, item.id, data.version, { title: data.title, description: data.description }, actorOf(caller));
        if (!edited.ok || kind !== 'priority' || !data.outcome) return edited;
        return movePriority(trx, caller.partnershipId, item.id, null, data.outcome, actorOf(caller));
      });
      if (result.ok) return reply.notice(`${kind === 'outcome' ? 'Outcome' : 'Priority'} saved: ${data.title}`).redirect(`${base(caller)}#${kind}-${item.id}`, 303);
      if (result.reason === 'not_found') throw notFound();
      if (result.reason === 'refused') return renderForm(reply, caller, kind, { item, values, errors: [{ field: kind === 'priority' ? 'outcome' : 'title', text: result.message }], status: 409 });
      // Someone saved first: show their version beside this person's, keep this person's text in the form, and carry
      // the new version so that saving again is a knowing overwrite.
      const current = result.current as PlanItem & { outcome_id?: string; outcome_title?: string };
      return renderForm(reply, caller, kind, {
        item: current,
        values: { ...values, version: String(current.version) },
        errors: [{ field: 'title', text: `Someone else changed this ${kind} since you opened it. Your changes are below and have not been saved: compare them with the saved version, then save again.` }],
        status: 409,
        theirs: { title: current.title, description: current.description, outcome: current.outcome_title, version: current.version },
      });
    });

    // Reorder: "Move up" and "Move down" are forms, so they work without JavaScript.
    app.post(`${prefix}/move`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const item = await findItem(caller, kind, request.params);
      const parsed = moveForm.safeParse(request.body ?? {});
      if (!parsed.success) return renderPlan(reply, caller, [{ field: `${kind}-${item.id}`, text: 'Use the “Move up” and “Move down” buttons to change the order' }], 400);
      const result = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) =>
        placeItem(trx, kind, caller.partnershipId, item.id, parsed.data.version, { direction: parsed.data.direction }, actorOf(caller)),
      );
      if (result.ok) return reply.redirect(`${base(caller)}#${kind}-${item.id}`, 303);
      if (result.reason === 'not_found') throw notFound();
      const text =
        result.reason === 'conflict'
          ? `Someone else changed “${result.current.title}” since you opened this page. Check the plan below, then move it again.`
          : result.message;
      return renderPlan(reply, caller, [{ field: `${kind}-${item.id}`, text }], 409);
    });

    // Retire: a page that says what retiring means (and what must happen first), then a button.
    async function renderRetire(reply: FastifyReply, caller: Caller, item: PlanItem, errors: FieldError[] = [], status = 200) {
      return reply.code(status).view('plan/retire', {
        pageTitle: `Retire the ${kind}: ${item.title}`,
        partnership: caller.partnership,
        breadcrumbs: crumbs(caller),
        kind,
        item: { id: item.id, title: item.title, version: item.version },
        blocker: await retireBlocker(app.db, kind, caller.partnershipId, item.id, item.title),
        action: `${itemHref(caller, kind, item.id)}/retire`,
        cancelHref: base(caller),
        errors,
      });
    }

    app.get(`${prefix}/retire`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const item = await findItem(caller, kind, request.params);
      if (item.retired_at) return reply.redirect(`${base(caller)}/retired`, 303);
      return renderRetire(reply, caller, item);
    });

    app.post(`${prefix}/retire`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const item = await findItem(caller, kind, request.params);
      const parsed = stateForm.safeParse(request.body ?? {});
      const version = parsed.success ? parsed.data.version : null;
      const result = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => retireItem(trx, kind, caller.partnershipId, item.id, version, actorOf(caller)));
      if (result.ok) return reply.notice(`${kind === 'outcome' ? 'Outcome' : 'Priority'} retired. It can be restored from Retired items`).redirect(base(caller), 303);
      if (result.reason === 'not_found') throw notFound();
      if (result.reason === 'refused') return renderRetire(reply, caller, item, [{ field: 'retire', text: result.message }], 409);
      return renderRetire(reply, caller, result.current, [{ field: 'retire', text: `Someone else changed this ${kind} since you opened it (it is now “${result.current.title}”). Check it, then retire it again.` }], 409);
    });

    app.post(`${prefix}/restore`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const item = await findItem(caller, kind, request.params);
      const parsed = stateForm.safeParse(request.body ?? {});
      const version = parsed.success ? parsed.data.version : null;
      const result = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => restoreItem(trx, kind, caller.partnershipId, item.id, version, actorOf(caller)));
      if (result.ok) return reply.notice(`${kind === 'outcome' ? 'Outcome' : 'Priority'} restored: ${item.title}`).redirect(`${base(caller)}#${kind}-${item.id}`, 303);
      if (result.reason === 'not_found') throw notFound();
      // Refused or changed meanwhile: say so on the retired list, where the person can try again.
      const text = result.reason === 'refused' ? result.message : `Someone else changed “${result.current.title}” since you opened this page. Check it, then restore it again.`;
      return reply.code(409).view('plan/refused', {
        pageTitle: `The ${kind} was not restored`,
        partnership: caller.partnership,
        breadcrumbs: crumbs(caller, [{ href: `${base(caller)}/retired`, text: 'Retired items' }]),
        errors: [{ field: 'message', text }],
        message: text,
        backHref: `${base(caller)}/retired`,
      });
    });

    // Delete: only what was made by mistake, with nothing under it and nothing linked to it; asks first.
    async function renderDelete(reply: FastifyReply, caller: Caller, item: PlanItem, errors: FieldError[] = [], status = 200) {
      const blockers = await deleteBlockers(app.db, kind, caller.partnershipId, item.id);
      return reply.code(status).view('plan/delete', {
        pageTitle: `Delete the ${kind}: ${item.title}`,
        partnership: caller.partnership,
        breadcrumbs: crumbs(caller),
        kind,
        item: { id: item.id, title: item.title, retired: Boolean(item.retired_at) },
        blockers,
        errors,
        action: `${itemHref(caller, kind, item.id)}/delete`,
        retireHref: `${itemHref(caller, kind, item.id)}/retire`,
        cancelHref: item.retired_at ? `${base(caller)}/retired` : base(caller),
      });
    }

    app.get(`${prefix}/delete`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      return renderDelete(reply, caller, await findItem(caller, kind, request.params));
    });

    app.post(`${prefix}/delete`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const item = await findItem(caller, kind, request.params);
      const result = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => deleteItem(trx, kind, caller.partnershipId, item.id, actorOf(caller)));
      if (result.ok) return reply.redirect(item.retired_at ? `${base(caller)}/retired` : base(caller), 303);
      if (result.reason === 'not_found') throw notFound();
      return renderDelete(reply, caller, item, [{ field: 'delete', text: result.reason === 'refused' ? result.message : 'This item changed: check it and try again' }], 409);
    });
  }
}
