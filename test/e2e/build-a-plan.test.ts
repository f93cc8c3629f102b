// In a browser, as a new partnership would (issue 15, "done means"): a site admin creates an empty partnership, and a
// manager builds the Wakefield plan on the pages alone — three outcomes, their priorities, six indicators (one a gap),
// each with targets — then renames an outcome, reorders, and retires and restores an indicator. A mistake on the way is
// caught by the error summary with the input kept. Nothing here uses the API or the database to build anything.
import t from 'tap';
import type { Page } from 'playwright-core';
import { buildTestApp } from '../helpers/app.ts';
import { browserUnavailable, launchBrowser, signInInBrowser } from '../helpers/browser.ts';

const unavailable = browserUnavailable();

// The Wakefield OBA plan (seeds/templates/wakefield-oba.json), its first three outcomes.
interface PlannedIndicator {
  code: string;
  title: string;
  unit: string;
  rateBase?: string;
  polarity: string;
  periodType: string;
  gap?: [string, string];
  target: [string, string];
}
const PLAN: { outcome: string; priorities: { title: string; indicators: PlannedIndicator[] }[] }[] = [
  {
    outcome: 'Children and young people are healthy',
    priorities: [
      {
        title: 'Reduce teenage conceptions',
        indicators: [{ code: 'U18_CONCEPTION_RATE', title: 'Under-18 conception rate', unit: 'rate', rateBase: '1000', polarity: 'lower', periodType: 'calendar_year', target: ['20', '14'] }],
      },
    ],
  },
  {
    outcome: 'Children and young people are safe',
    priorities: [
      {
        title: 'Help families early so that fewer children need social care',
        indicators: [{ code: 'RE_REFERRALS_12M', title: 'Re-referrals to children’s social care within 12 months', unit: 'percentage', polarity: 'lower', periodType: 'fy_quarter', target: ['22', '18'] }],
      },
    ],
  },
  {
    outcome: 'Children and young people achieve well',
    priorities: [
      {
        title: 'Narrow the attainment gap for disadvantaged pupils',
        indicators: [
          {
            code: 'KS2_RWM_DISADV_GAP',
            title: 'Reading, writing and maths at key stage 2: disadvantaged gap',
            unit: 'percentage',
            polarity: 'higher',
            periodType: 'academic_year',
            gap: ['Disadvantaged pupils', 'All other pupils'],
            target: ['-22', '-16'],
          },
        ],
      },
      {
        title: 'Improve attendance and reduce exclusions',
        indicators: [
          { code: 'PERSISTENT_ABSENCE', title: 'Persistent absence', unit: 'percentage', polarity: 'lower', periodType: 'academic_year', target: ['20', '15'] },
          { code: 'PERMANENT_EXCLUSION_RATE', title: 'Permanent exclusion rate', unit: 'percentage', polarity: 'lower', periodType: 'academic_year', target: ['0.12', '0.08'] },
          { code: 'SUSPENSION_RATE', title: 'Suspension rate', unit: 'percentage', polarity: 'lower', periodType: 'academic_year', target: ['9', '7'] },
        ],
      },
    ],
  },
];

t.test('a manager builds the Wakefield plan from an empty partnership, on the pages alone', { skip: unavailable }, async (t) => {
  const { app, database } = await buildTestApp(t, 'demo');
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && problems.push(m.text()));
  const submit = (text: string) => page.click(`main button:has-text("${text}")`);

  // The site admin creates a blank partnership (and is its admin); the manager is added to it as a manager.
  await signInInBrowser(page, address, 'admin@demo.example', 'demo-admin-pass1');
  await page.goto(`${address}/admin/partnerships`);
  await page.fill('#slug', 'wakefield');
  await page.fill('#name', 'Wakefield Children and Young People’s Partnership');
  await page.check('#template');
  await submit('Create partnership');
  await page.waitForURL(`${address}/p/wakefield`);

  // The plan starts empty.
  await page.click('text=Your plan');
  await page.waitForURL(`${address}/p/wakefield/plan`);
  t.equal(await page.locator('main section[id^=outcome-]').count(), 0, 'no outcomes yet');

  for (const { outcome } of PLAN) {
    await page.click('main a:has-text("Add an outcome")');
    await page.fill('#title', outcome);
    await submit('Add the outcome');
    await page.waitForURL(/\/p\/wakefield\/plan(#.*)?$/);
  }

  // A mistake: an outcome with no title is refused, with the summary and the description kept.
  await page.click('main a:has-text("Add an outcome")');
  await page.fill('#description', 'A description typed before the title');
  await submit('Add the outcome');
  await page.waitForSelector('.govuk-error-summary');
  t.match(await page.textContent('.govuk-error-summary'), /title/i, 'the error summary names the title');
  t.equal(await page.inputValue('#description'), 'A description typed before the title', 'what was typed is kept');
  await page.goto(`${address}/p/wakefield/plan`);

  for (const { outcome, priorities } of PLAN) {
    for (const priority of priorities) {
      await page.getByRole('link', { name: `Add a priority to ${outcome}` }).click();
      t.equal(await page.locator('#outcome option:checked').textContent(), outcome, `the new priority form has “${outcome}” chosen`);
      await page.fill('#title', priority.title);
      await submit('Add the priority');
      await page.waitForURL(/\/p\/wakefield\/plan(#.*)?$/);
    }
  }

  for (const { priorities } of PLAN) {
    for (const priority of priorities) {
      for (const indicator of priority.indicators) {
        await page.goto(`${address}/p/wakefield/plan`);
        await page.getByRole('link', { name: `Add an indicator to ${priority.title}` }).click();
        await page.fill('#code', indicator.code);
        await page.fill('#title', indicator.title);
        await page.selectOption('#unit', indicator.unit);
        if (indicator.rateBase) await page.fill('#rateBase', indicator.rateBase);
        await page.check(`input[name=polarity][value=${indicator.polarity}]`);
        await page.selectOption('#periodType', indicator.periodType);
        await page.check(`input[name=kind][value=${indicator.gap ? 'gap' : 'single'}]`);
        if (indicator.gap) {
          await page.fill('#focusLabel', indicator.gap[0]);
          await page.fill('#comparisonLabel', indicator.gap[1]);
        }
        await page.check('input[name=rank][value=headline]');
        await submit('Add the indicator');
        await page.waitForURL(`${address}/p/wakefield/indicators/${indicator.code}`);

        // Its targets: a trajectory across the periods offered, checked before it is saved.
        await page.click('main a:has-text("Set targets")');
        await page.waitForURL(`${address}/p/wakefield/indicators/${indicator.code}/targets`);
        const periods = await page.$$eval('#start_period option', (options) => options.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
        t.ok(periods.length >= 2, `${indicator.code}: periods to set targets for`);
        await page.selectOption('#start_period', periods[0]!);
        await page.fill('#start_value', indicator.target[0]);
        await page.selectOption('#end_period', periods.at(-1)!);
        await page.fill('#end_value', indicator.target[1]);
        await submit('Check the targets');
        await page.waitForSelector('[data-testid=preview]');
        const preview = await page.$$eval('[data-testid=preview] tbody tr', (rows) => rows.length);
        t.equal(preview, periods.length, `${indicator.code}: a target for every period of the trajectory, shown before saving`);
        await submit('Save targets');
        await page.waitForSelector('[data-notice]');
      }
    }
  }

  // The plan as the manager now sees it.
  await page.goto(`${address}/p/wakefield/plan`);
  const planText = (await page.textContent('main'))!;
  for (const { outcome, priorities } of PLAN) {
    t.match(planText, outcome, `the plan lists “${outcome}”`);
    for (const priority of priorities) {
      t.match(planText, priority.title);
      for (const indicator of priority.indicators) t.match(planText, indicator.code);
    }
  }

  // Reorder: the third outcome up one place.
  const outcomeOrder = async () =>
    (await database.db.selectFrom('outcome').innerJoin('partnership', 'partnership.id', 'outcome.partnership_id').select('outcome.title').where('partnership.slug', '=', 'wakefield').where('outcome.retired_at', 'is', null).orderBy('outcome.position').execute()).map((o) => o.title);
  t.same(await outcomeOrder(), PLAN.map((p) => p.outcome), 'outcomes in the order they were added');
  await page.locator('main button', { hasText: `Move up: ${PLAN[2]!.outcome}` }).click();
  await page.waitForURL(/\/p\/wakefield\/plan(#.*)?$/);
  t.same(await outcomeOrder(), [PLAN[0]!.outcome, PLAN[2]!.outcome, PLAN[1]!.outcome], 'moved up one place');

  // Reorder an indicator within its priority, from the plan page.
  const indicatorOrder = async () =>
    (await database.db.selectFrom('indicator').innerJoin('partnership', 'partnership.id', 'indicator.partnership_id').innerJoin('priority', 'priority.id', 'indicator.priority_id').select('indicator.code').where('partnership.slug', '=', 'wakefield').where('priority.title', '=', 'Improve attendance and reduce exclusions').orderBy('indicator.position').execute()).map((i) => i.code);
  t.same(await indicatorOrder(), ['PERSISTENT_ABSENCE', 'PERMANENT_EXCLUSION_RATE', 'SUSPENSION_RATE']);
  await page.locator('main button', { hasText: 'Move up: SUSPENSION_RATE' }).click();
  await page.waitForURL(/\/p\/wakefield\/plan#indicator-SUSPENSION_RATE$/);
  t.same(await indicatorOrder(), ['PERSISTENT_ABSENCE', 'SUSPENSION_RATE', 'PERMANENT_EXCLUSION_RATE'], 'an indicator moved up one place');

  // Retire an indicator: it leaves the scorecard; restore it from the retired list and it is back.
  await page.goto(`${address}/p/wakefield/indicators/SUSPENSION_RATE/edit`);
  await page.click('main button:has-text("Retire")');
  await page.goto(`${address}/p/wakefield/scorecard`);
  t.notMatch((await page.textContent('main'))!, 'Suspension rate', 'a retired indicator is not on the scorecard');
  await page.goto(`${address}/p/wakefield/plan/retired`);
  t.match((await page.textContent('main'))!, 'SUSPENSION_RATE', 'it is on the retired list');
  await page.locator('main button', { hasText: /Restore.*SUSPENSION_RATE/ }).click();
  await page.goto(`${address}/p/wakefield/scorecard`);
  t.match((await page.textContent('main'))!, 'Suspension rate', 'restored, it is back on the scorecard');

  // What was built, read back: six indicators, each with a target series, and the plan's history.
  const built = await database.db
    .selectFrom('indicator')
    .innerJoin('partnership', 'partnership.id', 'indicator.partnership_id')
    .leftJoin('series', (j) => j.onRef('series.indicator_id', '=', 'indicator.id').on('series.role', '=', 'target'))
    .leftJoin('observation', 'observation.series_id', 'series.id')
    .select(['indicator.code', 'indicator.kind', (eb) => eb.fn.count('observation.id').as('targets')])
    .where('partnership.slug', '=', 'wakefield')
    .groupBy(['indicator.code', 'indicator.kind'])
    .orderBy('indicator.code')
    .execute();
  t.equal(built.length, 6, 'six indicators');
  for (const row of built) t.ok(Number(row.targets) >= 2, `${row.code} has its targets`);
  t.equal(built.find((r) => r.code === 'KS2_RWM_DISADV_GAP')?.kind, 'gap', 'the attainment gap is a gap indicator');
  await page.goto(`${address}/p/wakefield/history`);
  const history = (await page.textContent('main'))!;
  t.match(history, 'Children and young people achieve well', 'the history lists the plan’s changes');
  t.same(problems, [], 'no script errors or console errors');
});
