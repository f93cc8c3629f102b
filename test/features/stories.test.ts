import t from 'tap';
import { buildTestApp, form, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

t.test('the story behind the curve', async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const db = database.db;
  const manager = await signIn(app, 'manager@demo.example');
  const viewer = await signIn(app, 'viewer@demo.example');
  const officer = await signIn(app, 'officer@demo.example');
  const page = (url: string, session: Session = viewer) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = manager) =>
    app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: form({ _csrf: session.csrf, ...values }) });
  // A secondary indicator: the demo's headline indicators all have a story already (seeds/demo/year-of-use.ts).
  const indicator = '/p/coventry/indicators/SUSPENSION_RATE';
  const ourVersions = () => db.selectFrom('story_version').innerJoin('story', 'story.id', 'story_version.story_id').innerJoin('indicator', 'indicator.id', 'story.indicator_id').where('indicator.code', '=', 'SUSPENSION_RATE');

  t.test('a manager writes a story; everyone sees it on the indicator page, rendered safely', async (t) => {
    const before = await page(indicator);
    t.match(text(before.body), /Story behind the curve No story yet/);
    t.notMatch(before.body, /Write the story behind the curve/, 'a viewer is not offered the editor');
    t.match((await page(indicator, manager)).body, /Write the story behind the curve/);

    const form = await page(`${indicator}/story/edit`, manager);
    t.equal(form.statusCode, 200);
    t.match(form.body, /name="base_version" value="0"/);

    const saved = await post(`${indicator}/story`, {
      base_version: '0',
      period_text: '2023/24 figures, data day March 2025',
      summary: 'Suspensions are **falling**, but slower than England. <script>alert("x")</script>',
      contributing: '- Attendance panels in secondary schools\n- Early help family workers',
      restricting: '- Anxiety after the pandemic\n- [Cost of transport](javascript:alert(1))',
      root_causes: '1. Emotionally based school avoidance\n2. Unmet special educational needs\n\n- Poverty',
    });
    t.equal(saved.statusCode, 303);
    t.equal(saved.headers.location, `${indicator}#story`);

    const after = await page(indicator);
    const body = text(after.body);
    t.match(body, /Written for 2023\/24 figures, data day March 2025 · version 1 by Mina Manager/);
    t.match(after.body, /<strong>falling<\/strong>/, 'emphasis is rendered');
    t.notMatch(after.body, /<script>alert/, 'raw HTML from a user never reaches the page');
    t.match(after.body, /&lt;script&gt;alert/);
    t.notMatch(after.body, /href="javascript:/, 'a javascript: link is not a link');
    t.match(after.body, /<ul class="govuk-list govuk-list--bullet">\s*<li>Attendance panels in secondary schools<\/li>/);
    t.match(body, /Root causes, most important first 1?\s*Emotionally based school avoidance Unmet special educational needs Poverty/);
    const causes = await ourVersions().select('story_version.root_causes').executeTakeFirstOrThrow();
    t.same(causes.root_causes, ['Emotionally based school avoidance', 'Unmet special educational needs', 'Poverty'], 'numbering and bullets typed by people are not part of a cause');
  });

  t.test('the current story as JSON, for viewers; none yet is null, not an error', async (t) => {
    const api = (code: string) => app.inject({ method: 'GET', url: `/api/v1/partnerships/coventry/indicators/${code}/story`, headers: { cookie: viewer.cookie } });
    const res = await api('SUSPENSION_RATE');
    t.equal(res.statusCode, 200);
    t.match(res.json(), {
      indicator: { code: 'SUSPENSION_RATE' },
      story: { version: 1, versions: 1, period: '2023/24 figures, data day March 2025', summary: /falling/, rootCauses: ['Emotionally based school avoidance', 'Unmet special educational needs', 'Poverty'], author: 'Mina Manager' },
    });
    t.same((await api('KS4_ATT8_FSM_GAP')).json().story, null, 'an indicator with no story yet');
    t.equal((await api('NOPE')).statusCode, 404);
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/partnerships/coventry/indicators/SUSPENSION_RATE/story' })).statusCode, 401);
  });

  t.test('editing makes a new version; the old one stays readable and can be restored', async (t) => {
    const edit = await page(`${indicator}/story/edit`, manager);
    t.match(edit.body, /name="base_version" value="1"/);
    t.match(edit.body, /Emotionally based school avoidance\nUnmet special educational needs\nPoverty<\/textarea>/, 'the form starts from the current version');
    const saved = await post(`${indicator}/story`, {
      base_version: '1',
      period_text: '2024/25 figures, data day March 2026',
      summary: 'Suspensions fell again.',
      contributing: '- Attendance panels now in every secondary school',
      restricting: '',
      root_causes: 'Emotionally based school avoidance',
      change_note: 'After the 2026 data day',
    });
    t.equal(saved.statusCode, 303);
    const now = text((await page(indicator)).body);
    t.match(now, /Written for 2024\/25 figures, data day March 2026 · version 2/);
    t.match(now, /Earlier versions \(1\)/);
    t.notMatch(now, /Early help family workers/);

    const versions = await page(`${indicator}/story/versions`);
    t.equal(versions.statusCode, 200);
    t.match(text(versions.body), /Version 2 current 2024\/25 figures, data day March 2026 Mina Manager .* After the 2026 data day Version 1 2023\/24 figures/);
    const first = /href="([^"]+\/story\/versions\/[0-9a-f-]{36})">Version 1</.exec(versions.body)![1]!;

    const old = await page(first);
    t.equal(old.statusCode, 200);
    t.match(text(old.body), /This is an earlier version: version 2 is the current one/);
    t.match(text(old.body), /Early help family workers/, "what we said last year is readable");
    t.notMatch(old.body, /Restore version 1/, 'a viewer cannot restore');
    t.match((await page(first, manager)).body, /Restore version 1/);

    const restoredByViewer = await post(`${first}/restore`, {}, viewer);
    t.equal(restoredByViewer.statusCode, 403, 'a viewer cannot restore');
    const restoredByOfficer = await post(`${first}/restore`, {}, officer);
    t.equal(restoredByOfficer.statusCode, 403, 'nor can an officer');

    const restored = await post(`${first}/restore`, {});
    t.equal(restored.statusCode, 303);
    const current = text((await page(indicator)).body);
    t.match(current, /Written for 2023\/24 figures, data day March 2025 · version 3 by Mina Manager, .* \(restored from version 1\)/);
    t.match(current, /Early help family workers/);
    t.match(current, /Earlier versions \(2\)/, 'restoring adds a version: the one in between is kept');
    const all = await ourVersions().select(['story_version.version', 'story_version.restored_from', 'story_version.change_note']).orderBy('story_version.version').execute();
    t.same(all.map((v) => [v.version, v.restored_from, v.change_note]), [[1, null, ''], [2, null, 'After the 2026 data day'], [3, 1, 'Restored version 1']]);
  });

  t.test('two managers editing at once: the second is told, and keeps their text', async (t) => {
    const values = { period_text: '2024/25', contributing: 'My late edit', base_version: '2' };
    const stale = await post(`${indicator}/story`, values);
    t.equal(stale.statusCode, 409);
    t.match(text(stale.body), /Someone else saved version 3 of this story while you were writing/);
    t.match(stale.body, />My late edit<\/textarea>/, 'the text is kept');
    t.match(stale.body, /name="base_version" value="3"/, 'saving again is a knowing overwrite');
    const count = await ourVersions().select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    t.equal(Number(count.n), 3, 'nothing was saved');
  });

  t.test('saving the same text again adds no version', async (t) => {
    const edit = await page(`${indicator}/story/edit`, manager);
    const field = (name: string) => {
      const input = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(edit.body);
      if (input) return input[1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
      const area = new RegExp(`name="${name}"[^>]*>([^<]*)</textarea>`).exec(edit.body)!;
      return area[1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    };
    const res = await post(`${indicator}/story`, {
      base_version: field('base_version'),
      period_text: field('period_text'),
      summary: field('summary'),
      contributing: field('contributing'),
      restricting: field('restricting'),
      root_causes: field('root_causes'),
    });
    t.equal(res.statusCode, 303);
    const count = await ourVersions().select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    t.equal(Number(count.n), 3);
  });

  t.test('bad input is shown on the form with the input kept', async (t) => {
    const res = await post(`${indicator}/story`, { base_version: '3', period_text: '', summary: '', contributing: '', restricting: '', root_causes: '', change_note: 'kept note' });
    t.equal(res.statusCode, 400);
    t.match(res.body, /govuk-error-summary/);
    t.match(res.body, /href="#period_text">Say which period or data day this story is written for/);
    t.match(res.body, /href="#summary">Write the story: a summary, contributing or restricting factors, or root causes/);
    t.match(res.body, /id="change_note" name="change_note" type="text" value="kept note"/);
    const tooMany = await post(`${indicator}/story`, { base_version: '3', period_text: 'x', root_causes: Array.from({ length: 21 }, (_, i) => `cause ${i}`).join('\n') });
    t.equal(tooMany.statusCode, 400);
    t.match(tooMany.body, /List at most 20 root causes/);
  });

  t.test('roles: viewers and officers read, only managers write', async (t) => {
    t.equal((await page(`${indicator}/story/edit`, viewer)).statusCode, 403);
    t.equal((await page(`${indicator}/story/edit`, officer)).statusCode, 403);
    t.equal((await post(`${indicator}/story`, { base_version: '3', period_text: 'x', summary: 'y' }, officer)).statusCode, 403);
    t.equal((await page(`${indicator}/story/versions`, officer)).statusCode, 200);
  });

  t.test('a priority has its own story, a summary', async (t) => {
    const priority = await db.selectFrom('priority').select('id').where('title', 'like', 'Improve school attendance%').executeTakeFirstOrThrow();
    const url = `/p/coventry/priorities/${priority.id}`;
    const form = await page(`${url}/story/edit`, manager);
    t.match(form.body, /<label class="govuk-label govuk-label--s" for="summary">Summary<\/label>/);
    const res = await post(`${url}/story`, { base_version: '0', period_text: 'Data day 2026', summary: 'Attendance is the priority of every partner this year.' });
    t.equal(res.statusCode, 303);
    const shown = text((await page(url)).body);
    t.match(shown, /Story behind the curve Written for Data day 2026 · version 1/);
    t.match(shown, /Attendance is the priority of every partner this year/);
    t.match(text((await page(indicator)).body), /version 3/, "the indicator's story is its own");
  });

  t.test('unknown indicators, priorities and versions are not found', async (t) => {
    t.equal((await page('/p/coventry/indicators/NOPE/story/versions')).statusCode, 404);
    t.equal((await page(`${indicator}/story/versions/00000000-0000-0000-0000-000000000000`)).statusCode, 404);
    t.equal((await page(`${indicator}/story/versions/not-a-uuid`)).statusCode, 404);
    t.equal((await post('/p/coventry/priorities/00000000-0000-0000-0000-000000000000/story', { period_text: 'x', summary: 'y' })).statusCode, 404);
    // A version of another subject's story is not this story's version.
    const priorityVersion = await db
      .selectFrom('story_version')
      .innerJoin('story', 'story.id', 'story_version.story_id')
      .select('story_version.id')
      .where('story.priority_id', 'is not', null)
      .executeTakeFirstOrThrow();
    t.equal((await page(`${indicator}/story/versions/${priorityVersion.id}`)).statusCode, 404);
    t.equal((await post(`${indicator}/story/versions/${priorityVersion.id}/restore`, {})).statusCode, 404);
  });
});
