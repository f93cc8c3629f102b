// The action plan through the JSON API, with the same rules as the pages: managers add and change actions (a change
// made from an older version is refused, nothing lost); officers post progress on actions they own, managers on any.
// Everything an action names — lead partner, owner, indicators, priorities — is looked up within the partnership.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import { forbidden, notFound } from '../../http-errors.ts';
import type { ApiDoc } from '../../openapi/describe.ts';
import { apiErrorBody, apiInvalidBody, parseBody, sendInvalid, type ApiProblem } from '../../openapi/problems.ts';
import { todayInEngland } from '../../forms/forms.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import { ACTION_STATUSES } from '../conversation/labels.ts';
import { findIndicatorIdByCode, listOwnerChoices } from '../conversation/queries.ts';
import { findPartner } from '../partners/queries.ts';
import { addUpdate, createAction, findAction, listUpdates, ownIds, updateAction, type ActionRecord, type ActionValues } from './queries.ts';
import { isOverdue } from './view-model.ts';

export const actionsParams = z.object({ slug: z.string().meta({ description: 'The partnership’s short name, as in its address' }) });
export const actionParams = actionsParams.extend({ actionId: z.uuid().meta({ description: 'The action’s id' }) });

const date = (what: string) => z.iso.date('must be a date written YYYY-MM-DD').nullable().optional().meta({ description: what });

// The fields an action is made of; POST needs a title, PATCH any of them with the version it starts from.
const actionFields = {
  title: z.string({ error: 'is required' }).trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  description: z.string({ error: 'must be text' }).trim().max(10000, 'must be at most 10,000 characters').optional().meta({ description: 'What will be done (Markdown-like text)' }),
  status: z.enum(ACTION_STATUSES).optional().meta({ description: 'Where it stands; a new action is "not_started" unless you say' }),
  leadPartnerId: z.uuid('must be the id of one of this partnership’s partners').nullable().optional().meta({ description: 'The partner leading it (null: none yet)' }),
  ownerId: z.uuid('must be the id of an officer, manager or admin of this partnership').nullable().optional().meta({ description: 'The member who reports its progress (null: none yet)' }),
  startDate: date('When it starts, YYYY-MM-DD'),
  dueDate: date('When it is due, YYYY-MM-DD: on or after the start date'),
  indicators: z.array(z.string().min(1).max(64)).max(200).optional().meta({ description: 'Codes of the indicators it aims to move' }),
  priorities: z.array(z.uuid('must be priority ids')).max(200).optional().meta({ description: 'Ids of the priorities it aims to move' }),
};

export const actionCreateBody = z.object(actionFields).strict();
export const actionPatchBody = z
  .object({
    version: z.number({ error: 'is required: the version of the action you read' }).int('must be a whole number').positive().meta({ description: 'The action’s version when you read it' }),
    ...actionFields,
    title: actionFields.title.optional(),
  })
  .strict();
export const actionUpdateBody = z
  .object({
    body: z.string({ error: 'must be text' }).trim().max(5000, 'must be at most 5,000 characters').optional().meta({ description: 'What has happened' }),
    status: z.enum(ACTION_STATUSES).optional().meta({ description: 'The action’s status after this update (unchanged when absent)' }),
    version: z.number({ error: 'must be a whole number' }).int('must be a whole number').positive().optional().meta({ description: 'The action’s version when you read it: if given and stale, nothing is written (409)' }),
  })
  .strict();

export const actionJsonSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  description: z.string(),
  status: z.enum(ACTION_STATUSES),
  overdue: z.boolean(),
  leadPartner: z.object({ id: z.uuid(), name: z.string().nullable() }).nullable(),
  owner: z.string().nullable().meta({ description: 'The owner’s name' }),
  ownerId: z.uuid().nullable(),
  startDate: z.string().nullable(),
  dueDate: z.string().nullable(),
  indicators: z.array(z.object({ code: z.string(), title: z.string() })),
  priorities: z.array(z.object({ id: z.uuid(), title: z.string() })),
  version: z.number().int(),
  updatedAt: z.string().meta({ description: 'ISO 8601 date and time' }),
});

/** An action as the API shows it. */
export function actionJson(a: ActionRecord, today = todayInEngland()) {
  return {
    id: a.id,
    title: a.title,
    description: a.description,
    status: a.status,
    overdue: isOverdue(a, today),
    leadPartner: a.lead_partner_id ? { id: a.lead_partner_id, name: a.lead_partner_name } : null,
    owner: a.owner_name,
    ownerId: a.owner_id,
    startDate: a.start_date,
    dueDate: a.due_date,
    indicators: a.indicators.map((i) => ({ code: i.code, title: i.title })),
    priorities: a.priorities.map((p) => ({ id: p.id, title: p.title })),
    version: a.version,
    updatedAt: a.updated_at,
  };
}

const conflictBody = apiErrorBody.extend({ current: actionJsonSchema });
const invalid = { description: 'A field is refused (named in `errors`): nothing written', schema: apiInvalidBody };
const noAction = { description: 'No action with that id in this partnership' };

const createDoc: ApiDoc = {
  summary: 'Add an action',
  description: 'Adds an action to the partnership’s action plan. Partners, owners, indicators and priorities are those of this partnership: any other is refused with a 422 naming the field.',
  tags: ['Actions'],
  params: actionsParams,
  body: actionCreateBody,
  example: {
    title: 'Attendance panels in every secondary school',
    description: 'Panels meet fortnightly with the school, the family and the attendance service.',
    status: 'on_track',
    startDate: '2025-09-01',
    dueDate: '2026-07-31',
    indicators: ['PERSISTENT_ABSENCE'],
  },
  responses: { 201: { description: 'The action as saved', schema: z.object({ action: actionJsonSchema }) }, 403: { description: 'Only managers and admins add actions' }, 422: invalid },
};

const patchDoc: ApiDoc = {
  summary: 'Change an action',
  description:
    'Changes the fields you send; the others stay as they are (send `indicators` or `priorities` to replace those lists). `version` is the version you read: ' +
    'if someone changed the action since, nothing is written and the answer is 409 with the action as it is now. A change of status is written to the progress log.',
  tags: ['Actions'],
  params: actionParams,
  body: actionPatchBody,
  example: { version: 3, status: 'at_risk', dueDate: '2026-12-18' },
  responses: {
    200: { description: 'The action as saved', schema: z.object({ action: actionJsonSchema }) },
    403: { description: 'Only managers and admins change actions' },
    404: noAction,
    409: { description: 'Someone changed the action since the version you sent: nothing written', schema: conflictBody },
    422: invalid,
  },
};

const updateDoc: ApiDoc = {
  summary: 'Post progress on an action',
  description: 'Adds an entry to the action’s progress log, and moves it to a new status if you send one. Officers may post on actions they own; managers and admins on any. Send text, a new status, or both.',
  tags: ['Actions'],
  params: actionParams,
  body: actionUpdateBody,
  example: { body: 'Panels now meet in all 19 secondary schools.', status: 'on_track', version: 4 },
  responses: {
    201: {
      description: 'The entry as saved, and the action after it',
      schema: z.object({
        update: z.object({ id: z.uuid(), body: z.string(), statusFrom: z.enum(ACTION_STATUSES), statusTo: z.enum(ACTION_STATUSES).nullable(), author: z.string().nullable(), createdAt: z.string() }),
        action: actionJsonSchema,
      }),
    },
    403: { description: 'An officer who does not own the action, or a viewer' },
    404: noAction,
    409: { description: 'The action changed since the version you sent: nothing written', schema: conflictBody },
    422: invalid,
  },
};

type Action = NonNullable<Awaited<ReturnType<typeof findAction>>>;

export default async function actionApiRoutes(app: FastifyInstance) {
  async function loadAction(caller: Caller, params: unknown): Promise<Action> {
    const parsed = actionParams.safeParse(params);
    const action = parsed.success ? await findAction(app.db, caller.partnershipId, parsed.data.actionId) : undefined;
    if (!action) throw notFound('There is no action with that id in this partnership');
    return action;
  }

  /**
   * What the body names, checked against this partnership (a foreign or made-up id is refused, never linked), as
   * the values and links to save. `previous` is the action being changed: its own lead partner and owner stay
   * allowed even if the partner has since been made inactive or the owner's role lowered, as on the page.
   */
  async function resolve(caller: Caller, body: Omit<z.infer<typeof actionPatchBody>, 'version'>, previous: Action | null) {
    const problems: ApiProblem[] = [];
    const values: ActionValues = {
      title: body.title ?? previous?.title ?? '',
      description: body.description ?? previous?.description ?? '',
      status: body.status ?? previous?.status ?? 'not_started',
      lead_partner_id: body.leadPartnerId !== undefined ? body.leadPartnerId : (previous?.lead_partner_id ?? null),
      owner_id: body.ownerId !== undefined ? body.ownerId : (previous?.owner_id ?? null),
      start_date: body.startDate !== undefined ? body.startDate : (previous?.start_date ?? null),
      due_date: body.dueDate !== undefined ? body.dueDate : (previous?.due_date ?? null),
    };
    if (body.leadPartnerId) {
      const partner = await findPartner(app.db, caller.partnershipId, body.leadPartnerId);
      if (!partner || (!partner.active && partner.id !== previous?.lead_partner_id)) problems.push({ field: 'leadPartnerId', message: 'is not an active partner of this partnership' });
    }
    if (body.ownerId) {
      const owners = await listOwnerChoices(app.db, caller.partnershipId, previous?.owner_id ?? null);
      if (!owners.some((o) => o.id === body.ownerId)) problems.push({ field: 'ownerId', message: 'is not an officer, manager or admin of this partnership' });
    }
    if (values.start_date && values.due_date && values.due_date < values.start_date) {
      problems.push({ field: 'dueDate', message: `must be the same as or after the start date (${values.start_date})` });
    }
    let indicatorIds = previous?.indicators.map((i) => i.id) ?? [];
    if (body.indicators) {
      const codes = [...new Set(body.indicators)];
      const ids = await Promise.all(codes.map((code) => findIndicatorIdByCode(app.db, caller.partnershipId, code)));
      const unknown = codes.filter((_code, i) => !ids[i]);
      if (unknown.length) problems.push({ field: 'indicators', message: `no indicator with code ${unknown.map((c) => JSON.stringify(c)).join(', ')} in this partnership` });
      indicatorIds = ids.filter((id): id is string => Boolean(id));
    }
    let priorityIds = previous?.priorities.map((p) => p.id) ?? [];
    if (body.priorities) {
      priorityIds = [...new Set(body.priorities)];
      const own = await ownIds(app.db, caller.partnershipId, 'priority', priorityIds);
      if (own.length !== priorityIds.length) problems.push({ field: 'priorities', message: `no priority ${priorityIds.filter((id) => !own.includes(id)).join(', ')} in this partnership` });
    }
    return { problems, values, links: { indicatorIds, priorityIds } };
  }

  const sendConflict = (reply: FastifyReply, current: Action, sent: number) =>
    reply.code(409).send({
      error: 'conflict',
      message: `version: the action is at version ${current.version} now, not ${sent}: nothing was written. Read it again and decide.`,
      current: actionJson(current),
      requestId: reply.request.id,
    });

  app.post('/api/v1/partnerships/:slug/actions', { config: { access: 'manager', openapi: createDoc } }, async (request, reply) => {
    const caller = callerIn(request);
    const parsed = parseBody(actionCreateBody, request.body);
    if (!parsed.ok) return sendInvalid(reply, parsed.problems);
    const { problems, values, links } = await resolve(caller, parsed.data, null);
    if (problems.length) return sendInvalid(reply, problems);
    const id = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => createAction(trx, caller.partnershipId, caller.userId, values, links));
    return reply.code(201).send({ action: actionJson((await findAction(app.db, caller.partnershipId, id))!) });
  });

  app.patch('/api/v1/partnerships/:slug/actions/:actionId', { config: { access: 'manager', openapi: patchDoc } }, async (request, reply) => {
    const caller = callerIn(request);
    const action = await loadAction(caller, request.params);
    const parsed = parseBody(actionPatchBody, request.body);
    if (!parsed.ok) return sendInvalid(reply, parsed.problems);
    if (parsed.data.version !== action.version) return sendConflict(reply, action, parsed.data.version);
    const { problems, values, links } = await resolve(caller, parsed.data, action);
    if (problems.length) return sendInvalid(reply, problems);
    const saved = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) =>
      updateAction(trx, caller.partnershipId, action.id, caller.userId, parsed.data.version, values, links),
    );
    const current = await findAction(app.db, caller.partnershipId, action.id);
    if (!current) throw notFound('The action has been deleted');
    if (!saved) return sendConflict(reply, current, parsed.data.version);
    return { action: actionJson(current) };
  });

  app.post('/api/v1/partnerships/:slug/actions/:actionId/updates', { config: { access: 'officer', openapi: updateDoc } }, async (request, reply) => {
    const caller = callerIn(request);
    const action = await loadAction(caller, request.params);
    if (!caller.canManage && action.owner_id !== caller.userId) throw forbidden('Only the action’s owner or a manager can post progress on this action');
    const parsed = parseBody(actionUpdateBody, request.body);
    if (!parsed.ok) return sendInvalid(reply, parsed.problems);
    const { body = '', status = action.status, version } = parsed.data;
    if (version !== undefined && version !== action.version) return sendConflict(reply, action, version);
    if (!body && status === action.status) return sendInvalid(reply, [{ field: 'body', message: 'is required unless you change the status: say what has happened' }]);
    const saved = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => addUpdate(trx, caller.partnershipId, action.id, caller.userId, body, status, version));
    const current = await findAction(app.db, caller.partnershipId, action.id);
    if (!current) throw notFound('The action has been deleted');
    if (!saved) return sendConflict(reply, current, version!);
    const [latest] = await listUpdates(app.db, caller.partnershipId, action.id);
    return reply.code(201).send({
      update: { id: latest!.id, body: latest!.body, statusFrom: latest!.status_from, statusTo: latest!.status_to, author: latest!.author_name, createdAt: latest!.created_at },
      action: actionJson(current),
    });
  });
}
