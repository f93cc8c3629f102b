// The plan through the JSON API: outcomes and priorities listed with their versions, created, changed (title,
// description, place, a priority's outcome) against the version the client read, retired and restored — the same
// rules and the same plan_change record as the pages.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import { HttpError, notFound } from '../../http-errors.ts';
import { callerIn } from '../conversation/context.ts';
import { apiErrorBody, apiInvalidBody, sendInvalid, zodProblems } from '../../openapi/problems.ts';
import {
  createOutcome,
  createPriority,
  DESCRIPTION_MAX,
  editItem,
  findOutcome,
  findPriority,
  listOutcomes,
  listPriorities,
  movePriority,
  placeItem,
  restoreItem,
  retireItem,
  TITLE_MAX,
  type PlanActor,
  type PlanItem,
  type PlanKind,
  type PlanResult,
  type PriorityItem,
} from './queries.ts';

const slugParams = z.object({ slug: z.string().describe('The partnership’s slug') });
const idParams = slugParams.extend({ id: z.string().describe('The item’s id (a UUID)') });
const listQuery = z.object({ include: z.enum(['retired']).optional().describe('`retired` to list retired items too') }).strict();

const title = z.string({ error: 'is required' }).trim().min(1, 'is required').max(TITLE_MAX, `must be at most ${TITLE_MAX} characters`);
const description = z.string().max(DESCRIPTION_MAX, `must be at most ${DESCRIPTION_MAX} characters`);
const version = z.number({ error: 'is required: the version you read' }).int().positive();
const position = z.number().int('must be a whole number').min(0, 'must be 0 or more');

const outcomeCreate = z.object({ title, description: description.optional() }).strict();
const priorityCreate = z.object({ outcomeId: z.string({ error: 'is required' }), title, description: description.optional() }).strict();
const outcomePatch = z.object({ version, title: title.optional(), description: description.optional(), position: position.optional() }).strict();
const priorityPatch = outcomePatch.extend({ outcomeId: z.string().optional() }).strict();
const stateBody = z.object({ version: version.optional() }).strict();

const itemJson = z.object({
  id: z.uuid(),
  title: z.string(),
  description: z.string(),
  position: z.number().int(),
  version: z.number().int(),
  retired: z.boolean().describe('Retired itself or, for a priority, with its outcome'),
  retiredAt: z.string().nullable(),
});
const outcomeJson = itemJson;
const priorityJson = itemJson.extend({ outcomeId: z.uuid() });
const problem = apiErrorBody;
const conflict = (schema: z.ZodType) => apiErrorBody.extend({ error: z.literal('conflict'), current: schema });

const toJson = (item: PlanItem | PriorityItem) => ({
  id: item.id,
  title: item.title,
  description: item.description,
  position: item.position,
  version: item.version,
  retired: item.retired_at !== null || ('outcome_retired' in item && !!item.outcome_retired),
  retiredAt: item.retired_at ? new Date(item.retired_at).toISOString() : null,
  ...('outcome_id' in item ? { outcomeId: item.outcome_id } : {}),
});

const plural: Record<PlanKind, string> = { outcome: 'outcomes', priority: 'priorities' };
const tag: Record<PlanKind, string> = { outcome: 'Outcomes', priority: 'Priorities' };

export default async function planApiRoutes(app: FastifyInstance) {
  const actorOf = (userId: string): PlanActor => ({ userId, via: 'api' });

  /** Answers a refused change: 404, 409 with the item as it is now, or 409 saying what must happen first. */
  function sendResult(reply: FastifyReply, kind: PlanKind, result: PlanResult<PlanItem | PriorityItem>) {
    if (result.ok) return toJson(result.item);
    if (result.reason === 'not_found') throw notFound(`There is no ${kind} with that id in this partnership`);
    if (result.reason === 'conflict') {
      return reply.code(409).send({
        error: 'conflict',
        message: `The ${kind} has changed since the version you sent (it is now at version ${result.current.version}). Read it again and decide.`,
        current: toJson(result.current),
        requestId: reply.request.id,
      });
    }
    return reply.code(409).send({ error: 'refused', message: result.message, requestId: reply.request.id });
  }

  const parseId = (params: unknown) => {
    const parsed = z.object({ id: z.uuid() }).safeParse(params);
    if (!parsed.success) throw notFound('There is no item with that id in this partnership');
    return parsed.data.id;
  };

  for (const kind of ['outcome', 'priority'] as const) {
    const json = kind === 'outcome' ? outcomeJson : priorityJson;

    app.get(
      `/api/v1/partnerships/:slug/${plural[kind]}`,
      {
        config: {
          access: 'viewer',
          openapi: {
            summary: `List the partnership’s ${plural[kind]}`,
            description: `In the plan’s order${kind === 'priority' ? ' (outcome by outcome)' : ''}. Retired ${plural[kind]} are left out unless \`include=retired\`.`,
            tags: [tag[kind]],
            params: slugParams,
            query: listQuery,
            responses: { 200: { description: `The ${plural[kind]}`, schema: z.object({ [plural[kind]]: z.array(json) }) }, 422: { description: 'An unknown query parameter or value', schema: apiInvalidBody } },
          },
        },
      },
      async (request, reply) => {
        const parsed = listQuery.safeParse(request.query ?? {});
        if (!parsed.success) return sendInvalid(reply, zodProblems(parsed.error));
        const caller = callerIn(request);
        const includeRetired = parsed.data.include === 'retired';
        const items =
          kind === 'outcome'
            ? await listOutcomes(app.db, caller.partnershipId, { includeRetired })
            : // A priority under a retired outcome is retired with it (server/db/retired.ts).
              (await listPriorities(app.db, caller.partnershipId, { includeRetired })).filter((p) => includeRetired || !p.outcome_retired);
        return { [plural[kind]]: items.map(toJson) };
      },
    );

    app.patch(
      `/api/v1/partnerships/:slug/${plural[kind]}/:id`,
      {
        config: {
          access: 'manager',
          openapi: {
            summary: `Change ${kind === 'outcome' ? 'an outcome' : 'a priority'}`,
            description:
              `Send the \`version\` you read: if someone changed the ${kind} since, nothing is changed and the answer is 409 with the ${kind} as it is now. ` +
              '`position` (0 first) puts it at that place among the active items' +
              (kind === 'priority' ? ' of its outcome; `outcomeId` moves it to the end of another outcome’s priorities (applied before `position`).' : '.'),
            tags: [tag[kind]],
            params: idParams,
            body: kind === 'outcome' ? outcomePatch : priorityPatch,
            example: { version: 1, title: kind === 'outcome' ? 'Children are safe at home' : 'Reduce persistent absence', position: 0 },
            responses: {
              200: { description: `The ${kind} as saved`, schema: json },
              404: { description: `No such ${kind} in this partnership`, schema: problem },
              409: { description: `Stale version (with \`current\`), or a change that is refused`, schema: conflict(json) },
              422: { description: 'An invalid or unknown field, named', schema: apiInvalidBody },
            },
          },
        },
      },
      async (request, reply) => {
        const caller = callerIn(request);
        const id = parseId(request.params);
        // An id that is not this partnership's is not found, whatever the body says.
        if (!(kind === 'outcome' ? await findOutcome(app.db, caller.partnershipId, id) : await findPriority(app.db, caller.partnershipId, id))) {
          throw notFound(`There is no ${kind} with that id in this partnership`);
        }
        const parsed = (kind === 'outcome' ? outcomePatch : priorityPatch).safeParse(request.body ?? {});
        if (!parsed.success) return sendInvalid(reply, zodProblems(parsed.error));
        const body = parsed.data as z.infer<typeof priorityPatch>;
        if (body.outcomeId !== undefined) {
          const outcome = z.uuid().safeParse(body.outcomeId).success ? await findOutcome(app.db, caller.partnershipId, body.outcomeId) : undefined;
          if (!outcome) throw new HttpError(404, `outcomeId: there is no outcome ${body.outcomeId} in this partnership`);
        }
        const actor = actorOf(caller.userId);
        const result = await inPartnershipTransaction(app.db, caller.partnershipId, async (trx): Promise<PlanResult<PlanItem>> => {
          // The version is checked by the first change; those after it see the version that change made.
          let expected: number | null = body.version;
          let last: PlanResult<PlanItem> | undefined;
          if (body.title !== undefined || body.description !== undefined) {
            last = await editItem(trx, kind, caller.partnershipId, id, body.version, { title: body.title, description: body.description }, actor);
            if (!last.ok) return last;
            expected = null;
          }
          if (kind === 'priority' && body.outcomeId !== undefined) {
            last = await movePriority(trx, caller.partnershipId, id, expected, body.outcomeId, actor);
            if (!last.ok) return last;
            expected = null;
          }
          if (body.position !== undefined) {
            last = await placeItem(trx, kind, caller.partnershipId, id, expected, { index: body.position }, actor);
            if (!last.ok) return last;
          }
          if (last) return last;
          // Only a version: nothing to change, but say whether it is still current.
          const current = kind === 'outcome' ? await findOutcome(trx, caller.partnershipId, id) : await findPriority(trx, caller.partnershipId, id);
          if (!current) return { ok: false, reason: 'not_found' };
          return current.version === body.version ? { ok: true, item: current } : { ok: false, reason: 'conflict', current };
        });
        return sendResult(reply, kind, result);
      },
    );

    for (const change of ['retire', 'restore'] as const) {
      app.post(
        `/api/v1/partnerships/:slug/${plural[kind]}/:id/${change}`,
        {
          config: {
            access: 'manager',
            openapi: {
              summary: `${change === 'retire' ? 'Retire' : 'Restore'} ${kind === 'outcome' ? 'an outcome' : 'a priority'}`,
              description:
                change === 'retire'
                  ? `Takes it out of the plan, keeping everything linked to it. Refused (409) while it holds active ${kind === 'outcome' ? 'priorities' : 'indicators'}: move or retire them first. With \`version\`, refused if the ${kind} changed since.`
                  : `Puts it back at the end of its list.${kind === 'priority' ? ' Refused (409) while its outcome is retired.' : ''} With \`version\`, refused if the ${kind} changed since.`,
              tags: [tag[kind]],
              params: idParams,
              body: stateBody,
              example: { version: 2 },
              responses: {
                200: { description: `The ${kind} as saved`, schema: json },
                404: { description: `No such ${kind} in this partnership`, schema: problem },
                409: { description: 'Stale version (with `current`), or refused, with why', schema: problem },
                422: { description: 'An invalid or unknown field, named', schema: apiInvalidBody },
              },
            },
          },
        },
        async (request, reply) => {
          const caller = callerIn(request);
          const id = parseId(request.params);
          const parsed = stateBody.safeParse(request.body ?? {});
          if (!parsed.success) return sendInvalid(reply, zodProblems(parsed.error));
          const run = change === 'retire' ? retireItem : restoreItem;
          const result = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) => run(trx, kind, caller.partnershipId, id, parsed.data.version ?? null, actorOf(caller.userId)));
          return sendResult(reply, kind, result);
        },
      );
    }
  }

  // Creating: moved here from the structure API, with its answers unchanged (and now a version and a plan_change row).
  app.post(
    '/api/v1/partnerships/:slug/outcomes',
    {
      config: {
        access: 'manager',
        openapi: {
          summary: 'Add an outcome',
          description: 'At the end of the partnership’s outcomes.',
          tags: ['Outcomes'],
          params: slugParams,
          body: outcomeCreate,
          example: { title: 'Children are safe at home', description: 'Every child lives free from harm.' },
          responses: { 201: { description: 'The new outcome', schema: outcomeJson }, 422: { description: 'An invalid or unknown field, named', schema: apiInvalidBody } },
        },
      },
    },
    async (request, reply) => {
      const parsed = outcomeCreate.safeParse(request.body ?? {});
      if (!parsed.success) return sendInvalid(reply, zodProblems(parsed.error));
      const caller = callerIn(request);
      const outcome = await inPartnershipTransaction(app.db, caller.partnershipId, async (trx) => {
        const created = await createOutcome(trx, caller.partnershipId, parsed.data, actorOf(caller.userId));
        return (await findOutcome(trx, caller.partnershipId, created.id))!;
      });
      return reply.code(201).send(toJson(outcome));
    },
  );

  app.post(
    '/api/v1/partnerships/:slug/priorities',
    {
      config: {
        access: 'manager',
        openapi: {
          summary: 'Add a priority',
          description: 'At the end of the outcome’s priorities. The outcome must be an active outcome of this partnership.',
          tags: ['Priorities'],
          params: slugParams,
          body: priorityCreate,
          example: { outcomeId: '0193a6a2-4b7c-7d3e-9f10-2a3b4c5d6e7f', title: 'Reduce persistent absence' },
          responses: {
            201: { description: 'The new priority', schema: priorityJson },
            404: { description: 'No such outcome in this partnership', schema: problem },
            409: { description: 'The outcome is retired', schema: problem },
            422: { description: 'An invalid or unknown field, named', schema: apiInvalidBody },
          },
        },
      },
    },
    async (request, reply) => {
      const parsed = priorityCreate.safeParse(request.body ?? {});
      if (!parsed.success) return sendInvalid(reply, zodProblems(parsed.error));
      const caller = callerIn(request);
      const outcome = z.uuid().safeParse(parsed.data.outcomeId).success ? await findOutcome(app.db, caller.partnershipId, parsed.data.outcomeId) : undefined;
      if (!outcome) throw new HttpError(404, `outcomeId: there is no outcome ${parsed.data.outcomeId} in this partnership`);
      if (outcome.retired_at) {
        return reply.code(409).send({ error: 'refused', message: `outcomeId: the outcome “${outcome.title}” is retired: restore it first, or choose another`, requestId: request.id });
      }
      const priority = await inPartnershipTransaction(app.db, caller.partnershipId, async (trx) => {
        const created = await createPriority(trx, caller.partnershipId, parsed.data, actorOf(caller.userId));
        return (await findPriority(trx, caller.partnershipId, created.id))!;
      });
      return reply.code(201).send(toJson(priority));
    },
  );
}
