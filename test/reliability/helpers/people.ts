// People for the sign-in tests, with passwords hashed at a low scrypt cost: the cost is stored with the hash, so
// verifying is real but quick, and dozens of sign-ins stay within a test's seconds.
import { randomBytes, scryptSync } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../../server/db/schema.ts';

export function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return `scrypt$1024$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function addPerson(db: Kysely<DB>, email: string, password: string): Promise<string> {
  const row = await db
    .insertInto('app_user')
    .values({ email, name: email.split('@')[0]!, password_hash: cheapHash(password), password_changed_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
