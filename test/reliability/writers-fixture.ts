// A partnership of its own for the reliability tests: an officer and a manager (signed in with a password and
// holding API tokens), and one indicator, RACE, measured by calendar year, with eight years of history.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../server/db/schema.ts';
import type { Session } from '../helpers/app.ts';
import { createApiToken, createPartnership, createUser, setMembership } from '../../server/features/accounts/queries.ts';

export const PASSWORD = 'concurrent-writers-test-passphrase';
export const YEARS = Array.from({ length: 30 }, (_, i) => 2000 + i);

export async function setUpPartnership(app: FastifyInstance, db: Kysely<DB>) {
  const partnership = await createPartnership(db, { slug: 'race', name: 'Race Partnership', laName: 'Raceshire' });
  const officer = await createUser(db, { email: 'officer@race.example', name: 'Olive Officer', password: PASSWORD });
  const manager = await createUser(db, { email: 'manager@race.example', name: 'Manny Manager', password: PASSWORD });
  await setMembership(db, partnership.id, officer.id, 'officer');
  await setMembership(db, partnership.id, manager.id, 'manager');
  const officerToken = (await createApiToken(db, officer.id, 'race', true)).token;
  const managerToken = (await createApiToken(db, manager.id, 'race', true)).token;
  const api = (method: 'POST' | 'PUT', url: string, token: string, body: unknown) =>
    app.inject({ method, url: `/api/v1/partnerships/race${url}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const outcome = (await api('POST', '/outcomes', managerToken, { title: 'Be safe' })).json();
  const priority = (await api('POST', '/priorities', managerToken, { outcomeId: outcome.id, title: 'Fewer children in care' })).json();
  const created = await api('POST', '/indicators', managerToken, {
    priorityId: priority.id,
    code: 'RACE',
    title: 'Children in care per 10,000',
    unit: 'score',
    polarity: 'lower',
    periodType: 'calendar_year',
    kind: 'single',
  });
  if (created.statusCode !== 201) throw new Error(`indicator: ${created.body}`);
  // A history the baseline can be fitted to.
  const seeded = await api('PUT', '/indicators/RACE/observations', officerToken, YEARS.slice(0, 8).map((y, i) => ({ series: 'local', period: String(y), value: 50 + i })));
  if (seeded.statusCode !== 200) throw new Error(`seed: ${seeded.body}`);
  return { partnership, officerToken, managerToken, api };
}


/** A CSV file upload as a browser sends it (multipart/form-data). */
export function multipart(s: Session, filename: string, content: string) {
  const boundary = `----ttc${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${s.csrf}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`),
    Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { headers: { cookie: s.cookie, accept: 'text/html', 'content-type': `multipart/form-data; boundary=${boundary}` }, payload };
}
