// Pure helpers for the what-works library search: what a query also means, and how a highlighted excerpt is made safe.

/**
 * Abbreviations that children's services write both ways. A search for the short form also finds the long one
 * (the case studies say "not in education, employment or training" as often as "NEET").
 */
export const ABBREVIATIONS: Readonly<Record<string, string>> = {
  neet: 'not in education, employment or training',
  camhs: 'child and adolescent mental health services',
  fsm: 'free school meals',
  lac: 'looked after children',
  cla: 'children looked after',
  sen: 'special educational needs',
  send: 'special educational needs and disabilities',
  eyfs: 'early years foundation stage',
  caf: 'common assessment framework',
  bme: 'black and minority ethnic',
  yot: 'youth offending team',
};

/** The long forms of the abbreviations a query uses (as whole words, any case), for an OR with the query. */
export function expansionsOf(query: string): string[] {
  const words = query.toLowerCase().match(/[a-z]+/g) ?? [];
  return [...new Set(words.filter((w) => Object.hasOwn(ABBREVIATIONS, w)).map((w) => ABBREVIATIONS[w]!))];
}

/**
 * Words of an indicator's title that say how it is measured rather than what it is about ("rate", "percentage",
 * "aged 16 to 17", "key stage 4"): left out when the title is used to suggest case studies.
 */
const MEASUREMENT_WORDS = new Set([
  'rate', 'rates', 'percentage', 'percent', 'proportion', 'number', 'numbers', 'per', 'year', 'years', 'yr', 'old', 'olds',
  'aged', 'age', 'month', 'months', 'within', 'gap', 'level', 'key', 'stage', 'score', 'average', 'total', 'all', 'other',
  'and', 'or', 'to', 'at', 'of', 'the', 'in', 'a', 'an', 'by', 'who', 'whose', 'are', 'is', 'not', 'known', 'new',
]);

/**
 * What today's indicators call things that the case studies (written around 2008) call something else: a search
 * for the first also looks for the second.
 */
export const RELATED_TERMS: Readonly<Record<string, readonly string[]>> = {
  suspension: ['exclusion'],
  suspensions: ['exclusion'],
  absence: ['attendance'],
  conception: ['teenage pregnancy'],
  conceptions: ['teenage pregnancy'],
  entrants: ['offending'],
  justice: ['offending'],
  attainment: ['achievement'],
  disadvantaged: ['deprived'],
};

/**
 * The terms an indicator's title suggests for finding case studies: its words about what it measures (not how),
 * each pair of neighbouring words as a phrase ("looked after"), the long forms of its abbreviations and related
 * terms. Each is searched on its own and weighed by how rare it is in the library.
 */
export function suggestionTerms(title: string): { words: string[]; phrases: string[] } {
  const all = title.toLowerCase().match(/[a-z]+/g) ?? [];
  const meaningful = (w: string) => !MEASUREMENT_WORDS.has(w) && !Object.hasOwn(ABBREVIATIONS, w);
  const words = new Set(all.filter(meaningful));
  const phrases = new Set<string>(expansionsOf(title));
  for (const w of all) if (Object.hasOwn(ABBREVIATIONS, w)) words.add(w);
  for (let i = 1; i < all.length; i++) if (meaningful(all[i - 1]!) && meaningful(all[i]!)) phrases.add(`${all[i - 1]} ${all[i]}`);
  for (const w of all) for (const related of RELATED_TERMS[w] ?? []) (related.includes(' ') ? phrases : words).add(related);
  return { words: [...words], phrases: [...phrases] };
}

/** Private-use characters mark the matches in ts_headline's output: they cannot occur in the library's text. */
export const MATCH_START = '\uE000';
export const MATCH_END = '\uE001';

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * An excerpt from ts_headline as HTML: everything escaped, the matched words in <mark>. Given the text it was cut
 * from, an excerpt that starts or ends inside it says so with "…".
 */
export function highlightedExcerpt(headline: string | null, source?: string): string {
  if (!headline) return '';
  let flat = headline.replace(/\s+/g, ' ').trim();
  if (source !== undefined) {
    const plain = flat.replaceAll(MATCH_START, '').replaceAll(MATCH_END, '');
    const whole = source.replace(/\s+/g, ' ').trim();
    if (!whole.startsWith(plain)) flat = `… ${flat}`;
    if (!whole.endsWith(plain) && !/[.!?]["')]*$/.test(plain)) flat = `${flat} …`;
  }
  const escaped = escapeHtml(flat);
  return escaped.replaceAll(MATCH_START, '<mark>').replaceAll(MATCH_END, '</mark>').replace(/<mark>([^<]*)$/, '<mark>$1</mark>');
}

/** The first sentences of a text, up to about `limit` characters, for a result without a search. */
export function openingOf(text: string, limit = 220): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= limit) return flat;
  const cut = flat.slice(0, limit);
  const lastSpace = cut.lastIndexOf(' ');
  return `${cut.slice(0, lastSpace > 0 ? lastSpace : limit)}…`;
}

/** Paragraphs and "- " list items of a library text, for the page to render as <p> and <ul>. */
export type TextBlock = { kind: 'paragraph'; text: string } | { kind: 'list'; items: string[] };

export function textBlocks(text: string | null): TextBlock[] {
  if (!text) return [];
  const blocks: TextBlock[] = [];
  for (const part of text.split(/\n{2,}/)) {
    const lines = part.split('\n').map((l) => l.trim()).filter(Boolean);
    if (lines.length === 0) continue;
    if (lines.every((l) => l.startsWith('- '))) blocks.push({ kind: 'list', items: lines.map((l) => l.slice(2)) });
    else blocks.push({ kind: 'paragraph', text: lines.join(' ') });
  }
  return blocks;
}

export const PART_DESCRIPTIONS: Readonly<Record<'A' | 'B', string>> = {
  A: 'demonstrable impact on outcomes',
  B: 'some early evidence of impact',
};

export const PART_LABELS: Readonly<Record<'A' | 'B', string>> = {
  A: 'Part A: demonstrable impact on outcomes',
  B: 'Part B: some early evidence of impact',
};
