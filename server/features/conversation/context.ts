import type { FastifyRequest } from 'fastify';
import type { Role } from '../../db/schema.ts';
import { roleAtLeast } from '../../plugins/auth.ts';

/** Who is asking, in which partnership: set by the role guard on every partnership route. */
export function callerIn(request: FastifyRequest) {
  const access = request.access!;
  return {
    partnership: access.partnership,
    partnershipId: access.partnership.id,
    role: access.role as Role,
    userId: request.caller!.user.id,
    /** Managers (and admins) write stories, partners, what works and actions. */
    canManage: roleAtLeast(access.role, 'manager'),
  };
}

export type Caller = ReturnType<typeof callerIn>;
