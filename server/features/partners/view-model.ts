// Partner roles as pages and reports show them.
import { sectorLabel } from '../conversation/labels.ts';
import type { PartnerRoleRecord } from './queries.ts';

/** Partner roles as a page shows them. */
export function roleRows(roles: PartnerRoleRecord[], slug: string) {
  return roles.map((r) => ({
    id: r.id,
    partnerName: r.partner_name,
    partnerHref: `/p/${slug}/partners/${r.partner_id}`,
    sector: sectorLabel[r.partner_sector],
    active: r.partner_active,
    role: r.role,
    editHref: `/p/${slug}/partner-roles/${r.id}/edit`,
    deleteAction: `/p/${slug}/partner-roles/${r.id}/delete`,
  }));
}
