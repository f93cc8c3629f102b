import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ZodError } from 'zod';
import { DATABASE_UNAVAILABLE, HttpError, isDatabaseUnavailable } from '../http-errors.ts';

export const isApiRequest = (request: FastifyRequest) => request.url.startsWith('/api/');

/**
 * One place turns every failure into a response: people get a page, the API gets `{ error, message, requestId }`.
 * A 5xx never shows its details, only a reference that is in the log.
 */
export default fp(
  async function errors(app: FastifyInstance) {
    app.setNotFoundHandler((request, reply) => sendError(request, reply, 404, 'not_found', 'Page not found'));

    app.setErrorHandler((error: FastifyError | HttpError | ZodError, request, reply) => {
      // Input that no form or API schema should have let through (a repeated query parameter, say): a bad request.
      if (error instanceof ZodError) {
        const issue = error.issues[0];
        const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
        return sendError(request, reply, 400, 'bad_request', `The request could not be understood (${where}${issue?.message ?? 'invalid'})`);
      }
      // The connection to PostgreSQL dropped or cannot be made (a restart, a failover, a terminated backend): the
      // request was fine and can be tried again, so say that rather than "a problem with the service".
      if (isDatabaseUnavailable(error)) {
        request.log.error({ err: error, requestId: request.id }, 'database unavailable');
        reply.header('retry-after', '5');
        return sendError(request, reply, 503, 'database_unavailable', DATABASE_UNAVAILABLE);
      }
      let status = (error as FastifyError).statusCode ?? 500;
      if (status < 400 || status > 599) status = 500;
      if (status >= 500) {
        request.log.error({ err: error, requestId: request.id }, 'request failed');
        return sendError(request, reply, status, 'internal_error', 'Sorry, there is a problem with the service');
      }
      const code = error instanceof HttpError ? error.code : friendlyCode(error as FastifyError, status);
      const message = error instanceof HttpError ? error.message : friendlyMessage(error as FastifyError, status);
      return sendError(request, reply, status, code, message);
    });
  },
  { name: 'errors' },
);

function friendlyCode(error: FastifyError, status: number): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) return 'too_large';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) return 'unsupported_media_type';
  if (status === 429) return 'too_many_requests';
  return status === 404 ? 'not_found' : 'bad_request';
}

function friendlyMessage(error: FastifyError, status: number): string {
  if (status === 413) return 'The request is too large';
  if (status === 415) return 'That kind of content is not accepted here';
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) return 'The request body is not valid JSON';
  if (status === 429) return 'Too many requests: wait a little and try again';
  return status === 404 ? 'Page not found' : 'The request could not be understood';
}

const pageTitles: Record<number, string> = {
  400: 'There is a problem with the request',
  401: 'You need to sign in',
  403: 'You do not have permission to see this page',
  404: 'Page not found',
  409: 'Someone else changed this',
  413: 'The file or form is too large',
  429: 'Too many attempts',
  503: 'Sorry, the service is unavailable',
};

export function sendError(request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string) {
  reply.code(status);
  if (isApiRequest(request) || !request.headers.accept?.includes('html') && request.headers.accept?.includes('json')) {
    return reply.type('application/json; charset=utf-8').send({ error: code, message, requestId: request.id });
  }
  const title = pageTitles[status] ?? (status >= 500 ? 'Sorry, there is a problem with the service' : 'There is a problem');
  if (typeof reply.view !== 'function') {
    return reply.type('text/plain; charset=utf-8').send(`${title}\n${message}\nReference: ${request.id}`);
  }
  return reply.view('errors/error', { pageTitle: title, status, message, requestId: request.id });
}
