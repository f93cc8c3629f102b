// Issue 14, item 8: a NUL or a lone UTF-16 surrogate in any form field, JSON string, query or CSV cell is refused
// with a 400 that names the field (or the line and column), on every route — never a 500.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { buildTestApp, csrfFrom, form, signIn } from '../helpers/app.ts';

const NUL = 'a\u0000b';
const SURROGATE = 'a\uD800b';

t.test('every route refuses unstorable text with a 400 naming the field', async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  const admin = await signIn(app, 'admin@demo.example');
  const fill = (url: string) =>
    url.replace(/:([A-Za-z]+)/g, (_, name: string) => (name === 'slug' ? 'coventry' : name === 'code' ? 'NEET_16_17' : /^(period|key)$/i.test(name) ? '2024' : randomUUID()));
  const routes = app.routeCatalogue.filter((r) => r.method !== 'HEAD' && !r.url.includes('*'));
  // Sign-out last: a form cannot carry a lone surrogate, so that request is valid and signs out.
  routes.sort((a, b) => Number(/sign-out/.test(a.url)) - Number(/sign-out/.test(b.url)));
  const writes = routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));
  t.ok(writes.length >= 30, `${writes.length} write routes`);

  const problems: string[] = [];
  const expectRefused = (label: string, response: { statusCode: number; body: string }, field: string) => {
    if (response.statusCode === 403 || response.statusCode === 401) return; // the caller may not use it at all
    if (response.statusCode !== 400 || !response.body.includes(field)) problems.push(`${label}: ${response.statusCode} ${response.body.slice(0, 120)}`);
  };

  // Queries first: the write routes include signing out.
  for (const route of routes.filter((r) => r.method === 'GET')) {
    const url = `${fill(route.url)}?period=${encodeURIComponent(NUL)}`;
    const response = await app.inject({ method: 'GET', url, headers: { cookie: admin.cookie, accept: route.url.startsWith('/api/') ? 'application/json' : 'text/html' } });
    expectRefused(`GET ${route.url} (query)`, response, 'period');
  }
  for (const route of writes) {
    const url = fill(route.url);
    const label = `${route.method} ${route.url}`;
    for (const [what, bad] of [['NUL', NUL], ['surrogate', SURROGATE]] as const) {
      // Fields most forms and the API read, each carrying the bad text; the first is the one to be named.
      const fields = { title: bad, name: bad, note: bad, text: bad, description: bad, email: bad, period: bad, value: bad, reason: bad, password: bad };
      const json = await app.inject({
        method: route.method as 'POST',
        url,
        headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json', accept: url.startsWith('/api/') ? 'application/json' : 'text/html' },
        payload: JSON.stringify({ _csrf: admin.csrf, ...fields, items: [{ series: 'local', period: '2024', value: '1', note: bad }] }),
      });
      expectRefused(`${label} (JSON, ${what})`, json, 'title');
      if (!url.startsWith('/api/')) {
        const posted = await app.inject({
          method: route.method as 'POST',
          url,
          headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
          payload: form({ _csrf: admin.csrf, ...fields }),
        });
        // A form cannot carry half a surrogate pair (it is sent as UTF-8, which has no such thing): only no 5xx.
        if (what === 'NUL') expectRefused(`${label} (form, ${what})`, posted, 'title');
        else if (posted.statusCode >= 500) problems.push(`${label} (form, ${what}): ${posted.statusCode}`);
      }
    }
  }
  t.same(problems, [], 'every route answers 400 naming the field');

  // In a URL's path, too (signed in again: the corpus ended by signing out).
  const again = await signIn(app, 'admin@demo.example');
  const inPath = await app.inject({ method: 'GET', url: '/p/coventry/indicators/A%00B', headers: { cookie: again.cookie, accept: 'text/html' } });
  t.equal(inPath.statusCode, 400);
  t.match(inPath.body, /code/);

  // The API answers JSON, naming the field inside the list.
  const api = await app.inject({
    method: 'PUT',
    url: '/api/v1/partnerships/coventry/indicators/NEET_16_17/observations',
    headers: { cookie: again.cookie, 'x-csrf-token': again.csrf, 'content-type': 'application/json', accept: 'application/json' },
    payload: `{"items":[{"series":"local","period":"2024","value":1,"note":"x\\ud800"}]}`,
  });
  t.equal(api.statusCode, 400);
  t.equal(api.json().error, 'bad_request');
  t.match(api.json().message, /items\[0\]\.note/);
});

t.test('a CSV cell with a NUL is refused naming its line and column', async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  const officer = await signIn(app, 'officer@demo.example');
  const hub = await app.inject({ method: 'GET', url: '/p/coventry/data', headers: { cookie: officer.cookie } });
  const csrf = csrfFrom(hub.body);
  // Past the first 8 KB, where the reader's binary-file sniff does not look.
  const rows = ['indicator_code,series,period,value,marker,status,numerator,denominator,note'];
  for (let i = 0; i < 150; i++) rows.push(`NEET_16_17,local,2024,5.0,,,,,${'a note that takes some room '.repeat(2)}`);
  rows.push(`NEET_16_17,local,2023,5.0,,,,,bad\u0000note`);
  const file = Buffer.from(rows.join('\n') + '\n', 'utf8');
  t.ok(file.indexOf(0) > 8192, 'the NUL is beyond the first 8 KB');
  const boundary = '----ttc' + randomUUID();
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="figures.csv"\r\nContent-Type: text/csv\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const response = await app.inject({
    method: 'POST',
    url: '/p/coventry/data/csv',
    headers: { cookie: officer.cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'text/html' },
    payload: body,
  });
  t.ok(response.statusCode < 500, `no 5xx (${response.statusCode})`);
  t.match(response.body, /line 152/i, 'names the line');
  t.match(response.body, /note/, 'names the column');
  t.match(response.body, /NUL/);
});

t.test('a JSON body nested 100,000 deep is refused with a 400, not a stack overflow', async (t) => {
  const { app } = await buildTestApp(t, 'empty');
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  for (const url of ['/sign-in', '/api/v1/partnerships/nowhere/outcomes']) {
    const response = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', accept: 'application/json' }, payload: deep });
    t.ok(response.statusCode < 500, `${url}: no 5xx (${response.statusCode})`);
  }
  const response = await app.inject({ method: 'POST', url: '/sign-in', headers: { 'content-type': 'application/json', accept: 'application/json' }, payload: deep });
  t.equal(response.statusCode, 400);
  t.match(JSON.parse(response.body).message, /nest.*deeper than 64/);
});
