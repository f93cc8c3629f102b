// The data day's slides, from its agenda: a title slide, "since the last data day" when there was one, then each
// agenda item in order — an outcome, a priority, or an indicator (three slides: the curve; the story behind it;
// what works and the actions). Shaping only: the figures are judged and the conversation loaded by then.
import * as format from '../../format.ts';
import { periodLabel, type PeriodType } from '../../analysis/periods.ts';
import { DIRECTION, ROLE_NAME, STATUS } from '../analysis/labels.ts';
import { latestAndDirection } from '../indicators/measure.ts';
import type { ChartModel } from '../indicators/view-model.ts';
import type { IndicatorFigures } from './figures.ts';
import type { AgendaItem } from './queries.ts';
import type { BookAction, BookStory, BookWhatWorks, ConversationModel } from './sections.ts';
import type { SinceComparison } from './since.ts';

/** How many what-works entries and actions fit on a slide legibly; the rest are counted, not crammed in. */
const SLIDE_WHAT_WORKS = 3;
const SLIDE_ACTIONS = 4;

interface StatusTag {
  code: string;
  label: string;
  tag: string;
}

interface SlideCommon {
  n: number;
  id: string;
  label: string;
  /** What a note taken on this slide is about: '' (the title), `outcome:<id>`, `priority:<id>` or `indicator:<id>`. */
  subject: string;
  /** The footer's reminder of where the room is. */
  section: string;
}

export type Slide = SlideCommon &
  (
    | { kind: 'title'; partnershipName: string; title: string; dateText: string; summary: string; counts: { label: string; tag: string; count: number }[] }
    | { kind: 'since'; since: { fromText: string; toText: string; turned: { title: string; after: StatusTag }[]; worse: { title: string; after: StatusTag }[]; figuresAdded: number; figuresRevised: number; indicatorsWithData: number; stories: number } }
    | { kind: 'outcome'; title: string; description: string; priorities: { title: string; indicators: { title: string; status: StatusTag }[] }[] }
    | { kind: 'priority'; title: string; outcomeTitle: string; description: string; story: BookStory | null; indicators: { title: string; latestText: string; direction: string; directionText: string; gapChange: GapChangeText | null; status: StatusTag }[] }
    | {
        kind: 'curve';
        title: string;
        caption: string;
        illustrative: boolean;
        chart: ChartModel | null;
        status: StatusTag & { sentence: string };
        latestText: string;
        direction: string;
        directionText: string;
        polarityText: string;
        comparators: string[];
      }
    | { kind: 'story'; title: string; story: BookStory | null }
    | { kind: 'response'; title: string; whatWorks: BookWhatWorks[]; moreWhatWorks: number; noCheapIdea: boolean; actions: BookAction[]; moreActions: number }
  );

export interface DeckInput {
  partnershipName: string;
  dataDay: { title: string; held_on: string };
  agenda: AgendaItem[];
  outcomes: { id: string; title: string; description: string }[];
  priorities: { id: string; outcome_id: string; title: string; description: string }[];
  figures: IndicatorFigures[];
  conversation: { byIndicator: Map<string, ConversationModel>; byPriority: Map<string, BookStory | null> };
  since: SinceComparison | null;
}

/** Why a gap narrowed, for a slide that says it did (the curve slide's sentence already gives it). */
interface GapChangeText {
  text: string;
  levellingDown: boolean;
}
const gapChangeOf = (f: IndicatorFigures): GapChangeText | null =>
  f.analysis.gap?.narrowed ? { text: f.analysis.gap.description, levellingDown: f.analysis.gap.levellingDown } : null;

const statusOf = (f: IndicatorFigures): StatusTag => ({ code: f.analysis.status.code, label: STATUS[f.analysis.status.code].label, tag: STATUS[f.analysis.status.code].tag });

export function buildDeck(input: DeckInput): Slide[] {
  const figuresOf = new Map(input.figures.map((f) => [f.indicator.id, f]));
  const outcomeOf = new Map(input.outcomes.map((o) => [o.id, o]));
  const priorityOf = new Map(input.priorities.map((p) => [p.id, p]));
  const slides: Slide[] = [];
  const add = (slide: Omit<SlideCommon, 'n' | 'id'> & Record<string, unknown>) => {
    const n = slides.length + 1;
    slides.push({ ...slide, n, id: `slide-${n}` } as Slide);
  };

  const agendaFigures = input.agenda.filter((a) => a.kind === 'indicator').map((a) => figuresOf.get(a.id)).filter((f): f is IndicatorFigures => !!f);
  const counts = (['turned', 'turning', 'on_baseline', 'worse'] as const).map((code) => ({ label: STATUS[code].label, tag: STATUS[code].tag, count: agendaFigures.filter((f) => f.analysis.status.code === code).length }));
  add({
    kind: 'title',
    label: input.dataDay.title,
    subject: '',
    section: input.partnershipName,
    partnershipName: input.partnershipName,
    title: input.dataDay.title,
    dateText: format.date(input.dataDay.held_on),
    summary: agendaFigures.length ? `${agendaFigures.length} indicator${agendaFigures.length === 1 ? '' : 's'} on today’s agenda` : 'No indicators on the agenda yet',
    counts,
  });

  if (input.since) {
    const s = input.since;
    add({
      kind: 'since',
      label: 'Since the last data day',
      subject: '',
      section: input.dataDay.title,
      since: {
        fromText: s.fromText,
        toText: s.toText,
        turned: s.turned.map((c) => ({ title: c.title, after: c.after })),
        worse: s.worse.map((c) => ({ title: c.title, after: c.after })),
        figuresAdded: s.figuresAdded,
        figuresRevised: s.figuresRevised,
        indicatorsWithData: s.arrivals.length,
        stories: s.stories.length,
      },
    });
  }

  for (const item of input.agenda) {
    if (item.kind === 'outcome') {
      const outcome = outcomeOf.get(item.id);
      if (!outcome) continue;
      add({
        kind: 'outcome',
        label: `Outcome: ${outcome.title}`,
        subject: `outcome:${outcome.id}`,
        section: outcome.title,
        title: outcome.title,
        description: outcome.description,
        priorities: input.priorities
          .filter((p) => p.outcome_id === outcome.id)
          .map((p) => ({ title: p.title, indicators: input.figures.filter((f) => f.priority.id === p.id).map((f) => ({ title: f.indicator.title, status: statusOf(f) })) })),
      });
    } else if (item.kind === 'priority') {
      const priority = priorityOf.get(item.id);
      if (!priority) continue;
      const outcome = outcomeOf.get(priority.outcome_id);
      add({
        kind: 'priority',
        label: `Priority: ${priority.title}`,
        subject: `priority:${priority.id}`,
        section: outcome?.title ?? '',
        title: priority.title,
        outcomeTitle: outcome?.title ?? '',
        description: priority.description,
        story: input.conversation.byPriority.get(priority.id) ?? null,
        indicators: input.figures
          .filter((f) => f.priority.id === priority.id)
          .map((f) => {
            const { latest } = latestAndDirection(f.headline, f.indicator.polarity, f.indicator.kind);
            return {
              title: f.indicator.title,
              latestText: latest ? `${latest.label}: ${format.observation(latest, f.spec)}` : 'No figures yet',
              direction: f.analysis.direction.againstPrevious,
              directionText: DIRECTION[f.analysis.direction.againstPrevious],
              gapChange: gapChangeOf(f),
              status: statusOf(f),
            };
          }),
      });
    } else {
      const f = figuresOf.get(item.id);
      if (!f) continue;
      const subject = `indicator:${f.indicator.id}`;
      const section = `${f.outcome.title} · ${f.priority.title}`;
      const talk = input.conversation.byIndicator.get(f.indicator.id) ?? { story: null, whatWorks: [], actions: [] };
      const { latest } = latestAndDirection(f.headline, f.indicator.polarity, f.indicator.kind);
      const periodType = f.indicator.period_type as PeriodType;
      const labelOf = (role: string) => f.series.find((s) => s.role === role)?.label ?? ROLE_NAME[role] ?? role;
      const main = f.charts.at(-1)!;
      add({
        kind: 'curve',
        label: f.indicator.title,
        subject,
        section,
        title: f.indicator.title,
        caption: section,
        illustrative: f.indicator.illustrative,
        chart: f.headline.some((p) => p.value !== null) ? { ...main.chart, id: `chart-slide-${slides.length + 1}` } : null,
        status: { ...statusOf(f), sentence: f.analysis.status.sentence },
        latestText: latest ? `${latest.label}: ${format.observation(latest, f.spec)}${latest.provisional ? ' (provisional)' : ''}` : 'No figures yet',
        direction: f.analysis.direction.againstPrevious,
        directionText: DIRECTION[f.analysis.direction.againstPrevious],
        polarityText: f.indicator.kind === 'gap' ? 'A smaller gap is better' : format.polarityLabel[f.indicator.polarity],
        comparators: f.analysis.comparators.map((c) => `${labelOf(c.role)} ${format.value(c.value, f.spec)} (${periodLabel(periodType, c.position)})`),
      });
      add({ kind: 'story', label: `${f.indicator.title}: the story behind the curve`, subject, section, title: f.indicator.title, story: talk.story });
      add({
        kind: 'response',
        label: `${f.indicator.title}: what works and what we will do`,
        subject,
        section,
        title: f.indicator.title,
        whatWorks: talk.whatWorks.slice(0, SLIDE_WHAT_WORKS),
        moreWhatWorks: Math.max(0, talk.whatWorks.length - SLIDE_WHAT_WORKS),
        noCheapIdea: !talk.whatWorks.some((w) => w.cheap),
        actions: talk.actions.slice(0, SLIDE_ACTIONS),
        moreActions: Math.max(0, talk.actions.length - SLIDE_ACTIONS),
      });
    }
  }
  return slides;
}
