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
