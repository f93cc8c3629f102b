// The API's answers when something is wrong, and their schemas for the OpenAPI document: one error shape
// (`{ error, message, requestId }`, plugins/errors.ts), and a 422 that names every field it refuses.
import type { FastifyReply } from 'fastify';
import { z } from 'zod';

export const apiErrorBody = z.object({
  error: z.string().meta({ description: 'A code: not_found, forbidden, unauthorised, conflict, invalid, bad_request, …' }),
  message: z.string().meta({ description: 'What went wrong, in words' }),
  requestId: z.string().meta({ description: 'Quote it when asking for help: it is in the log' }),
});

export const apiProblem = z.object({
  item: z.number().int().optional().meta({ description: 'Which item of a list, counting from 0' }),
  field: z.string().meta({ description: 'The field refused, e.g. "title" or "rootCauses.2"; "body" for the whole body' }),
  message: z.string(),
});

export const apiInvalidBody = apiErrorBody.extend({ error: z.literal('invalid'), errors: z.array(apiProblem) });

export type ApiProblem = z.infer<typeof apiProblem>;

/** 422 with every problem: `{ error: 'invalid', message, errors: [{ field, message }] }`. Nothing was written. */
export function sendInvalid(reply: FastifyReply, errors: ApiProblem[]) {
  const first = errors.slice(0, 3).map((e) => `${e.item !== undefined ? `item ${e.item}, ` : ''}${e.field}: ${e.message}`);
  const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : '';
  return reply.code(422).send({ error: 'invalid', message: `${first.join('; ')}${more}`, errors, requestId: reply.request.id });
}

/** A zod error as problems named by field, in words a script's author can act on. */
export function zodProblems(error: z.ZodError): ApiProblem[] {
  return error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : 'body';
    let message = issue.message;
    if (issue.code === 'invalid_value' && 'values' in issue) message = `must be one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) message = 'is required';
    else if (issue.code === 'unrecognized_keys') message = `unknown field(s): ${issue.keys.join(', ')}`;
    return { field, message };
  });
}

/** Parses a JSON body with the route's own schema: the data, or the problems to answer with `sendInvalid`. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): { ok: true; data: z.output<T> } | { ok: false; problems: ApiProblem[] } {
  const parsed = schema.safeParse(body ?? {});
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, problems: zodProblems(parsed.error) };
}
