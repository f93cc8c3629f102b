// Data day (issue 9): plan a day and its agenda, present it to the room, and compare with the last data day.
// Viewers see and present; managers plan and change the agenda.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import * as format from '../../format.ts';
import { notFound } from '../../http-errors.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import { deleteWithAuditEntry } from '../conversation/queries.ts';
import { readDateInput } from '../../forms/date-input.ts';
import { choice, dateInput, formValues, parseForm, parseParams, requiredText, slugParams, todayInEngland, type FieldError } from '../../forms/forms.ts';
import { findPartnership } from '../partnerships/queries.ts';
import { agendaFromForm, keyOf, labelFor, loadStructure, slidesFor, startingAgenda, type Structure } from './agenda.ts';
import { loadFigures } from './figures.ts';
import { countNotes, createDataDay, deleteDataDay, findDataDay, findLastDataDayOnOrBefore, findPreviousDataDay, listAgenda, listDataDays, replaceAgenda, updateDataDay, type AgendaItem, type DataDayRecord } from './queries.ts';
import { loadConversation } from './sections.ts';
import { compareSince } from './since.ts';
import { buildDeck } from './slides.ts';

export const dataDayParams = slugParams.extend({ dataDayId: z.uuid() });

const START_OPTIONS = [
  { value: 'headline', text: 'Every outcome, priority and headline indicator, in the partnership’s order', hint: 'You can add secondary indicators, take things out and change the order next.' },
  { value: 'all', text: 'Every outcome, priority and indicator' },
  { value: 'empty', text: 'Nothing yet: I will choose' },
] as const;

const dataDayForm = z.object({
  title: requiredText(200, 'Enter a title for the data day', 'The title must be 200 characters or fewer'),
  held_on: dateInput({ label: 'The date of the data day', missing: 'Enter the date the data day is held' }),
});

const newDataDayForm = dataDayForm.extend({
  start: choice(['headline', 'all', 'empty'], 'Choose what the agenda starts with'),
});

const agendaForm = z.object({
  order: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(100)).max(2000)),
  include: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(100)).max(2000)),
  move: z.string().max(110).optional(),
});

/** The data day named in the URL, in the caller's partnership; anything else is a 404. */
export async function dataDayOr404(app: FastifyInstance, caller: Caller, params: unknown): Promise<DataDayRecord> {
  const { dataDayId } = parseParams(dataDayParams, params);
  const dataDay = await findDataDay(app.db, caller.partnershipId, dataDayId);
  if (!dataDay) throw notFound();
  return dataDay;
}

const dataDayHref = (caller: Caller, id: string) => `/p/${caller.partnership.slug}/data-days/${id}`;

/** The date "now" ends at for a data day: today, or the day itself once it is past. */
function sinceEnd(dataDay: { held_on: string }) {
  const today = todayInEngland();
  return dataDay.held_on < today ? dataDay.held_on : today;
}

export default async function dataDayRoutes(app: FastifyInstance) {
  app.partnershipNav.push({ key: 'data-day', text: 'Data day', order: 50, role: 'viewer', href: (slug) => `/p/${slug}/data-days` });

  app.get('/p/:slug/data-days', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const dataDays = await listDataDays(app.db, caller.partnershipId);
    return reply.view('dataday/index', {
      pageTitle: 'Data day',
      partnership: caller.partnership,
      canManage: caller.canManage,
      dataDays: dataDays.map((d) => ({ ...d, href: dataDayHref(caller, d.id), dateText: format.date(d.held_on) })),
    });
  });

  // ---- Plan a data day ----------------------------------------------------------------------------------------------

  function renderNew(reply: FastifyReply, caller: Caller, values: Record<string, unknown>, errors: FieldError[] = []) {
    return reply.code(errors.length ? 400 : 200).view('dataday/form', {
      pageTitle: 'Plan a data day',
      partnership: caller.partnership,
      formAction: `/p/${caller.partnership.slug}/data-days`,
      cancelHref: `/p/${caller.partnership.slug}/data-days`,
      isNew: true,
      values,
      errors,
      startOptions: START_OPTIONS,
    });
  }

  app.get('/p/:slug/data-days/new', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const year = todayInEngland().slice(0, 4);
    return renderNew(reply, caller, { title: `Turning the Curve — Data Day ${year}`, held_on: todayInEngland(), start: 'headline' });
  });

  app.post('/p/:slug/data-days', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const parsed = parseForm(newDataDayForm, request.body);
    if (!parsed.ok) return renderNew(reply, caller, formValues(request.body), parsed.errors);
    const structure = await loadStructure(app.db, caller.partnershipId);
    const agenda = startingAgenda(structure, parsed.data.start);
    const id = await app.db.transaction().execute((trx) =>
      createDataDay(trx, caller.partnershipId, caller.userId, { title: parsed.data.title, held_on: parsed.data.held_on! }, agenda),
    );
    reply.notice(agenda.length ? `Data day created: ${parsed.data.title}, with ${agenda.length === 1 ? '1 item' : `${agenda.length} items`} on its agenda` : `Data day created: ${parsed.data.title}`);
    return reply.redirect(parsed.data.start === 'empty' ? `${dataDayHref(caller, id)}/agenda` : dataDayHref(caller, id), 303);
  });

  // ---- One data day -------------------------------------------------------------------------------------------------

  app.get('/p/:slug/data-days/:dataDayId', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const dataDay = await dataDayOr404(app, caller, request.params);
    const [agenda, structure, previous, notes] = await Promise.all([
      listAgenda(app.db, caller.partnershipId, dataDay.id),
      loadStructure(app.db, caller.partnershipId),
      findPreviousDataDay(app.db, caller.partnershipId, dataDay),
      caller.canManage ? countNotes(app.db, caller.partnershipId, dataDay.id) : Promise.resolve(0),
    ]);
    const items = agendaRows(structure, agenda);
    const slug = caller.partnership.slug;
    const end = sinceEnd(dataDay);
    return reply.view('dataday/show', {
      pageTitle: dataDay.title,
      partnership: caller.partnership,
      canManage: caller.canManage,
      dataDay: { ...dataDay, dateText: format.date(dataDay.held_on) },
      href: dataDayHref(caller, dataDay.id),
      items,
      slideCount: 1 + (previous ? 1 : 0) + items.reduce((n, i) => n + slidesFor(i.kind), 0),
      noteCount: notes,
      previous: previous ? { ...previous, dateText: format.date(previous.held_on), href: dataDayHref(caller, previous.id) } : null,
      sinceHref: previous ? `/p/${slug}/since?from=${previous.held_on}&to=${end}` : `/p/${slug}/since?to=${end}`,
      bookHref: `/p/${slug}/data-book`,
      publishHref: `/p/${slug}/publications`,
    });
  });

  function renderDetails(reply: FastifyReply, caller: Caller, dataDay: DataDayRecord, values: Record<string, unknown>, errors: FieldError[] = []) {
    return reply.code(errors.length ? 400 : 200).view('dataday/form', {
      pageTitle: 'Change the data day’s details',
      partnership: caller.partnership,
      formAction: dataDayHref(caller, dataDay.id),
      cancelHref: dataDayHref(caller, dataDay.id),
      isNew: false,
      dataDay,
      values,
      errors,
      startOptions: START_OPTIONS,
    });
  }

  app.get('/p/:slug/data-days/:dataDayId/edit', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const dataDay = await dataDayOr404(app, caller, request.params);
    return renderDetails(reply, caller, dataDay, { title: dataDay.title, held_on: dataDay.held_on });
  });

  app.post('/p/:slug/data-days/:dataDayId', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const dataDay = await dataDayOr404(app, caller, request.params);
    const parsed = parseForm(dataDayForm, request.body);
    if (!parsed.ok) return renderDetails(reply, caller, dataDay, formValues(request.body), parsed.errors);
    await updateDataDay(app.db, caller.partnershipId, dataDay.id, { title: parsed.data.title, held_on: parsed.data.held_on! });
    reply.notice(`Data day saved: ${parsed.data.title}`);
    return reply.redirect(dataDayHref(caller, dataDay.id), 303);
  });

  // Deleting is for a data day made by mistake: its agenda and room notes go with it; the actions, what-works entries
  // and agenda items made from its notes stay. The deletion is kept in the audit log.
  app.get('/p/:slug/data-days/:dataDayId/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const dataDay = await dataDayOr404(app, caller, request.params);
    return reply.view('dataday/delete', {
      pageTitle: `Delete the data day: ${dataDay.title}`,
      partnership: caller.partnership,
      dataDay: { ...dataDay, dateText: format.date(dataDay.held_on) },
      href: dataDayHref(caller, dataDay.id),
      noteCount: await countNotes(app.db, caller.partnershipId, dataDay.id),
    });
  });

  app.post('/p/:slug/data-days/:dataDayId/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { dataDayId } = parseParams(dataDayParams, request.params);
    const event = { kind: 'data_day_deleted', userId: caller.userId, partnershipId: caller.partnershipId, address: request.ip };
    const deleted = await deleteWithAuditEntry(app.db, event, async (trx) => {
      const found = await deleteDataDay(trx, caller.partnershipId, dataDayId);
      return found && { dataDayId, title: found.title };
    });
    if (!deleted) throw notFound('This data day has already been deleted');
    return reply.redirect(`/p/${caller.partnership.slug}/data-days`, 303);
  });

  // ---- The agenda: pick and order ----------------------------------------------------------------------------------

  async function renderAgenda(reply: FastifyReply, caller: Caller, dataDay: DataDayRecord, agenda: AgendaItem[], structure: Structure, errors: FieldError[] = []) {
    const included = new Set(agenda.map(keyOf));
    const rows = [
      ...agendaRows(structure, agenda).map((r) => ({ ...r, included: true })),
      ...structure.entries.filter((e) => !included.has(e.key)).map((e) => ({ ...e, label: labelFor(e), included: false })),
    ];
    return reply.code(errors.length ? 400 : 200).view('dataday/agenda', {
      pageTitle: `Agenda: ${dataDay.title}`,
      partnership: caller.partnership,
      dataDay: { ...dataDay, dateText: format.date(dataDay.held_on) },
      href: dataDayHref(caller, dataDay.id),
      rows,
      includedCount: agenda.length,
      errors,
    });
  }

  app.get('/p/:slug/data-days/:dataDayId/agenda', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const dataDay = await dataDayOr404(app, caller, request.params);
    const [agenda, structure] = await Promise.all([listAgenda(app.db, caller.partnershipId, dataDay.id), loadStructure(app.db, caller.partnershipId)]);
    return renderAgenda(reply, caller, dataDay, agenda, structure);
  });

  app.post('/p/:slug/data-days/:dataDayId/agenda', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const dataDay = await dataDayOr404(app, caller, request.params);
    const structure = await loadStructure(app.db, caller.partnershipId);
    const parsed = agendaForm.safeParse(request.body ?? {});
    if (!parsed.success) {
      // Never save a half-read form over the agenda: show it again as it was.
      const agenda = await listAgenda(app.db, caller.partnershipId, dataDay.id);
      return renderAgenda(reply, caller, dataDay, agenda, structure, [{ field: 'agenda-form', text: 'The agenda could not be read: it has not been changed. Try again.' }]);
    }
    const form = parsed.data;
    const agenda = agendaFromForm(structure, form);
    await app.db.transaction().execute(async (trx) => {
      // Items retired since they were put on the agenda are not on the form (the structure holds active items only):
      // keep them, at the end, so that restoring the item brings it back to this data day rather than losing it.
      const retired = (await listAgenda(trx, caller.partnershipId, dataDay.id)).filter((item) => !structure.byKey.has(keyOf(item)));
      await replaceAgenda(trx, caller.partnershipId, dataDay.id, [...agenda, ...retired]);
    });
    const anchor = form.move ? `#row-${form.move.slice(0, form.move.lastIndexOf(':')).replace(':', '-')}` : '';
    return reply.redirect(form.move ? `${dataDayHref(caller, dataDay.id)}/agenda${anchor}` : dataDayHref(caller, dataDay.id), 303);
  });

  // ---- Present --------------------------------------------------------------------------------------------------------

  app.get('/p/:slug/data-days/:dataDayId/present', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const dataDay = await dataDayOr404(app, caller, request.params);
    const partnership = await findPartnership(app.db, caller.partnershipId);
    const [agenda, loaded, previous] = await Promise.all([
      listAgenda(app.db, caller.partnershipId, dataDay.id),
      loadFigures(app.db, partnership, {}),
      findPreviousDataDay(app.db, caller.partnershipId, dataDay),
    ]);
    const indicatorIds = new Set(agenda.filter((a) => a.kind === 'indicator').map((a) => a.id));
    const priorityIds = new Set(agenda.filter((a) => a.kind === 'priority').map((a) => a.id));
    const [conversation, since] = await Promise.all([
      loadConversation(app, sectionCaller(request, caller), loaded.figures.filter((f) => indicatorIds.has(f.indicator.id)), loaded.priorities.filter((p) => priorityIds.has(p.id))),
      previous ? compareSince(app.db, partnership, previous.held_on, sinceEnd(dataDay)) : Promise.resolve(null),
    ]);
    const slides = buildDeck({
      partnershipName: partnership.name,
      dataDay,
      agenda,
      outcomes: loaded.outcomes,
      priorities: loaded.priorities,
      figures: loaded.figures,
      conversation,
      since,
    });
    return reply.view('dataday/present', {
      pageTitle: `Presenting: ${dataDay.title}`,
      partnership: caller.partnership,
      dataDay,
      slides,
      exitHref: dataDayHref(caller, dataDay.id),
      canCapture: caller.canManage,
      notesAction: `${dataDayHref(caller, dataDay.id)}/notes`,
      storeKey: `ttc-present-${dataDay.id}`,
    });
  });

  // ---- Since the last data day ---------------------------------------------------------------------------------------

  app.get('/p/:slug/since', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const query = (request.query ?? {}) as Record<string, unknown>;
    const today = todayInEngland();
    // Dates come from the date inputs (from-day, from-month, from-year) or as one YYYY-MM-DD (links to this page).
    const fromInput = readDateInput(query, 'from', { label: 'The ‘from’ date', notFuture: true, today });
    const toInput = readDateInput(query, 'to', { label: 'The ‘to’ date', notFuture: true, today });
    const errors = [fromInput.error, toInput.error].filter((e) => e !== null);
    const to = toInput.date ?? today;
    let from = fromInput.date;
    if (!from) {
      // The last data day before the end date; failing that, a year before it.
      const dayBefore = new Date(`${to}T12:00:00Z`);
      dayBefore.setUTCDate(dayBefore.getUTCDate() - 1);
      const last = await findLastDataDayOnOrBefore(app.db, caller.partnershipId, dayBefore.toISOString().slice(0, 10));
      from = last?.held_on ?? `${Number(to.slice(0, 4)) - 1}${to.slice(4)}`;
    }
    const [start, end] = from <= to ? [from, to] : [to, from];
    const partnership = await findPartnership(app.db, caller.partnershipId);
    const [comparison, dataDays] = await Promise.all([compareSince(app.db, partnership, start, end), listDataDays(app.db, caller.partnershipId)]);
    return reply.code(errors.length ? 400 : 200).view('dataday/since', {
      pageTitle: 'Since the last data day',
      partnership: caller.partnership,
      comparison,
      errors,
      values: errors.length ? formValues(query) : { from: comparison.from, to: comparison.to },
      dataDays: dataDays.map((d) => ({ title: d.title, held_on: d.held_on, dateText: format.date(d.held_on) })),
      today,
    });
  });
}

/** The caller as the registered sections expect it. */
export function sectionCaller(request: FastifyRequest, caller: Caller) {
  return { request, partnership: caller.partnership, role: caller.role };
}

/** The agenda's items with their titles, in order; an item whose subject has since been deleted is left out. */
function agendaRows(structure: Structure, agenda: AgendaItem[]) {
  return agenda.flatMap((item) => {
    const entry = structure.byKey.get(keyOf(item));
    return entry ? [{ ...entry, label: labelFor(entry) }] : [];
  });
}
