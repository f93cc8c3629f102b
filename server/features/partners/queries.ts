import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { PartnerSector } from '../../db/schema-stories.ts';
import type { SubjectKind } from '../conversation/subjects.ts';

// Every query about partner organisations and the roles they have on priorities and indicators. All are scoped by
// partnership id.

export interface PartnerValues {
  name: string;
  sector: PartnerSector;
  description: string;
  contact: string;
}

const partnerColumns = ['partner.id', 'partner.name', 'partner.sector', 'partner.description', 'partner.contact', 'partner.active'] as const;

/** The register, with how much each partner is doing: roles held and actions led. */
export async function listPartners(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('partner')
    .select([
      ...partnerColumns,
      (eb) => eb.selectFrom('partner_role').select(sql<number>`count(*)::int`.as('n')).whereRef('partner_role.partner_id', '=', 'partner.id').as('role_count'),
      (eb) => eb.selectFrom('action').select(sql<number>`count(*)::int`.as('n')).whereRef('action.lead_partner_id', '=', 'partner.id').as('action_count'),
    ])
    .where('partner.partnership_id', '=', partnershipId)
    .orderBy('partner.active', 'desc')
    .orderBy(sql`lower(partner.name)`)
    .execute();
}

/** Partners to choose from in a form: the active ones, and any inactive one already chosen. */
export async function listPartnerChoices(db: Kysely<DB>, partnershipId: string) {
  return db
    .selectFrom('partner')
    .select(['id', 'name', 'sector', 'active'])
    .where('partnership_id', '=', partnershipId)
    .orderBy(sql`lower(name)`)
    .execute();
}

export async function findPartner(db: Kysely<DB>, partnershipId: string, partnerId: string) {
  return db.selectFrom('partner').select(partnerColumns).where('partnership_id', '=', partnershipId).where('id', '=', partnerId).executeTakeFirst();
}

/** Another partner of the partnership with this name (names are unique regardless of case). */
export async function findPartnerByName(db: Kysely<DB>, partnershipId: string, name: string, exceptId?: string) {
  let query = db.selectFrom('partner').select(['id', 'name']).where('partnership_id', '=', partnershipId).where(sql`lower(name)`, '=', name.toLowerCase());
  if (exceptId) query = query.where('id', '<>', exceptId);
  return query.executeTakeFirst();
}

export async function createPartner(db: Kysely<DB>, partnershipId: string, values: PartnerValues): Promise<string> {
  const row = await db.insertInto('partner').values({ partnership_id: partnershipId, ...values }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updatePartner(db: Kysely<DB>, partnershipId: string, partnerId: string, values: PartnerValues & { active: boolean }) {
  await db.updateTable('partner').set(values).where('partnership_id', '=', partnershipId).where('id', '=', partnerId).execute();
}

/** A partner can be deleted only while nothing refers to it; after that it is made inactive instead. */
export async function partnerInUse(db: Kysely<DB>, partnershipId: string, partnerId: string): Promise<boolean> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('action').select('id').where('partnership_id', '=', partnershipId).where('lead_partner_id', '=', partnerId)).as('actions'),
      eb.exists(eb.selectFrom('data_development_item').select('id').where('partnership_id', '=', partnershipId).where('partner_id', '=', partnerId)).as('items'),
      eb.exists(eb.selectFrom('programme').select('id').where('partnership_id', '=', partnershipId).where('lead_partner_id', '=', partnerId)).as('programmes'),
    ])
    .executeTakeFirstOrThrow();
  return Boolean(row.actions || row.items || row.programmes);
}

export async function deletePartner(db: Kysely<DB>, partnershipId: string, partnerId: string) {
  await db.deleteFrom('partner').where('partnership_id', '=', partnershipId).where('id', '=', partnerId).execute();
}

const roleColumns = [
  'partner_role.id',
  'partner_role.role',
  'partner_role.indicator_id',
  'partner_role.priority_id',
  'partner.id as partner_id',
  'partner.name as partner_name',
  'partner.sector as partner_sector',
  'partner.active as partner_active',
] as const;

/** The roles on the given subjects (an indicator and its priority, say), in one query. */
export async function listRolesFor(db: Kysely<DB>, partnershipId: string, subjects: { indicatorIds?: string[]; priorityIds?: string[] }) {
  const indicatorIds = subjects.indicatorIds ?? [];
  const priorityIds = subjects.priorityIds ?? [];
  if (!indicatorIds.length && !priorityIds.length) return [];
  return db
    .selectFrom('partner_role')
    .innerJoin('partner', 'partner.id', 'partner_role.partner_id')
    .select(roleColumns)
    .where('partner_role.partnership_id', '=', partnershipId)
    .where((eb) =>
      eb.or([
        ...(indicatorIds.length ? [eb('partner_role.indicator_id', 'in', indicatorIds)] : []),
        ...(priorityIds.length ? [eb('partner_role.priority_id', 'in', priorityIds)] : []),
      ]),
    )
    .orderBy(sql`lower(partner.name)`)
    .execute();
}

export type PartnerRoleRecord = Awaited<ReturnType<typeof listRolesFor>>[number];

/** Every role a partner holds, with what it is on. */
export async function listRolesOfPartner(db: Kysely<DB>, partnershipId: string, partnerId: string) {
  return db
    .selectFrom('partner_role')
    .leftJoin('indicator', 'indicator.id', 'partner_role.indicator_id')
    .leftJoin('priority', 'priority.id', 'partner_role.priority_id')
    .select(['partner_role.id', 'partner_role.role', 'indicator.code as indicator_code', 'indicator.title as indicator_title', 'priority.id as priority_id', 'priority.title as priority_title'])
    .where('partner_role.partnership_id', '=', partnershipId)
    .where('partner_role.partner_id', '=', partnerId)
    .orderBy('priority.title')
    .orderBy('indicator.title')
    .execute();
}

export async function findRole(db: Kysely<DB>, partnershipId: string, roleId: string) {
  return db
    .selectFrom('partner_role')
    .innerJoin('partner', 'partner.id', 'partner_role.partner_id')
    .select(roleColumns)
    .where('partner_role.partnership_id', '=', partnershipId)
    .where('partner_role.id', '=', roleId)
    .executeTakeFirst();
}

export async function findRoleOnSubject(db: Kysely<DB>, partnershipId: string, subject: { kind: SubjectKind; id: string }, partnerId: string) {
  return db
    .selectFrom('partner_role')
    .select('id')
    .where('partnership_id', '=', partnershipId)
    .where('partner_id', '=', partnerId)
    .where(subject.kind === 'indicator' ? 'indicator_id' : 'priority_id', '=', subject.id)
    .executeTakeFirst();
}

export async function addRole(db: Kysely<DB>, partnershipId: string, subject: { kind: SubjectKind; id: string }, partnerId: string, role: string) {
  await db
    .insertInto('partner_role')
    .values({
      partnership_id: partnershipId,
      partner_id: partnerId,
      indicator_id: subject.kind === 'indicator' ? subject.id : null,
      priority_id: subject.kind === 'priority' ? subject.id : null,
      role,
    })
    .execute();
}

export async function updateRole(db: Kysely<DB>, partnershipId: string, roleId: string, role: string) {
  await db.updateTable('partner_role').set({ role }).where('partnership_id', '=', partnershipId).where('id', '=', roleId).execute();
}

export async function deleteRole(db: Kysely<DB>, partnershipId: string, roleId: string) {
  await db.deleteFrom('partner_role').where('partnership_id', '=', partnershipId).where('id', '=', roleId).execute();
}
