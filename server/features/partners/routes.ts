import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import { checkbox, choice, formValues, optionalText, parseForm, parseParams, requiredText, slugParams, type FieldError } from '../../forms/forms.ts';
import { PARTNER_SECTORS, sectorLabel } from '../conversation/labels.ts';
import { resolveSubject, subjectOfRow, SUBJECT_ROUTES, type Subject } from '../conversation/subjects.ts';
import { listActions } from '../actions/queries.ts';
import { actionRows } from '../actions/view-model.ts';
import {
  addRole,
  createPartner,
  deletePartner,
  deleteRole,
  findPartner,
  findPartnerByName,
  findRole,
  findRoleOnSubject,
  listPartnerChoices,
  listPartners,
  listRolesFor,
  listRolesOfPartner,
  partnerInUse,
  updatePartner,
  updateRole,
} from './queries.ts';
import { roleRows } from './view-model.ts';

const partnerParams = slugParams.extend({ partnerId: z.uuid() });
const roleParams = slugParams.extend({ roleId: z.uuid() });

const partnerForm = z.object({
  name: requiredText(200, 'Enter the name of the partner organisation', 'The name must be 200 characters or fewer'),
  sector: choice(PARTNER_SECTORS, 'Choose what kind of organisation this is'),
  description: optionalText(2000, 'The description must be 2,000 characters or fewer'),
  contact: optionalText(500, 'The contact must be 500 characters or fewer'),
  active: checkbox,
});

const roleText = requiredText(2000, 'Describe the partner’s role', 'The role must be 2,000 characters or fewer');
const roleForm = z.object({
  partner: z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string().min(1, 'Choose a partner')),
  role: roleText,
});

const sectorOptions = PARTNER_SECTORS.map((value) => ({ value, text: sectorLabel[value] }));

export default async function partnerRoutes(app: FastifyInstance) {
  app.partnershipNav.push({ key: 'partners', text: 'Partners', order: 31, role: 'viewer', href: (slug) => `/p/${slug}/partners` });

  app.indicatorSections.push({
    key: 'partners',
    order: 25,
    template: 'partners/section',
    async load({ db, partnership, role, indicator }) {
      const roles = await listRolesFor(db, partnership.id, { indicatorIds: [indicator.id], priorityIds: indicator.priority_id ? [indicator.priority_id] : [] });
      const own = roles.filter((r) => r.indicator_id === indicator.id);
      const onPriority = roles.filter((r) => r.priority_id !== null);
      return {
        partnersSection: {
          roles: roleRows(own, partnership.slug),
          priorityRoles: roleRows(onPriority, partnership.slug),
          priorityTitle: indicator.priority_title,
          addHref: `/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/partners/new`,
          canManage: roleAtLeast(role, 'manager'),
          subjectLabel: 'indicator',
        },
      };
    },
  });
  app.prioritySections.push({
    key: 'partners',
    order: 25,
    template: 'partners/section',
    async load({ db, partnership, role, priority }) {
      const roles = await listRolesFor(db, partnership.id, { priorityIds: [priority.id] });
      return {
        partnersSection: {
          roles: roleRows(roles, partnership.slug),
          priorityRoles: [],
          addHref: `/p/${partnership.slug}/priorities/${priority.id}/partners/new`,
          canManage: roleAtLeast(role, 'manager'),
          subjectLabel: 'priority',
        },
      };
    },
  });

  // ---- The register ----

  app.get('/p/:slug/partners', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const partners = await listPartners(app.db, caller.partnershipId);
    return reply.view('partners/index', {
      pageTitle: 'Partners',
      partnership: caller.partnership,
      canManage: caller.canManage,
      partners: partners.map((p) => ({ ...p, sectorText: sectorLabel[p.sector], href: `/p/${caller.partnership.slug}/partners/${p.id}` })),
    });
  });

  const renderPartnerForm = (reply: FastifyReply, caller: Caller, options: { partnerId?: string; values: Record<string, unknown>; errors?: FieldError[]; status?: number }) =>
    reply.code(options.status ?? 200).view('partners/form', {
      pageTitle: options.partnerId ? 'Change a partner' : 'Add a partner',
      partnership: caller.partnership,
      partnerId: options.partnerId ?? null,
      action: options.partnerId ? `/p/${caller.partnership.slug}/partners/${options.partnerId}` : `/p/${caller.partnership.slug}/partners`,
      values: options.values,
      errors: options.errors ?? [],
      sectorOptions,
    });

  app.get('/p/:slug/partners/new', { config: { access: 'manager' } }, async (request, reply) => {
    return renderPartnerForm(reply, callerIn(request), { values: { active: 'yes' } });
  });

  app.post('/p/:slug/partners', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const parsed = parseForm(partnerForm, request.body);
    const errors = parsed.ok ? await nameErrors(caller.partnershipId, parsed.data.name) : parsed.errors;
    if (!parsed.ok || errors.length) return renderPartnerForm(reply, caller, { values: formValues(request.body), errors, status: 400 });
    const { active: _active, ...values } = parsed.data;
    const id = await createPartner(app.db, caller.partnershipId, values);
    return reply.notice(`Partner “${values.name}” added`).redirect(`/p/${caller.partnership.slug}/partners/${id}`, 303);
  });

  app.get('/p/:slug/partners/:partnerId', { config: { access: 'viewer' } }, async (request, reply) => {
    const { partnerId } = parseParams(partnerParams, request.params);
    const caller = callerIn(request);
    const partner = await findPartner(app.db, caller.partnershipId, partnerId);
    if (!partner) throw notFound();
    const [roles, actions] = await Promise.all([
      listRolesOfPartner(app.db, caller.partnershipId, partnerId),
      listActions(app.db, caller.partnershipId, { partnerId }),
    ]);
    const slug = caller.partnership.slug;
    return reply.view('partners/show', {
      pageTitle: partner.name,
      partnership: caller.partnership,
      canManage: caller.canManage,
      partner: { ...partner, sectorText: sectorLabel[partner.sector] },
      roles: roles.map((r) => ({
        id: r.id,
        role: r.role,
        on: r.indicator_code ? r.indicator_title : r.priority_title,
        kind: r.indicator_code ? 'Indicator' : 'Priority',
        href: r.indicator_code ? `/p/${slug}/indicators/${encodeURIComponent(r.indicator_code)}` : `/p/${slug}/priorities/${r.priority_id}`,
        editHref: `/p/${slug}/partner-roles/${r.id}/edit`,
      })),
      actions: actionRows(actions, slug),
    });
  });

  app.get('/p/:slug/partners/:partnerId/edit', { config: { access: 'manager' } }, async (request, reply) => {
    const { partnerId } = parseParams(partnerParams, request.params);
    const caller = callerIn(request);
    const partner = await findPartner(app.db, caller.partnershipId, partnerId);
    if (!partner) throw notFound();
    return renderPartnerForm(reply, caller, {
      partnerId,
      values: { name: partner.name, sector: partner.sector, description: partner.description, contact: partner.contact, active: partner.active ? 'yes' : '' },
    });
  });

  app.post('/p/:slug/partners/:partnerId', { config: { access: 'manager' } }, async (request, reply) => {
    const { partnerId } = parseParams(partnerParams, request.params);
    const caller = callerIn(request);
    const partner = await findPartner(app.db, caller.partnershipId, partnerId);
    if (!partner) throw notFound();
    const parsed = parseForm(partnerForm, request.body);
    const errors = parsed.ok ? await nameErrors(caller.partnershipId, parsed.data.name, partnerId) : parsed.errors;
    if (!parsed.ok || errors.length) return renderPartnerForm(reply, caller, { partnerId, values: formValues(request.body), errors, status: 400 });
    await updatePartner(app.db, caller.partnershipId, partnerId, parsed.data);
    return reply.notice(`Partner “${parsed.data.name}” saved`).redirect(`/p/${caller.partnership.slug}/partners/${partnerId}`, 303);
  });

  app.post('/p/:slug/partners/:partnerId/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const { partnerId } = parseParams(partnerParams, request.params);
    const caller = callerIn(request);
    const partner = await findPartner(app.db, caller.partnershipId, partnerId);
    if (!partner) throw notFound();
    if (await partnerInUse(app.db, caller.partnershipId, partnerId)) {
      return renderPartnerForm(reply, caller, {
        partnerId,
        values: { name: partner.name, sector: partner.sector, description: partner.description, contact: partner.contact, active: partner.active ? 'yes' : '' },
        errors: [{ field: 'active', text: `${partner.name} leads actions, programmes or data development: it cannot be deleted. Untick “still a partner” instead, to keep the record.` }],
        status: 409,
      });
    }
    await deletePartner(app.db, caller.partnershipId, partnerId);
    return reply.notice(`Partner “${partner.name}” deleted`).redirect(`/p/${caller.partnership.slug}/partners`, 303);
  });

  async function nameErrors(partnershipId: string, name: string, exceptId?: string): Promise<FieldError[]> {
    const same = await findPartnerByName(app.db, partnershipId, name, exceptId);
    return same ? [{ field: 'name', text: `There is already a partner called ${same.name}` }] : [];
  }

  // ---- Roles on an indicator or a priority ----

  const renderRoleForm = async (
    reply: FastifyReply,
    caller: Caller,
    options: { subject: Subject; roleId?: string; partnerName?: string; values: Record<string, unknown>; errors?: FieldError[]; status?: number },
  ) => {
    const partners = options.roleId ? [] : await listPartnerChoices(app.db, caller.partnershipId);
    return reply.code(options.status ?? 200).view('partners/role-form', {
      pageTitle: options.roleId ? 'Change a partner’s role' : 'Add a partner with a role',
      partnership: caller.partnership,
      subject: options.subject,
      roleId: options.roleId ?? null,
      partnerName: options.partnerName ?? null,
      action: options.roleId ? `/p/${caller.partnership.slug}/partner-roles/${options.roleId}` : `${options.subject.href}/partners`,
      partnerOptions: [{ value: '', text: 'Choose a partner' }, ...partners.filter((p) => p.active).map((p) => ({ value: p.id, text: `${p.name} (${sectorLabel[p.sector]})` }))],
      noPartners: !options.roleId && partners.filter((p) => p.active).length === 0,
      values: options.values,
      errors: options.errors ?? [],
    });
  };

  for (const { kind, prefix } of SUBJECT_ROUTES) {
    app.get(`${prefix}/partners/new`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const subject = await resolveSubject(app.db, caller.partnership, kind, request.params);
      return renderRoleForm(reply, caller, { subject, values: {} });
    });

    app.post(`${prefix}/partners`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const subject = await resolveSubject(app.db, caller.partnership, kind, request.params);
      const parsed = parseForm(roleForm, request.body);
      let errors = parsed.ok ? [] : parsed.errors;
      if (parsed.ok) {
        const partner = z.uuid().safeParse(parsed.data.partner).success ? await findPartner(app.db, caller.partnershipId, parsed.data.partner) : undefined;
        if (!partner || !partner.active) errors = [{ field: 'partner', text: 'Choose a partner from the list' }];
        else if (await findRoleOnSubject(app.db, caller.partnershipId, subject, partner.id)) {
          errors = [{ field: 'partner', text: `${partner.name} already has a role on this ${subject.kind}: change that role instead` }];
        }
      }
      if (!parsed.ok || errors.length) return renderRoleForm(reply, caller, { subject, values: formValues(request.body), errors, status: 400 });
      await addRole(app.db, caller.partnershipId, subject, parsed.data.partner, parsed.data.role);
      return reply.notice(`Partner role added`).redirect(`${subject.href}#partners`, 303);
    });
  }

  async function roleAndSubject(caller: Caller, params: unknown) {
    const { roleId } = parseParams(roleParams, params);
    const role = await findRole(app.db, caller.partnershipId, roleId);
    if (!role) throw notFound();
    return { role, subject: await subjectOfRow(app.db, caller.partnership, role) };
  }

  app.get('/p/:slug/partner-roles/:roleId/edit', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { role, subject } = await roleAndSubject(caller, request.params);
    return renderRoleForm(reply, caller, { subject, roleId: role.id, partnerName: role.partner_name, values: { role: role.role } });
  });

  app.post('/p/:slug/partner-roles/:roleId', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { role, subject } = await roleAndSubject(caller, request.params);
    const parsed = parseForm(z.object({ role: roleText }), request.body);
    if (!parsed.ok) return renderRoleForm(reply, caller, { subject, roleId: role.id, partnerName: role.partner_name, values: formValues(request.body), errors: parsed.errors, status: 400 });
    await updateRole(app.db, caller.partnershipId, role.id, parsed.data.role);
    return reply.notice(`${role.partner_name}’s role saved`).redirect(`${subject.href}#partners`, 303);
  });

  app.post('/p/:slug/partner-roles/:roleId/delete', { config: { access: 'manager' } }, async (request, reply) => {
    const caller = callerIn(request);
    const { role, subject } = await roleAndSubject(caller, request.params);
    await deleteRole(app.db, caller.partnershipId, role.id);
    return reply.notice(`${role.partner_name}’s role removed`).redirect(`${subject.href}#partners`, 303);
  });
}
