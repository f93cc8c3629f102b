// What fits on the one page of a turn-the-curve report (docs/method.md, Turning the curve). The indicator's page
// keeps everything; the report gives each part a fixed share of the A4 sheet and, where a part is longer, cuts it at a
// word and says where the rest is, with the full address printed, because a link cannot be clicked on paper.
// Pure: text and lists in, shorter text and lists out; the route renders them.

/** Each part's share of the page, in characters of text people wrote or in entries. Tuned on A4 at 9pt. */
export const ONE_PAGE_LIMITS = {
  /** "What the curve shows, in a few sentences": about three of them. */
  storySummary: 240,
  storyFactors: 110,
  rootCauses: 3,
  rootCause: 60,
  periodText: 40,
  actions: 4,
  actionTitle: 60,
  /** Partners with a role on the indicator and on its priority, together. */
  roles: 3,
  role: 50,
  whatWorks: 2,
  whatWorksDescription: 60,
  /** An idea's title shares its line with its cost. */
  whatWorksTitle: 45,
  /** The data development agenda's top item: the rest are ranked on its page. */
  items: 1,
  /** A missing measure's title, in bold on a line of half the page. */
  itemTitle: 50,
  /** Who owns a missing measure and which partner could supply it, in brackets after it. */
  itemWho: 25,
  itemHowToGet: 60,
  /** A partner or a person beside other things on a line: a role, an action. */
  name: 36,
  /** Where an idea's evidence comes from, after the evidence on one line. */
  whatWorksSource: 18,
} as const;

export type OnePageLimits = { [K in keyof typeof ONE_PAGE_LIMITS]: number };

const ELLIPSIS = '…';

/**
 * `text` cut to at most `max` characters (the "…" included) at the last word boundary that fits; unchanged when it
 * already fits. A single word longer than the limit is cut inside the word rather than overflowing.
 */
export function cutAtWord(text: string, max: number): { text: string; cut: boolean } {
  const whole = text.replace(/\s+/g, ' ').trim();
  if (whole.length <= max) return { text: whole, cut: false };
  const room = whole.slice(0, Math.max(0, max - ELLIPSIS.length) + 1);
  const lastSpace = room.lastIndexOf(' ');
  const kept = (lastSpace > 0 ? room.slice(0, lastSpace) : room.slice(0, -1)).replace(/[\s,;:.\-–—(]+$/, '');
  return { text: `${kept}${ELLIPSIS}`, cut: true };
}

// A line of the Markdown-like text people write (stories, ideas), and what a reader sees of it.
const LIST_MARKER = /^(\s*(?:[-*+]|\d+[.)])\s+)/;
const visible = (markdown: string) =>
  markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|[*_`])/g, '')
    .replace(/\\(.)/g, '$1');
const escapeMarkdown = (plain: string) => plain.replace(/([\\`*_[\]()<>#!&|~])/g, '\\$1');

/**
 * Markdown-like text cut to about `max` visible characters. Whole lines are kept while they fit, so lists, emphasis
 * and links stay as written; the line that crosses the limit keeps its list marker and is cut at a word as plain text
 * (its markup might not survive the cut); later lines are dropped.
 */
export function summariseText(source: string, max: number): { source: string; cut: boolean } {
  const lines = source.replace(/\r\n?/g, '\n').trim().split('\n');
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const marker = LIST_MARKER.exec(line)?.[1] ?? '';
    const shown = visible(line.slice(marker.length)).trim();
    if (used + shown.length <= max) {
      kept.push(line);
      used += shown.length;
      continue;
    }
    // Too little room left for a useful piece of this line: stop at the previous one, which then ends the text.
    const room = max - used;
    while (kept.length && !kept.at(-1)!.trim()) kept.pop();
    if (room >= Math.min(40, max)) kept.push(`${marker}${escapeMarkdown(cutAtWord(shown, room).text)}`);
    else if (kept.length) kept.push(`${kept.pop()!.trimEnd()} ${ELLIPSIS}`);
    else kept.push(ELLIPSIS);
    return { source: kept.join('\n'), cut: true };
  }
  return { source: kept.join('\n'), cut: false };
}

/** The first `limit` entries, and how many more there are. */
export function firstOf<T>(entries: T[], limit: number): { shown: T[]; more: number } {
  return { shown: entries.slice(0, limit), more: Math.max(0, entries.length - limit) };
}

export interface StoryText {
  period_text: string;
  summary: string;
  contributing: string;
  restricting: string;
  root_causes: string[];
}

/** The story behind the curve cut to the report's share: `cut` says whether the reader must go elsewhere for the rest. */
export function storySummary<S extends StoryText>(story: S, limits: OnePageLimits = ONE_PAGE_LIMITS): S & { cut: boolean } {
  const summary = summariseText(story.summary, limits.storySummary);
  const contributing = summariseText(story.contributing, limits.storyFactors);
  const restricting = summariseText(story.restricting, limits.storyFactors);
  const causes = firstOf(story.root_causes, limits.rootCauses);
  const rootCauses = causes.shown.map((c) => cutAtWord(c, limits.rootCause));
  const periodText = cutAtWord(story.period_text, limits.periodText);
  return {
    ...story,
    period_text: periodText.text,
    summary: summary.source,
    contributing: contributing.source,
    restricting: restricting.source,
    root_causes: rootCauses.map((c) => c.text),
    cut: summary.cut || contributing.cut || restricting.cut || causes.more > 0 || rootCauses.some((c) => c.cut),
  };
}

/** "the whole story at …" and friends need the address a reader can type: the site's origin and the page's path. */
export function fullUrl(origin: string, path: string): string {
  return `${origin.replace(/\/+$/, '')}${path}`;
}
