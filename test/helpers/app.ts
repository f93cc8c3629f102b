// Builds the app for a test on its own database and closes both when the test ends; signs people in.
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { createTestDatabase, type Fixture, type TestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
}

export async function buildTestApp(t: Test, fixture: Fixture = 'demo', env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase(fixture);
  const config = loadConfig({ LOG_LEVEL: 'silent', DEMO: 'false', ...env });
  const app = await buildApp({ config, database });
  t.teardown(async () => {
    await app.close();
    await database.close();
  });
  return { app, database };
}

export const DEMO_PASSWORDS: Record<string, string> = {
  'viewer@demo.example': 'demo-viewer-pass',
  'officer@demo.example': 'demo-officer-pass',
  'manager@demo.example': 'demo-manager-pass',
  'admin@demo.example': 'demo-admin-pass1',
};

export interface Session {
  cookie: string;
  csrf: string;
}

/** Reads the cookies a response set, as a Cookie header value, merged over earlier ones. */
export function cookiesFrom(response: { cookies: { name: string; value: string }[] }, earlier = ''): string {
  const jar = new Map(earlier.split('; ').filter(Boolean).map((c) => c.split('=') as [string, string]));
  for (const c of response.cookies) {
    if (c.value === '') jar.delete(c.name);
    else jar.set(c.name, c.value);
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1]!;
}

export async function signIn(app: FastifyInstance, email: string, password = DEMO_PASSWORDS[email]!): Promise<Session> {
  const form = await app.inject({ method: 'GET', url: '/sign-in' });
  let cookie = cookiesFrom(form);
  const response = await app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrfFrom(form.body), email, password }).toString(),
  });
  if (response.statusCode !== 303) throw new Error(`sign-in as ${email} failed: ${response.statusCode}`);
  cookie = cookiesFrom(response, cookie);
  const home = await app.inject({ method: 'GET', url: '/', headers: { cookie } });
  return { cookie, csrf: csrfFrom(home.body) };
}

export function form(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}
