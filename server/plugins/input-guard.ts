import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sendError } from './errors.ts';

// Text the database cannot store: PostgreSQL refuses a NUL in text and jsonb, and a lone UTF-16 surrogate
// (half of a pair, which JSON's "\uD800" can carry) is not a character at all. Left in, either one reaches a
// query and fails there as a 500. Every request's input is checked here, once, before any route sees it, so a
// route added later is covered without thinking about it. File contents are checked by the file readers
// (imports/csv-file.ts), which can name the row and column.

// A NUL, or a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// (No `u` flag: the pattern must see code units, not code points.)
const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored, or null when it can. */
export function unstorableCharacter(text: string): string | null {
  const found = UNSTORABLE_TEXT.exec(text);
  if (!found) return null;
  return found[0] === '\u0000' ? 'a NUL character (U+0000)' : 'half of a UTF-16 surrogate pair, which is not a character';
}

export interface UnstorableText {
  /** Where it is: `note`, `items[2].note`; a key that is itself bad is named as it was sent, escaped. */
  path: string;
  why: string;
}

const shownKey = (key: string) => (/^[\w.-]+$/.test(key) ? key : JSON.stringify(key).replace(/\\u0000/g, '\\0'));

/** Deeper than any form or API body of ours: walking (or storing) a hostile 100,000-deep array must not blow the stack. */
const MAX_DEPTH = 64;

/** The first string (or object key) in a parsed body, query or params that cannot be stored. */
export function findUnstorableText(value: unknown, path = '', depth = 0): UnstorableText | null {
  if (depth > MAX_DEPTH) return { path, why: `nesting deeper than ${MAX_DEPTH} levels` };
  if (typeof value === 'string') {
    const why = unstorableCharacter(value);
    return why ? { path, why } : null;
  }
  // An upload's bytes are checked by the reader of that kind of file.
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const here = path ? `${path}.${shownKey(key)}` : shownKey(key);
    const keyWhy = unstorableCharacter(key);
    if (keyWhy) return { path: here, why: `its name holds ${keyWhy}` };
    const found = findUnstorableText(inner, here, depth + 1);
    if (found) return found;
  }
  return null;
}

export default fp(
  async function inputGuard(app: FastifyInstance) {
    // preValidation: after the body is parsed, before the CSRF check and the handler.
    app.addHook('preValidation', async (request, reply) => {
      const sources: [string, unknown][] = [
        ['field', request.body],
        ['query parameter', request.query],
        ['part of the web address', request.params],
      ];
      for (const [where, value] of sources) {
        const found = findUnstorableText(value);
        if (!found) continue;
        if (found.why.startsWith('nesting')) {
          return sendError(request, reply, 400, 'bad_request', `The request holds ${found.why}: no form or API of ours needs that many.`);
        }
        const what = found.path ? `The ${where} “${found.path}”` : 'The request';
        const why = found.why.startsWith('its name') ? found.why : `holds ${found.why}`;
        return sendError(request, reply, 400, 'bad_request', `${what} ${why}, which cannot be stored: remove it and try again.`);
      }
    });
  },
  { name: 'input-guard', dependencies: ['errors'] },
);
