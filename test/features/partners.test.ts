import t from 'tap';
import { insertPartnershipFromSeed, readDemoSeed } from '../../seeds/demo-loader.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('partners: the register, and who has a role on each priority and indicator', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const officer = await signIn(app, 'officer@demo.example');
  const page = (url: string, session: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = manager) =>
    app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: new URLSearchParams({ _csrf: session.csrf, ...values }).toString() });
  const otherId = await db.transaction().execute(async (trx) => insertPartnershipFromSeed(trx, await readDemoSeed(), 'other'));
  const foreign = await db.insertInto('partner').values({ partnership_id: otherId, name: 'Their police', sector: 'police' }).returning('id').executeTakeFirstOrThrow();
  const idOf = async (name: string) => (await db.selectFrom('partner').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;

  t.test('a manager adds partners to the register; names are unique whatever their case', async (t) => {
    // The demo a year into use already has its partners (seeds/demo/year-of-use.json).
    t.match(text((await page('/p/coventry/partners')).body), /Coventry Youth Justice Service Council services/);
    t.equal((await page('/p/coventry/partners/new', officer)).statusCode, 403);
    const added = await post('/p/coventry/partners', { name: 'West Midlands Police', sector: 'police', description: 'Neighbourhood teams', contact: 'Youth engagement lead' });
    t.equal(added.statusCode, 303);
    t.match(added.headers.location, /^\/p\/coventry\/partners\/[0-9a-f-]{36}$/);
    await post('/p/coventry/partners', { name: 'Coventry City Council: Early Help', sector: 'council' });
    const again = await post('/p/coventry/partners', { name: 'west midlands police', sector: 'police', description: 'kept' });
    t.equal(again.statusCode, 400);
    t.match(again.body, /href="#name">There is already a partner called West Midlands Police/);
    t.match(again.body, />kept<\/textarea>/);
    const missing = await post('/p/coventry/partners', { name: '', sector: 'aliens' });
    t.match(missing.body, /href="#name">Enter the name of the partner organisation/);
    t.match(missing.body, /href="#sector">Choose what kind of organisation this is/);
    const register = text((await page('/p/coventry/partners')).body);
    t.match(register, /Coventry City Council: Early Help Council services 0 0/);
    t.match(register, /West Midlands Police Police and justice 0 0/);
  });

  t.test('partners get roles on an indicator and on a priority; the indicator page shows both', async (t) => {
    const police = await idOf('West Midlands Police');
    const council = await idOf('Coventry City Council: Early Help');
    // An indicator whose priority the demo gives no partner yet.
    const indicator = '/p/coventry/indicators/SUSPENSION_RATE';
    const priority = await db.selectFrom('indicator').select('priority_id').where('code', '=', 'SUSPENSION_RATE').executeTakeFirstOrThrow();
    const priorityUrl = `/p/coventry/priorities/${priority.priority_id}`;

    const form = await page(`${indicator}/partners/new`, manager);
    t.match(form.body, /<option value="[0-9a-f-]{36}">West Midlands Police \(Police and justice\)<\/option>/);
    t.equal((await post(`${indicator}/partners`, { partner: police, role: 'Diverts first-time offenders to the youth offer' })).statusCode, 303);
    t.equal((await post(`${priorityUrl}/partners`, { partner: council, role: 'Commissions the youth offer' })).statusCode, 303);

    const dup = await post(`${indicator}/partners`, { partner: police, role: 'Again' });
    t.equal(dup.statusCode, 400);
    t.match(dup.body, /West Midlands Police already has a role on this indicator: change that role instead/);
    const unknown = await post(`${indicator}/partners`, { partner: foreign.id, role: 'Forged' });
    t.equal(unknown.statusCode, 400, "another partnership's partner is an unknown partner");
    t.match(unknown.body, /href="#partner">Choose a partner from the list/);
    t.match(unknown.body, />Forged<\/textarea>/);
    t.match((await post(`${indicator}/partners`, { partner: '', role: '' })).body, /Describe the partner’s role/);

    const shown = text((await page(indicator)).body);
    t.match(shown, /Partners with a role West Midlands Police Police and justice Diverts first-time offenders to the youth offer On the priority Reduce exclusions from school Coventry City Council: Early Help Council services Commissions the youth offer/);
    t.match(text((await page(priorityUrl)).body), /Partners with a role Coventry City Council: Early Help .* Commissions the youth offer/);
    const partnerPage = text((await page(`/p/coventry/partners/${police}`)).body);
    t.match(partnerPage, /Roles on priorities and indicators .*On Role Indicator Suspension rate Diverts first-time offenders/i);
  });

  t.test('a role can be changed or removed by a manager', async (t) => {
    const role = await db.selectFrom('partner_role').select('id').where('role', 'like', 'Diverts%').executeTakeFirstOrThrow();
    const edit = await page(`/p/coventry/partner-roles/${role.id}/edit`, manager);
    t.match(text(edit.body), /Change West Midlands Police’s role/);
    t.equal((await post(`/p/coventry/partner-roles/${role.id}`, { role: 'Runs the diversion scheme' })).statusCode, 303);
    t.match(text((await page('/p/coventry/indicators/SUSPENSION_RATE')).body), /Runs the diversion scheme/);
    t.equal((await post(`/p/coventry/partner-roles/${role.id}/delete`, {}, officer)).statusCode, 403);
    t.equal((await post(`/p/coventry/partner-roles/${role.id}/delete`, {})).statusCode, 303);
    t.notMatch(text((await page('/p/coventry/indicators/SUSPENSION_RATE')).body), /Runs the diversion scheme/);
  });

  t.test('a partner that leads work cannot be deleted, only retired; an unused one can', async (t) => {
    const police = await idOf('West Midlands Police');
    const coventry = await db.selectFrom('partnership').select('id').where('slug', '=', 'coventry').executeTakeFirstOrThrow();
    await db.insertInto('action').values({ partnership_id: coventry.id, title: 'Joint patrols', lead_partner_id: police }).execute();
    const refused = await post(`/p/coventry/partners/${police}/delete`, {});
    t.equal(refused.statusCode, 409);
    t.match(text(refused.body), /West Midlands Police leads actions, programmes or data development: it cannot be deleted/);
    const retired = await post(`/p/coventry/partners/${police}`, { name: 'West Midlands Police', sector: 'police' });
    t.equal(retired.statusCode, 303);
    t.match(text((await page('/p/coventry/partners')).body), /West Midlands Police no longer a partner/);
    t.notMatch((await page('/p/coventry/actions/new', manager)).body, />West Midlands Police</, 'a retired partner is not offered for new work');
    const council = await idOf('Coventry City Council: Early Help');
    t.equal((await post(`/p/coventry/partners/${council}/delete`, {})).statusCode, 303);
    t.notMatch(text((await page('/p/coventry/partners')).body), /Early Help/);
  });

  t.test("another partnership's partner and roles are not found", async (t) => {
    t.equal((await page(`/p/coventry/partners/${foreign.id}`)).statusCode, 404);
    t.equal((await post(`/p/coventry/partners/${foreign.id}`, { name: 'x', sector: 'police' })).statusCode, 404);
    const role = await db
      .insertInto('partner_role')
      .values({ partnership_id: otherId, partner_id: foreign.id, priority_id: (await db.selectFrom('priority').select('id').where('partnership_id', '=', otherId).executeTakeFirstOrThrow()).id, role: 'theirs' })
      .returning('id')
      .executeTakeFirstOrThrow();
    t.equal((await page(`/p/coventry/partner-roles/${role.id}/edit`, manager)).statusCode, 404);
    t.equal((await post(`/p/coventry/partner-roles/${role.id}/delete`, {})).statusCode, 404);
    t.ok(await db.selectFrom('partner_role').select('id').where('id', '=', role.id).executeTakeFirst(), 'still there');
  });
});
