// Loads the demo partnership (seeds/demo/coventry.json) and one demo account per role.
import fs from 'node:fs/promises';
import { sql, type Kysely, type Transaction } from 'kysely';
import { MIGRATION_LOCK_KEY } from '../server/db/migrate.ts';
import { parsePeriod, type PeriodType } from '../server/analysis/periods.ts';
import type { DB, Role } from '../server/db/schema.ts';
import { hashPassword } from '../server/features/auth/passwords.ts';
import { linearForecast } from '../server/analysis/forecast.ts';
import { boundsFor } from '../server/analysis/indicator-analysis.ts';
import { insertBaseline } from '../server/features/analysis/queries.ts';
import { measuredSeries } from '../server/features/indicators/measure.ts';
import { createIndicator, listIndicators, listObservationsForIndicator } from '../server/features/indicators/queries.ts';
import type { DemoSeed } from './demo/types.ts';
import { buildYearOfUse, readYearOfUse } from './demo/year-of-use.ts';

const DEMO_FILE = new URL('./demo/coventry.json', import.meta.url);

/** For the demo only: documented in the README and printed at start. Never created on a real PostgreSQL unless asked. */
export const DEMO_ACCOUNTS: { role: Role; email: string; name: string; password: string; siteAdmin: boolean }[] = [
  { role: 'viewer', email: 'viewer@demo.example', name: 'Vic Viewer', password: 'demo-viewer-pass', siteAdmin: false },
  { role: 'officer', email: 'officer@demo.example', name: 'Olu Officer', password: 'demo-officer-pass', siteAdmin: false },
  { role: 'manager', email: 'manager@demo.example', name: 'Mina Manager', password: 'demo-manager-pass', siteAdmin: false },
  { role: 'admin', email: 'admin@demo.example', name: 'Ade Admin', password: 'demo-admin-pass1', siteAdmin: true },
];

export async function readDemoSeed(): Promise<DemoSeed> {
  return JSON.parse(await fs.readFile(DEMO_FILE, 'utf8')) as DemoSeed;
}

/** Inserts a partnership and its whole structure from a seed, in the caller's transaction. Returns its id. */
export async function insertPartnershipFromSeed(trx: Transaction<DB>, seed: DemoSeed, slug: string = seed.partnership.slug): Promise<string> {
  const partnership = await trx
    .insertInto('partnership')
    .values({
      slug,
      name: seed.partnership.name,
      la_name: seed.partnership.laName,
      la_code: seed.partnership.laCode,
      la_number: seed.partnership.laNumber,
      rag_rule: seed.ragRule,
      small_number_threshold: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  let outcomePosition = 0;
  for (const outcome of seed.outcomes) {
    const { id: outcomeId } = await trx
      .insertInto('outcome')
      .values({ partnership_id: partnership.id, title: outcome.title, description: outcome.description, position: outcomePosition++ })
      .returning('id')
      .executeTakeFirstOrThrow();
    let priorityPosition = 0;
    for (const priority of outcome.priorities) {
      const { id: priorityId } = await trx
        .insertInto('priority')
        .values({ partnership_id: partnership.id, outcome_id: outcomeId, title: priority.title, description: priority.description, position: priorityPosition++ })
        .returning('id')
        .executeTakeFirstOrThrow();
      let indicatorPosition = 0;
      for (const indicator of priority.indicators) {
        const created = await createIndicator(
          trx,
          partnership.id,
          {
            priorityId,
            code: indicator.code,
            title: indicator.title,
            definition: indicator.definition,
            unit: indicator.unit,
            rateBase: indicator.rateBase ?? null,
            decimals: indicator.decimals,
            polarity: indicator.polarity,
            periodType: indicator.periodType,
            kind: indicator.kind,
            rank: indicator.rank,
            focusLabel: indicator.focusLabel ?? null,
            comparisonLabel: indicator.comparisonLabel ?? null,
            sourceText: indicator.source.text,
            sourceUrl: indicator.source.url,
            licence: indicator.source.licence,
            illustrative: indicator.source.illustrative,
            position: indicatorPosition++,
          },
          undefined,
          { series: indicator.series.map((s) => ({ role: s.role, label: s.label })) },
        );
        const indicatorId = created.id;
        if (indicator.authorityValues?.values.length) {
          const period = parsePeriod(indicator.periodType as PeriodType, indicator.authorityValues.period);
          await trx
            .insertInto('indicator_authority_value')
            .values(
              indicator.authorityValues.values.map((v) => ({
                indicator_id: indicatorId,
                period_position: period.position,
                period_label: period.label,
                area_code: String(v.laNumber),
                area_name: v.areaName,
                value: v.value,
              })),
            )
            .execute();
        }
        for (const series of indicator.series) {
          const seriesId = created.series.find((c) => c.role === series.role)!.id;
          if (!series.observations.length) continue;
          await trx
            .insertInto('observation')
            .values(
              series.observations.map((o) => {
                const period = parsePeriod(indicator.periodType as PeriodType, o.period);
                return {
                  series_id: seriesId,
                  period_key: period.key,
                  period_position: period.position,
                  period_label: period.label,
                  value: o.value,
                  marker: o.marker,
                  status: o.status,
                  note: o.note ?? '',
                };
              }),
            )
            .execute();
        }
      }
    }
  }
  return partnership.id;
}

export interface DemoResult {
  loaded: boolean;
  accounts: typeof DEMO_ACCOUNTS;
}

/**
 * What `npm start` says about the demo: its accounts and passwords the first time it is loaded; on a later start
 * only that it is already there (the passwords may have been changed since, and printing them again reads as if new).
 */
export function demoStartMessage(demo: DemoResult): string[] {
  if (demo.loaded) {
    return [
      '',
      'Demo partnership loaded. Demo accounts (for trying the demo only — never use them in production):',
      ...demo.accounts.map((account) => `  ${account.role.padEnd(8)} ${account.email}  password: ${account.password}`),
      '',
    ];
  }
  if (!demo.accounts.length) return [];
  return [`Demo partnership already loaded on an earlier start; its accounts (${demo.accounts.map((a) => a.email).join(', ')}) and their first passwords are in the README.`];
}

/**
 * On an empty database, loads the demo partnership and accounts in one transaction. On a database that already
 * has the demo, reports which demo accounts it has; on any other database, does nothing.
 */
export async function loadDemoIfEmpty(db: Kysely<DB>): Promise<DemoResult> {
  // The usual case, a restart: one cheap read, no lock, no password hashing.
  const already = await demoFound(db);
  if (already) return already;
  return (await loadDemo(db, demoFound)) ?? { loaded: true, accounts: DEMO_ACCOUNTS };
}

/** The demo accounts of a database that already holds a partnership; null on an empty one. */
async function demoFound(db: Kysely<DB>): Promise<DemoResult | null> {
  const existing = await db.selectFrom('partnership').select('slug').limit(1).execute();
  if (!existing.length) return null;
  const demoUsers = await db.selectFrom('app_user').select('email').where('email', 'in', DEMO_ACCOUNTS.map((a) => a.email)).execute();
  const present = new Set(demoUsers.map((u) => u.email));
  return { loaded: false, accounts: DEMO_ACCOUNTS.filter((a) => present.has(a.email)) };
}

/**
 * Loads the demo in one transaction that holds the migrations' advisory lock, so two instances starting together
 * load it once: `unlessFound`, asked under the lock, lets the second find the first's demo and stop (its answer is
 * returned; null when this call loaded the demo).
 */
export async function loadDemo(db: Kysely<DB>, unlessFound?: (trx: Kysely<DB>) => Promise<DemoResult | null>): Promise<DemoResult | null> {
  const [seed, yearOfUse] = await Promise.all([readDemoSeed(), readYearOfUse()]);
  const hashes = await Promise.all(DEMO_ACCOUNTS.map((a) => hashPassword(a.password)));
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    const other = unlessFound ? await unlessFound(trx) : null;
    if (other) return other;
    const partnershipId = await insertPartnershipFromSeed(trx, seed);
    const userIds = {} as Record<Role, string>;
    for (const [i, account] of DEMO_ACCOUNTS.entries()) {
      const existing = await trx.selectFrom('app_user').select('id').where('email', '=', account.email).executeTakeFirst();
      const user =
        existing ??
        (await trx
          .insertInto('app_user')
          .values({ email: account.email, name: account.name, password_hash: hashes[i]!, is_site_admin: account.siteAdmin })
          .returning('id')
          .executeTakeFirstOrThrow());
      await trx.insertInto('membership').values({ user_id: user.id, partnership_id: partnershipId, role: account.role }).execute();
      if (account.role === 'manager') await agreeDemoBaselines(trx, partnershipId, { id: user.id, name: account.name });
      userIds[account.role] = user.id;
    }
    // The demo a year into use: stories, actions, a data day, a programme… dated back from today.
    await buildYearOfUse(trx, partnershipId, userIds, yearOfUse);
    return null;
  });
}

/**
 * The demo's baselines, as its partnership would have agreed them at a data day: the history up to the third-latest
 * figure, a straight line through up to five values, so the two latest figures can be judged against it.
 */
async function agreeDemoBaselines(trx: Transaction<DB>, partnershipId: string, manager: { id: string; name: string }) {
  for (const indicator of await listIndicators(trx, partnershipId)) {
    const measured = measuredSeries(indicator, await listObservationsForIndicator(trx, indicator.id));
    const withValues = measured.filter((p) => p.value !== null);
    const baseline = indicator.period_type === 'fy_quarter' ? withValues.at(-5) : withValues.at(-3);
    if (!baseline) continue;
    const forecast = linearForecast({
      observations: measured.map((p) => ({ position: p.position, value: p.value })),
      baseline: baseline.position,
      window: indicator.period_type === 'fy_quarter' ? 8 : 5,
      bounds: boundsFor(indicator.kind, indicator.unit),
    });
    if (!forecast.ok) continue;
    await insertBaseline(trx, {
      indicatorId: indicator.id,
      position: baseline.position,
      label: baseline.label,
      window: forecast.fit.n,
      method: 'linear',
      fit: forecast.fit,
      manualPoints: null,
      note: 'Agreed at the demo partnership’s data day.',
      agreedBy: manager.id,
      agreedByName: manager.name,
    });
  }
}
