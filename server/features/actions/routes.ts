import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import * as format from '../../format.ts';
import { forbidden, HttpError, notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import {
  choice,
  dateField,
  formValues,
  isUuid,
  optionalId,
  optionalText,
  parseForm,
  parseParams,
  requiredText,
  slugParams,
  stringList,
  todayInEngland,
  type FieldError,
} from '../../forms/forms.ts';
import { ACTION_STATUSES, actionStatusLabel, actionStatusTag } from '../conversation/labels.ts';
import { deleteWithAuditEntry, findIndicatorIdByCode, listIndicatorChoices, listOwnerChoices, listPriorityChoices } from '../conversation/queries.ts';
import { renderText } from '../conversation/text.ts';
import { findPartner, listPartnerChoices } from '../partners/queries.ts';
import { findPriority } from '../partnerships/queries.ts';
import { addUpdate, countUpdates, createAction, deleteAction, findAction, listActions, listUpdates, ownIds, updateAction, type ActionFilters, type ActionValues } from './queries.ts';
import { actionRows } from './view-model.ts';
import { listActionEvidence, listGoldenThreads } from '../library/queries.ts';
import { actionJson, actionJsonSchema, actionsParams } from './api-routes.ts';
import type { ApiDoc } from '../../openapi/describe.ts';

const actionParams = slugParams.extend({ actionId: z.uuid() });

const statusOptions = ACTION_STATUSES.map((value) => ({ value, text: actionStatusLabel[value] }));

const actionForm = z
  .object({
    title: requiredText(200, 'Enter a title for the action', 'The title must be 200 characters or fewer'),
    description: optionalText(10000, 'The description must be 10,000 characters or fewer'),
    lead_partner: optionalId,
    owner: optionalId,
    start_date: dateField('The start date'),
    due_date: dateField('The due date'),
    status: choice(ACTION_STATUSES, 'Choose the action’s status'),
    indicators: stringList,
    priorities: stringList,
    version: z.preprocess((v) => (v === undefined || v === '' ? undefined : Number(v)), z.number().int().positive().optional()),
    return_to: z.string().optional(),
  })
  .superRefine((form, ctx) => {
    if (form.start_date && form.due_date && form.due_date < form.start_date) {
      ctx.addIssue({ code: 'custom', path: ['due_date', 'day'], message: 'The due date must be the same as or after the start date' });
    }
  });

const updateForm = z.object({
  body: optionalText(5000, 'The update must be 5,000 characters or fewer'),
  status: choice(ACTION_STATUSES, 'Choose the action’s status after this update'),
});

const listQuery = z.object({
  status: z.enum(ACTION_STATUSES).optional().catch(undefined),
  partner: z.uuid().optional().catch(undefined),
  priority: z.uuid().optional().catch(undefined),
  overdue: z.literal('yes').optional().catch(undefined),
  mine: z.literal('yes').optional().catch(undefined),
  thread: z.string().max(100).optional().catch(undefined),
});

const newQuery = z.object({ indicator: z.string().max(64).optional().catch(undefined), priority: z.uuid().optional().catch(undefined) });

export default async function actionRoutes(app: FastifyInstance) {
  app.partnershipNav.push({ key: 'actions', text: 'Actions', order: 30, role: 'viewer', href: (slug) => `/p/${slug}/actions` });

  app.indicatorSections.push({
    key: 'actions',
    order: 35,
    template: 'actions/section',
    async load({ db, partnership, role, indicator }) {
      const actions = await listActions(db, partnership.id, { indicatorId: indicator.id });
      return {
        actionsSection: {
          actions: actionRows(actions, partnership.slug),
          addHref: `/p/${partnership.slug}/actions/new?indicator=${encodeURIComponent(indicator.code)}`,
          listHref: null,
          canManage: roleAtLeast(role, 'manager'),
          subjectLabel: 'indicator',
        },
      };
    },
  });
  app.prioritySections.push({
    key: 'actions',
    order: 35,
    template: 'actions/section',
    async load({ db, partnership, role, priority }) {
      const actions = await listActions(db, partnership.id, { priorityId: priority.id });
      return {
        actionsSection: {
          actions: actionRows(actions, partnership.slug),
          addHref: `/p/${partnership.slug}/actions/new?priority=${priority.id}`,
          listHref: `/p/${partnership.slug}/actions?priority=${priority.id}`,
          canManage: roleAtLeast(role, 'manager'),
          subjectLabel: 'priority (or its indicators)',
        },
      };
    },
  });

  app.get('/p/:slug/actions', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const query = listQuery.parse(request.query ?? {});
    const today = todayInEngland();
    const filters: ActionFilters = {
      status: query.status,
      partnerId: query.partner,
      priorityId: query.priority,
      overdueOn: query.overdue ? today : undefined,
      ownerId: query.mine ? caller.userId : undefined,
    };
    const threads = await listGoldenThreads(app.db);
    // An unknown golden thread is said so, and filters nothing rather than everything.
    const thread = query.thread ? threads.find((t) => t.slug === query.thread) : undefined;
    const threadError = query.thread && !thread ? [{ field: 'thread', text: `There is no golden thread “${query.thread}”: choose one from the list` }] : [];
    if (thread) filters.threadSlug = thread.slug;
    const [actions, partners, priorities] = await Promise.all([
      threadError.length ? Promise.resolve([]) : listActions(app.db, caller.partnershipId, filters),
      listPartnerChoices(app.db, caller.partnershipId),
      listPriorityChoices(app.db, caller.partnershipId),
    ]);
    const filtered = Boolean(query.status || query.partner || query.priority || query.overdue || query.mine || query.thread);
    return reply.code(threadError.length ? 400 : 200).view('actions/index', {
      pageTitle: `${threadError.length ? 'Error: ' : ''}Actions`,
      errors: threadError,
      thread: thread ? { slug: thread.slug, name: thread.name, href: `/p/${caller.partnership.slug}/library/threads/${thread.slug}` } : null,
      threadOptions: [{ value: '', text: 'Any golden thread' }, ...threads.map((t) => ({ value: t.slug, text: `${t.number ? `${t.number}. ` : ''}${t.name}` }))],
      partnership: caller.partnership,
      canManage: caller.canManage,
      actions: actionRows(actions, caller.partnership.slug, today),
      filtered,
      query,
      statusOptions: [{ value: '', text: 'Any status' }, ...statusOptions],
      partnerOptions: [{ value: '', text: 'Any lead partner' }, ...partners.map((p) => ({ value: p.id, text: p.name }))],
      priorityOptions: [{ value: '', text: 'Any priority' }, ...priorities.map((p) => ({ value: p.id, text: p.title }))],
    });
  });

  async function formChoices(caller: Caller, currentOwner: string | null) {
    const [partners, owners, indicators, priorities] = await Promise.all([
      listPartnerChoices(app.db, caller.partnershipId),
      listOwnerChoices(app.db, caller.partnershipId, currentOwner),
      listIndicatorChoices(app.db, caller.partnershipId),
      listPriorityChoices(app.db, caller.partnershipId),
    ]);
    return { partners, owners, indicators, priorities };
  }

  async function renderActionForm(
    reply: FastifyReply,
    caller: Caller,
    options: { actionId?: string; currentOwner?: string | null; values: Record<string, unknown>; errors?: FieldError[]; status?: number; returnTo?: string | null; conflict?: boolean },
  ) {
    const choices = await formChoices(caller, options.currentOwner ?? null);
    const chosenPartner = String(options.values.lead_partner ?? '');
    let lastGroup = '';
    const indicatorOptions = choices.indicators.map((i) => {
      const group = i.programme_name ? `Performance measures: ${i.programme_name}` : (i.priority_title ?? '');
      const option = { value: i.id, text: i.title, group: group !== lastGroup ? group : undefined };
      lastGroup = group;
      return option;
    });
    const slug = caller.partnership.slug;
    return reply.code(options.status ?? 200).view('actions/form', {
      pageTitle: options.actionId ? 'Change an action' : 'Add an action',
      partnership: caller.partnership,
      actionId: options.actionId ?? null,
      formAction: options.actionId ? `/p/${slug}/actions/${options.actionId}` : `/p/${slug}/actions`,
      cancelHref: options.returnTo ?? (options.actionId ? `/p/${slug}/actions/${options.actionId}` : `/p/${slug}/actions`),
      returnTo: options.returnTo ?? '',
      values: options.values,
      errors: options.errors ?? [],
      conflict: options.conflict ?? false,
      statusOptions,
      partnerOptions: [
        { value: '', text: 'No lead partner yet' },
        ...choices.partners.filter((p) => p.active || p.id === chosenPartner).map((p) => ({ value: p.id, text: p.name })),
      ],
      ownerOptions: [{ value: '', text: 'No owner yet' }, ...choices.owners.map((o) => ({ value: o.id, text: `${o.name} (${o.role})` }))],
      indicatorOptions,
      priorityOptions: choices.priorities.map((p) => ({ value: p.id, text: p.title })),
    });
  }

  /** Checks what the form names against this partnership: a forged or foreign id is a form error, never a link. */
  async function checkReferences(caller: Caller, form: z.infer<typeof actionForm>, previous: { partnerId: string | null; ownerId: string | null }): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    if (form.lead_partner) {
      const partner = isUuid(form.lead_partner) ? await findPartner(app.db, caller.partnershipId, form.lead_partner) : undefined;
      if (!partner || (!partner.active && partner.id !== previous.partnerId)) errors.push({ field: 'lead_partner', text: 'Choose a lead partner from the list' });
    }
    if (form.owner) {
      const owners = await listOwnerChoices(app.db, caller.partnershipId, previous.ownerId);
      if (!owners.some((o) => o.id === form.owner)) errors.push({ field: 'owner', text: 'Choose an owner from the list: an officer, manager or admin of this partnership' });
    }
    const indicatorIds = form.indicators.filter(isUuid);
    if (indicatorIds.length !== form.indicators.length || (await ownIds(app.db, caller.partnershipId, 'indicator', indicatorIds)).length !== indicatorIds.length) {
      errors.push({ field: 'indicators', text: 'Choose indicators from the list' });
    }
    const priorityIds = form.priorities.filter(isUuid);
    if (priorityIds.length !== form.priorities.length || (await ownIds(app.db, caller.partnershipId, 'priority', priorityIds)).length !== priorityIds.length) {
      errors.push({ field: 'priorities', text: 'Choose priorities from the list' });
    }
    return errors;
  }

  /** Where to go back to after the form: only a page of this partnership. */
  function safeReturn(caller: Caller, value: unknown): string | null {
    const prefix = `/p/${caller.partnership.slug}/`;
    return typeof value === 'string' && value.startsWith(prefix) && !value.includes('//', 1) && !/[\s\\]/.test(value) ? value : null;
  }

  const ids = { indicators: 'indicators', priorities: 'priorities' };
  const toValues = (form: z.infer<typeof actionForm>): ActionValues => ({
    title: form.title,
    description: form.description,
    lead_partner_id: form.lead_partner,
    owner_id: form.owner,
    start_date: form.start_date,
    due_date: form.due_date,
    status: form.status,
  });

  app.get('/p/:slug/actions/new', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const query = newQuery.parse(request.query ?? {});
    const values: Record<string, unknown> = { status: 'not_started', indicators: [], priorities: [] };
    let returnTo: string | null = null;
    if (query.indicator) {
      const id = await findIndicatorIdByCode(app.db, caller.partnershipId, query.indicator);
      if (id) {
        values.indicators = [id];
        returnTo = `/p/${caller.partnership.slug}/indicators/${encodeURIComponent(query.indicator)}`;
      }
    }
    if (query.priority && (await findPriority(app.db, caller.partnershipId, query.priority))) {
      values.priorities = [query.priority];
      returnTo = `/p/${caller.partnership.slug}/priorities/${query.priority}`;
    }
    return renderActionForm(reply, caller, { values, returnTo });
  });

  app.post('/p/:slug/actions', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const parsed = parseForm(actionForm, request.body, ids);
    const returnTo = safeReturn(caller, (request.body as Record<string, unknown> | undefined)?.return_to);
    const errors = parsed.ok ? await checkReferences(caller, parsed.data, { partnerId: null, ownerId: null }) : parsed.errors;
    if (!parsed.ok || errors.length) return renderActionForm(reply, caller, { values: formValues(request.body), errors, status: 400, returnTo });
    const form = parsed.data;
    const id = await app.db.transaction().execute((trx) =>
      createAction(trx, caller.partnershipId, caller.userId, toValues(form), { indicatorIds: form.indicators, priorityIds: form.priorities }),
    );
    reply.notice(`Action added: ${form.title}`);
    return reply.redirect(returnTo ? `${returnTo}#actions` : `/p/${caller.partnership.slug}/actions/${id}`, 303);
  });

  async function loadAction(caller: Caller, params: unknown) {
    const { actionId } = parseParams(actionParams, params);
    const action = await findAction(app.db, caller.partnershipId, actionId);
    if (!action) throw notFound();
    return action;
  }

  async function renderAction(reply: FastifyReply, caller: Caller, action: NonNullable<Awaited<ReturnType<typeof findAction>>>, form?: { values: Record<string, unknown>; errors: FieldError[] }) {
    const [updates, evidence] = await Promise.all([listUpdates(app.db, caller.partnershipId, action.id), listActionEvidence(app.db, caller.partnershipId, action.id)]);
    const slug = caller.partnership.slug;
    const [row] = actionRows([action], caller.partnership.slug);
    const canUpdate = caller.canManage || (roleAtLeast(caller.role, 'officer') && action.owner_id === caller.userId);
    return reply.code(form ? 400 : 200).view('actions/show', {
      pageTitle: action.title,
      partnership: caller.partnership,
      canManage: caller.canManage,
      canUpdate,
      action: { ...row!, descriptionHtml: renderText(action.description), isOwner: action.owner_id === caller.userId },
      updates: updates.map((u) => ({
        author: u.author_name ?? 'A former member',
        when: format.dateTime(u.created_at),
        bodyHtml: renderText(u.body),
        statusChange: u.status_to ? { from: actionStatusLabel[u.status_from], to: actionStatusLabel[u.status_to], tag: actionStatusTag[u.status_to] } : null,
      })),
      evidence: {
        caseStudies: evidence.caseStudies.map((c) => ({ ...c, href: `/library/case-studies/${c.number}` })),
        threads: evidence.threads.map((t) => ({ ...t, href: `/p/${slug}/library/threads/${t.slug}` })),
        linksHref: `/p/${slug}/library/actions/${action.id}`,
      },
      updateForm: form ?? { values: { status: action.status }, errors: [] },
      errors: form?.errors ?? [],
      statusOptions,
    });
  }

  app.get('/p/:slug/actions/:actionId', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    return renderAction(reply, caller, await loadAction(caller, request.params));
  });

  const editValues = (action: NonNullable<Awaited<ReturnType<typeof findAction>>>) => ({
    title: action.title,
    description: action.description,
    lead_partner: action.lead_partner_id ?? '',
    owner: action.owner_id ?? '',
    start_date: action.start_date ?? '',
    due_date: action.due_date ?? '',
    status: action.status,
    indicators: action.indicators.map((i) => i.id),
    priorities: action.priorities.map((p) => p.id),
    version: String(action.version),
  });

  app.get('/p/:slug/actions/:actionId/edit', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const action = await loadAction(caller, request.params);
    return renderActionForm(reply, caller, { actionId: action.id, currentOwner: action.owner_id, values: editValues(action) });
  });

  app.post('/p/:slug/actions/:actionId', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const action = await loadAction(caller, request.params);
    const parsed = parseForm(actionForm, request.body, ids);
    const errors = parsed.ok ? await checkReferences(caller, parsed.data, { partnerId: action.lead_partner_id, ownerId: action.owner_id }) : parsed.errors;
    if (!parsed.ok || errors.length) {
      return renderActionForm(reply, caller, { actionId: action.id, currentOwner: action.owner_id, values: formValues(request.body), errors, status: 400 });
    }
    const form = parsed.data;
    const saved = await app.db.transaction().execute((trx) =>
      updateAction(trx, caller.partnershipId, action.id, caller.userId, form.version ?? 0, toValues(form), { indicatorIds: form.indicators, priorityIds: form.priorities }),
    );
    if (!saved) {
      // Someone else saved first: keep this person's text, show what changed, and let them save over it knowingly.
      const current = (await findAction(app.db, caller.partnershipId, action.id))!;
      return renderActionForm(reply, caller, {
        actionId: action.id,
        currentOwner: current.owner_id,
        values: { ...formValues(request.body), version: String(current.version) },
        errors: [{ field: 'title', text: `Someone else changed this action while you were editing it (it is now “${current.title}”, ${actionStatusLabel[current.status].toLowerCase()}). Your changes are below and have not been saved: check them and save again.` }],
        status: 409,
        conflict: true,
      });
    }
    reply.notice('Action saved');
    return reply.redirect(`/p/${caller.partnership.slug}/actions/${action.id}`, 303);
  });

  // ---- JSON API: the action plan, for partners' own dashboards ---------------------------------------------------
  const apiQuery = z
    .object({
      status: z.enum(ACTION_STATUSES).optional().meta({ description: 'Only actions with this status' }),
      indicator: z.string().min(1).max(64).optional().meta({ description: 'Only actions on the indicator with this code' }),
      overdue: z.enum(['true', 'false']).optional().meta({ description: '"true": only actions past their due date and not done' }),
    })
    .strict();
  const listDoc: ApiDoc = {
    summary: 'The action plan',
    description: 'Every action of the partnership, open ones first and soonest due first, with the indicators and priorities it aims to move and its `version` (send it back to change the action).',
    tags: ['Actions'],
    params: actionsParams,
    query: apiQuery,
    responses: {
      200: { description: 'The actions', schema: z.object({ actions: z.array(actionJsonSchema) }) },
      400: { description: 'An unknown query parameter or value (named in the message)' },
      404: { description: 'No indicator with that code in this partnership' },
    },
  };

  app.get('/api/v1/partnerships/:slug/actions', { config: { access: 'viewer', openapi: listDoc } }, async (request) => {
    const caller = callerIn(request);
    // A bad parameter or value is a ZodError, which the error handler answers as a 400 naming it.
    const query = apiQuery.parse(request.query);
    const today = todayInEngland();
    const filters: ActionFilters = { status: query.status, overdueOn: query.overdue === 'true' ? today : undefined };
    if (query.indicator) {
      const indicatorId = await findIndicatorIdByCode(app.db, caller.partnershipId, query.indicator);
      if (!indicatorId) throw new HttpError(404, `indicator: no indicator with code "${query.indicator}" in this partnership`, 'not_found');
      filters.indicatorId = indicatorId;
    }
    const actions = await listActions(app.db, caller.partnershipId, filters);
    return { actions: actions.map((a) => actionJson(a, today)) };
  });

  // Deleting is for an action made by mistake or twice: it asks first, says what goes with it, and points to "done"
  // or "dropped" for an action that happened, whose record should stay. The deletion is kept in the audit log.
  app.get('/p/:slug/actions/:actionId/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const action = await loadAction(caller, request.params);
    const updateCount = await countUpdates(app.db, caller.partnershipId, action.id);
    return reply.view('actions/delete', { pageTitle: `Delete the action: ${action.title}`, partnership: caller.partnership, action, updateCount });
  });

  app.post('/p/:slug/actions/:actionId/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { actionId } = parseParams(actionParams, request.params);
    const event = { kind: 'action_deleted', userId: caller.userId, partnershipId: caller.partnershipId, address: request.ip };
    const deleted = await deleteWithAuditEntry(app.db, event, async (trx) => {
      const found = await deleteAction(trx, caller.partnershipId, actionId);
      return found && { actionId, title: found.title };
    });
    if (!deleted) throw notFound('This action has already been deleted');
    return reply.redirect(`/p/${caller.partnership.slug}/actions`, 303);
  });

  // Officers post progress on actions they own; managers on any action.
  app.post('/p/:slug/actions/:actionId/updates', { config: { access: 'officer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const action = await loadAction(caller, request.params);
    if (!caller.canManage && action.owner_id !== caller.userId) {
      throw forbidden('Only the action’s owner or a manager can post progress on this action');
    }
    const parsed = parseForm(updateForm, request.body, { body: 'update-body', status: 'update-status' });
    let errors = parsed.ok ? [] : parsed.errors;
    if (parsed.ok && !parsed.data.body && parsed.data.status === action.status) {
      errors = [{ field: 'update-body', text: 'Write what has happened, or change the status' }];
    }
    if (!parsed.ok || errors.length) return renderAction(reply, caller, action, { values: formValues(request.body), errors });
    await app.db.transaction().execute((trx) => addUpdate(trx, caller.partnershipId, action.id, caller.userId, parsed.data.body, parsed.data.status));
    reply.notice(parsed.data.status === action.status ? 'Progress update posted' : `Progress update posted; the action is now ${actionStatusLabel[parsed.data.status].toLowerCase()}`);
    return reply.redirect(`/p/${caller.partnership.slug}/actions/${action.id}#progress`, 303);
  });
}
