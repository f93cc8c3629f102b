import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listMemberships } from '../auth/queries.ts';
import { findIndicatorByCode, listSeries, listObservationsForIndicator } from '../indicators/queries.ts';
import { latestAndDirection, measuredSeries } from '../indicators/measure.ts';
import { indicatorCharts, spcChart } from '../indicators/view-model.ts';
import { markMainChart } from '../indicators/marks.ts';
import { findBaseline, latestAuthorityValues } from '../analysis/queries.ts';
import { analyse, analysePartnershipCached, type analysePartnership, thresholdFor } from '../analysis/service.ts';
import { suppressSmallNumbers } from '../observations/small-numbers.ts';
import { analysisQuery, spcChoiceFor } from '../analysis/options.ts';
import { mdcSummary } from '../analysis/mdc.ts';
import { sparklinePath } from '../analysis/scorecard.ts';
import { ASSURANCE, COMPARISON, DIRECTION, ROLE_NAME, STATUS } from '../analysis/labels.ts';
import { describeRagRule } from '../../analysis/comparators.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { periodTypeLabel, type PeriodType } from '../../analysis/periods.ts';
import { notFound } from '../../http-errors.ts';
import { loadSections } from '../../plugins/extensions.ts';
import * as format from '../../format.ts';
import { findPartnership, findPriority, listOutcomes, listPriorities } from './queries.ts';

const slugParams = z.object({ slug: z.string() });
const priorityParams = slugParams.extend({ priorityId: z.uuid() });
const indicatorParams = slugParams.extend({ code: z.string().min(1).max(64) });

/** Parses route params; a malformed id is a page that does not exist, not a server error. */
function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw notFound();
  return parsed.data;
}


export default async function partnershipRoutes(app: FastifyInstance) {
  app.get('/', { config: { access: 'signed_in' } }, async (request, reply) => {
    const memberships = await listMemberships(app.db, request.caller!.user.id);
    return reply.view('partnerships/index', { pageTitle: 'Your partnerships', memberships });
  });

  app.get('/p/:slug', { config: { access: 'viewer' } }, async (request, reply) => {
    const partnershipId = request.access!.partnership.id;
    const partnership = await findPartnership(app.db, partnershipId);
    const [outcomes, priorities, analysed] = await Promise.all([
      listOutcomes(app.db, partnershipId),
      listPriorities(app.db, partnershipId),
      analysePartnershipCached(app, partnership, thresholdFor(request.access!.role, partnership)),
    ]);
    const rows = indicatorSummaries(analysed);
    return reply.view('partnerships/home', {
      pageTitle: partnership.name,
      partnership,
      outcomes: outcomes.map((o) => ({
        ...o,
        priorities: priorities.filter((p) => p.outcome_id === o.id).map((p) => ({ ...p, indicators: rows.filter((r) => r.priorityId === p.id) })),
      })),
    });
  });

  app.get('/p/:slug/priorities/:priorityId', { config: { access: 'viewer' } }, async (request, reply) => {
    const { priorityId } = parseParams(priorityParams, request.params);
    const partnershipId = request.access!.partnership.id;
    const priority = await findPriority(app.db, partnershipId, priorityId);
    if (!priority) throw notFound();
    const partnership = await findPartnership(app.db, partnershipId);
    const analysed = (await analysePartnershipCached(app, partnership, thresholdFor(request.access!.role, partnership))).filter(
      (a) => a.indicator.priority_id === priorityId,
    );
    const sections = await loadSections(app.prioritySections, {
      db: app.db,
      request,
      partnership: request.access!.partnership,
      role: request.access!.role,
      priority,
    });
    return reply.view('partnerships/priority', {
      pageTitle: priority.title,
      partnership: request.access!.partnership,
      priority,
      indicators: indicatorSummaries(analysed),
      sections,
    });
  });

  app.get('/p/:slug/indicators/:code', { config: { access: 'viewer' } }, async (request, reply) => {
    const { code } = parseParams(indicatorParams, request.params);
    const partnershipId = request.access!.partnership.id;
    const indicator = await findIndicatorByCode(app.db, partnershipId, code);
    if (!indicator) throw notFound();
    const query = analysisQuery.safeParse(request.query);
    const options = query.success ? query.data : {};
    // The agreed SPC settings, or a what-if preview from the address that says it is one.
    const spcChoice = await spcChoiceFor(app.db, indicator, options);
    const { settings, problems } = spcChoice;
    const [series, allObservations, baseline, partnership, authorityValues] = await Promise.all([
      listSeries(app.db, indicator.id),
      listObservationsForIndicator(app.db, indicator.id),
      findBaseline(app.db, indicator.id, options.version ? Number(options.version) : undefined),
      findPartnership(app.db, partnershipId),
      latestAuthorityValues(app.db, partnershipId, indicator.id),
    ]);
    const observations = suppressSmallNumbers(allObservations, indicator.unit, thresholdFor(request.access!.role, partnership));
    const analysis = analyse(indicator, observations, baseline, partnership.rag_rule, settings, authorityValues);
    const { charts, headline, spec } = indicatorCharts(indicator, series, observations, analysis);
    const markRows = await markMainChart(app.db, partnershipId, indicator, charts);
    const spc = analysis.spc.points.length >= 2 ? spcChart(indicator, analysis) : null;
    const sections = await loadSections(app.indicatorSections, {
      db: app.db,
      request,
      partnership: request.access!.partnership,
      role: request.access!.role,
      indicator,
    });
    const summary = latestAndDirection(headline, indicator.polarity, indicator.kind);
    return reply.view('indicators/show', {
      pageTitle: indicator.title,
      partnership: request.access!.partnership,
      indicator,
      periodTypeLabel: periodTypeLabel(indicator.period_type as PeriodType),
      charts,
      summary: { ...summary, directionText: DIRECTION[summary.direction], latestText: summary.latest ? format.observation(summary.latest, spec) : 'no data' },
      series,
      spec,
      sections,
      analysis,
      baseline,
      spc,
      spcSettings: settings,
      markRows,
      optionProblems: problems,
      spcChoice,
      mdc: spc ? mdcSummary(indicator, analysis) : null,
      labels: { STATUS, DIRECTION, COMPARISON, ROLE_NAME, ASSURANCE },
      ragLegend: describeRagRule(partnership.rag_rule),
      canManage: roleAtLeast(request.access!.role, 'manager'),
    });
  });
}

/** Latest value, period, direction and status for each indicator, from the batch analysis. */
function indicatorSummaries(analysed: Awaited<ReturnType<typeof analysePartnership>>) {
  return analysed.map(({ indicator, observations, analysis }) => {
    const spec = format.unitSpecOf(indicator);
    const measured = measuredSeries(indicator, observations);
    const latest = measured.at(-1) ?? null;
    const direction = analysis.direction.againstPrevious;
    return {
      priorityId: indicator.priority_id,
      code: indicator.code,
      title: indicator.title,
      kind: indicator.kind,
      rank: indicator.rank,
      illustrative: indicator.illustrative,
      latestPeriod: latest?.label ?? null,
      latestText: latest ? format.observation(latest, spec) : 'no data',
      provisional: latest?.provisional ?? false,
      direction,
      directionText: DIRECTION[direction],
      status: analysis.status.code,
      statusLabel: STATUS[analysis.status.code].label,
      statusTag: STATUS[analysis.status.code].tag,
      statusSentence: analysis.status.sentence,
      sparkline: sparklinePath(measured.map((p) => ({ position: p.position, value: p.value }))),
    };
  });
}
