// The Wakefield plan built through the JSON API using only what GET /api/v1/openapi.json says (issue 15, "done
// means"): every request is to a path and method the document lists, every body validates against the document's
// schema for it before it is sent, and every answer has a status the document lists and validates against the
// schema it gives for that status. A route the document misdescribes fails here.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import t from 'tap';
import { createApiToken, createPartnership, findUserId, setMembership } from '../../server/features/accounts/queries.ts';
import { buildTestApp } from '../helpers/app.ts';

// ajv-formats is CommonJS: its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

type Json = Record<string, unknown>;
interface Operation {
  requestBody?: { content: { 'application/json': { schema: Json } } };
  responses: Record<string, { content?: { 'application/json'?: { schema: Json } } }>;
}

t.test('the Wakefield plan through the API, by the OpenAPI description alone', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  // The API cannot create a partnership (a site administrator does, on a page or with the CLI).
  const wakefield = await createPartnership(db, { slug: 'wakefield', name: 'Wakefield Children and Young People’s Partnership', laName: 'Wakefield' });
  const managerId = (await findUserId(db, 'manager@demo.example'))!;
  await setMembership(db, wakefield.id, managerId, 'manager');
  const token = (await createApiToken(db, managerId, 'build the plan', true)).token;

  const described = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  t.equal(described.statusCode, 200);
  const document = described.json() as { paths: Record<string, Record<string, Operation>> };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const check = (schema: Json, value: unknown, what: string) => {
    const valid = ajv.validate(schema, value);
    t.ok(valid, `${what} matches the description${valid ? '' : `: ${ajv.errorsText()}`}`);
  };

  /** Calls the API as the description says: the path template, its parameters, a body checked against its schema. */
  async function call(method: 'get' | 'post' | 'put' | 'patch', template: string, params: Record<string, string>, body?: unknown) {
    const operation = document.paths[template]?.[method];
    if (!operation) throw new Error(`${method.toUpperCase()} ${template} is not in the description`);
    const what = `${method.toUpperCase()} ${template}`;
    if (body !== undefined) {
      const schema = operation.requestBody?.content['application/json'].schema;
      t.ok(schema, `${what} describes its body`);
      if (schema) check(schema, body, `${what}: the body sent`);
    }
    const url = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!));
    const res = await app.inject({
      method: method.toUpperCase() as 'GET',
      url,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    const response = operation.responses[String(res.statusCode)];
    t.ok(response, `${what} answered ${res.statusCode}, a status the description lists`);
    const schema = response?.content?.['application/json']?.schema;
    if (schema) check(schema, res.json(), `${what}: the ${res.statusCode} answer`);
    return { status: res.statusCode, body: res.statusCode === 204 ? null : res.json() };
  }

  const slug = { slug: 'wakefield' };
  const outcomes = ['Children and young people are healthy', 'Children and young people are safe', 'Children and young people achieve well'];
  const outcomeIds: string[] = [];
  for (const title of outcomes) {
    const made = await call('post', '/api/v1/partnerships/{slug}/outcomes', slug, { title });
    t.equal(made.status, 201, `outcome “${title}” created`);
    outcomeIds.push(made.body.id);
  }
  const priorities = [
    { outcome: 0, title: 'Reduce teenage conceptions' },
    { outcome: 1, title: 'Help families early so that fewer children need social care' },
    { outcome: 2, title: 'Narrow the attainment gap for disadvantaged pupils' },
    { outcome: 2, title: 'Improve attendance and reduce exclusions' },
  ];
  const priorityIds: string[] = [];
  for (const p of priorities) {
    const made = await call('post', '/api/v1/partnerships/{slug}/priorities', slug, { outcomeId: outcomeIds[p.outcome], title: p.title });
    t.equal(made.status, 201, `priority “${p.title}” created`);
    priorityIds.push(made.body.id);
  }
  const indicators = [
    { priority: 0, code: 'U18_CONCEPTION_RATE', title: 'Under-18 conception rate', unit: 'rate', rateBase: 1000, polarity: 'lower', periodType: 'calendar_year', kind: 'single', targets: [['2025', 14.5], ['2026', 13]] },
    { priority: 1, code: 'RE_REFERRALS_12M', title: 'Re-referrals within 12 months', unit: 'percentage', polarity: 'lower', periodType: 'fy_quarter', kind: 'single', targets: [['2026-27 Q1', 20], ['2026-27 Q2', 19.5]] },
    {
      priority: 2, code: 'KS2_RWM_DISADV_GAP', title: 'Key stage 2 reading, writing and maths: disadvantaged gap', unit: 'percentage', polarity: 'higher', periodType: 'academic_year', kind: 'gap',
      focusLabel: 'Disadvantaged pupils', comparisonLabel: 'All other pupils', targets: [['2025/26', -20], ['2026/27', -18]],
    },
    { priority: 3, code: 'PERSISTENT_ABSENCE', title: 'Persistent absence', unit: 'percentage', polarity: 'lower', periodType: 'academic_year', kind: 'single', targets: [['2025/26', 18], ['2026/27', 16]] },
    { priority: 3, code: 'PERMANENT_EXCLUSION_RATE', title: 'Permanent exclusion rate', unit: 'percentage', decimals: 2, polarity: 'lower', periodType: 'academic_year', kind: 'single', targets: [['2025/26', 0.1], ['2026/27', 0.09]] },
    { priority: 3, code: 'SUSPENSION_RATE', title: 'Suspension rate', unit: 'percentage', polarity: 'lower', periodType: 'academic_year', kind: 'single', targets: [['2025/26', 8], ['2026/27', 7.5]] },
  ];
  for (const { priority, targets, ...fields } of indicators) {
    const made = await call('post', '/api/v1/partnerships/{slug}/indicators', slug, { priorityId: priorityIds[priority], ...fields });
    t.equal(made.status, 201, `indicator ${fields.code} created`);
    const saved = await call('put', '/api/v1/partnerships/{slug}/indicators/{code}/observations', { ...slug, code: fields.code }, targets.map(([period, value]) => ({ series: 'target', period, value })));
    t.equal(saved.status, 200, `${fields.code}: its targets saved`);
  }

  // Read back: the plan, in order, with versions.
  const plan = await call('get', '/api/v1/partnerships/{slug}', slug);
  t.same(
    plan.body.outcomes.map((o: { title: string; priorities: { title: string; indicators: { code: string }[] }[] }) => [o.title, o.priorities.map((p) => [p.title, p.indicators.map((i) => i.code)])]),
    outcomes.map((title, n) => [title, priorities.filter((p) => p.outcome === n).map((p) => [p.title, indicators.filter((i) => priorities[i.priority] === p).map((i) => i.code)])]),
    'three outcomes, four priorities, six indicators, in the order they were made',
  );
  const figures = await call('get', '/api/v1/partnerships/{slug}/indicators/{code}/observations', { ...slug, code: 'PERSISTENT_ABSENCE' });
  t.match(JSON.stringify(figures.body), /"target"/, 'the targets are a series like any other');

  // Two clients at once: the second PATCH with the version both read is refused with the current state.
  const listed = await call('get', '/api/v1/partnerships/{slug}/outcomes', slug);
  const first = listed.body.outcomes.find((o: { title: string }) => o.title === outcomes[0]);
  const renamed = await call('patch', '/api/v1/partnerships/{slug}/outcomes/{id}', { ...slug, id: first.id }, { version: first.version, title: 'Children and young people are healthy and happy' });
  t.equal(renamed.status, 200);
  const stale = await call('patch', '/api/v1/partnerships/{slug}/outcomes/{id}', { ...slug, id: first.id }, { version: first.version, title: 'A second rename from an old read' });
  t.equal(stale.status, 409, 'a stale version is refused');
  t.equal(stale.body.current.title, 'Children and young people are healthy and happy', 'with the state saved now');

  // A change of meaning on an indicator with figures is refused, naming the field.
  const absence = await call('get', '/api/v1/partnerships/{slug}/indicators/{code}', { ...slug, code: 'PERSISTENT_ABSENCE' });
  const unit = await call('patch', '/api/v1/partnerships/{slug}/indicators/{code}', { ...slug, code: 'PERSISTENT_ABSENCE' }, { version: absence.body.version, unit: 'count' });
  t.equal(unit.status, 422);
  t.match(JSON.stringify(unit.body), /unit/, 'the refusal names the unit');

  // Retire and restore.
  const retired = await call('post', '/api/v1/partnerships/{slug}/indicators/{code}/retire', { ...slug, code: 'SUSPENSION_RATE' }, {});
  t.equal(retired.status, 200);
  const active = await call('get', '/api/v1/partnerships/{slug}/indicators', slug);
  t.notOk(JSON.stringify(active.body).includes('SUSPENSION_RATE'), 'a retired indicator is left out of the list');
  t.ok(JSON.stringify(active.body).includes('PERSISTENT_ABSENCE'), 'the others are listed');
  const restored = await call('post', '/api/v1/partnerships/{slug}/indicators/{code}/restore', { ...slug, code: 'SUSPENSION_RATE' }, {});
  t.equal(restored.status, 200);
});
