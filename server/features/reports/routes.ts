// The one-page turn-the-curve report (docs/method.md, Turning the curve): for an indicator, or for a priority and its indicators — the
// chart, the story behind the curve, partners, what works, the action plan and the data development agenda, laid out
// for A4 paper. What a partnership hands round at a meeting.
import type { FastifyInstance } from 'fastify';
import * as format from '../../format.ts';
import { callerIn } from '../conversation/context.ts';
import { resolveSubject } from '../conversation/subjects.ts';
import { listActions } from '../actions/queries.ts';
import { actionRows } from '../actions/view-model.ts';
import { itemRows } from '../data-development/view-model.ts';
import { listItems } from '../data-development/queries.ts';
import { directionText, latestAndDirection } from '../indicators/measure.ts';
import { listIndicators, listObservationsForIndicator, listObservationsForPartnership, listSeries } from '../indicators/queries.ts';
import { indicatorCharts } from '../indicators/view-model.ts';
import { findMarks, placeMarks } from '../indicators/marks.ts';
import type { PeriodType } from '../../analysis/periods.ts';
import type { IndicatorAnalysis } from '../../analysis/indicator-analysis.ts';
import { findBaseline, latestBaselines } from '../analysis/queries.ts';
import { analyse, thresholdFor } from '../analysis/service.ts';
import { suppressSmallNumbers } from '../observations/small-numbers.ts';
import { findPartnership } from '../partnerships/queries.ts';
import { roleRows } from '../partners/view-model.ts';
import { listRolesFor } from '../partners/queries.ts';
import { currentStories, currentStory } from '../stories/queries.ts';
import { storyView } from '../stories/view-model.ts';
import { listWhatWorks } from '../what-works/queries.ts';
import { whatWorksRows } from '../what-works/view-model.ts';
import { cutAtWord, firstOf, fullUrl, ONE_PAGE_LIMITS as LIMITS, storySummary, summariseText } from './one-page.ts';
import { listSeriesFor } from './queries.ts';

const CHART_SCRIPTS = ['/vendor/chart.js/chart.umd.min.js', '/public/js/indicator-chart.js', '/public/js/report.js'];
/** The compact table under the report's chart: the latest few periods, which is what a meeting discusses. */
const TABLE_PERIODS = 5;

export default async function reportRoutes(app: FastifyInstance) {
  app.indicatorSections.push({
    key: 'report',
    order: 19,
    template: 'reports/link',
    async load({ partnership, indicator }) {
      return { reportLink: { href: `/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/report`, what: 'this indicator' } };
    },
  });
  app.prioritySections.push({
    key: 'report',
    order: 19,
    template: 'reports/link',
    async load({ partnership, priority }) {
      return { reportLink: { href: `/p/${partnership.slug}/priorities/${priority.id}/report`, what: 'this priority and its indicators' } };
    },
  });

  app.get('/p/:slug/indicators/:code/report', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const subject = await resolveSubject(app.db, caller.partnership, 'indicator', request.params);
    const indicator = subject.indicator!;
    const pid = caller.partnershipId;
    const slug = caller.partnership.slug;
    const priorityIds = indicator.priority_id ? [indicator.priority_id] : [];
    const [series, allObservations, baseline, partnership, story, roles, whatWorks, actions, items] = await Promise.all([
      listSeries(app.db, indicator.id),
      listObservationsForIndicator(app.db, indicator.id),
      findBaseline(app.db, indicator.id),
      findPartnership(app.db, pid),
      currentStory(app.db, pid, subject),
      listRolesFor(app.db, pid, { indicatorIds: [indicator.id], priorityIds }),
      listWhatWorks(app.db, pid, { indicatorIds: [indicator.id] }),
      listActions(app.db, pid, { indicatorId: indicator.id }),
      listItems(app.db, pid, { indicatorIds: [indicator.id], priorityIds }),
    ]);
    const observations = suppressSmallNumbers(allObservations, indicator.unit, thresholdFor(request.access!.role, partnership));
    const analysis = analyse(indicator, observations, baseline, partnership.rag_rule);
    const figures = shortLabels(indicatorFigures(indicator, series, observations, 'chart-report', analysis));
    figures.chart.marks = placeMarks(figures.chart, indicator.period_type as PeriodType, await findMarks(app.db, pid, indicator)).marks;
    // One A4 page (docs/method.md, Turning the curve): each part cut to its share, with the address of the rest
    // printed in full. The screen shows the same page, so what is read at the desk is what is handed round; the
    // indicator's page has everything.
    const origin = `${request.protocol}://${request.host}`;
    const more = (anchor: string) => fullUrl(origin, `${subject.href}#${anchor}`);
    const shortStory = story ? storySummary(story) : null;
    const indicatorRoles = firstOf(roles.filter((r) => r.indicator_id === indicator.id).map(shortRole), LIMITS.roles);
    const priorityRoles = firstOf(roles.filter((r) => r.priority_id !== null).map(shortRole), LIMITS.roles - indicatorRoles.shown.length);
    const shownWhatWorks = firstOf(whatWorks, LIMITS.whatWorks);
    const shownActions = firstOf(actions, LIMITS.actions);
    const shownItems = firstOf(items.filter((i) => i.indicator_id === indicator.id || i.indicator_id === null), LIMITS.items);
    return reply.view('reports/indicator', {
      pageTitle: `Turn-the-curve report: ${indicator.title}`,
      scripts: CHART_SCRIPTS,
      partnership: caller.partnership,
      subject,
      indicator,
      printedOn: format.date(new Date()),
      figures,
      sourceLine: sourceLine(indicator.source_text, indicator.licence),
      // The turned-the-curve status sentence (docs/method.md, Has the curve turned?), the same the indicator page shows.
      statusSentence: analysis.status.sentence as string | null,
      story: shortStory ? storyView(shortStory, story!.version_count) : null,
      storyMore: shortStory?.cut ? more('story') : null,
      roles: roleRows(indicatorRoles.shown, slug),
      priorityRoles: roleRows(priorityRoles.shown, slug),
      // The indicator's page lists the priority's partners too.
      rolesMore: { count: indicatorRoles.more + priorityRoles.more, url: more('partners') },
      whatWorks: whatWorksRows(shownWhatWorks.shown.map(shortWhatWorks), slug),
      whatWorksMore: { count: shownWhatWorks.more, url: more('what-works') },
      actions: actionRows(shownActions.shown.map(shortAction), slug),
      actionsMore: { count: shownActions.more, url: more('actions') },
      items: itemRows(shownItems.shown.map(shortItem), slug),
      itemsMore: { count: shownItems.more, url: more('data-development') },
    });
  });

  app.get('/p/:slug/priorities/:priorityId/report', { config: { access: 'viewer' } }, async (request, reply) => {
    const caller = callerIn(request);
    const subject = await resolveSubject(app.db, caller.partnership, 'priority', request.params);
    const pid = caller.partnershipId;
    const slug = caller.partnership.slug;
    const indicators = await listIndicators(app.db, pid, subject.id);
    const indicatorIds = indicators.map((i) => i.id);
    const [allObservations, baselines, partnership, seriesRows, stories, roles, whatWorks, actions, items] = await Promise.all([
      listObservationsForPartnership(app.db, pid, ['local', 'focus', 'comparison', 'england', 'region', 'neighbours', 'target'], subject.id),
      latestBaselines(app.db, pid),
      findPartnership(app.db, pid),
      listSeriesFor(app.db, pid, indicatorIds),
      currentStories(app.db, pid, { priorityIds: [subject.id], indicatorIds }),
      listRolesFor(app.db, pid, { priorityIds: [subject.id], indicatorIds }),
      listWhatWorks(app.db, pid, { priorityIds: [subject.id], indicatorIds }),
      listActions(app.db, pid, { priorityId: subject.id }),
      listItems(app.db, pid, { priorityIds: [subject.id], indicatorIds }),
    ]);
    const threshold = thresholdFor(request.access!.role, partnership);
    const baselineOf = new Map(baselines.map((b) => [b.indicator_id, b]));
    const titleOf = new Map(indicators.map((i) => [i.id, i.title]));
    const priorityStory = stories.find((s) => s.priority_id === subject.id);
    return reply.view('reports/priority', {
      pageTitle: `Turn-the-curve report: ${subject.title}`,
      scripts: CHART_SCRIPTS,
      partnership: caller.partnership,
      subject,
      printedOn: format.date(new Date()),
      indicators: indicators.map((indicator, n) => {
        const story = stories.find((s) => s.indicator_id === indicator.id);
        const observations = suppressSmallNumbers(allObservations.filter((o) => o.indicator_id === indicator.id), indicator.unit, threshold);
        const analysis = analyse(indicator, observations, baselineOf.get(indicator.id), partnership.rag_rule);
        return {
          ...shortLabels(indicatorFigures(indicator, seriesRows.filter((s) => s.indicator_id === indicator.id), observations, `chart-report-${n}`, analysis)),
          title: indicator.title,
          rank: indicator.rank,
          href: `/p/${slug}/indicators/${encodeURIComponent(indicator.code)}`,
          statusSentence: analysis.status.sentence as string | null,
          story: story ? storyView(story) : null,
        };
      }),
      story: priorityStory ? storyView(priorityStory) : null,
      roles: roleRows(roles, slug).map((r, i) => ({ ...r, on: roles[i]!.indicator_id ? titleOf.get(roles[i]!.indicator_id!) : null })),
      whatWorks: whatWorksRows(whatWorks, slug).map((w, i) => ({ ...w, on: whatWorks[i]!.indicator_id ? titleOf.get(whatWorks[i]!.indicator_id!) : null })),
      actions: actionRows(actions, slug),
      items: itemRows(items, slug),
    });
  });
}

// Each part of the report cut to its share of the page (one-page.ts); the route's records keep their shape.
const short = (text: string, max: number) => cutAtWord(text, max).text;
const shortRole = <R extends { partner_name: string; role: string }>(r: R): R => ({ ...r, partner_name: short(r.partner_name, LIMITS.name), role: short(r.role, LIMITS.role) });
const shortAction = <A extends { title: string; lead_partner_name: string | null; owner_name: string | null }>(a: A): A => ({
  ...a,
  title: short(a.title, LIMITS.actionTitle),
  // The lead partner and the owner each keep to one line of the plan's table.
  lead_partner_name: a.lead_partner_name && short(a.lead_partner_name, LIMITS.name),
  owner_name: a.owner_name && short(a.owner_name, LIMITS.name),
});
const shortWhatWorks = <W extends { title: string; description: string; source: string }>(w: W): W => ({
  ...w,
  title: short(w.title, LIMITS.whatWorksTitle),
  description: summariseText(w.description, LIMITS.whatWorksDescription).source,
  source: short(w.source, LIMITS.whatWorksSource),
});
const shortItem = <I extends { title: string; how_to_get: string; partner_name: string | null; owner_name: string | null }>(i: I): I => ({
  ...i,
  title: short(i.title, LIMITS.itemTitle),
  how_to_get: summariseText(i.how_to_get, LIMITS.itemHowToGet).source,
  partner_name: i.partner_name && short(i.partner_name, LIMITS.itemWho),
  owner_name: i.owner_name && short(i.owner_name, LIMITS.itemWho),
});

/**
 * On paper the legend and the table have room for short labels only ("Gap", "Statistical neighbours"); the full ones
 * go in the report's key, so nothing is lost.
 */
function shortLabels<F extends ReturnType<typeof indicatorFigures>>(figures: F): F & { key: string[] } {
  const short = (label: string, role: string) => (role === 'gap' ? 'Gap' : label.replace(/\s*\([^)]*\)\s*$/, ''));
  const labels = figures.chart.series.map((s) => short(s.label, s.role));
  // The table's first columns are the figures' series; after them come the forecast and the judgement.
  const figureColumns = figures.chart.series.filter((s) => !['forecast', 'band_high', 'band_low'].includes(s.role)).length;
  return {
    ...figures,
    chart: { ...figures.chart, series: figures.chart.series.map((s, i) => ({ ...s, label: labels[i]! })) },
    table: { ...figures.table, columns: figures.table.columns.map((c, i) => (i < figureColumns ? labels[i]! : c.replace(/\s*\(version \d+\)$/, ''))) },
    key: figures.chart.series.flatMap((s, i) => {
      const dropped = /\(([^)]*)\)\s*$/.exec(s.label)?.[1];
      return labels[i] !== s.label ? [`${labels[i]}: ${dropped ?? s.label}`] : [];
    }),
  };
}

/** "Where the figures come from. Licence." — the licence once, even when the source already names it. */
export function sourceLine(source: string, licence: string): string {
  const parts = [source.trim().replace(/\.+$/, '') || 'not recorded'];
  if (licence.trim() && !source.includes(licence.trim())) parts.push(licence.trim().replace(/\.+$/, ''));
  return `${parts.join('. ')}.`;
}

/** The chart and the latest few periods of an indicator, from the same chart model as its page. */
function indicatorFigures(
  indicator: Parameters<typeof indicatorCharts>[0],
  series: Parameters<typeof indicatorCharts>[1],
  observations: Parameters<typeof indicatorCharts>[2],
  chartId: string,
  analysis: IndicatorAnalysis,
) {
  const { charts, headline, spec } = indicatorCharts(indicator, series, observations, analysis);
  const main = charts.at(-1)!;
  const summary = latestAndDirection(headline, indicator.polarity, indicator.kind);
  return {
    chart: { ...main.chart, id: chartId },
    table: { ...main.table, rows: main.table.rows.slice(-TABLE_PERIODS) },
    hasData: headline.some((p) => p.value !== null),
    latestText: summary.latest ? `${summary.latest.label}: ${format.observation(summary.latest, spec)}` : 'No figures yet',
    direction: summary.direction,
    directionText: directionText[summary.direction],
    polarityText: indicator.kind === 'gap' ? 'A smaller gap is better' : format.polarityLabel[indicator.polarity],
  };
}

