// One date pattern: every date entered through the GOV.UK date input (day, month, year) with its messages, and every
// date shown as "7 December 2026".
import t from 'tap';
import { checkDateParts, splitDate } from '../../server/forms/date-input.ts';
import * as format from '../../server/format.ts';
import { buildTestApp, signIn, type Session } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

function body(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}

t.test('the date input rules', async (t) => {
  const rules = { label: 'The due date' };
  t.same(checkDateParts({ day: '7', month: '12', year: '2026' }, rules), { ok: true, date: '2026-12-07' });
  t.same(checkDateParts({ day: '', month: '', year: '' }, rules), { ok: true, date: null }, 'optional and empty');
  t.same(checkDateParts({ day: '', month: '', year: '' }, { ...rules, missing: 'Enter the due date' }), { ok: false, part: 'day', text: 'Enter the due date' });
  t.same(checkDateParts({ day: '31', month: '4', year: '2026' }, rules), { ok: false, part: 'day', text: 'The due date must be a real date' });
  t.same(checkDateParts({ day: '29', month: '2', year: '2028' }, rules), { ok: true, date: '2028-02-29' }, 'a leap day');
  t.same(checkDateParts({ day: '1', month: '13', year: '2026' }, rules), { ok: false, part: 'month', text: 'The due date must be a real date' });
  t.same(checkDateParts({ day: '1', month: 'May', year: '2026' }, rules), { ok: false, part: 'month', text: 'The due date must be a real date' });
  t.same(checkDateParts({ day: '1', month: '', year: '' }, rules), { ok: false, part: 'month', text: 'The due date must include a month and year' });
  t.same(checkDateParts({ day: '1', month: '5', year: '26' }, rules), { ok: false, part: 'year', text: 'Year must include 4 numbers' });
  t.same(checkDateParts({ day: '8', month: '12', year: '2026' }, { ...rules, notFuture: true, today: '2026-12-07' }), { ok: false, part: 'day', text: 'The due date must be today or in the past' });
  t.same(splitDate('2025-11-20'), { day: '20', month: '11', year: '2025' }, 'an ISO date from an older client');
  t.same(splitDate('20/11/2025'), { day: '20', month: '11', year: '2025' }, 'a typed date from the old single box');
  t.equal(format.date('2026-12-07'), '7 December 2026');
  t.equal(format.dateTime(new Date('2026-12-07T14:05:00Z')), '7 December 2026 at 14:05');
  t.equal(format.dateTime(new Date('2026-07-07T13:05:00Z')), '7 July 2026 at 14:05', 'in England’s time');
});

t.test('every form with a date', async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  const manager = await signIn(app, 'manager@demo.example');
  const get = (url: string, session: Session = manager) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } });
  const post = (url: string, values: Record<string, string>, session: Session = manager) =>
    app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body({ _csrf: session.csrf, ...values }) });

  const dataDay = await post('/p/coventry/data-days', { title: 'Data day', 'held_on-day': '20', 'held_on-month': '11', 'held_on-year': '2025', start: 'headline' });
  t.equal(dataDay.statusCode, 303, 'a data day with a valid date is planned');
  const dataDayHref = dataDay.headers.location as string;
  t.match(text((await get(dataDayHref)).body), /20 November 2025/);
  const legacy = await post('/p/coventry/data-days', { title: 'Old client', held_on: '2025-11-21', start: 'empty' });
  t.equal(legacy.statusCode, 303, 'the old single-field date is still accepted');

  await post(`${dataDayHref}/notes`, { kind: 'idea', body: 'Walking buses from the estates', subject: '' });
  const noteAction = /href="([^"]*\/notes\/[0-9a-f-]{36}\/action)"/.exec((await get(`${dataDayHref}/notes`)).body)?.[1];
  t.ok(noteAction, 'a note can be turned into an action');
  t.match((await get(noteAction!)).body, /class="govuk-date-input"/, 'turning a note into an action asks for the due date with a date input');

  // Each form: where it posts, what else it needs, the date's name and how its messages name it, and where a valid date lands.
  const forms: { name: string; send: (values: Record<string, string>) => ReturnType<typeof post>; date: string; label: string; fine: number }[] = [
    { name: 'plan a data day', send: (v) => post('/p/coventry/data-days', { title: 'Another data day', start: 'empty', ...v }), date: 'held_on', label: 'The date of the data day', fine: 303 },
    { name: 'change a data day', send: (v) => post(dataDayHref, { title: 'Data day', ...v }), date: 'held_on', label: 'The date of the data day', fine: 303 },
    { name: 'an action’s start date', send: (v) => post('/p/coventry/actions', { title: 'Walking buses', status: 'not_started', ...v }), date: 'start_date', label: 'The start date', fine: 303 },
    { name: 'an action’s due date', send: (v) => post('/p/coventry/actions', { title: 'Breakfast clubs', status: 'not_started', ...v }), date: 'due_date', label: 'The due date', fine: 303 },
    { name: 'a room note made an action', send: (v) => post(noteAction!, { title: 'Walking buses from the estates', status: 'not_started', ...v }), date: 'due_date', label: 'The due date', fine: 303 },
    { name: 'the history filter', send: (v) => get(`/p/coventry/history?${body(v)}`), date: 'from', label: 'The ‘from’ date', fine: 200 },
    { name: 'since the last data day', send: (v) => get(`/p/coventry/since?${body(v)}`), date: 'to', label: 'The ‘to’ date', fine: 200 },
  ];
  for (const form of forms) {
    t.test(form.name, async (t) => {
      const d = form.date;
      const parts = (day: string, month: string, year: string) => ({ [`${d}-day`]: day, [`${d}-month`]: month, [`${d}-year`]: year });
      // The action made from the note is made once: check the errors first, then the valid date.
      const cases = [
        { why: 'day 31 in a 30-day month', values: parts('31', '4', '2025'), message: `${form.label} must be a real date`, field: 'day', kept: { day: '31', month: '4' } },
        { why: 'text in a field', values: parts('1', 'April', '2025'), message: `${form.label} must be a real date`, field: 'month', kept: { month: 'April' } },
        { why: 'a missing month', values: parts('1', '', '2025'), message: `${form.label} must include a month`, field: 'month', kept: { day: '1', year: '2025' } },
      ];
      for (const c of cases) {
        const res = await form.send(c.values);
        t.equal(res.statusCode, 400, `${c.why}: shown again`);
        t.match(res.body, new RegExp(`<a href="#${d}-${c.field}">${c.message}</a>`), `${c.why}: the error summary links to the ${c.field}`);
        t.match(res.body, new RegExp(`id="${d}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${c.message}<`), `${c.why}: the message is by the date`);
        for (const [part, value] of Object.entries(c.kept)) t.match(res.body, new RegExp(`id="${d}-${part}" name="${d}-${part}" type="text" inputmode="numeric" value="${value}"`), `${c.why}: the ${part} typed is kept`);
        t.match(res.body, new RegExp(`class="[^"]*govuk-input--error" id="${d}-${c.field}"`), `${c.why}: the ${c.field} is marked`);
      }
      const fine = await form.send(parts('30', '4', '2025'));
      t.equal(fine.statusCode, form.fine, 'a real date is accepted');
    });
  }

  t.test('a data day must have a date', async (t) => {
    const res = await post('/p/coventry/data-days', { title: 'No date', start: 'empty', 'held_on-day': '', 'held_on-month': '', 'held_on-year': '' });
    t.equal(res.statusCode, 400);
    t.match(res.body, /<a href="#held_on-day">Enter the date the data day is held<\/a>/);
  });

  t.test('the day after today cannot end a comparison', async (t) => {
    const res = await get('/p/coventry/since?to-day=1&to-month=1&to-year=2199');
    t.equal(res.statusCode, 400);
    t.match(res.body, /<a href="#to-day">The ‘to’ date must be today or in the past<\/a>/);
  });

  t.test('the date fields of the forms are date inputs, with no single date box left', async (t) => {
    for (const url of ['/p/coventry/data-days/new', '/p/coventry/actions/new', '/p/coventry/history', '/p/coventry/since']) {
      const html = (await get(url)).body;
      t.match(html, /class="govuk-date-input"/, `${url} has a date input`);
      t.notMatch(html, /type="date"/, `${url} has no browser date box`);
    }
    const edit = (await get(`${dataDayHref}/edit`)).body;
    // The data day was changed to 30 April 2025 above.
    t.match(edit, /id="held_on-day" name="held_on-day" type="text" inputmode="numeric" value="30"/, 'a stored date fills the three fields');
    t.match(edit, /id="held_on-month" name="held_on-month" type="text" inputmode="numeric" value="4"/);
    t.match(edit, /id="held_on-year" name="held_on-year" type="text" inputmode="numeric" value="2025"/);
  });

  t.test('every date shown reads "7 December 2026"', async (t) => {
    const actionHref = (await post('/p/coventry/actions', { title: 'Dated action', status: 'on_track', 'start_date-day': '1', 'start_date-month': '9', 'start_date-year': '2025', 'due_date-day': '31', 'due_date-month': '7', 'due_date-year': '2026' })).headers.location as string;
    const pages = ['/p/coventry', '/p/coventry/data-days', dataDayHref, '/p/coventry/actions', actionHref, '/p/coventry/history', '/p/coventry/since', `${dataDayHref}/notes`, '/account'];
    for (const url of pages) {
      const res = await get(url);
      t.equal(res.statusCode, 200, url);
      // Visible text only: scripts (chart data as JSON), styles, code and pre blocks and every tag with its attributes
      // (links, hidden fields and data- attributes carry ISO dates by design) are left out.
      const visible = text(res.body.replace(/<(script|style|code|pre|template)\b[\s\S]*?<\/\1>/g, ' '));
      t.notMatch(visible, /\b\d{4}-\d\d-\d\d\b/, `${url}: no ISO date shown`);
      t.notMatch(visible, /\b\d{1,2}\/\d{1,2}\/\d{4}\b/, `${url}: no dd/mm/yyyy date shown`);
    }
    const action = text((await get(actionHref)).body);
    t.match(action, /31 July 2026/, 'the due date as words');
    t.match(action, /1 September 2025/, 'the start date as words');
  });
});
