// The partnership's plan and its indicators through the JSON API: the structure, creating an indicator, reading one
// with its version, changing it (PATCH, with the version read: a stale one is a 409 with the current state; a change
// that would alter what recorded figures mean is a 422 naming the field), retiring and restoring it. The same rules
// (rules.ts) and the same record of every change (plan_change) as the pages.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import { HttpError } from '../../http-errors.ts';
import type { ApiDoc } from '../../openapi/describe.ts';
import { apiErrorBody, apiInvalidBody, parseBody, sendInvalid } from '../../openapi/problems.ts';
import { createIndicator, findIndicatorForEdit, findPriorityInPartnership, indicatorCodeTaken, readStructure, restoreIndicator, retireIndicator, snapshot, updateIndicator, type EditableIndicator, type IndicatorResult } from './queries.ts';
import { indicatorFields, indicatorPatch, shapeProblems } from './rules.ts';

const slugParams = z.object({ slug: z.string().meta({ description: 'The partnership’s short name, as in its address' }) });
const codeParams = slugParams.extend({ code: z.string().min(1).max(64).meta({ description: 'The indicator’s code' }) });
const includeQuery = z.object({ include: z.enum(['retired']).optional().meta({ description: '`retired`: list retired items too (each says `retired: true`)' }) });

export const indicatorJsonSchema = z.object({
  code: z.string(),
  title: z.string(),
  definition: z.string(),
  unit: z.enum(['percentage', 'rate', 'count', 'score', 'ratio']),
  rateBase: z.number().int().nullable(),
  decimals: z.number().int(),
  polarity: z.enum(['higher', 'lower', 'neutral']),
  periodType: z.string(),
  kind: z.enum(['single', 'gap']),
  rank: z.enum(['headline', 'secondary', 'data_development']),
  priorityId: z.string().nullable(),
  programmeId: z.string().optional(),
  focusLabel: z.string().nullable(),
  comparisonLabel: z.string().nullable(),
  source: z.string(),
  sourceUrl: z.string().nullable(),
  licence: z.string(),
  version: z.number().int().meta({ description: 'Send it back with a PATCH: a change made meanwhile is then a 409, not overwritten' }),
  retired: z.boolean(),
  retiredAt: z.string().nullable().meta({ description: 'ISO 8601 date and time' }),
});

export function indicatorJson(i: EditableIndicator) {
  return {
    ...snapshot(i),
    ...(i.programme_id ? { programmeId: i.programme_id } : {}),
    version: i.version,
    retired: i.retired_at !== null,
    retiredAt: i.retired_at ? new Date(i.retired_at).toISOString() : null,
  };
}

const structureAnswer = z.object({
  slug: z.string(),
  name: z.string(),
  laName: z.string().nullable(),
  laCode: z.string().nullable(),
  laNumber: z.number().int().nullable(),
  role: z.string(),
  outcomes: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      version: z.number().int(),
      retired: z.boolean(),
      priorities: z.array(
        z.object({
          id: z.string(),
          title: z.string(),
          version: z.number().int(),
          retired: z.boolean(),
          indicators: z.array(z.object({ code: z.string(), title: z.string(), unit: z.string(), polarity: z.string(), periodType: z.string(), kind: z.string(), rank: z.string(), version: z.number().int(), retired: z.boolean() })),
        }),
      ),
    }),
  ),
});

const example = {
  priorityId: '0b5c8a9e-3f57-4c61-9a3e-2d8f0c1b7a42',
  code: 'PA_SECONDARY',
  title: 'Persistent absence, secondary schools',
  unit: 'percentage',
  polarity: 'lower',
  periodType: 'academic_year',
  kind: 'single',
  decimals: 1,
  rank: 'headline',
  definition: 'Pupils missing 10% or more of possible sessions.',
  source: 'DfE, Pupil absence in schools in England',
  sourceUrl: 'https://explore-education-statistics.service.gov.uk/find-statistics/pupil-absence-in-schools-in-england',
  licence: 'Open Government Licence v3.0',
};

const docs: Record<string, ApiDoc> = {
  structure: {
    summary: 'The partnership’s plan: outcomes, their priorities and their indicators',
    description: 'In plan order, each with its `version`. Retired items are left out unless `?include=retired`.',
    tags: ['Partnerships'],
    params: slugParams,
    query: includeQuery,
    responses: { 200: { description: 'The plan', schema: structureAnswer }, 404: { description: 'No such partnership, or you are not a member' } },
  },
  create: {
    summary: 'Add an indicator under a priority',
    description: 'Creates the indicator and the series its figures go into (one for a single indicator, the focus and comparison groups for a gap). The code must be new in the partnership.',
    tags: ['Indicators'],
    params: slugParams,
    body: indicatorFields,
    example,
    responses: {
      201: { description: 'Created', schema: indicatorJsonSchema },
      403: { description: 'Only managers and admins change the plan' },
      404: { description: 'No priority with that id in this partnership', schema: apiErrorBody },
      409: { description: 'The code is already used in this partnership', schema: apiInvalidBody.extend({ error: z.literal('conflict') }) },
      422: { description: 'A field is refused (named in `errors`): nothing created', schema: apiInvalidBody },
    },
  },
  get: {
    summary: 'One indicator, with its version',
    description: 'Retired indicators are found too (`retired: true`).',
    tags: ['Indicators'],
    params: codeParams,
    responses: { 200: { description: 'The indicator', schema: indicatorJsonSchema }, 404: { description: 'No indicator with that code in this partnership', schema: apiErrorBody } },
  },
  patch: {
    summary: 'Change an indicator',
    description:
      'Send the `version` you read and only the fields to change. Wording (title, definition, source, …), rank, decimals and the priority (a move) can always change. ' +
      'Once the indicator has figures, its unit, rate base, period type and kind (single or gap) cannot: that would change what the figures mean — retire it and add a new one. ' +
      'Once a baseline is agreed, its polarity cannot either. A stale version is a 409 with the indicator as it is now.',
    tags: ['Indicators'],
    params: codeParams,
    body: indicatorPatch,
    example: { version: 3, title: 'Persistent absence in secondary schools', definition: 'Pupils missing 10% or more of possible sessions in the school year.' },
    responses: {
      200: { description: 'Changed', schema: indicatorJsonSchema },
      403: { description: 'Only managers and admins change the plan' },
      404: { description: 'No indicator with that code (or no priority with that id) in this partnership', schema: apiErrorBody },
      409: { description: 'Someone changed the indicator since the version you sent: nothing changed', schema: apiErrorBody.extend({ current: indicatorJsonSchema }) },
      422: { description: 'A field is refused (named in `errors`), e.g. a unit change on an indicator with figures: nothing changed', schema: apiInvalidBody },
    },
  },
  retire: {
    summary: 'Retire an indicator',
    description: 'Hides it from the scorecard, returns, data book and data day; every figure, story and link is kept. `version` is optional.',
    tags: ['Indicators'],
    params: codeParams,
    body: z.object({ version: z.number().int().min(1).optional() }).strict(),
    example: { version: 4 },
    responses: {
      200: { description: 'Retired (or already retired)', schema: indicatorJsonSchema },
      403: { description: 'Only managers and admins change the plan' },
      404: { description: 'No indicator with that code in this partnership', schema: apiErrorBody },
      409: { description: 'A stale version: nothing changed', schema: apiErrorBody.extend({ current: indicatorJsonSchema }) },
    },
  },
};
docs.restore = { ...docs.retire!, summary: 'Restore a retired indicator', description: 'Brings it back, after its priority’s indicators. `version` is optional.', responses: { ...docs.retire!.responses, 200: { description: 'Restored (or was not retired)', schema: indicatorJsonSchema } } };

export default async function indicatorApiRoutes(app: FastifyInstance) {
  app.get('/api/v1/partnerships/:slug', { config: { access: 'viewer', openapi: docs.structure } }, async (request) => {
    const includeRetired = includeQuery.safeParse(request.query ?? {}).data?.include === 'retired';
    const { partnership, outcomes, priorities, indicators } = await readStructure(app.db, request.access!.partnership.id, { includeRetired });
    return {
      slug: partnership.slug,
      name: partnership.name,
      laName: partnership.la_name,
      laCode: partnership.la_code,
      laNumber: partnership.la_number,
      role: request.access!.role,
      outcomes: outcomes.map((o) => ({
        id: o.id,
        title: o.title,
        version: o.version,
        retired: o.retired_at !== null,
        priorities: priorities
          .filter((p) => p.outcome_id === o.id)
          .map((p) => ({
            id: p.id,
            title: p.title,
            version: p.version,
            retired: p.retired_at !== null,
            indicators: indicators
              .filter((i) => i.priority_id === p.id)
              .map((i) => ({ code: i.code, title: i.title, unit: i.unit, polarity: i.polarity, periodType: i.period_type, kind: i.kind, rank: i.rank, version: i.version, retired: i.retired_at !== null })),
          })),
      })),
    };
  });

  app.post('/api/v1/partnerships/:slug/indicators', { config: { access: 'manager', openapi: docs.create } }, async (request, reply) => {
    const parsed = parseBody(indicatorFields, request.body);
    if (!parsed.ok) return sendInvalid(reply, parsed.problems);
    const input = parsed.data;
    const partnershipId = request.access!.partnership.id;
    const priority = await findPriorityInPartnership(app.db, partnershipId, input.priorityId);
    if (!priority) throw new HttpError(404, `priorityId: there is no priority ${input.priorityId} in this partnership`);
    const problems = shapeProblems({ unit: input.unit, rateBase: input.rateBase ?? null, polarity: input.polarity, periodType: input.periodType, kind: input.kind, focusLabel: input.focusLabel ?? null, comparisonLabel: input.comparisonLabel ?? null });
    if (problems.length) return sendInvalid(reply, problems.map(({ field, message }) => ({ field, message })));
    // Checked and created under the partnership's data lock: two requests for one code get a 201 and a 409, and an
    // indicator is never left without its series.
    const created = await inPartnershipTransaction(app.db, partnershipId, async (trx) =>
      (await indicatorCodeTaken(trx, partnershipId, input.code))
        ? null
        : createIndicator(trx, partnershipId, { ...input, sourceText: input.source }, { userId: request.caller!.user.id, via: 'api' }),
    );
    if (!created) {
      return reply.code(409).send({ error: 'conflict', message: `code: there is already an indicator ${input.code} in this partnership`, errors: [{ field: 'code', message: 'is already used' }], requestId: request.id });
    }
    return reply.code(201).send(indicatorJson((await findIndicatorForEdit(app.db, partnershipId, created.code))!));
  });

  app.get('/api/v1/partnerships/:slug/indicators/:code', { config: { access: 'viewer', openapi: docs.get } }, async (request) => {
    const { code } = codeOf(request.params);
    const indicator = await findIndicatorForEdit(app.db, request.access!.partnership.id, code);
    if (!indicator) throw notFoundCode(code);
    return indicatorJson(indicator);
  });

  app.patch('/api/v1/partnerships/:slug/indicators/:code', { config: { access: 'manager', openapi: docs.patch } }, async (request, reply) => {
    const { code } = codeOf(request.params);
    const partnershipId = request.access!.partnership.id;
    // An indicator that is not this partnership's is not found, whatever the body says.
    if (!(await findIndicatorForEdit(app.db, partnershipId, code))) throw notFoundCode(code);
    const parsed = parseBody(indicatorPatch, request.body);
    if (!parsed.ok) return sendInvalid(reply, parsed.problems);
    if (parsed.data.priorityId !== undefined && !(await findPriorityInPartnership(app.db, partnershipId, parsed.data.priorityId))) {
      throw new HttpError(404, `priorityId: there is no priority ${parsed.data.priorityId} in this partnership`);
    }
    const result = await inPartnershipTransaction(app.db, partnershipId, (trx) => updateIndicator(trx, partnershipId, code, parsed.data, { userId: request.caller!.user.id, via: 'api' }));
    return answer(reply, code, result, parsed.data.version);
  });

  for (const action of ['retire', 'restore'] as const) {
    app.post(`/api/v1/partnerships/:slug/indicators/:code/${action}`, { config: { access: 'manager', openapi: docs[action] } }, async (request, reply) => {
      const { code } = codeOf(request.params);
      const parsed = parseBody(docs.retire!.body!, request.body ?? {});
      if (!parsed.ok) return sendInvalid(reply, parsed.problems);
      const version = (parsed.data as { version?: number }).version ?? null;
      const partnershipId = request.access!.partnership.id;
      const change = action === 'retire' ? retireIndicator : restoreIndicator;
      const result = await inPartnershipTransaction(app.db, partnershipId, (trx) => change(trx, partnershipId, code, version, { userId: request.caller!.user.id, via: 'api' }));
      return answer(reply, code, result, version);
    });
  }
}

function codeOf(params: unknown) {
  const parsed = codeParams.safeParse(params);
  if (!parsed.success) throw new HttpError(404, 'No such indicator');
  return parsed.data;
}

const notFoundCode = (code: string) => new HttpError(404, `There is no indicator ${code} in this partnership`);

function answer(reply: FastifyReply, code: string, result: IndicatorResult, sentVersion: number | null) {
  if (result.ok) return reply.send(indicatorJson(result.indicator));
  if (result.reason === 'not_found') throw notFoundCode(code);
  if (result.reason === 'conflict') {
    return reply.code(409).send({
      error: 'conflict',
      message: `version: the indicator is at version ${result.current.version} now, not ${sentVersion}: nothing was changed. Read it again, then send your change with version ${result.current.version}.`,
      current: indicatorJson(result.current),
      requestId: reply.request.id,
    });
  }
  return sendInvalid(reply, result.problems.map(({ field, message }) => ({ field, message })));
}
