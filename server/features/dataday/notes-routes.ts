// Capturing the room (issue 9): during a data day a manager notes ideas, partner commitments and questions against
// the slide on screen; afterwards each is reviewed and turned into an action, a what-works entry or a data
// development agenda entry — through those features' own queries — or dismissed. Managers only: room notes are
// working notes, never shown on slides, in the Data Book or in a publication.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import * as format from '../../format.ts';
import { notFound } from '../../http-errors.ts';
import type { RoomNoteKind, RoomNoteStatus } from '../../db/schema-dataday.ts';
import { createAction } from '../actions/queries.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import { choice, dateField, formValues, optionalId, optionalText, parseForm, parseParams, requiredText, type FieldError } from '../../forms/forms.ts';
import { ACTION_STATUSES, actionStatusLabel, COST_LEVELS, costLabel, EVIDENCE_LEVELS, evidenceHint, evidenceLabel } from '../conversation/labels.ts';
import { listOwnerChoices } from '../conversation/queries.ts';
import { createItem } from '../data-development/queries.ts';
import { findPartner, listPartnerChoices } from '../partners/queries.ts';
import { createWhatWorks } from '../what-works/queries.ts';
import { keyOf, labelFor, loadStructure, parseKey, type Structure } from './agenda.ts';
import { findNote, insertNote, listAgenda, listNotes, lockOpenNote, reopenNote, resolveNote, type DataDayRecord, type RoomNoteRecord } from './queries.ts';
import { dataDayOr404, dataDayParams } from './routes.ts';

export const NOTE_KINDS = ['idea', 'commitment', 'question'] as const satisfies readonly RoomNoteKind[];
export const noteKindLabel: Record<RoomNoteKind, string> = { idea: 'Idea', commitment: 'Partner commitment', question: 'Question' };
const noteKindHint: Record<RoomNoteKind, string> = {
  idea: 'Something that might work, including no-cost and low-cost ideas',
  commitment: 'A partner says what they will do',
  question: 'Something to find out, or data the room wants',
};
const noteStatusLabel: Record<RoomNoteStatus, string> = {
  open: 'To review',
  action: 'Turned into an action',
  what_works: 'Added to what works',
  data_development: 'Added to the data development agenda',
  dismissed: 'Dismissed',
};

const noteParams = dataDayParams.extend({ noteId: z.uuid() });

const noteForm = z.object({
  kind: choice(NOTE_KINDS, 'Choose whether this is an idea, a partner commitment or a question'),
  body: requiredText(2000, 'Write down what was said', 'The note must be 2,000 characters or fewer'),
  who: optionalText(200, 'Who said it must be 200 characters or fewer'),
  subject: optionalText(100, 'Choose what the note is about from the list'),
  slide_label: optionalText(300, 'The slide’s name is too long'),
  slide: z.preprocess((v) => (typeof v === 'string' && /^\d{1,4}$/.test(v) ? Number(v) : null), z.number().nullable()),
  return_to: z.string().optional(),
});

const subjectField = z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string().max(100));

const actionForm = z.object({
  title: requiredText(200, 'Enter a title for the action', 'The title must be 200 characters or fewer'),
  description: optionalText(10000, 'The details must be 10,000 characters or fewer'),
  lead_partner: optionalId,
  owner: optionalId,
  due_date: dateField('The due date'),
  status: choice(ACTION_STATUSES, 'Choose the action’s status'),
  aims: subjectField,
});

const whatWorksForm = z.object({
  title: requiredText(200, 'Enter a title for what works', 'The title must be 200 characters or fewer'),
  description: optionalText(10000, 'The description must be 10,000 characters or fewer'),
  evidence_level: choice(EVIDENCE_LEVELS, 'Choose how strong the evidence is'),
  cost: choice(COST_LEVELS, 'Choose what it would cost'),
  source: optionalText(1000, 'The source must be 1,000 characters or fewer'),
  aims: subjectField,
});

const dataDevelopmentForm = z.object({
  title: requiredText(200, 'Enter the measure you want', 'The measure must be 200 characters or fewer'),
  description: optionalText(5000, 'Why it is wanted must be 5,000 characters or fewer'),
  how_to_get: optionalText(5000, 'How the data could be got must be 5,000 characters or fewer'),
  aims: subjectField,
});

type Mode = 'action' | 'what-works' | 'data-development';
const MODES: Record<Mode, { title: string; button: string; status: Exclude<RoomNoteStatus, 'open' | 'dismissed'> }> = {
  action: { title: 'Turn the note into an action', button: 'Add the action', status: 'action' },
  'what-works': { title: 'Add the note to what works', button: 'Add to what works', status: 'what_works' },
  'data-development': { title: 'Add the note to the data development agenda', button: 'Add to the agenda', status: 'data_development' },
};

class NoteAlreadyReviewed extends Error {}

export default async function roomNoteRoutes(app: FastifyInstance) {
  const notesHref = (caller: Caller, dataDay: { id: string }) => `/p/${caller.partnership.slug}/data-days/${dataDay.id}/notes`;

  /** The agenda's items a note can be about, in the agenda's order, then the rest of the structure. */
  function subjectOptions(structure: Structure, agendaKeys: string[], kinds: readonly string[], emptyText: string) {
    const inAgenda = agendaKeys.map((k) => structure.byKey.get(k)).filter((e): e is NonNullable<typeof e> => !!e);
    const rest = structure.entries.filter((e) => !agendaKeys.includes(e.key));
    return [{ value: '', text: emptyText }, ...[...inAgenda, ...rest].filter((e) => kinds.includes(e.kind)).map((e) => ({ value: e.key, text: labelFor(e) }))];
  }

  async function renderNotes(reply: FastifyReply, caller: Caller, dataDay: DataDayRecord, form?: { values: Record<string, unknown>; errors: FieldError[] }) {
    const [notes, agenda, structure] = await Promise.all([
      listNotes(app.db, caller.partnershipId, dataDay.id),
      listAgenda(app.db, caller.partnershipId, dataDay.id),
      loadStructure(app.db, caller.partnershipId),
    ]);
    const agendaKeys = agenda.map(keyOf);
    const slug = caller.partnership.slug;
    const base = notesHref(caller, dataDay);
    const rows = notes.map((n) => noteRow(n, slug, base));
    // Grouped by what they are about, in the agenda's order; notes on the day in general first.
    const order = ['', ...agendaKeys];
    const groups = new Map<string, { label: string; notes: typeof rows }>();
    for (const row of [...rows].sort((a, b) => rank(order, a.subject) - rank(order, b.subject))) {
      const group = groups.get(row.subject) ?? { label: row.slideLabel || 'The day in general', notes: [] };
      group.notes.push(row);
      groups.set(row.subject, group);
    }
    const counts = (Object.keys(noteStatusLabel) as RoomNoteStatus[]).map((s) => ({ status: s, text: noteStatusLabel[s], count: rows.filter((r) => r.status === s).length })).filter((c) => c.count);
    return reply.code(form?.errors.length ? 400 : 200).view('dataday/notes', {
      pageTitle: `Room notes: ${dataDay.title}`,
      partnership: caller.partnership,
      dataDay: { ...dataDay, dateText: format.date(dataDay.held_on) },
      dataDayHref: `/p/${slug}/data-days/${dataDay.id}`,
      formAction: base,
      values: form?.values ?? { kind: 'idea' },
      errors: form?.errors ?? [],
      kindOptions: NOTE_KINDS.map((k) => ({ value: k, text: noteKindLabel[k], hint: noteKindHint[k] })),
      subjectOptions: subjectOptions(structure, agendaKeys, ['outcome', 'priority', 'indicator'], 'The day in general'),
      groups: [...groups.values()],
      total: rows.length,
      counts,
      storeKey: `ttc-present-${dataDay.id}`,
    });
  }

  app.get('/p/:slug/data-days/:dataDayId/notes', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const dataDay = await dataDayOr404(app, caller, request.params);
    return renderNotes(reply, caller, dataDay);
  });

  app.post('/p/:slug/data-days/:dataDayId/notes', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const dataDay = await dataDayOr404(app, caller, request.params);
    const wantsJson = wantsJsonReply(request);
    const parsed = parseForm(noteForm, request.body);
    let errors = parsed.ok ? [] : parsed.errors;
    let subject: ReturnType<typeof parseKey> = null;
    let label = '';
    if (parsed.ok && parsed.data.subject) {
      const structure = await loadStructure(app.db, caller.partnershipId);
      subject = parseKey(parsed.data.subject);
      const entry = subject ? structure.byKey.get(keyOf(subject)) : undefined;
      if (!entry) errors = [{ field: 'subject', text: 'Choose what the note is about from the list' }];
      // A slide's own name (the story slide of an indicator, say) when the presentation sent one; else the item's.
      else label = parsed.data.slide_label || labelFor(entry);
    } else if (parsed.ok) {
      label = parsed.data.slide_label;
    }
    if (!parsed.ok || errors.length) {
      if (wantsJson) return reply.code(400).send({ error: 'invalid', message: errors.map((e) => e.text).join('; '), errors });
      return renderNotes(reply, caller, dataDay, { values: formValues(request.body), errors });
    }
    const form = parsed.data;
    const id = await insertNote(app.db, caller.partnershipId, dataDay.id, caller.userId, { kind: form.kind, body: form.body, who: form.who, subject, slide_label: label });
    if (wantsJson) {
      const count = (await listNotes(app.db, caller.partnershipId, dataDay.id)).length;
      return reply.code(201).send({ id, count, message: `${noteKindLabel[form.kind]} noted (${count} note${count === 1 ? '' : 's'} so far)` });
    }
    if (form.return_to === 'present') return reply.redirect(`/p/${caller.partnership.slug}/data-days/${dataDay.id}/present${form.slide ? `#slide-${form.slide}` : ''}`, 303);
    return reply.redirect(`${notesHref(caller, dataDay)}#note-${id}`, 303);
  });

  async function noteOr404(caller: Caller, params: unknown) {
    const { noteId } = parseParams(noteParams, params);
    const dataDay = await dataDayOr404(app, caller, params);
    const note = await findNote(app.db, caller.partnershipId, dataDay.id, noteId);
    if (!note) throw notFound();
    return { dataDay, note };
  }

  app.post('/p/:slug/data-days/:dataDayId/notes/:noteId/dismiss', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { dataDay, note } = await noteOr404(caller, request.params);
    await app.db.transaction().execute(async (trx) => {
      if (await lockOpenNote(trx, caller.partnershipId, note.id)) await resolveNote(trx, caller.partnershipId, note.id, caller.userId, { status: 'dismissed' });
    });
    return reply.redirect(`${notesHref(caller, dataDay)}#note-${note.id}`, 303);
  });

  app.post('/p/:slug/data-days/:dataDayId/notes/:noteId/reopen', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { dataDay, note } = await noteOr404(caller, request.params);
    await reopenNote(app.db, caller.partnershipId, note.id);
    return reply.redirect(`${notesHref(caller, dataDay)}#note-${note.id}`, 303);
  });

  // ---- Turning a note into something --------------------------------------------------------------------------------

  async function renderTurn(reply: FastifyReply, caller: Caller, mode: Mode, dataDay: DataDayRecord, note: RoomNoteRecord, values: Record<string, unknown>, errors: FieldError[] = [], status?: number) {
    const [structure, agenda, partners, owners] = await Promise.all([
      loadStructure(app.db, caller.partnershipId),
      listAgenda(app.db, caller.partnershipId, dataDay.id),
      mode === 'action' ? listPartnerChoices(app.db, caller.partnershipId) : Promise.resolve([]),
      mode === 'action' ? listOwnerChoices(app.db, caller.partnershipId) : Promise.resolve([]),
    ]);
    const aimsOptions = subjectOptions(
      structure,
      agenda.map(keyOf),
      ['priority', 'indicator'],
      mode === 'what-works' ? 'Choose a priority or an indicator' : mode === 'action' ? 'No particular priority or indicator' : 'Cross-cutting: no one priority',
    );
    const base = notesHref(caller, dataDay);
    return reply.code(status ?? (errors.length ? 400 : 200)).view('dataday/note-turn', {
      pageTitle: MODES[mode].title,
      partnership: caller.partnership,
      dataDay: { ...dataDay, dateText: format.date(dataDay.held_on) },
      notesHref: base,
      formAction: `${base}/${note.id}/${mode}`,
      mode,
      button: MODES[mode].button,
      note: noteRow(note, caller.partnership.slug, base),
      values,
      errors,
      aimsOptions,
      partnerOptions: [{ value: '', text: 'No lead partner yet' }, ...partners.filter((p) => p.active).map((p) => ({ value: p.id, text: p.name }))],
      ownerOptions: [{ value: '', text: 'No owner yet' }, ...owners.map((o) => ({ value: o.id, text: `${o.name} (${o.role})` }))],
      statusOptions: ACTION_STATUSES.map((value) => ({ value, text: actionStatusLabel[value] })),
      evidenceOptions: EVIDENCE_LEVELS.map((value) => ({ value, text: evidenceLabel[value], hint: evidenceHint[value] })),
      costOptions: COST_LEVELS.map((value) => ({ value, text: costLabel[value] })),
    });
  }

  function defaults(mode: Mode, dataDay: DataDayRecord, note: RoomNoteRecord): Record<string, unknown> {
    const firstLine = note.body.split(/\r?\n/)[0]!.trim();
    const title = firstLine.length > 200 ? `${firstLine.slice(0, 197)}…` : firstLine;
    const raised = `Raised at ${dataDay.title} on ${format.date(dataDay.held_on)}${note.who ? ` by ${note.who}` : ''}.`;
    const subject = note.indicator_id ? `indicator:${note.indicator_id}` : note.priority_id ? `priority:${note.priority_id}` : '';
    const common = { title, description: `${note.body}\n\n${raised}`, aims: subject };
    if (mode === 'action') return { ...common, status: 'not_started', lead_partner: '', owner: '', due_date: '' };
    if (mode === 'what-works') return { ...common, evidence_level: 'idea', cost: 'low_cost', source: `${dataDay.title}, ${format.date(dataDay.held_on)}` };
    return { ...common, how_to_get: '' };
  }

  for (const mode of Object.keys(MODES) as Mode[]) {
    app.get(`/p/:slug/data-days/:dataDayId/notes/:noteId/${mode}`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const { dataDay, note } = await noteOr404(caller, request.params);
      if (note.status !== 'open') return renderReviewed(reply, caller, dataDay, note);
      return renderTurn(reply, caller, mode, dataDay, note, defaults(mode, dataDay, note));
    });

    app.post(`/p/:slug/data-days/:dataDayId/notes/:noteId/${mode}`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const { dataDay, note } = await noteOr404(caller, request.params);
      const structure = await loadStructure(app.db, caller.partnershipId);
      const checked = await checkTurnForm(caller, mode, request.body, structure);
      if (!checked.ok) return renderTurn(reply, caller, mode, dataDay, note, formValues(request.body), checked.errors);
      try {
        await app.db.transaction().execute(async (trx) => {
          if (!(await lockOpenNote(trx, caller.partnershipId, note.id))) throw new NoteAlreadyReviewed();
          const made = await checked.create(trx);
          await resolveNote(trx, caller.partnershipId, note.id, caller.userId, { status: MODES[mode].status, ...made });
        });
      } catch (error) {
        if (error instanceof NoteAlreadyReviewed) {
          const current = (await findNote(app.db, caller.partnershipId, dataDay.id, note.id))!;
          return renderReviewed(reply, caller, dataDay, current, 409);
        }
        throw error;
      }
      return reply.redirect(`${notesHref(caller, dataDay)}#note-${note.id}`, 303);
    });
  }

  function renderReviewed(reply: FastifyReply, caller: Caller, dataDay: DataDayRecord, note: RoomNoteRecord, status = 200) {
    return reply.code(status).view('dataday/note-reviewed', {
      pageTitle: 'This note has been reviewed',
      partnership: caller.partnership,
      dataDay,
      notesHref: notesHref(caller, dataDay),
      note: noteRow(note, caller.partnership.slug, notesHref(caller, dataDay)),
    });
  }

  type Made = { actionId?: string; whatWorksId?: string; dataDevelopmentItemId?: string };
  type Checked = { ok: true; create: (trx: Transaction<DB>) => Promise<Made> } | { ok: false; errors: FieldError[] };

  /** Checks the form against this partnership (a forged or foreign id is a form error) and says what to create. */
  async function checkTurnForm(caller: Caller, mode: Mode, body: unknown, structure: Structure): Promise<Checked> {
    const aimsOf = (value: string, allowed: readonly string[], required: boolean): { entry: ReturnType<Structure['byKey']['get']> | null; error?: FieldError } => {
      if (!value) return required ? { entry: null, error: { field: 'aims', text: 'Choose the priority or indicator it is about' } } : { entry: null };
      const key = parseKey(value);
      const entry = key ? structure.byKey.get(keyOf(key)) : undefined;
      if (!entry || !allowed.includes(entry.kind)) return { entry: null, error: { field: 'aims', text: 'Choose a priority or an indicator from the list' } };
      return { entry };
    };
    const pid = caller.partnershipId;
    if (mode === 'action') {
      const parsed = parseForm(actionForm, body);
      if (!parsed.ok) return parsed;
      const form = parsed.data;
      const errors: FieldError[] = [];
      if (form.lead_partner) {
        const partner = z.uuid().safeParse(form.lead_partner).success ? await findPartner(app.db, pid, form.lead_partner) : undefined;
        if (!partner || !partner.active) errors.push({ field: 'lead_partner', text: 'Choose a lead partner from the list' });
      }
      if (form.owner && !(await listOwnerChoices(app.db, pid)).some((o) => o.id === form.owner)) {
        errors.push({ field: 'owner', text: 'Choose an owner from the list: an officer, manager or admin of this partnership' });
      }
      const aims = aimsOf(form.aims, ['priority', 'indicator'], false);
      if (aims.error) errors.push(aims.error);
      if (errors.length) return { ok: false, errors };
      return {
        ok: true,
        create: async (trx) => ({
          actionId: await createAction(
            trx,
            pid,
            caller.userId,
            { title: form.title, description: form.description, lead_partner_id: form.lead_partner, owner_id: form.owner, start_date: null, due_date: form.due_date, status: form.status },
            { indicatorIds: aims.entry?.kind === 'indicator' ? [aims.entry.id] : [], priorityIds: aims.entry?.kind === 'priority' ? [aims.entry.id] : [] },
          ),
        }),
      };
    }
    if (mode === 'what-works') {
      const parsed = parseForm(whatWorksForm, body);
      if (!parsed.ok) return parsed;
      const form = parsed.data;
      const aims = aimsOf(form.aims, ['priority', 'indicator'], true);
      if (aims.error || !aims.entry) return { ok: false, errors: [aims.error!] };
      const subject = { kind: aims.entry.kind as 'priority' | 'indicator', id: aims.entry.id };
      return {
        ok: true,
        create: async (trx) => ({
          whatWorksId: await createWhatWorks(trx, pid, subject, caller.userId, {
            title: form.title,
            description: form.description,
            evidence_level: form.evidence_level,
            cost: form.cost,
            source: form.source,
            source_url: null,
          }),
        }),
      };
    }
    const parsed = parseForm(dataDevelopmentForm, body);
    if (!parsed.ok) return parsed;
    const form = parsed.data;
    const aims = aimsOf(form.aims, ['priority', 'indicator'], false);
    if (aims.error) return { ok: false, errors: [aims.error] };
    return {
      ok: true,
      create: async (trx) => ({
        dataDevelopmentItemId: await createItem(trx, pid, caller.userId, {
          title: form.title,
          description: form.description,
          how_to_get: form.how_to_get,
          priority_id: aims.entry?.priorityId ?? null,
          indicator_id: aims.entry?.kind === 'indicator' ? aims.entry.id : null,
          owner_id: null,
          partner_id: null,
          status: 'wanted',
        }),
      }),
    };
  }
}

function wantsJsonReply(request: FastifyRequest) {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

function rank(order: string[], key: string) {
  const i = order.indexOf(key);
  return i < 0 ? order.length : i;
}

/** A note as the review page shows it, with what it became. */
function noteRow(n: RoomNoteRecord, slug: string, notesHref: string) {
  const subject = n.indicator_id ? `indicator:${n.indicator_id}` : n.priority_id ? `priority:${n.priority_id}` : n.outcome_id ? `outcome:${n.outcome_id}` : '';
  const result =
    n.status === 'action' ? (n.action_id ? { text: 'Open the action', href: `/p/${slug}/actions/${n.action_id}` } : { text: 'The action has since been deleted', href: null })
    : n.status === 'what_works' ? (n.what_works_id ? { text: 'Open the what-works entry', href: `/p/${slug}/what-works/${n.what_works_id}/edit` } : { text: 'The entry has since been deleted', href: null })
    : n.status === 'data_development' ? (n.data_development_item_id ? { text: 'Open the data development agenda', href: `/p/${slug}/data-development` } : { text: 'The entry has since been deleted', href: null })
    : null;
  return {
    id: n.id,
    kind: n.kind,
    kindText: noteKindLabel[n.kind],
    body: n.body,
    who: n.who,
    subject,
    slideLabel: n.slide_label,
    status: n.status,
    statusText: noteStatusLabel[n.status],
    author: n.author_name ?? 'a former member',
    when: format.dateTime(n.created_at),
    reviewer: n.reviewer_name ?? null,
    reviewedWhen: n.reviewed_at ? format.dateTime(n.reviewed_at) : null,
    result,
    turnHrefs: { action: `${notesHref}/${n.id}/action`, whatWorks: `${notesHref}/${n.id}/what-works`, dataDevelopment: `${notesHref}/${n.id}/data-development` },
    dismissAction: `${notesHref}/${n.id}/dismiss`,
    reopenAction: `${notesHref}/${n.id}/reopen`,
  };
}

