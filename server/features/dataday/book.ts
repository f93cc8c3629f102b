// The Data Book (issue 9): for a partnership and a year, a cover, contents and a summary, then for each Every Child
// Matters outcome → priority → indicator the trend (chart and table), the statistics (local against England, the
// region and the statistical neighbours, and rank where known), the story behind the data, what works and the
// actions; then the data development agenda and the sources with the Open Government Licence attribution.
//
// The book is one plain JSON model. The page renders it; a publication stores it as it stood, so later edits never
// change what was published, and the public page renders the stored copy with the same template.
import type { FastifyInstance } from 'fastify';
import * as format from '../../format.ts';
import { periodLabel as labelOfPeriod, periodsPerYear, periodTypeLabel, type PeriodType } from '../../analysis/periods.ts';
import { COMPARISON, DIRECTION, ROLE_NAME, STATUS, type StatusCode } from '../analysis/labels.ts';
import { dataDevelopmentStatusLabel } from '../conversation/labels.ts';
import { listItems } from '../data-development/queries.ts';
import { listThreadsByActionTarget } from '../library/queries.ts';
import { latestAndDirection } from '../indicators/measure.ts';
import type { ChartModel, TableModel } from '../indicators/view-model.ts';
import { loadFigures, yearCoverage, yearLabel, type IndicatorFigures, type PartnershipSettings } from './figures.ts';
import { loadConversation, type BookAction, type BookStory, type BookWhatWorks, type SectionCaller } from './sections.ts';

export const BOOK_FORMAT = 1;

export interface BookIndicator {
  number: string;
  anchor: string;
  code: string;
  title: string;
  definition: string;
  illustrative: boolean;
  rankText: string;
  polarityText: string;
  measuredAs: string;
  latestText: string;
  provisional: boolean;
  directionText: string;
  direction: string;
  status: { code: StatusCode; label: string; tag: string; sentence: string; baselineText: string };
  chart: ChartModel;
  tables: TableModel[];
  statistics: string[];
  story: BookStory | null;
  whatWorks: BookWhatWorks[];
  actions: BookAction[];
}

export interface BookPriority {
  number: string;
  anchor: string;
  title: string;
  description: string;
  story: BookStory | null;
  indicators: BookIndicator[];
}

export interface BookOutcome {
  number: string;
  anchor: string;
  title: string;
  description: string;
  /** The golden threads the outcome's actions follow (chosen, or through their case studies), those most of its
   * actions follow first, with how many do. Books published before issue 18 have none (and no counts before these). */
  threads?: { number: number | null; name: string; actions?: number }[];
  priorities: BookPriority[];
}

export interface BookFigure {
  outcome: string;
  priority: string;
  code: string;
  indicator: string;
  unit: string;
  series: string;
  role: string;
  period: string;
  value: number | null;
  marker: string | null;
  status: string;
}

export interface DataBook {
  format: typeof BOOK_FORMAT;
  partnership: { name: string; laName: string | null };
  title: string;
  year: number;
  yearLabel: string;
  coverage: string;
  generatedAt: string;
  generatedOn: string;
  scope: 'book' | 'indicators';
  suppressionNote: string | null;
  summary: { text: string; rows: { number: string; anchor: string; title: string; outcome: string; priority: string; latestText: string; statusLabel: string; statusTag: string }[] };
  outcomes: BookOutcome[];
  dataDevelopment: { rank: number; title: string; statusText: string; on: string | null; partner: string }[];
  sources: { number: string; title: string; sourceText: string; sourceUrl: string | null; licence: string; notes: string[]; illustrative: boolean }[];
  figures: BookFigure[];
}

export interface BookRequest {
  /** The book's year; null for the latest year with the partnership's own figures. */
  year: number | null;
  /** Only these indicators: a publication of chosen indicators. */
  indicatorIds?: ReadonlySet<string> | null;
}

export async function buildDataBook(
  app: FastifyInstance,
  caller: SectionCaller,
  partnership: PartnershipSettings & { name: string; la_name: string | null },
  request: BookRequest,
): Promise<{ book: DataBook; years: number[] }> {
  const loaded = await loadFigures(app.db, partnership, { year: request.year, indicatorIds: request.indicatorIds });
  // The years a book can be for, newest first; by default the latest with the partnership's own figures.
  const year = request.year ?? loaded.years[0] ?? new Date().getFullYear();
  if (request.year === null) return buildDataBook(app, caller, partnership, { ...request, year });
  const usedPriorityIds = new Set(loaded.figures.map((f) => f.priority.id));
  const priorities = loaded.priorities.filter((p) => usedPriorityIds.has(p.id));
  const [conversation, agenda, threadLinks] = await Promise.all([
    loadConversation(app, caller, loaded.figures, priorities),
    listItems(app.db, partnership.id),
    listThreadsByActionTarget(app.db, partnership.id),
  ]);

  const outcomes: BookOutcome[] = [];
  const sources: DataBook['sources'] = [];
  const summaryRows: DataBook['summary']['rows'] = [];
  const figures: BookFigure[] = [];
  const statusCounts = new Map<StatusCode, number>();
  let chartNumber = 0;

  for (const outcome of loaded.outcomes) {
    const outcomeFigures = loaded.figures.filter((f) => f.outcome.id === outcome.id);
    if (!outcomeFigures.length && request.indicatorIds) continue;
    const o = outcomes.length + 1;
    const bookOutcome: BookOutcome = { number: `${o}`, anchor: `outcome-${o}`, title: outcome.title, description: outcome.description, threads: [], priorities: [] };
    // The actions in this outcome: those on its priorities in the book, and on their indicators in the book.
    const inOutcome = new Set<string>();
    for (const priority of loaded.priorities.filter((p) => p.outcome_id === outcome.id)) {
      const priorityFigures = outcomeFigures.filter((f) => f.priority.id === priority.id);
      if (!priorityFigures.length && request.indicatorIds) continue;
      inOutcome.add(`priority:${priority.id}`);
      for (const f of priorityFigures) inOutcome.add(`indicator:${f.indicator.id}`);
      const p = bookOutcome.priorities.length + 1;
      const bookPriority: BookPriority = {
        number: `${o}.${p}`,
        anchor: `priority-${o}-${p}`,
        title: priority.title,
        description: priority.description,
        story: conversation.byPriority.get(priority.id) ?? null,
        indicators: [],
      };
      for (const f of priorityFigures) {
        const number = `${o}.${p}.${bookPriority.indicators.length + 1}`;
        const talk = conversation.byIndicator.get(f.indicator.id) ?? { story: null, whatWorks: [], actions: [] };
        const indicator = bookIndicator(f, number, `book-chart-${++chartNumber}`, talk);
        bookPriority.indicators.push(indicator);
        statusCounts.set(indicator.status.code, (statusCounts.get(indicator.status.code) ?? 0) + 1);
        summaryRows.push({
          number,
          anchor: indicator.anchor,
          title: indicator.title,
          outcome: outcome.title,
          priority: priority.title,
          latestText: indicator.latestText,
          statusLabel: indicator.status.label,
          statusTag: indicator.status.tag,
        });
        sources.push({
          number,
          title: f.indicator.title,
          sourceText: f.indicator.source_text,
          sourceUrl: f.indicator.source_url && /^https?:\/\//.test(f.indicator.source_url) ? f.indicator.source_url : null,
          licence: f.indicator.licence,
          notes: f.series.filter((s) => s.note).map((s) => `${s.label}: ${s.note}`),
          illustrative: f.indicator.illustrative,
        });
        figures.push(...figureRows(f, outcome.title, priority.title));
      }
      bookOutcome.priorities.push(bookPriority);
    }
    // threadLinks come in the threads' order; the threads most of the outcome's actions follow come first.
    const followed = new Map<string, { number: number | null; name: string; position: number; actionIds: Set<string> }>();
    for (const l of threadLinks) {
      if (!inOutcome.has(`${l.kind}:${l.target_id}`)) continue;
      const thread = followed.get(l.slug) ?? { number: l.number, name: l.name, position: l.position, actionIds: new Set<string>() };
      thread.actionIds.add(l.action_id);
      followed.set(l.slug, thread);
    }
    bookOutcome.threads = [...followed.values()]
      .sort((a, b) => b.actionIds.size - a.actionIds.size || a.position - b.position)
      .map((t) => ({ number: t.number, name: t.name, actions: t.actionIds.size }));
    outcomes.push(bookOutcome);
  }

  const chosenIndicators = new Set(loaded.figures.map((f) => f.indicator.id));
  const dataDevelopment = agenda
    .filter((item) => !request.indicatorIds || (item.indicator_id ? chosenIndicators.has(item.indicator_id) : item.priority_id ? usedPriorityIds.has(item.priority_id) : false))
    .map((item) => ({
      rank: item.rank,
      title: item.title,
      statusText: dataDevelopmentStatusLabel[item.status],
      on: item.indicator_title ?? item.priority_title ?? null,
      partner: item.partner_name ?? '',
    }));

  const total = summaryRows.length;
  const count = (code: StatusCode) => statusCounts.get(code) ?? 0;
  const summaryText =
    `${count('turned')} of ${total} curve${total === 1 ? '' : 's'} turned; ${count('turning')} turning; ${count('worse')} worse than baseline; ${count('on_baseline')} on baseline` +
    (count('no_baseline') ? `; ${count('no_baseline')} without an agreed baseline` : '') +
    (count('no_data') ? `; ${count('no_data')} without figures to judge` : '') +
    (count('above_forecast') + count('below_forecast') ? `; ${count('above_forecast') + count('below_forecast')} neutral (above or below forecast)` : '');

  const now = new Date();
  const book: DataBook = {
    format: BOOK_FORMAT,
    partnership: { name: partnership.name, laName: partnership.la_name },
    title: `Data Book ${yearLabel(year)}`,
    year,
    yearLabel: yearLabel(year),
    coverage: yearCoverage(year),
    generatedAt: now.toISOString(),
    generatedOn: format.date(now),
    scope: request.indicatorIds ? 'indicators' : 'book',
    suppressionNote: partnership.small_number_threshold
      ? `To protect confidentiality, the partnership's own figures below ${partnership.small_number_threshold} (and any figure that would reveal one) are shown as c.`
      : null,
    summary: { text: summaryText, rows: summaryRows },
    outcomes,
    dataDevelopment,
    sources,
    figures,
  };
  return { book, years: loaded.years };
}

function bookIndicator(f: IndicatorFigures, number: string, chartId: string, talk: { story: BookStory | null; whatWorks: BookWhatWorks[]; actions: BookAction[] }): BookIndicator {
  const { indicator, analysis, spec, charts, headline } = f;
  const periodType = indicator.period_type as PeriodType;
  const periodLabel = (position: number) => labelOfPeriod(periodType, position);
  const summary = latestAndDirection(headline, indicator.polarity, indicator.kind);
  const main = charts.at(-1)!;
  const groups = charts.length > 1 ? charts[0]! : null;
  const labelOf = (role: string) => f.series.find((s) => s.role === role)?.label ?? ROLE_NAME[role] ?? role;
  const localLabel = indicator.kind === 'gap' ? 'The gap' : labelOf('local');
  const statistics = analysis.comparators.map((c) => {
    const difference = `${c.difference >= 0 ? '+' : ''}${format.number(c.difference, indicator.decimals)}`;
    return `${periodLabel(c.position)}: ${localLabel} ${format.value(c.local, spec)} is ${COMPARISON[c.comparison]} ${labelOf(c.role)} ${format.value(c.value, spec)} (difference ${difference}).`;
  });
  if (analysis.rank) {
    const r = analysis.rank;
    statistics.push(`${periodLabel(r.position)}: ranked ${r.rank} of ${r.of} local authorities (${r.order === 'best_first' ? 'best first' : 'highest first'}), quartile ${r.quartile}.`);
  }
  if (analysis.rag) statistics.push(`${periodLabel(analysis.rag.position)}: ${analysis.rag.rag.toUpperCase()} against the target of ${format.value(analysis.rag.target, spec)}.`);
  if (analysis.gap) statistics.push(`Why the gap moved (latest two periods): ${analysis.gap.description}.`);
  const baseline = f.baseline;
  const baselineText = baseline
    ? `Judged against baseline version ${baseline.version}: ${analysis.baselineFit?.text ?? `a forecast from ${baseline.baseline_label}`}, agreed by the partnership on ${format.date(baseline.agreed_at)}.`
    : 'No baseline has been agreed yet.';
  const st = STATUS[analysis.status.code];
  return {
    number,
    anchor: `indicator-${number.replace(/\./g, '-')}`,
    code: indicator.code,
    title: indicator.title,
    definition: indicator.definition ?? '',
    illustrative: indicator.illustrative,
    rankText: indicator.rank === 'headline' ? 'Headline indicator' : indicator.rank === 'secondary' ? 'Secondary indicator' : 'Data development',
    polarityText: indicator.kind === 'gap' ? 'A smaller gap is better' : format.polarityLabel[indicator.polarity],
    measuredAs: `${format.unitLabel(spec)}, by ${periodTypeLabel(periodType).toLowerCase()}`,
    latestText: summary.latest ? `${summary.latest.label}: ${format.observation(summary.latest, spec)}` : 'No figures yet',
    provisional: summary.latest?.provisional ?? false,
    directionText: DIRECTION[analysis.direction.againstPrevious],
    direction: analysis.direction.againstPrevious,
    status: { code: analysis.status.code, label: st.label, tag: st.tag, sentence: analysis.status.sentence, baselineText },
    chart: { ...main.chart, id: chartId },
    tables: (groups ? [main.table, groups.table] : [main.table]).map((t) => latestRows(t, periodsPerYear(periodType) > 1 ? 8 : 6, indicator.kind === 'gap' ? main.chart.series[0]!.label : null)),
    statistics,
    story: talk.story,
    whatWorks: talk.whatWorks,
    actions: talk.actions,
  };
}

/** The table under a chart keeps the latest periods, what a meeting discusses; the chart and the CSV have them all. */
function latestRows(table: TableModel, keep: number, gapLabel: string | null): TableModel {
  const rows = table.rows.slice(-keep).map((row) => ({
    ...row,
    // Printed as statistics are: the GSS letter for a missing figure, "p" after a provisional one (see the method).
    cells: row.cells.map((cell) => ({ ...cell, text: cell.marker ? cell.marker : cell.provisional ? `${cell.text.replace(/ \(provisional\)$/, '')} p` : cell.text })),
  }));
  const columns = gapLabel ? table.columns.map((c) => (c === gapLabel ? 'Gap' : c)) : table.columns;
  const caption = table.rows.length > keep ? `${table.caption} (the latest ${keep}; the chart and the CSV have every period)` : table.caption;
  return { ...table, caption, columns, rows };
}

/** Every figure in the book, one row each (the CSV): the published series, and for a gap indicator the gap itself. */
function figureRows(f: IndicatorFigures, outcome: string, priority: string): BookFigure[] {
  const base = { outcome, priority, code: f.indicator.code, indicator: f.indicator.title };
  const labelOf = (role: string) => f.series.find((s) => s.role === role)?.label ?? role;
  const rows: BookFigure[] = f.observations.map((o) => ({
    ...base,
    unit: format.unitLabel(format.unitSpecOf(f.indicator, 'groups')),
    series: labelOf(o.role),
    role: o.role,
    period: o.period_label,
    value: o.value,
    marker: o.marker,
    status: o.status,
  }));
  if (f.indicator.kind === 'gap') {
    for (const p of f.headline) {
      rows.push({ ...base, unit: format.unitLabel(f.spec), series: 'Gap', role: 'gap', period: p.label, value: p.value, marker: p.marker, status: p.provisional ? 'provisional' : 'final' });
    }
  }
  return rows;
}

const csvCell = (v: string | number | null) => {
  const text = v === null ? '' : String(v);
  // Quote what needs quoting, and defuse text a spreadsheet would run as a formula.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The figures behind a book, as CSV: one row per figure, markers spelled as the GSS letters. */
export function bookCsv(book: Pick<DataBook, 'figures'>): string {
  const header = ['outcome', 'priority', 'indicator_code', 'indicator', 'series', 'series_role', 'period', 'value', 'marker', 'status', 'unit'];
  const lines = book.figures.map((r) => [r.outcome, r.priority, r.code, r.indicator, r.series, r.role, r.period, r.value, r.marker, r.status, r.unit].map(csvCell).join(','));
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
