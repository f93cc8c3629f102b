import t from 'tap';
import { z } from 'zod';
import { buildOpenApiDocument, openApiPath } from '../../server/openapi/document.ts';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser } from '../helpers/browser.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

t.test('a schema zod cannot put into JSON Schema does not stop the document being built', async (t) => {
  const body = z.object({
    figure: z.custom<number>((v) => typeof v === 'number'),
    lines: z.string().transform((s) => s.split('\n')),
    when: z.date(),
    note: z.string().max(10),
  });
  const document = buildOpenApiDocument([
    { method: 'POST', url: '/api/v1/things/:id', access: 'manager', openapi: { summary: 'Make a thing', tags: ['Things'], body, example: { note: 'hi' }, responses: { 201: { description: 'Made', schema: z.object({ at: z.date() }) } } } },
    { method: 'GET', url: '/api/v1/undescribed', access: 'viewer' },
    { method: 'GET', url: '/p/:slug', access: 'viewer' },
  ]);
  const schema = document.paths['/api/v1/things/{id}']!.post!.requestBody!.content['application/json'].schema as { properties: Record<string, unknown> };
  t.same(schema.properties.figure, {}, 'a custom check is "anything"');
  t.same(schema.properties.when, {}, 'and so is a Date');
  t.same(schema.properties.lines, { type: 'string' }, 'a transform is described by what it takes');
  t.same(schema.properties.note, { type: 'string', maxLength: 10 });
  t.same(document.paths['/api/v1/things/{id}']!.post!.parameters, [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], 'a path parameter is declared even without a params schema');
  t.ok(document.paths['/api/v1/undescribed']!.get, 'a route without a description is still listed');
  t.notOk(document.paths['/p/{slug}'], 'pages are not part of the API');
});

t.test('the OpenAPI description and the API reference page', async (t) => {
  const { app } = await buildTestApp(t, 'empty');
  await app.ready();
  const apiRoutes = app.routeCatalogue.filter((r) => r.url.startsWith('/api/v1') && r.method !== 'HEAD');

  const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  const document = res.json();

  t.test('is served to anyone, as OpenAPI 3.1, with bearer tokens as the security scheme', async (t) => {
    t.equal(res.statusCode, 200, 'no sign-in needed');
    t.match(res.headers['content-type'], /application\/json/);
    t.match(document.openapi, /^3\.1\.\d+$/);
    t.match(document.info, { title: String, version: String });
    t.match(document.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: String });
    t.same(document.security, [{ bearerAuth: [] }]);
    t.same(document.paths['/api/v1/openapi.json'].get.security, [], 'the description itself needs no token');
  });

  t.test('every registered /api/v1 route is in it, with a summary, tags and responses', async (t) => {
    t.ok(apiRoutes.length >= 15, `${apiRoutes.length} routes`);
    for (const route of apiRoutes) {
      const operation = document.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      t.ok(operation, `${route.method} ${route.url} is described`);
      if (!operation) continue;
      t.ok(route.openapi, `${route.method} ${route.url} carries config.openapi`);
      t.equal(operation.summary, route.openapi?.summary, `${route.method} ${route.url}: its own summary`);
      t.ok(operation.tags.length, `${route.method} ${route.url}: tagged`);
      t.ok(Object.keys(operation.responses).length, `${route.method} ${route.url}: responses`);
      // Every {param} of the path is a declared path parameter, as OpenAPI requires.
      for (const [, name] of openApiPath(route.url).matchAll(/\{([^}]+)\}/g)) {
        t.ok(operation.parameters?.some((p: { name: string; in: string; required: boolean }) => p.name === name && p.in === 'path' && p.required), `${route.url}: {${name}} declared`);
      }
    }
    const documented = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops as object).filter((m) => METHODS.includes(m)).map((m) => `${m} ${path}`));
    t.equal(documented.length, apiRoutes.length, 'and nothing else');
  });

  t.test('bodies and parameters come from the routes’ own zod schemas', async (t) => {
    const put = document.paths['/api/v1/partnerships/{slug}/indicators/{code}/story'].put;
    const schema = put.requestBody.content['application/json'].schema;
    t.match(schema, { type: 'object', properties: { period: { type: 'string', maxLength: 200 }, rootCauses: { type: 'array', maxItems: 20 } }, required: ['period'] });
    t.equal(schema.additionalProperties, false, 'unknown fields are refused, and the document says so');
    t.match(put.responses['409'].content['application/json'].schema.properties, { current: {} });
    const patch = document.paths['/api/v1/partnerships/{slug}/actions/{actionId}'].patch;
    t.match(patch.parameters.find((p: { name: string }) => p.name === 'actionId'), { in: 'path', schema: { type: 'string', format: 'uuid' } });
    t.same(patch.requestBody.content['application/json'].schema.properties.status.enum, ['not_started', 'on_track', 'at_risk', 'off_track', 'done']);
    const list = document.paths['/api/v1/partnerships/{slug}/actions'].get;
    t.match(list.parameters.find((p: { name: string }) => p.name === 'status'), { in: 'query', required: false, schema: { enum: Array } });
  });

  t.test('every example validates against the schema its route validates with', async (t) => {
    const withExamples = apiRoutes.filter((r) => r.openapi?.example !== undefined);
    t.ok(withExamples.length >= 5, `${withExamples.length} examples`);
    for (const route of withExamples) {
      t.ok(route.openapi!.body, `${route.method} ${route.url}: an example has a body schema to meet`);
      const parsed = route.openapi!.body!.safeParse(route.openapi!.example);
      t.ok(parsed.success, `${route.method} ${route.url}: the example is valid${parsed.success ? '' : `: ${JSON.stringify(parsed.error.issues)}`}`);
      t.same(document.paths[openApiPath(route.url)][route.method.toLowerCase()].requestBody.content['application/json'].example, route.openapi!.example, 'and is in the document');
    }
    for (const route of apiRoutes.filter((r) => r.openapi?.body && ['POST', 'PUT', 'PATCH'].includes(r.method))) {
      t.not(route.openapi!.example, undefined, `${route.method} ${route.url}: a body comes with an example`);
    }
  });

  t.test('/api/docs lists every operation in the site’s own layout, with no script from elsewhere', async (t) => {
    const page = await app.inject({ method: 'GET', url: '/api/docs', headers: { accept: 'text/html' } });
    t.equal(page.statusCode, 200);
    t.match(page.body, /<h1 class="govuk-heading-xl">API reference<\/h1>/);
    t.match(page.body, /class="govuk-footer"/, 'the app’s layout');
    for (const route of apiRoutes) {
      const path = openApiPath(route.url);
      t.ok(page.body.includes(`>${route.method}</strong> <code class="ttc-api-path">${path}</code>`), `${route.method} ${path} is on the page`);
    }
    t.match(page.body, /<h2 class="govuk-heading-l" id="tag-actions">Actions<\/h2>/, 'grouped by tag');
    t.match(page.body, /<code>rootCauses<\/code> \(optional\)<\/td><td class="govuk-table__cell"><span class="ttc-api-label">Type: <\/span>list of string/, 'body fields in words');
    t.match(page.body, /&quot;title&quot;: &quot;Attendance panels in every secondary school&quot;/, 'examples, escaped');
    t.notMatch(page.body, /<script(?![^>]*src="\/(public|vendor)\/)/, 'only our own scripts');
    t.notMatch(page.body, /(src|href)="(https?:)?\/\/(?!www\.nationalarchives)/, 'nothing loaded from another site');
    t.match(page.body, /<link rel="stylesheet" href="\/public\/css\/api-docs.css(?:\?v=[0-9a-f]+)?">/);
    const css = await app.inject({ method: 'GET', url: '/public/css/api-docs.css' });
    t.equal(css.statusCode, 200, 'its stylesheet is served from this site');
    t.match(css.body, /overflow-x: auto/, 'examples scroll rather than widen the page at 320 px');
  });

  t.test('/api/docs reads at 320 px: nothing wider than the screen but the examples, which scroll; nothing the CSP blocks', { skip: browserUnavailable() }, async (t) => {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const browser = await launchBrowser({ width: 320, height: 800 });
    t.teardown(() => browser.close());
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(`${address}/api/docs`);
    t.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320, 'the page does not scroll sideways');
    const tooWide = await page.evaluate(() => [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > 321 && !e.closest('pre')).map((e) => e.outerHTML.slice(0, 80)));
    t.same(tooWide, [], 'nothing but an example is wider than the screen');
    t.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.ttc-api-table thead')!).position), 'absolute', 'tables become blocks on a phone');
    t.same(problems, [], 'no script errors or blocked resources');
  });
});
