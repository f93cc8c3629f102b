// The story behind the curve, what works and the actions, as the features that own them register them on the
// indicator and priority pages (app.indicatorSections / app.prioritySections). The data day loads those same
// sections and keeps only what a slide or a printed book shows: no edit links, and no member's name (an action says
// which partner leads it, not which person owns it; a story says its version and date, not its author).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../../db/schema.ts';
import { loadSections } from '../../plugins/extensions.ts';
import type { ActionRow } from '../actions/view-model.ts';
import type { IndicatorDetail } from '../indicators/queries.ts';
import type { StoryView } from '../stories/view-model.ts';
import type { WhatWorksRow } from '../what-works/view-model.ts';
import type { IndicatorFigures } from './figures.ts';

export interface BookStory {
  periodText: string;
  version: number;
  date: string;
  summaryHtml: string;
  contributingHtml: string;
  restrictingHtml: string;
  rootCauses: string[];
}

export interface BookWhatWorks {
  title: string;
  descriptionHtml: string;
  costText: string;
  cheap: boolean;
  evidenceText: string;
  source: string;
}

export interface BookAction {
  title: string;
  leadPartner: string;
  dueText: string;
  statusText: string;
  statusTag: string;
  overdue: boolean;
}

export interface ConversationModel {
  story: BookStory | null;
  whatWorks: BookWhatWorks[];
  actions: BookAction[];
}

const INDICATOR_KEYS = new Set(['story', 'what-works', 'actions']);
const PRIORITY_KEYS = new Set(['story']);

export function bookStory(story: StoryView | null | undefined): BookStory | null {
  if (!story) return null;
  return {
    periodText: story.periodText,
    version: story.version,
    date: story.date,
    summaryHtml: story.summaryHtml,
    contributingHtml: story.contributingHtml,
    restrictingHtml: story.restrictingHtml,
    rootCauses: [...story.rootCauses],
  };
}

function bookWhatWorks(rows: WhatWorksRow[] | undefined): BookWhatWorks[] {
  return (rows ?? []).map((w) => ({ title: w.title, descriptionHtml: w.descriptionHtml, costText: w.costText, cheap: w.cheap, evidenceText: w.evidenceText, source: w.source }));
}

function bookActions(rows: ActionRow[] | undefined): BookAction[] {
  return (rows ?? []).map((a) => ({ title: a.title, leadPartner: a.leadPartner, dueText: a.dueText, statusText: a.statusText, statusTag: a.statusTag, overdue: a.overdue }));
}

interface SectionModels {
  storySection?: { story: StoryView | null };
  whatWorksSection?: { entries: WhatWorksRow[] };
  actionsSection?: { actions: ActionRow[] };
}

function merge(sections: { model: Record<string, unknown> }[]): SectionModels {
  return Object.assign({}, ...sections.map((s) => s.model)) as SectionModels;
}

export interface SectionCaller {
  request: FastifyRequest;
  partnership: { id: string; slug: string; name: string };
  role: Role;
}

/** The conversation around each indicator and priority given, through the registered sections. */
export async function loadConversation(app: FastifyInstance, caller: SectionCaller, figures: IndicatorFigures[], priorities: { id: string; title: string }[]) {
  const indicatorSections = app.indicatorSections.filter((s) => INDICATOR_KEYS.has(s.key));
  const prioritySections = app.prioritySections.filter((s) => PRIORITY_KEYS.has(s.key));
  const base = { db: app.db, request: caller.request, partnership: caller.partnership, role: caller.role };
  const [indicatorModels, priorityModels] = await Promise.all([
    Promise.all(
      figures.map((f) => {
        // The sections are written for the indicator page's row; a population indicator's detail is its row plus names.
        const indicator = { ...f.indicator, priority_title: f.priority.title, outcome_title: f.outcome.title, programme_id: null, measure_kind: null, programme_name: null } as IndicatorDetail;
        return loadSections(indicatorSections, { ...base, indicator });
      }),
    ),
    Promise.all(priorities.map((priority) => loadSections(prioritySections, { ...base, priority: { id: priority.id, title: priority.title } }))),
  ]);
  const byIndicator = new Map<string, ConversationModel>();
  figures.forEach((f, i) => {
    const m = merge(indicatorModels[i]!);
    byIndicator.set(f.indicator.id, { story: bookStory(m.storySection?.story), whatWorks: bookWhatWorks(m.whatWorksSection?.entries), actions: bookActions(m.actionsSection?.actions) });
  });
  const byPriority = new Map<string, BookStory | null>();
  priorities.forEach((p, i) => byPriority.set(p.id, bookStory(merge(priorityModels[i]!).storySection?.story)));
  return { byIndicator, byPriority };
}
