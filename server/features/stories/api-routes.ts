// The story behind an indicator's curve through the JSON API: PUT writes a new version, with the same rules as the
// page (managers write; each save is an immutable version; saving the same text adds nothing; a save made from an
// older version than the latest is refused and nothing is lost).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import type { ApiDoc } from '../../openapi/describe.ts';
import { apiErrorBody, apiInvalidBody, parseBody, sendInvalid } from '../../openapi/problems.ts';
import { callerIn } from '../conversation/context.ts';
import { resolveSubject } from '../conversation/subjects.ts';
import { currentStory, saveVersion } from './queries.ts';

const MAX_ROOT_CAUSES = 20;

export const storyParams = z.object({
  slug: z.string().meta({ description: 'The partnership’s short name, as in its address' }),
  code: z.string().min(1).max(64).meta({ description: 'The indicator’s code' }),
});

const text = (max: number, what: string) => z.string({ error: 'must be text' }).trim().max(max, `must be at most ${max.toLocaleString('en-GB')} characters`).meta({ description: what });

export const storyBody = z
  .object({
    version: z
      .number({ error: 'must be a whole number or null' })
      .int('must be a whole number')
      .min(0)
      .nullable()
      .optional()
      .meta({ description: 'The version of the story you started from (from GET …/story). Null, 0 or absent: you are writing the first story, and a story written meanwhile is a 409.' }),
    period: z
      .string({ error: 'is required: say which period or data day the story is written for' })
      .trim()
      .min(1, 'is required: say which period or data day the story is written for')
      .max(200, 'must be at most 200 characters')
      .meta({ description: 'The period or data day the story is written for, e.g. "2024/25, data day March 2026"' }),
    summary: text(10000, 'What the curve shows, in a few sentences (Markdown-like text)').optional(),
    contributing: text(10000, 'Factors helping the curve').optional(),
    restricting: text(10000, 'Factors holding the curve back').optional(),
    rootCauses: z
      .array(z.string({ error: 'must be text' }).trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'))
      .max(MAX_ROOT_CAUSES, `must list at most ${MAX_ROOT_CAUSES} root causes: the most important first`)
      .optional()
      .meta({ description: 'Root causes, most important first' }),
    changeNote: text(500, 'What changed since the last version, for the history').optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (!body.summary && !body.contributing && !body.restricting && !body.rootCauses?.length) {
      ctx.addIssue({ code: 'custom', path: ['summary'], message: 'is required: write a summary, contributing or restricting factors, or root causes' });
    }
  });

export const storyJsonSchema = z.object({
  version: z.number().int(),
  versions: z.number().int().meta({ description: 'How many versions the story has' }),
  period: z.string(),
  summary: z.string(),
  contributing: z.string(),
  restricting: z.string(),
  rootCauses: z.array(z.string()),
  changeNote: z.string(),
  author: z.string().nullable(),
  savedAt: z.string().meta({ description: 'ISO 8601 date and time' }),
});

export const storyAnswer = z.object({
  indicator: z.object({ code: z.string(), title: z.string() }),
  story: storyJsonSchema.nullable(),
});

type StoryRow = NonNullable<Awaited<ReturnType<typeof currentStory>>>;

/** A story version as the API shows it (GET and PUT). */
export function storyJson(story: StoryRow) {
  return {
    version: story.version,
    versions: story.version_count,
    period: story.period_text,
    summary: story.summary,
    contributing: story.contributing,
    restricting: story.restricting,
    rootCauses: story.root_causes,
    changeNote: story.change_note,
    author: story.author_name,
    savedAt: story.created_at,
  };
}

const putStoryDoc: ApiDoc = {
  summary: 'Write the story behind an indicator’s curve',
  description:
    'Saves a new version of the story (earlier versions are kept and can be restored on the indicator’s page). Send `version`: the version you read. ' +
    'If someone saved a newer version since, nothing is saved and the answer is 409 with the current story. Sending the same text again adds no version.',
  tags: ['Stories'],
  params: storyParams,
  body: storyBody,
  example: {
    version: 2,
    period: '2024/25, data day March 2026',
    summary: 'Persistent absence fell for the second year, faster than in similar areas.',
    contributing: 'Attendance panels in every secondary school since September.',
    restricting: 'Long waits for CAMHS assessments.',
    rootCauses: ['Anxiety after the pandemic', 'Cost of school transport'],
    changeNote: 'Added the 2024/25 figure',
  },
  responses: {
    200: { description: 'Saved (or unchanged: `saved` is false and the version stays)', schema: storyAnswer.extend({ saved: z.boolean() }) },
    403: { description: 'Only managers and admins write stories' },
    404: { description: 'No indicator with that code in this partnership' },
    409: { description: 'Someone saved a newer version since the one you sent: nothing saved', schema: apiErrorBody.extend({ current: storyJsonSchema.nullable() }) },
    422: { description: 'A field is refused (named in `errors`): nothing saved', schema: apiInvalidBody },
  },
};

export default async function storyApiRoutes(app: FastifyInstance) {
  app.put('/api/v1/partnerships/:slug/indicators/:code/story', { config: { access: 'manager', openapi: putStoryDoc } }, async (request, reply) => {
    const caller = callerIn(request);
    const subject = await resolveSubject(app.db, caller.partnership, 'indicator', request.params);
    const parsed = parseBody(storyBody, request.body);
    if (!parsed.ok) return sendInvalid(reply, parsed.problems);
    const { version, period, summary = '', contributing = '', restricting = '', rootCauses = [], changeNote = '' } = parsed.data;
    const content = { period_text: period, summary, contributing, restricting, root_causes: rootCauses, change_note: changeNote };
    const result = await inPartnershipTransaction(app.db, caller.partnershipId, (trx) =>
      saveVersion(trx, caller.partnershipId, subject, caller.userId, content, { baseVersion: version ?? 0 }),
    );
    const story = await currentStory(app.db, caller.partnershipId, subject);
    if (!result.saved && result.reason === 'conflict') {
      return reply.code(409).send({
        error: 'conflict',
        message: `version: the story is at version ${result.current} now, not ${version ?? 0}: nothing was saved. Read it again, then send your text with version ${result.current}.`,
        current: story && storyJson(story),
        requestId: request.id,
      });
    }
    return {
      indicator: { code: subject.indicator!.code, title: subject.indicator!.title },
      story: story && storyJson(story),
      saved: result.saved,
    };
  });
}
