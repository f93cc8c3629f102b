// "What changed": the partnership-wide history of every change — to the plan, the figures, the targets, the
// baselines and the stories — newest first, filtered by kind, person and date, a page at a time, and as CSV.
// Officers and above see it (not viewers): the figures' audit trail holds figures before small-number suppression and
// refused attempts, which viewers, who see figures as published, are not shown anywhere else either.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readDateInput } from '../../forms/date-input.ts';
import { CSV_HEADER, csvCell, csvLine, describeHistory, KIND_LABELS } from './describe.ts';
import { HISTORY_KINDS, listHistory, listPeople, type HistoryCursor, type HistoryFilter, type HistoryKind } from './queries.ts';

export const HISTORY_PAGE = 100;
/** The most rows a CSV download holds; read a page at a time, so memory stays bounded whatever the total. */
export const HISTORY_CSV_MAX = 50_000;
const CSV_CHUNK = 1000;

type Query = Record<string, unknown>;
interface FieldError {
  field: string;
  text: string;
}

/** Midnight at the start of a day in England (BST or GMT), as an instant. */
function startOfDayInEngland(iso: string): Date {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(y, m - 1, d);
  const hourInLondon = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).format(new Date(utcMidnight)));
  return new Date(utcMidnight - hourInLondon * 3_600_000);
}

function nextDay(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

function readCursor(text: unknown): HistoryCursor | null {
  if (typeof text !== 'string') return null;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)~([pfbs]:[0-9a-f-]{36})$/.exec(text);
  return match ? { at: match[1]!, key: match[2]! } : null;
}

/** The filter form's values → a filter, or the problems to show in the error summary. */
function readFilter(query: Query, people: { id: string; name: string }[]) {
  const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string).trim() : query[name] === undefined ? '' : null);
  const values: Record<string, string> = { kind: text('kind') ?? '', person: text('person') ?? '' };
  const errors: FieldError[] = [];
  const kind = text('kind');
  if (kind === null || (kind && !(HISTORY_KINDS as readonly string[]).includes(kind))) errors.push({ field: 'kind', text: 'Choose a kind of change from the list' });
  const person = text('person');
  if (person === null || (person && !people.some((p) => p.id === person))) errors.push({ field: 'person', text: 'Choose a person from the list' });
  const dates: Record<'from' | 'to', string | null> = { from: null, to: null };
  // The date inputs post from-day, from-month, from-year; one YYYY-MM-DD or 31/3/2026 `from` (a link) is read too.
  for (const [field, label] of [['from', 'The ‘from’ date'], ['to', 'The ‘to’ date']] as const) {
    const input = readDateInput(query, field, { label });
    for (const [part, typed] of Object.entries(input.parts)) if (typeof typed === 'string') values[`${field}-${part}`] = typed;
    if (input.error) errors.push(input.error);
    else dates[field] = input.date;
  }
  if (dates.from && dates.to && dates.to < dates.from) errors.push({ field: 'to-day', text: 'The ‘to’ date must be the same as or after the ‘from’ date' });
  const filter: HistoryFilter = {
    kinds: kind ? [kind as HistoryKind] : HISTORY_KINDS,
    userId: person || null,
    from: dates.from ? startOfDayInEngland(dates.from) : null,
    to: dates.to ? startOfDayInEngland(nextDay(dates.to)) : null,
  };
  return { values, errors, filter };
}

export default async function historyRoutes(app: FastifyInstance) {
  app.partnershipNav.push({ key: 'history', text: 'What changed', order: 90, role: 'officer', href: (slug) => `/p/${slug}/history` });

  const options = (people: { id: string; name: string }[]) => ({
    kindOptions: [{ value: '', text: 'Every kind' }, ...HISTORY_KINDS.map((k) => ({ value: k, text: KIND_LABELS[k] }))],
    personOptions: [{ value: '', text: 'Everyone' }, ...people.map((p) => ({ value: p.id, text: p.name }))],
  });

  async function filterOf(request: FastifyRequest) {
    const partnershipId = request.access!.partnership.id;
    const people = await listPeople(app.db, partnershipId);
    return { people, ...readFilter((request.query ?? {}) as Query, people) };
  }

  app.get('/p/:slug/history', { config: { access: 'officer' } }, async (request, reply: FastifyReply) => {
    const { partnership } = request.access!;
    const { people, values, errors, filter } = await filterOf(request);
    const query = (request.query ?? {}) as Query;
    const before = readCursor(query.older);
    const rows = errors.length ? [] : await listHistory(app.db, partnership.id, { ...filter, before }, HISTORY_PAGE + 1);
    const shown = rows.slice(0, HISTORY_PAGE);
    const filterParams = Object.fromEntries(Object.entries(values).filter(([, v]) => v));
    const last = shown.at(-1);
    const olderHref = rows.length > HISTORY_PAGE && last ? `/p/${partnership.slug}/history?${new URLSearchParams({ ...filterParams, older: `${last.at_text}~${last.key}` })}` : null;
    return reply.code(errors.length ? 400 : 200).view('history/index', {
      pageTitle: 'What changed',
      partnership,
      values,
      errors,
      ...options(people),
      entries: shown.map((row) => describeHistory(row, partnership.slug)),
      filtered: Object.keys(filterParams).length > 0,
      paged: before !== null,
      olderHref,
      newestHref: `/p/${partnership.slug}/history${Object.keys(filterParams).length ? `?${new URLSearchParams(filterParams)}` : ''}`,
      csvHref: `/p/${partnership.slug}/history.csv${Object.keys(filterParams).length ? `?${new URLSearchParams(filterParams)}` : ''}`,
    });
  });

  app.get('/p/:slug/history.csv', { config: { access: 'officer' } }, async (request, reply) => {
    const { partnership } = request.access!;
    const { people, values, errors, filter } = await filterOf(request);
    if (errors.length) {
      return reply.code(400).view('history/index', {
        pageTitle: 'What changed',
        partnership,
        values,
        errors,
        ...options(people),
        entries: [],
        filtered: true,
        paged: false,
        olderHref: null,
        newestHref: `/p/${partnership.slug}/history`,
        csvHref: null,
      });
    }
    // The first page is read before answering, so a failure is an error page rather than a cut-off file.
    const first = await listHistory(app.db, partnership.id, filter, CSV_CHUNK);
    async function* lines() {
      yield `${CSV_HEADER.map(csvCell).join(',')}\r\n`;
      let rows = first;
      let written = 0;
      while (rows.length) {
        for (const row of rows) {
          if (written >= HISTORY_CSV_MAX) return;
          yield csvLine(describeHistory(row, partnership.slug));
          written++;
        }
        if (rows.length < CSV_CHUNK) return;
        const last = rows.at(-1)!;
        rows = await listHistory(app.db, partnership.id, { ...filter, before: { at: last.at_text, key: last.key } }, CSV_CHUNK);
      }
    }
    const stamp = new Date().toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${partnership.slug}-what-changed-${stamp}.csv"`)
      .send(Readable.from(lines()));
  });
}
