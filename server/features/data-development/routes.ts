import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import { choice, formValues, isUuid, optionalId, optionalText, parseForm, parseParams, requiredText, slugParams, type FieldError } from '../../forms/forms.ts';
import { DATA_DEVELOPMENT_STATUSES, dataDevelopmentStatusLabel } from '../conversation/labels.ts';
import { findIndicatorIdByCode, listIndicatorChoices, listOwnerChoices, listPriorityChoices } from '../conversation/queries.ts';
import { findPartner, listPartnerChoices } from '../partners/queries.ts';
import { findPriority } from '../partnerships/queries.ts';
import { createItem, deleteItem, findItem, listItems, moveItem, updateItem, type DataDevelopmentValues } from './queries.ts';
import { itemRows } from './view-model.ts';

const itemParams = slugParams.extend({ itemId: z.uuid() });

const itemForm = z.object({
  title: requiredText(200, 'Enter the measure you want', 'The measure must be 200 characters or fewer'),
  description: optionalText(5000, 'Why it is wanted must be 5,000 characters or fewer'),
  priority: optionalId,
  indicator: optionalId,
  how_to_get: optionalText(5000, 'How the data could be got must be 5,000 characters or fewer'),
  owner: optionalId,
  partner: optionalId,
  status: choice(DATA_DEVELOPMENT_STATUSES, 'Choose where this has got to'),
});

const statusOptions = DATA_DEVELOPMENT_STATUSES.map((value) => ({ value, text: dataDevelopmentStatusLabel[value] }));

export default async function dataDevelopmentRoutes(app: FastifyInstance) {
  app.partnershipNav.push({ key: 'data-development', text: 'Data development', order: 32, role: 'viewer', href: (slug) => `/p/${slug}/data-development` });

  app.indicatorSections.push({
    key: 'data-development',
    order: 38,
    template: 'data-development/section',
    async load({ db, partnership, role, indicator }) {
      const items = await listItems(db, partnership.id, { indicatorIds: [indicator.id], priorityIds: indicator.priority_id ? [indicator.priority_id] : [] });
      // This indicator's own items, and the priority's items that are not about another indicator.
      const relevant = items.filter((i) => i.indicator_id === indicator.id || i.indicator_id === null);
      return {
        dataDevelopmentSection: {
          items: itemRows(relevant, partnership.slug),
          addHref: `/p/${partnership.slug}/data-development/new?indicator=${encodeURIComponent(indicator.code)}`,
          listHref: `/p/${partnership.slug}/data-development`,
          canManage: roleAtLeast(role, 'manager'),
          subjectLabel: 'indicator',
        },
      };
    },
  });
  app.prioritySections.push({
    key: 'data-development',
    order: 38,
    template: 'data-development/section',
    async load({ db, partnership, role, priority }) {
      const items = await listItems(db, partnership.id, { priorityIds: [priority.id] });
      return {
        dataDevelopmentSection: {
          items: itemRows(items, partnership.slug),
          addHref: `/p/${partnership.slug}/data-development/new?priority=${priority.id}`,
          listHref: `/p/${partnership.slug}/data-development`,
          canManage: roleAtLeast(role, 'manager'),
          subjectLabel: 'priority',
        },
      };
    },
  });

  app.get('/p/:slug/data-development', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const items = await listItems(app.db, caller.partnershipId);
    return reply.view('data-development/index', {
      pageTitle: 'Data development agenda',
      partnership: caller.partnership,
      canManage: caller.canManage,
      items: itemRows(items, caller.partnership.slug),
    });
  });

  async function renderForm(reply: FastifyReply, caller: Caller, options: { itemId?: string; currentOwner?: string | null; values: Record<string, unknown>; errors?: FieldError[]; status?: number }) {
    const [priorities, indicators, owners, partners] = await Promise.all([
      listPriorityChoices(app.db, caller.partnershipId),
      listIndicatorChoices(app.db, caller.partnershipId),
      listOwnerChoices(app.db, caller.partnershipId, options.currentOwner),
      listPartnerChoices(app.db, caller.partnershipId),
    ]);
    const chosenPartner = String(options.values.partner ?? '');
    const slug = caller.partnership.slug;
    return reply.code(options.status ?? 200).view('data-development/form', {
      pageTitle: options.itemId ? 'Change a data development item' : 'Add to the data development agenda',
      partnership: caller.partnership,
      itemId: options.itemId ?? null,
      action: options.itemId ? `/p/${slug}/data-development/${options.itemId}` : `/p/${slug}/data-development`,
      values: options.values,
      errors: options.errors ?? [],
      statusOptions,
      priorityOptions: [{ value: '', text: 'Cross-cutting: no one priority' }, ...priorities.map((p) => ({ value: p.id, text: `${p.title} (${p.outcome_title})` }))],
      indicatorOptions: [{ value: '', text: 'A new measure, not an existing indicator' }, ...indicators.map((i) => ({ value: i.id, text: i.programme_name ? `${i.title} (${i.programme_name})` : i.title }))],
      ownerOptions: [{ value: '', text: 'No owner yet' }, ...owners.map((o) => ({ value: o.id, text: `${o.name} (${o.role})` }))],
      partnerOptions: [{ value: '', text: 'No partner yet' }, ...partners.filter((p) => p.active || p.id === chosenPartner).map((p) => ({ value: p.id, text: p.name }))],
    });
  }

  /** Everything the form names must be this partnership's: otherwise a form error, never a link. */
  async function toValues(caller: Caller, form: z.infer<typeof itemForm>, previous: { partnerId: string | null; ownerId: string | null }): Promise<{ values?: DataDevelopmentValues; errors: FieldError[] }> {
    const errors: FieldError[] = [];
    if (form.priority && !(isUuid(form.priority) && (await findPriority(app.db, caller.partnershipId, form.priority)))) errors.push({ field: 'priority', text: 'Choose a priority from the list' });
    if (form.indicator) {
      const indicators = await listIndicatorChoices(app.db, caller.partnershipId);
      if (!indicators.some((i) => i.id === form.indicator)) errors.push({ field: 'indicator', text: 'Choose an indicator from the list' });
    }
    if (form.owner) {
      const owners = await listOwnerChoices(app.db, caller.partnershipId, previous.ownerId);
      if (!owners.some((o) => o.id === form.owner)) errors.push({ field: 'owner', text: 'Choose an owner from the list: an officer, manager or admin of this partnership' });
    }
    if (form.partner) {
      const partner = isUuid(form.partner) ? await findPartner(app.db, caller.partnershipId, form.partner) : undefined;
      if (!partner || (!partner.active && partner.id !== previous.partnerId)) errors.push({ field: 'partner', text: 'Choose a partner from the list' });
    }
    if (errors.length) return { errors };
    return {
      errors,
      values: {
        title: form.title,
        description: form.description,
        how_to_get: form.how_to_get,
        priority_id: form.priority,
        indicator_id: form.indicator,
        owner_id: form.owner,
        partner_id: form.partner,
        status: form.status,
      },
    };
  }

  app.get('/p/:slug/data-development/new', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const query = z.object({ priority: z.uuid().optional().catch(undefined), indicator: z.string().max(64).optional().catch(undefined) }).parse(request.query ?? {});
    const values: Record<string, unknown> = { status: 'wanted' };
    if (query.priority && (await findPriority(app.db, caller.partnershipId, query.priority))) values.priority = query.priority;
    if (query.indicator) {
      const id = await findIndicatorIdByCode(app.db, caller.partnershipId, query.indicator);
      if (id) {
        values.indicator = id;
        const indicators = await listIndicatorChoices(app.db, caller.partnershipId);
        values.priority = indicators.find((i) => i.id === id)?.priority_id ?? '';
      }
    }
    return renderForm(reply, caller, { values });
  });

  app.post('/p/:slug/data-development', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const parsed = parseForm(itemForm, request.body);
    const checked = parsed.ok ? await toValues(caller, parsed.data, { partnerId: null, ownerId: null }) : { errors: parsed.errors };
    if (!checked.values) return renderForm(reply, caller, { values: formValues(request.body), errors: checked.errors, status: 400 });
    await app.db.transaction().execute((trx) => createItem(trx, caller.partnershipId, caller.userId, checked.values!));
    return reply.notice(`“${checked.values.title}” added to the data development agenda`).redirect(`/p/${caller.partnership.slug}/data-development`, 303);
  });

  async function loadItem(caller: Caller, params: unknown) {
    const { itemId } = parseParams(itemParams, params);
    const item = await findItem(app.db, caller.partnershipId, itemId);
    if (!item) throw notFound();
    return item;
  }

  app.get('/p/:slug/data-development/:itemId/edit', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const item = await loadItem(caller, request.params);
    return renderForm(reply, caller, {
      itemId: item.id,
      currentOwner: item.owner_id,
      values: {
        title: item.title,
        description: item.description,
        how_to_get: item.how_to_get,
        priority: item.priority_id ?? '',
        indicator: item.indicator_id ?? '',
        owner: item.owner_id ?? '',
        partner: item.partner_id ?? '',
        status: item.status,
      },
    });
  });

  app.post('/p/:slug/data-development/:itemId', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const item = await loadItem(caller, request.params);
    const parsed = parseForm(itemForm, request.body);
    const checked = parsed.ok ? await toValues(caller, parsed.data, { partnerId: item.partner_id, ownerId: item.owner_id }) : { errors: parsed.errors };
    if (!checked.values) return renderForm(reply, caller, { itemId: item.id, currentOwner: item.owner_id, values: formValues(request.body), errors: checked.errors, status: 400 });
    await updateItem(app.db, caller.partnershipId, item.id, checked.values);
    return reply.notice(`“${checked.values.title}” saved`).redirect(`/p/${caller.partnership.slug}/data-development#item-${item.id}`, 303);
  });

  app.post('/p/:slug/data-development/:itemId/move', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const item = await loadItem(caller, request.params);
    const { direction } = z.object({ direction: z.enum(['up', 'down']) }).parse(request.body ?? {});
    await app.db.transaction().execute((trx) => moveItem(trx, caller.partnershipId, item.id, direction));
    return reply.notice(`“${item.title}” moved ${direction}`).redirect(`/p/${caller.partnership.slug}/data-development#item-${item.id}`, 303);
  });

  app.post('/p/:slug/data-development/:itemId/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const item = await loadItem(caller, request.params);
    await app.db.transaction().execute((trx) => deleteItem(trx, caller.partnershipId, item.id));
    return reply.notice(`“${item.title}” removed from the agenda`).redirect(`/p/${caller.partnership.slug}/data-development`, 303);
  });
}
