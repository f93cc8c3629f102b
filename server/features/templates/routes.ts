import type { FastifyInstance } from 'fastify';
import type { Polarity, SeriesRole } from '../../db/schema.ts';
import * as format from '../../format.ts';
import { listObservationsForIndicator, listSeries } from '../indicators/queries.ts';
import { directionText, latestAndDirection, measuredSeries } from '../indicators/measure.ts';
import { countPriorityAnswers, findPartnershipTemplate } from './queries.ts';
import { findTemplateFile } from './template-file.ts';

const COMPARATORS: SeriesRole[] = ['england', 'region', 'neighbours'];

/** Whether a value is better than a comparator's, in words; for a gap, a smaller gap is better. */
function comparedWith(value: number, other: number, polarity: Polarity, kind: 'single' | 'gap'): string {
  const scale = Math.max(Math.abs(value), Math.abs(other), 1);
  if (Math.abs(value - other) <= 1e-9 * scale) return 'the same';
  const higher = value > other;
  if (kind === 'gap') return higher ? 'a wider gap' : 'a narrower gap';
  if (polarity === 'neutral') return higher ? 'higher' : 'lower';
  return higher === (polarity === 'higher') ? 'better' : 'worse';
}

/**
 * The guidance of the template a partnership was created from, on its pages: for the Coventry Data Book, a data book
 * entry on each indicator (the trend, the statistics against England, the region and neighbours, the questions for
 * the story behind the data); for Wakefield OBA, the seven population questions on each priority, each with where the
 * partnership has answered it. Nothing is shown for a partnership not created from such a template.
 */
export default async function templateRoutes(app: FastifyInstance) {
  app.indicatorSections.push({
    key: 'template-data-book',
    // After the charts and the analysis (10), before the story behind the curve (20).
    order: 15,
    template: 'templates/data-book-section',
    async load({ db, partnership, indicator }) {
      const recorded = await findPartnershipTemplate(db, partnership.id);
      const dataBook = recorded ? (await findTemplateFile(recorded.template_key))?.guidance.dataBook : undefined;
      if (!recorded || !dataBook) return null;
      const [series, observations] = await Promise.all([listSeries(db, indicator.id), listObservationsForIndicator(db, indicator.id)]);
      const spec = { unit: indicator.unit, decimals: indicator.decimals, rateBase: indicator.rate_base };
      const points = measuredSeries(indicator, observations);
      const withValues = points.filter((p) => p.value !== null);
      const { direction } = latestAndDirection(points, indicator.polarity, indicator.kind);
      const first = withValues[0];
      const latest = withValues.at(-1);
      const localLabel = indicator.kind === 'gap' ? 'the gap' : (series.find((s) => s.role === 'local')?.label ?? 'here');

      let trend: string | null = null;
      if (first && latest && first !== latest) {
        trend = `From ${format.value(first.value, spec)} in ${first.label} to ${format.value(latest.value, spec)} in ${latest.label} (${withValues.length} periods with figures); since the period before: ${directionText[direction].toLowerCase()}.`;
      } else if (latest) {
        trend = `One period with figures so far: ${format.value(latest.value, spec)} in ${latest.label}.`;
      }

      const statistics: { label: string; text: string }[] = [];
      if (latest) {
        for (const role of COMPARATORS) {
          const s = series.find((x) => x.role === role);
          const o = observations.find((x) => x.role === role && x.period_position === latest.position);
          if (!s || !o || o.value === null) continue;
          statistics.push({ label: s.label, text: `${format.value(o.value, spec)} — ${localLabel === 'the gap' ? 'here' : localLabel} is ${comparedWith(latest.value!, o.value, indicator.polarity, indicator.kind)}` });
        }
      }
      return {
        templateName: recorded.template_name,
        intro: dataBook.intro,
        trend,
        latest: latest ? { label: latest.label, text: format.value(latest.value, spec), of: localLabel } : null,
        statistics,
        storyQuestions: dataBook.storyQuestions,
      };
    },
  });

  app.prioritySections.push({
    key: 'template-population-questions',
    // At the top of the priority: the questions frame everything below them.
    order: 5,
    template: 'templates/population-questions-section',
    async load({ db, partnership, priority }) {
      const recorded = await findPartnershipTemplate(db, partnership.id);
      const questions = recorded ? (await findTemplateFile(recorded.template_key))?.guidance.populationQuestions : undefined;
      if (!recorded || !questions) return null;
      const counts = await countPriorityAnswers(db, partnership.id, priority.id);
      const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
      const p = `/p/${partnership.slug}`;
      const answers: ({ text: string; href: string | null } | null)[] = [
        { text: 'The outcome this priority serves', href: p },
        { text: 'The priority, as described above', href: null },
        { text: plural(counts.indicators, 'indicator', 'indicators'), href: null },
        { text: 'Each indicator’s baseline: its history and forecast', href: `${p}/scorecard` },
        { text: plural(counts.partners, 'partner with a role', 'partners with a role'), href: `${p}/partners` },
        { text: `${plural(counts.what_works, 'idea', 'ideas')} in what works, and the case studies in the library`, href: '/library' },
        { text: plural(counts.actions, 'action', 'actions'), href: `${p}/actions?priority=${priority.id}` },
      ];
      return {
        templateName: recorded.template_name,
        questions: questions.map((q, i) => ({ number: i + 1, text: q, answer: answers[i] ?? null })),
      };
    },
  });
}
