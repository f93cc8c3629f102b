/** An error whose status and message are safe to show to the caller. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly code: string = defaultCode(statusCode),
  ) {
    super(message);
  }
}

function defaultCode(status: number): string {
  switch (status) {
    case 400: return 'bad_request';
    case 401: return 'unauthorised';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 409: return 'conflict';
    case 413: return 'too_large';
    case 422: return 'invalid';
    case 429: return 'too_many_requests';
    default: return status >= 500 ? 'internal_error' : 'error';
  }
}

export const notFound = (what = 'Page not found') => new HttpError(404, what);
export const forbidden = (what = 'You do not have permission to do that') => new HttpError(403, what);

/** What a person or a client is told while the database cannot be reached: nothing is wrong with their request. */
export const DATABASE_UNAVAILABLE = 'The database is unavailable at the moment. Try again in a minute.';

// postgres.js codes for a connection that closed, ended or never opened; the socket errors Node reports.
const connectionCodes = new Set([
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
]);

/**
 * True when an error says the database connection failed, not that the statement did: SQLSTATE class 08
 * (connection exception), 57P01–57P03 (terminated by an administrator, crash or shutdown; the server cannot accept
 * connections yet). Such a request may simply be tried again. Looks into an AggregateError's errors (a refused
 * connection to a host with several addresses), not into `cause`: a failed fetch() of another service carries its
 * socket error there, and that is not the database.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (connectionCodes.has(code) || /^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code))) return true;
  return error instanceof AggregateError && error.errors.some((e) => isDatabaseUnavailable(e));
}
