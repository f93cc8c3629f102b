import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tryPeriodFromPosition, type PeriodType } from '../../analysis/periods.ts';
import { describeRagRule } from '../../analysis/comparators.ts';
import { DEFAULT_WINDOW, linearForecast } from '../../analysis/forecast.ts';
import { GAP_CHANGE_DESCRIPTIONS, type GapChange } from '../../analysis/gap.ts';
import { boundsFor, type IndicatorAnalysis } from '../../analysis/indicator-analysis.ts';
import { HttpError, notFound } from '../../http-errors.ts';
import type { ApiDoc } from '../../openapi/describe.ts';
import * as format from '../../format.ts';
import { measuredSeries } from '../indicators/measure.ts';
import { findIndicatorByCode, listObservationsForIndicator, listRetiredIndicators, type IndicatorDetail } from '../indicators/queries.ts';
import { listOutcomes, listPriorities } from '../partnerships/queries.ts';
import { STATUS, STATUS_ORDER } from './labels.ts';
import { analysisQuery, spcChoiceFor } from './options.ts';
import { findBaseline, latestAuthorityValues, listBaselineVersions } from './queries.ts';
import { agreeBaseline, analyse, analysePartnershipCached, formattersFor, thresholdFor, toAgreedBaseline, type BaselineProposal } from './service.ts';
import { acceptedBaselineRange, defaultBaselinePosition, describeBaselineFit } from '../../analysis/baseline.ts';
import { suppressSmallNumbers } from '../observations/small-numbers.ts';
import { scorecardRows, scorecardCsv, type ScorecardFilters } from './scorecard.ts';
import { scorecardThreadFilter, type ThreadFilter } from './thread-filter.ts';

const codeParams = z.object({ slug: z.string(), code: z.string().min(1).max(64) });

const baselineBody = z.object({
  period: z.string().min(1).max(20).meta({ description: 'The baseline period: the last period before the work began, as a label like "2022/23"' }),
  window: z.number().int().min(3).max(20).optional().meta({ description: 'How many periods up to the baseline the straight-line forecast is fitted to (linear)' }),
  method: z.enum(['linear', 'manual']).meta({ description: '"linear": forecast the trend; "manual": the forecast points you send' }),
  points: z.array(z.object({ period: z.string().max(20), value: z.number().finite() })).max(200).optional().meta({ description: 'The forecast after the baseline (manual)' }),
  note: z.string().max(2000).optional(),
});

// ---- How the JSON API routes below describe themselves (GET /api/v1/openapi.json) ---------------------------------
const gapChangeJson = z
  .object({
    change: z.enum(Object.keys(GAP_CHANGE_DESCRIPTIONS) as [GapChange, ...GapChange[]]),
    description: z.string(),
    narrowed: z.boolean(),
    levellingDown: z.boolean().meta({ description: 'The gap narrowed because the comparison (better-off) group got worse' }),
    from: z.string(),
    to: z.string(),
  })
  .meta({ description: 'For a gap indicator, why the gap moved between its latest two periods with both groups; null otherwise. When it narrowed, the sentence gives the reason too.' });
const statusJson = z.object({ code: z.string(), sentence: z.string(), baselineVersion: z.number().int().nullable(), gapChange: gapChangeJson.nullable() });
const baselineJsonSchema = z.object({
  description: z.string().meta({ description: 'The baseline in words: the method, the count and periods of the values the straight line was fitted to, who agreed it and when' }),
  period: z.string(),
  method: z.enum(['linear', 'manual']),
  window: z.number().int().nullable(),
  version: z.number().int(),
  agreedBy: z.string().nullable(),
  agreedAt: z.string(),
  fit: z.object({ intercept: z.number(), slope: z.number(), n: z.number().int(), sigma: z.number(), periods: z.array(z.string()).meta({ description: 'The periods of the n values the line was fitted to' }) }).nullable(),
  points: z.array(z.object({ period: z.string(), value: z.number() })).nullable(),
  note: z.string().nullable(),
});
const apiDocs = {
  indicators: {
    summary: 'Every indicator with its latest figure and whether its curve has turned',
    description: 'For viewers, small numbers are suppressed as on the published pages. Retired indicators are left out unless `?include=retired` (they come last, with `retired: true` and no analysis).',
    tags: ['Analysis'],
    params: z.object({ slug: z.string() }),
    query: z.object({ include: z.enum(['retired']).optional() }),
    responses: {
      200: {
        description: 'The partnership and its indicators',
        schema: z.object({
          partnership: z.object({ slug: z.string(), name: z.string() }),
          indicators: z.array(
            z.object({
              code: z.string(),
              title: z.string(),
              kind: z.enum(['single', 'gap']),
              unit: z.string(),
              polarity: z.string(),
              periodType: z.string(),
              version: z.number().int(),
              retired: z.boolean(),
              latest: z.object({ period: z.string(), value: z.number().nullable(), marker: z.string().nullable(), provisional: z.boolean() }).nullable(),
              status: statusJson.nullable(),
            }),
          ),
        }),
      },
    },
  },
  baseline: {
    summary: 'Agree a new baseline for an indicator',
    description: 'Adds a baseline version (earlier ones are kept): a straight-line forecast from the figures up to the baseline period, or forecast points you give.',
    tags: ['Baselines'],
    params: codeParams,
    body: baselineBody,
    example: { period: '2022/23', method: 'linear', window: 5, note: 'Agreed at the March 2026 data day' },
    responses: {
      201: { description: 'The baseline agreed', schema: z.object({ baseline: baselineJsonSchema }) },
      403: { description: 'Only managers and admins agree baselines' },
      404: { description: 'No indicator with that code in this partnership' },
      422: { description: 'The body or the figures do not allow this baseline (the message says why)' },
    },
  },
  analysis: {
    summary: 'An indicator’s analysis: figures, forecast, turned-the-curve status, SPC, comparators',
    tags: ['Analysis'],
    params: codeParams,
    query: analysisQuery,
    responses: {
      200: { description: 'The analysis', schema: z.object({ indicator: z.object({ code: z.string(), title: z.string() }).loose(), baseline: baselineJsonSchema.nullable(), status: statusJson.loose() }).loose() },
      400: { description: 'A query parameter is refused (named in the message)' },
      404: { description: 'No indicator with that code, or no baseline of that version' },
    },
  },
} satisfies Record<string, ApiDoc>;

/**
 * How many later figures the default baseline leaves to be judged against its forecast: the latest two years, or a
 * year of quarters or months, as the demo partnership agreed its own.
 */
const JUDGED_AFTER_DEFAULT: Record<PeriodType, number> = { academic_year: 2, financial_year: 2, calendar_year: 2, fy_quarter: 4, month: 12 };

async function indicatorOr404(app: FastifyInstance, request: FastifyRequest): Promise<IndicatorDetail> {
  const parsed = codeParams.safeParse(request.params);
  if (!parsed.success) throw notFound();
  const indicator = await findIndicatorByCode(app.db, request.access!.partnership.id, parsed.data.code);
  if (!indicator) throw notFound(request.url.startsWith('/api/') ? `No indicator with code "${parsed.data.code}" in this partnership` : 'Page not found');
  return indicator;
}

export default async function analysisRoutes(app: FastifyInstance) {
  app.partnershipNav.push({ key: 'scorecard', text: 'Scorecard', order: 10, role: 'viewer', href: (slug) => `/p/${slug}/scorecard` });

  // ---- Baselines: agree a new version (managers), read every version (everyone) --------------------------------
  async function renderBaselineForm(request: FastifyRequest, reply: FastifyReply, indicator: IndicatorDetail, values: Record<string, unknown> | null, problems: { field: string; text: string }[] = []) {
    const periodType = indicator.period_type as PeriodType;
    const observations = await listObservationsForIndicator(app.db, indicator.id);
    const measured = measuredSeries(indicator, observations);
    const withValues = measured.filter((p) => p.value !== null);
    const current = await findBaseline(app.db, indicator.id);
    const latest = withValues.at(-1)?.position ?? null;
    // Choices: every period with a value. The default is one the form accepts unchanged: the current baseline while
    // the figures still give it a forecast, otherwise the method's default (docs/method.md, Baselines and forecasts).
    const periodChoices = withValues.map((p) => p.label);
    const series = measured.map((p) => ({ position: p.position, value: p.value }));
    const currentStillFits = current !== null && current !== undefined && (current.method === 'manual' || linearForecast({ observations: series, baseline: current.baseline_position, window: current.history_window }).ok);
    const defaultPosition = defaultBaselinePosition(series, JUDGED_AFTER_DEFAULT[periodType]);
    const defaultPeriod = currentStillFits ? current!.baseline_label : (withValues.find((p) => p.position === defaultPosition) ?? withValues.at(-1))?.label ?? '';
    const chosen = String(values?.period ?? defaultPeriod);
    const window = Number(values?.window ?? (currentStillFits ? current!.history_window : DEFAULT_WINDOW));
    const accepted = acceptedBaselineRange(series);
    // The manual form offers the periods after the baseline, prefilled with the straight-line forecast to adjust.
    const chosenPosition = periodChoices.includes(chosen) ? withValues.find((p) => p.label === chosen)!.position : null;
    const suggestion = chosenPosition !== null ? linearForecast({ observations: measured, baseline: chosenPosition, window: Math.max(3, Math.min(20, window || 5)), bounds: boundsFor(indicator.kind, indicator.unit) }) : null;
    const horizon = chosenPosition !== null ? Math.max((latest ?? chosenPosition) + 2, chosenPosition + 3) : null;
    const postedPoints = Array.isArray(values?.points) ? (values!.points as { period: string; value: string }[]) : null;
    const manualRows: { period: string; value: string }[] = postedPoints ?? [];
    // A current forecast agreed by hand starts as it was agreed, so submitting the form unchanged agrees it again.
    const agreedByHand = !values && currentStillFits && current!.method === 'manual' && current!.baseline_label === chosen ? new Map((current!.manual_points ?? []).map((p) => [p.position, p.value])) : null;
    if (!postedPoints && chosenPosition !== null && horizon !== null) {
      const last = Math.max(horizon, ...(agreedByHand ? agreedByHand.keys() : []));
      for (let position = chosenPosition + 1; position <= last; position++) {
        // A figure stored at the end of the range that can be written (year 9998) has no periods after it.
        const period = tryPeriodFromPosition(periodType, position);
        if (!period) break;
        const fitted = agreedByHand ? (agreedByHand.get(position) ?? null) : suggestion?.ok ? suggestion.forecastAt(position).value : null;
        manualRows.push({ period: period.label, value: fitted === null || !Number.isFinite(fitted) ? '' : format.number(fitted, indicator.decimals).replace(/,/g, '') });
      }
    }
    return reply.code(problems.length ? 400 : 200).view('analysis/baseline-form', {
      pageTitle: `Agree a baseline: ${indicator.title}`,
      partnership: request.access!.partnership,
      indicator,
      current,
      periodChoices,
      accepted: accepted ? { from: formattersFor(indicator).formatPeriod(accepted.from), to: formattersFor(indicator).formatPeriod(accepted.to) } : null,
      values: { period: chosen, window, method: String(values?.method ?? current?.method ?? 'linear'), note: String(values?.note ?? '') },
      manualRows,
      errors: problems,
    });
  }

  app.get('/p/:slug/indicators/:code/baseline', { config: { access: 'manager' } }, async (request, reply) => {
    const indicator = await indicatorOr404(app, request);
    const query = z.object({ period: z.string().max(20).optional(), window: z.string().max(3).optional() }).safeParse(request.query);
    return renderBaselineForm(request, reply, indicator, query.success && query.data.period ? query.data : null);
  });

  app.post('/p/:slug/indicators/:code/baseline', { config: { access: 'manager' } }, async (request, reply) => {
    const indicator = await indicatorOr404(app, request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const periods = ([] as unknown[]).concat(body['pointPeriod'] ?? []).map(String);
    const pointValues = ([] as unknown[]).concat(body['pointValue'] ?? []).map(String);
    const values = {
      period: String(body.period ?? ''),
      window: String(body.window ?? ''),
      method: body.method === 'manual' ? 'manual' : 'linear',
      note: String(body.note ?? '').slice(0, 2000),
      points: periods.map((period, i) => ({ period, value: pointValues[i] ?? '' })),
    };
    const window = /^\d{1,2}$/.test(values.window) ? Number(values.window) : NaN;
    const result = await agreeBaseline(
      app.db,
      indicator,
      { period: values.period, window, method: values.method as 'linear' | 'manual', points: values.points, note: values.note },
      { id: request.caller!.user.id, name: request.caller!.user.name },
    );
    if (!result.ok) return renderBaselineForm(request, reply, indicator, values, result.problems);
    reply.notice(`Baseline version ${result.baseline.version} agreed`);
    return reply.redirect(`/p/${request.access!.partnership.slug}/indicators/${encodeURIComponent(indicator.code)}`, 303);
  });

  app.get('/p/:slug/indicators/:code/baselines', { config: { access: 'viewer' } }, async (request, reply) => {
    const indicator = await indicatorOr404(app, request);
    const versions = await listBaselineVersions(app.db, indicator.id);
    return reply.view('analysis/baseline-versions', {
      pageTitle: `Baseline versions: ${indicator.title}`,
      partnership: request.access!.partnership,
      indicator,
      versions: versions.map((v) => ({
        ...v,
        description: baselineDescription(v, indicator),
      })),
    });
  });

  // ---- The managers' scorecard ------------------------------------------------------------------------------------
  const scorecardQuery = z.object({
    status: z.string().max(40).optional(),
    outcome: z.string().max(40).optional(),
    priority: z.string().max(40).optional(),
    sort: z.enum(['structure', 'status', 'title', 'direction']).optional(),
  });

  /**
   * Everything on the scorecard but the person viewing it, computed once per data version (and settings, threshold
   * and filters) and cached: the partnership, the guard's query, is all a repeat visit reads.
   */
  async function loadScorecard(request: FastifyRequest, thread: ThreadFilter['filters'] = {}) {
    const parsed = scorecardQuery.safeParse(request.query);
    const filters: ScorecardFilters = { ...(parsed.success ? parsed.data : {}), ...thread };
    const partnership = request.access!.partnership;
    const threshold = thresholdFor(request.access!.role, partnership);
    const key = `scorecard:${partnership.id}:${partnership.data_version}:${JSON.stringify([partnership.rag_rule, threshold, filters])}`;
    return app.computed.get(key, async () => {
      const [outcomes, priorities, analysed] = await Promise.all([
        listOutcomes(app.db, partnership.id),
        listPriorities(app.db, partnership.id),
        analysePartnershipCached(app, partnership, threshold),
      ]);
      const data = { partnership, outcomes, priorities, filters, ...scorecardRows(analysed, outcomes, priorities, filters) };
      const table = Buffer.from(await app.view('analysis/scorecard-table', { ...data, statusLabels: STATUS }));
      return { ...data, table };
    });
  }

  app.get('/p/:slug/scorecard', { config: { access: 'viewer' } }, async (request, reply) => {
    const thread = await scorecardThreadFilter(app.db, request.access!.partnership.id, request.query);
    const { table, ...data } = await loadScorecard(request, thread.filters);
    if (thread.unknown) reply.code(400);
    return reply.viewWithFragments(
      'analysis/scorecard',
      {
        pageTitle: `${thread.unknown ? 'Error: ' : ''}Scorecard: which curves turned`,
        ...data,
        statusLabels: STATUS,
        statusOrder: STATUS_ORDER,
        ragLegend: describeRagRule(data.partnership.rag_rule),
        thread,
        query: request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '',
      },
      { table },
    );
  });

  app.get('/p/:slug/scorecard.csv', { config: { access: 'viewer' } }, async (request, reply) => {
    const thread = await scorecardThreadFilter(app.db, request.access!.partnership.id, request.query);
    const data = await loadScorecard(request, thread.filters);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${data.partnership.slug}-scorecard.csv"`)
      .send(scorecardCsv(data.rows));
  });

  // ---- JSON API ---------------------------------------------------------------------------------------------------
  app.get('/api/v1/partnerships/:slug/indicators', { config: { access: 'viewer', openapi: apiDocs.indicators } }, async (request, reply) => {
    const partnership = request.access!.partnership;
    const threshold = thresholdFor(request.access!.role, partnership);
    const includeRetired = (request.query as { include?: unknown } | undefined)?.include === 'retired';
    const key = `indicators-api:${partnership.id}:${partnership.data_version}:${JSON.stringify([partnership.rag_rule, threshold, includeRetired])}`;
    const json = await app.computed.get(key, async () => Buffer.from(JSON.stringify(await indicatorsJson(partnership, threshold, includeRetired))));
    return reply.type('application/json; charset=utf-8').send(json);
  });

  async function indicatorsJson(partnership: NonNullable<FastifyRequest['access']>['partnership'], threshold: number | null, includeRetired = false) {
    const analysed = await analysePartnershipCached(app, partnership, threshold);
    const retired = includeRetired ? await listRetiredIndicators(app.db, partnership.id) : [];
    return {
      partnership: { slug: partnership.slug, name: partnership.name },
      indicators: [
        ...analysed.map(({ indicator, observations, analysis }) => {
        const latest = measuredSeries(indicator, observations).at(-1) ?? null;
        return {
          code: indicator.code,
          title: indicator.title,
          kind: indicator.kind,
          unit: indicator.unit,
          polarity: indicator.polarity,
          periodType: indicator.period_type,
          version: indicator.version,
          retired: false,
          latest: latest ? { period: latest.label, value: latest.value, marker: latest.marker, provisional: latest.provisional } : null,
          status: { code: analysis.status.code, sentence: analysis.status.sentence, baselineVersion: analysis.status.baselineVersion, gapChange: gapChangeOf(analysis, formattersFor(indicator).formatPeriod) },
        };
        }),
        ...retired.map((i) => ({ code: i.code, title: i.title, kind: i.kind, unit: i.unit, polarity: i.polarity, periodType: i.period_type, version: i.version, retired: true, latest: null, status: null })),
      ],
    };
  }

  app.put('/api/v1/partnerships/:slug/indicators/:code/baseline', { config: { access: 'manager', openapi: apiDocs.baseline } }, async (request, reply) => {
    const indicator = await indicatorOr404(app, request);
    const parsed = baselineBody.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new HttpError(422, `${issue.path.join('.') || 'body'}: ${issue.message}`, 'invalid');
    }
    if (parsed.data.method === 'manual' && !parsed.data.points?.length) throw new HttpError(422, 'points: a manual baseline needs at least one { period, value }', 'invalid');
    const result = await agreeBaseline(app.db, indicator, parsed.data as BaselineProposal, { id: request.caller!.user.id, name: request.caller!.user.name });
    if (!result.ok) throw new HttpError(422, result.problems.map((p) => p.text).join('; '), 'invalid');
    return reply.code(201).send({ baseline: baselineJson(result.baseline, indicator) });
  });

  app.get('/api/v1/partnerships/:slug/indicators/:code/analysis', { config: { access: 'viewer', openapi: apiDocs.analysis } }, async (request, reply) => {
    const params = codeParams.safeParse(request.params);
    if (!params.success) throw notFound();
    const query = analysisQuery.safeParse(request.query);
    if (!query.success) throw new HttpError(400, `${query.error.issues[0]!.path.join('.')}: ${query.error.issues[0]!.message}`, 'bad_request');
    const partnership = request.access!.partnership;
    const threshold = thresholdFor(request.access!.role, partnership);
    // Everything the answer depends on is in the key; the data version moves with any change to the data.
    const key = `analysis-api:${partnership.id}:${partnership.data_version}:${JSON.stringify([params.data.code, partnership.rag_rule, threshold, query.data])}`;
    const json = await app.computedPerIndicator.get(key, async () => Buffer.from(JSON.stringify(await indicatorAnalysisJson(request, query.data, threshold))));
    return reply.type('application/json; charset=utf-8').send(json);
  });

  async function indicatorAnalysisJson(request: FastifyRequest, options: z.infer<typeof analysisQuery>, threshold: number | null) {
    const indicator = await indicatorOr404(app, request);
    const spcChoice = await spcChoiceFor(app.db, indicator, options);
    const { settings, problems } = spcChoice;
    if (problems.length) throw new HttpError(400, problems.join('; '), 'bad_request');
    const partnership = request.access!.partnership;
    const [allObservations, baseline, authorityValues] = await Promise.all([
      listObservationsForIndicator(app.db, indicator.id),
      findBaseline(app.db, indicator.id, options.version ? Number(options.version) : undefined),
      latestAuthorityValues(app.db, partnership.id, indicator.id),
    ]);
    const observations = suppressSmallNumbers(allObservations, indicator.unit, threshold);
    if (options.version && !baseline) throw new HttpError(404, `No baseline version ${options.version} for this indicator`, 'not_found');
    const analysis = analyse(indicator, observations, baseline, partnership.rag_rule, settings, authorityValues);
    const measured = measuredSeries(indicator, observations);
    const forecastAt = new Map(analysis.forecastLine.map((p) => [p.position, p]));
    const judgedAt = new Map(analysis.judgedPoints.map((p) => [p.position, p]));
    const periodType = indicator.period_type as PeriodType;
    // The stored label where there is one; a forecast past the last writable period (year 9998) has none to print.
    const label = (position: number) => byPositionLabel.get(position) ?? tryPeriodFromPosition(periodType, position)?.label ?? String(position);
    const positions = [...new Set([...measured.map((p) => p.position), ...analysis.forecastLine.map((p) => p.position)])].sort((a, b) => a - b);
    const byPosition = new Map(measured.map((p) => [p.position, p]));
    const byPositionLabel = new Map(measured.map((p) => [p.position, p.label]));
    return {
      indicator: { code: indicator.code, title: indicator.title, kind: indicator.kind, unit: indicator.unit, polarity: indicator.polarity, judgedPolarity: analysis.judgedPolarity, periodType },
      baseline: baseline ? baselineJson(baseline, indicator) : null,
      points: positions.map((position) => {
        const p = byPosition.get(position);
        const f = forecastAt.get(position);
        return {
          period: label(position),
          value: p?.value ?? null,
          marker: p?.marker ?? null,
          status: p ? (p.provisional ? 'provisional' : 'final') : null,
          forecast: f?.value ?? null,
          band: f ? f.band : null,
          judgement: judgedAt.get(position)?.judgement ?? null,
        };
      }),
      status: { code: analysis.status.code, sentence: analysis.status.sentence, streak: analysis.status.streak, baselineVersion: analysis.status.baselineVersion, gapChange: gapChangeOf(analysis, label) },
      direction: analysis.direction,
      spc: {
        mean: analysis.spc.mean,
        lpl: analysis.spc.lpl,
        upl: analysis.spc.upl,
        trial: analysis.spc.trial,
        screened: analysis.spc.screened,
        segments: analysis.spc.segments.map((s) => ({ from: label(s.from), to: label(s.to), mean: s.mean, lpl: s.lpl, upl: s.upl, trial: s.trial })),
        points: analysis.spc.points.map((p) => ({ period: label(p.position), value: p.value, type: p.type, rule: p.rule })),
        assurance: analysis.spc.assurance,
        variation: analysis.spc.variation,
        // Which agreed settings were used; `preview` when query parameters changed them.
        settings: { version: spcChoice.agreed?.version ?? null, agreedBy: spcChoice.agreed?.agreed_by_name ?? null, agreedAt: spcChoice.agreed?.agreed_at ?? null, preview: spcChoice.preview },
      },
      gap: analysis.gap ? { change: analysis.gap.change, description: analysis.gap.description, from: label(analysis.gap.from), to: label(analysis.gap.to) } : undefined,
      comparators: analysis.comparators.map((c) => ({ role: c.role, period: label(c.position), local: c.local, value: c.value, comparison: c.comparison, difference: c.difference })),
      rank: analysis.rank ? { ...analysis.rank, period: label(analysis.rank.position) } : null,
      rag: analysis.rag ? { ...analysis.rag, period: label(analysis.rag.position) } : null,
    };
  }
}

/** The status's account of the gap's latest move, as the analysis classified it (the same on every page). */
function gapChangeOf(analysis: IndicatorAnalysis, label: (position: number) => string): z.infer<typeof gapChangeJson> | null {
  const g = analysis.gap;
  return g ? { change: g.change, description: g.description, narrowed: g.narrowed, levellingDown: g.levellingDown, from: label(g.from), to: label(g.to) } : null;
}

type BaselineRow = NonNullable<Awaited<ReturnType<typeof findBaseline>>>;

/**
 * A baseline version in words, with the values its fit actually used (never the window asked for) and, for a straight
 * line, its slope; for one agreed by hand, each agreed value.
 */
function baselineDescription(b: BaselineRow, indicator: IndicatorDetail): string {
  const f = formattersFor(indicator);
  const fit = describeBaselineFit(toAgreedBaseline(b), f.formatPeriod);
  const text = fit.text.charAt(0).toUpperCase() + fit.text.slice(1);
  if (b.method === 'linear' && b.fit) return `${text}: changing by ${format.number(b.fit.b, indicator.decimals + 1)} a period`;
  if (b.method === 'manual') return `${text}: ${(b.manual_points ?? []).map((p) => `${p.label} ${format.number(p.value, indicator.decimals)}`).join('; ')}`;
  return text;
}

function baselineJson(b: BaselineRow, indicator: IndicatorDetail) {
  const { formatPeriod } = formattersFor(indicator);
  const fitted = describeBaselineFit(toAgreedBaseline(b), formatPeriod);
  return {
    description: `Baseline version ${b.version}: ${fitted.text}, agreed by ${b.agreed_by_name} on ${format.date(b.agreed_at)}.`,
    period: b.baseline_label,
    method: b.method,
    window: b.history_window,
    version: b.version,
    agreedBy: b.agreed_by_name,
    agreedAt: b.agreed_at,
    fit: b.fit ? { intercept: b.fit.a, slope: b.fit.b, n: b.fit.n, sigma: b.fit.sigma, periods: fitted.positions.map(formatPeriod) } : null,
    points: b.manual_points?.map((p) => ({ period: p.label, value: p.value })) ?? null,
    note: b.note,
  };
}

