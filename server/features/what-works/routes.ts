import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import { choice, formValues, optionalText, parseForm, parseParams, requiredText, slugParams, type FieldError } from '../../forms/forms.ts';
import { COST_LEVELS, costLabel, EVIDENCE_LEVELS, evidenceHint, evidenceLabel } from '../conversation/labels.ts';
import { resolveSubject, subjectOfRow, SUBJECT_ROUTES, type Subject } from '../conversation/subjects.ts';
import { createWhatWorks, deleteWhatWorks, findWhatWorks, listWhatWorks, updateWhatWorks, type WhatWorksValues } from './queries.ts';
import { whatWorksRows } from './view-model.ts';

const entryParams = slugParams.extend({ whatWorksId: z.uuid() });

const whatWorksForm = z.object({
  title: requiredText(200, 'Enter a title for what works', 'The title must be 200 characters or fewer'),
  description: optionalText(10000, 'The description must be 10,000 characters or fewer'),
  evidence_level: choice(EVIDENCE_LEVELS, 'Choose how strong the evidence is'),
  cost: choice(COST_LEVELS, 'Choose what it would cost'),
  source: optionalText(1000, 'The source must be 1,000 characters or fewer'),
  source_url: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z
      .string()
      .max(2000, 'The web address must be 2,000 characters or fewer')
      .refine((v) => v === '' || (/^https?:\/\/[^\s]+$/i.test(v) && URL.canParse(v)), 'Enter a web address that starts with https:// or http://')
      .transform((v) => v || null),
  ),
});

const evidenceOptions = EVIDENCE_LEVELS.map((value) => ({ value, text: evidenceLabel[value], hint: evidenceHint[value] }));
const costOptions = COST_LEVELS.map((value) => ({ value, text: costLabel[value] }));

export default async function whatWorksRoutes(app: FastifyInstance) {
  app.indicatorSections.push({
    key: 'what-works',
    order: 30,
    template: 'what-works/section',
    async load({ db, partnership, role, indicator }) {
      const entries = await listWhatWorks(db, partnership.id, { indicatorIds: [indicator.id] });
      return {
        whatWorksSection: {
          entries: whatWorksRows(entries, partnership.slug),
          addHref: `/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/what-works/new`,
          canManage: roleAtLeast(role, 'manager'),
          subjectLabel: 'indicator',
        },
      };
    },
  });
  app.prioritySections.push({
    key: 'what-works',
    order: 30,
    template: 'what-works/section',
    async load({ db, partnership, role, priority }) {
      const entries = await listWhatWorks(db, partnership.id, { priorityIds: [priority.id] });
      return {
        whatWorksSection: {
          entries: whatWorksRows(entries, partnership.slug),
          addHref: `/p/${partnership.slug}/priorities/${priority.id}/what-works/new`,
          canManage: roleAtLeast(role, 'manager'),
          subjectLabel: 'priority',
        },
      };
    },
  });

  const renderForm = (reply: FastifyReply, caller: Caller, options: { subject: Subject; entryId?: string; values: Record<string, unknown>; errors?: FieldError[]; status?: number }) =>
    reply.code(options.status ?? 200).view('what-works/form', {
      pageTitle: options.entryId ? 'Change what works' : 'Add what works',
      partnership: caller.partnership,
      subject: options.subject,
      entryId: options.entryId ?? null,
      action: options.entryId ? `/p/${caller.partnership.slug}/what-works/${options.entryId}` : `${options.subject.href}/what-works`,
      values: options.values,
      errors: options.errors ?? [],
      evidenceOptions,
      costOptions,
    });

  for (const { kind, prefix } of SUBJECT_ROUTES) {
    app.get(`${prefix}/what-works/new`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const subject = await resolveSubject(app.db, caller.partnership, kind, request.params);
      return renderForm(reply, caller, { subject, values: {} });
    });

    app.post(`${prefix}/what-works`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const subject = await resolveSubject(app.db, caller.partnership, kind, request.params);
      const parsed = parseForm(whatWorksForm, request.body);
      if (!parsed.ok) return renderForm(reply, caller, { subject, values: formValues(request.body), errors: parsed.errors, status: 400 });
      await createWhatWorks(app.db, caller.partnershipId, subject, caller.userId, parsed.data as WhatWorksValues);
      return reply.notice(`“${parsed.data.title}” added to what works`).redirect(`${subject.href}#what-works`, 303);
    });
  }

  async function entryAndSubject(caller: Caller, params: unknown) {
    const { whatWorksId } = parseParams(entryParams, params);
    const entry = await findWhatWorks(app.db, caller.partnershipId, whatWorksId);
    if (!entry) throw notFound();
    return { entry, subject: await subjectOfRow(app.db, caller.partnership, entry) };
  }

  app.get('/p/:slug/what-works/:whatWorksId/edit', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { entry, subject } = await entryAndSubject(caller, request.params);
    return renderForm(reply, caller, {
      subject,
      entryId: entry.id,
      values: { title: entry.title, description: entry.description, evidence_level: entry.evidence_level, cost: entry.cost, source: entry.source, source_url: entry.source_url ?? '' },
    });
  });

  app.post('/p/:slug/what-works/:whatWorksId', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { entry, subject } = await entryAndSubject(caller, request.params);
    const parsed = parseForm(whatWorksForm, request.body);
    if (!parsed.ok) return renderForm(reply, caller, { subject, entryId: entry.id, values: formValues(request.body), errors: parsed.errors, status: 400 });
    await updateWhatWorks(app.db, caller.partnershipId, entry.id, parsed.data as WhatWorksValues);
    return reply.notice(`“${parsed.data.title}” saved`).redirect(`${subject.href}#what-works`, 303);
  });

  app.post('/p/:slug/what-works/:whatWorksId/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { entry, subject } = await entryAndSubject(caller, request.params);
    await deleteWhatWorks(app.db, caller.partnershipId, entry.id);
    return reply.notice(`“${entry.title}” removed from what works`).redirect(`${subject.href}#what-works`, 303);
  });
}
