// Every authority (issue 19, item 5): for any measure of the benchmark library and any of its periods, every local
// authority's value, rank and quartile band, with England and the region above, the partnership's own authority
// highlighted; as a page sortable without JavaScript (?sort=), as CSV and through the API (item 7). The indicator page
// shows an imported indicator's rank and quartile over time. Reading the release: server/benchmark/; ranks and
// bands: server/analysis/authority-ranks.ts; shaping: view-model.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { rankAuthorities } from '../../analysis/authority-ranks.ts';
import { measurePeriods, searchMeasures, type LaitMeasure } from '../../benchmark/library.ts';
import { benchmarkLibrary, OGL_ATTRIBUTION, type BenchmarkLibrary } from '../../benchmark/release-file.ts';
import { HttpError, notFound } from '../../http-errors.ts';
import type { ApiDoc } from '../../openapi/describe.ts';
import { apiErrorBody } from '../../openapi/problems.ts';
import { number } from '../../format.ts';
import { findPartnershipAuthority, listIndicatorAuthorityValues } from './queries.ts';
import {
  authorityCsv,
  authorityTable,
  authorityTableJson,
  bandRangeText,
  choosePeriod,
  figureText,
  measureJson,
  POLARITY_TEXT,
  rankChart,
  sortAuthorities,
  SORTS,
  type AuthorityTable,
  type SortDirection,
  type SortKey,
} from './view-model.ts';

const pageParams = z.object({ slug: z.string(), code: z.string().min(1).max(64) });
const pageQuery = z.object({
  period: z.string().max(40).optional(),
  sort: z.enum(SORTS).optional().catch(undefined),
  dir: z.enum(['asc', 'desc']).optional().catch(undefined),
});

const apiCodeParams = z.object({ code: z.string().min(1).max(64).meta({ description: 'The measure’s code in the library, e.g. `CIN_rate` (URL-encoded: codes may hold spaces, `%` or `&`)' }) });
const apiPeriodQuery = z.object({ period: z.string().max(40).optional().meta({ description: 'The period: as the library publishes it (`2023/24`, `2023 (Rev)`), or as the tracker writes it (label or key). The latest when left out.' }) });
const apiSearchQuery = z.object({ q: z.string().max(200).optional().meta({ description: 'Words to find in the code, name, topic or description; every measure when left out' }) });

const periodSchema = z.object({
  period: z.string().meta({ description: 'As the tracker writes it, e.g. `2023/24`' }),
  key: z.string(),
  type: z.string().meta({ description: 'academic_year, financial_year, calendar_year, …' }),
  published: z.string().meta({ description: 'As the library publishes it, e.g. `2023 (Rev)`' }),
  status: z.enum(['provisional', 'revised', 'final']),
  note: z.string(),
});
const measureSchema = z.object({
  code: z.string(),
  name: z.string(),
  title: z.string(),
  topics: z.array(z.string()),
  polarity: z.enum(['higher', 'lower', 'neutral']),
  unit: z.enum(['percentage', 'rate', 'count', 'score', 'ratio']),
  rateBase: z.number().int().nullable(),
  unitText: z.string().meta({ description: 'The library’s own words for the unit (its y-axis)' }),
  decimals: z.number().int().nullable(),
  yearType: z.string(),
  periods: z.array(periodSchema).meta({ description: 'The periods with figures, oldest first' }),
});
const areaSchema = z.object({ laNumber: z.number().int(), name: z.string(), value: z.number().nullable().meta({ description: 'Null when not available or suppressed (never 0)' }), marker: z.enum(['x']).nullable() });
const bandSchema = z.object({ band: z.enum(['A', 'B', 'C', 'D']), best: z.number().nullable(), worst: z.number().nullable(), count: z.number().int() });

const measuresDoc: ApiDoc = {
  summary: 'Search the benchmark library’s measures',
  description: `The measures of the DfE Local Authority Interactive Tool library shipped with the tracker (all 434), best match first. ${OGL_ATTRIBUTION}`,
  tags: ['Benchmark library'],
  query: apiSearchQuery,
  responses: {
    200: { description: 'The measures found', schema: z.object({ total: z.number().int(), measures: z.array(measureSchema) }) },
    503: { description: 'The library is not installed', schema: apiErrorBody },
  },
};

const authoritiesDoc: ApiDoc = {
  summary: 'Every authority’s value, rank and quartile band for a measure',
  description:
    'England, the regions and every local authority for one period (the latest unless `period` says). Rank 1 is the best by the measure’s polarity (highest first for a neutral one); tied values share a rank. ' +
    'Bands A–D are the quartiles of the rank, A the best quarter; `bands` gives each band’s best and worst value. An authority without a value has `value`, `rank` and `band` null. ' +
    `\`bands\` is null where the library says the measure has no quartiles. ${OGL_ATTRIBUTION}`,
  tags: ['Benchmark library'],
  params: apiCodeParams,
  query: apiPeriodQuery,
  responses: {
    200: {
      description: 'Every authority',
      schema: z.object({
        measure: measureSchema,
        period: periodSchema,
        order: z.enum(['best_first', 'highest_first']),
        england: areaSchema.nullable(),
        regions: z.array(areaSchema),
        of: z.number().int().meta({ description: 'How many authorities have a value (and so a rank)' }),
        bands: z.array(bandSchema).nullable(),
        authorities: z.array(areaSchema.extend({ region: z.string().nullable(), rank: z.number().int().nullable(), band: z.enum(['A', 'B', 'C', 'D']).nullable() })),
      }),
    },
    400: { description: 'The measure has no such period', schema: apiErrorBody },
    404: { description: 'No such measure', schema: apiErrorBody },
  },
};

async function library(): Promise<BenchmarkLibrary> {
  const bench = await benchmarkLibrary();
  if (!bench) throw new HttpError(503, 'The benchmark library (seeds/benchmark/lait-full.csv.gz) is not installed');
  return bench;
}

/** The measure's table for a period; 404 for an unknown measure, 400 for a period it does not have. */
async function tableFor(bench: BenchmarkLibrary, code: string, period: string | undefined, ownLaNumber: number | null): Promise<AuthorityTable> {
  const measure = bench.byCode.get(code);
  if (!measure) throw notFound(`There is no measure “${code}” in the benchmark library`);
  const data = await bench.load([code]);
  const periods = data.periodsOf(code).periods;
  const chosen = choosePeriod(periods, period);
  if (!chosen) {
    if (!periods.length) throw notFound(`The benchmark library has no figures for “${code}”`);
    throw new HttpError(400, `The measure “${code}” has no period “${period}”: it has ${periods.map((p) => p.period.label).join(', ')}`);
  }
  return authorityTable(measure, data, periods, chosen, ownLaNumber);
}

/**
 * The library measure an indicator's figures came from. An indicator records it only in its source text, as the
 * benchmark import, the templates and the demo write it: `… (LAIT): CODE ("name")` (or “name”).
 */
export function libraryMeasureOf(bench: Pick<BenchmarkLibrary, 'byCode'>, indicator: { code: string; source_text: string }): LaitMeasure | null {
  const found = /Local Authority Interactive Tool \(LAIT\): (.+?) \(["“][^"”]*["”]\)( and )?/.exec(indicator.source_text);
  // Made from two measures (a gap between two groups): no one measure's table is the indicator's.
  if (!found || found[2]) return null;
  return bench.byCode.get(found[1]!.trim()) ?? null;
}

export default async function benchmarkRoutes(app: FastifyInstance) {
  const pageHref = (slug: string, code: string) => `/p/${slug}/benchmark/${encodeURIComponent(code)}`;

  /** The page's and the CSV's table: the measure and period asked for, with the partnership's own authority marked. */
  async function tableAsked(request: FastifyRequest) {
    const params = pageParams.safeParse(request.params);
    if (!params.success) throw notFound();
    const query = pageQuery.safeParse(request.query ?? {});
    if (!query.success) throw new HttpError(400, 'The period is not one this page understands');
    const { partnership } = request.access!;
    const area = await findPartnershipAuthority(app.db, partnership.id);
    return { partnership, area, query: query.data, table: await tableFor(await library(), params.data.code, query.data.period, area.la_number) };
  }

  app.get('/p/:slug/benchmark/:code', { config: { access: 'viewer' } }, async (request, reply) => {
    const { partnership, area, query, table } = await tableAsked(request);
    const sort: SortKey = query.sort ?? 'rank';
    const dir: SortDirection = query.dir ?? (sort === 'value' && table.measure.polarity !== 'lower' ? 'desc' : 'asc');
    const base = pageHref(partnership.slug, table.measure.code);
    const periodParam = `period=${encodeURIComponent(table.period.label)}`;
    const sortHref = (key: SortKey) => {
      const next: SortDirection = sort === key ? (dir === 'asc' ? 'desc' : 'asc') : key === 'value' && table.measure.polarity !== 'lower' ? 'desc' : 'asc';
      return `${base}?${periodParam}&sort=${key}&dir=${next}`;
    };
    const d = table.decimals;
    const title = (table.measure.chartTitle || table.measure.measure).replace(/\s+/g, ' ').trim();
    return reply.view('benchmark/authorities', {
      pageTitle: `Every authority: ${title}, ${table.period.period.label}`,
      partnership,
      measure: table.measure,
      title,
      unitText: table.measure.yAxis,
      polarityText: POLARITY_TEXT[table.measure.polarity],
      period: table.period,
      action: base,
      periods: table.periods.map((p) => ({ value: p.label, text: `${p.period.label}${p.status === 'provisional' ? ' (provisional)' : p.status === 'revised' ? ' (revised)' : ''}`, selected: p === table.period })).reverse(),
      england: table.england ? { name: table.england.name, text: figureText(table.england, d) } : null,
      region: table.ownRegion ? { name: table.ownRegion.name, text: figureText(table.ownRegion, d) } : null,
      own: table.own ? { name: table.own.name, text: figureText(table.own, d), rank: table.own.rank, band: table.own.band } : null,
      laName: area.la_name,
      of: table.of,
      total: table.authorities.length,
      missing: table.authorities.filter((a) => a.value === null).length,
      bands: table.bands?.map((b) => ({ band: b.band, count: b.count, range: bandRangeText(b, d) })) ?? null,
      orderText: table.order === 'best_first' ? 'best first' : 'highest first',
      columns: (['name', 'region', 'value', 'rank'] as const).map((key) => ({
        key,
        text: { name: 'Local authority', region: 'Region', value: 'Value', rank: table.bands ? 'Rank and band' : 'Rank' }[key],
        href: sortHref(key),
        ariaSort: sort === key ? (dir === 'asc' ? 'ascending' : 'descending') : 'none',
        numeric: key === 'value' || key === 'rank',
      })),
      rows: sortAuthorities(table.authorities, sort, dir).map((a) => ({
        name: a.name,
        laNumber: a.laNumber,
        region: a.region ?? '',
        value: figureText(a, d),
        missing: a.value === null,
        rank: a.rank === null ? 'not ranked' : `${a.rank}`,
        band: a.band,
        own: a.own,
      })),
      csvHref: `${base}/authorities.csv?${periodParam}`,
      attribution: OGL_ATTRIBUTION,
    });
  });

  app.get('/p/:slug/benchmark/:code/authorities.csv', { config: { access: 'viewer' } }, async (request, reply) => {
    const { table } = await tableAsked(request);
    const name = `${table.measure.code}-${table.period.period.key}`.replace(/[^A-Za-z0-9_.-]+/g, '_');
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}-every-authority.csv"`)
      .send(authorityCsv(table));
  });

  app.get('/api/v1/benchmark/measures', { config: { access: 'signed_in', openapi: measuresDoc } }, async (request) => {
    const query = apiSearchQuery.safeParse(request.query ?? {});
    if (!query.success) throw new HttpError(400, 'q: at most 200 characters');
    const bench = await library();
    const summary = await bench.summary();
    const found = searchMeasures(bench.measures, query.data.q ?? '');
    return { total: found.length, measures: found.map((m) => measureJson(m, measurePeriods(m, summary.labels.get(m.code) ?? new Map()).periods)) };
  });

  app.get('/api/v1/benchmark/measures/:code/authorities', { config: { access: 'signed_in', openapi: authoritiesDoc } }, async (request) => {
    const params = apiCodeParams.safeParse(request.params);
    if (!params.success) throw notFound('There is no such measure in the benchmark library');
    const query = apiPeriodQuery.safeParse(request.query ?? {});
    if (!query.success) throw new HttpError(400, 'period: at most 40 characters');
    return authorityTableJson(await tableFor(await library(), params.data.code, query.data.period, null));
  });

  // The indicator page: rank and quartile over time, from the authority values its imports kept, and the way to
  // every authority's value when its figures came from the library.
  app.indicatorSections.push({
    key: 'benchmark-rank',
    // Just after the analysis (10).
    order: 11,
    template: 'benchmark/indicator-section',
    async load({ db, partnership, indicator }) {
      const [area, stored, bench] = await Promise.all([
        findPartnershipAuthority(db, partnership.id),
        listIndicatorAuthorityValues(db, partnership.id, indicator.id),
        benchmarkLibrary().catch(() => null),
      ]);
      const measure = bench ? libraryMeasureOf(bench, indicator) : null;
      const own = area.la_number === null ? null : String(area.la_number);
      const byPeriod = new Map<number, { label: string; values: (number | null)[]; ownIndex: number }>();
      for (const r of stored) {
        let p = byPeriod.get(r.period_position);
        if (!p) byPeriod.set(r.period_position, (p = { label: r.period_label, values: [], ownIndex: -1 }));
        if (r.area_code === own) p.ownIndex = p.values.length;
        p.values.push(r.value);
      }
      const polarity = indicator.polarity;
      const rows = [...byPeriod.values()]
        .filter((p) => p.ownIndex >= 0)
        .map((p) => {
          const ranking = rankAuthorities(p.values, polarity);
          const mine = ranking.ranked[p.ownIndex]!;
          const value = p.values[p.ownIndex]!;
          return {
            period: p.label,
            rankNumber: mine.rank,
            of: ranking.of,
            value: value === null ? 'x (not available)' : number(value, indicator.decimals),
            rank: mine.rank === null ? 'not ranked' : `${mine.rank} of ${ranking.of}`,
            band: mine.band && !measure?.noQuartile ? mine.band : null,
            href: measure ? `${pageHref(partnership.slug, measure.code)}?period=${encodeURIComponent(p.label)}` : null,
          };
        });
      if (!rows.length && !measure) return null;
      return {
        rankChart: rankChart(rows.map((r) => ({ period: r.period, rank: r.rankNumber, of: r.of }))),
        rankRows: rows.reverse(),
        orderText: polarity === 'neutral' ? 'highest first' : 'best first',
        everyAuthorityHref: measure ? pageHref(partnership.slug, measure.code) : null,
        measureCode: measure?.code ?? null,
      };
    },
  });
}
