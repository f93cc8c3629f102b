// Pure helpers for the what-works library search: what a query also means, and how a highlighted excerpt is made safe.

/**
 * Names the field writes more than one way, each group in one list: a search for any of them finds the others, both
 * ways ("LAC" finds "children in care" and "children in care" finds "looked after children"). Abbreviations in capitals;
 * a name of several words is searched as a phrase. Matching ignores case.
 */
export const SYNONYMS: readonly (readonly string[])[] = [
  ['looked after children', 'children looked after', 'children in care', 'LAC', 'CLA'],
  ['SALT', 'speech and language therapy', 'speech and language therapist'],
  ['NEET', 'not in education, employment or training'],
  ['SEND', 'SEN', 'special educational needs', 'special needs'],
  ['CAMHS', 'child and adolescent mental health services', 'child and adolescent mental health'],
  ['FSM', 'free school meals'],
  ['EYFS', 'early years foundation stage'],
  ['CAF', 'common assessment framework'],
  ['BME', 'black and minority ethnic'],
  ['YOT', 'youth offending team', 'youth offending service'],
  ['GRT', 'gypsy, roma and traveller', 'travellers'],
  ['dads', 'fathers'],
  ['teenage pregnancy', 'teenage conception', 'teenage parents'],
  ['absence', 'absenteeism', 'non-attendance', 'truancy'],
];

/** Whole words of a text, lower case, as the synonyms list writes them. */
const wordsOf = (text: string) => text.toLowerCase().match(/[a-z]+/g) ?? [];
const containsName = (textWords: readonly string[], name: string) => {
  const nameWords = wordsOf(name);
  for (let i = 0; i + nameWords.length <= textWords.length; i++) if (nameWords.every((w, k) => textWords[i + k] === w)) return true;
  return false;
};

/**
 * The abbreviations (the names in capitals) and the longest name of their group: "neet" → "not in education,
 * employment or training". Used to keep abbreviations out of an indicator title's words about what it measures.
 */
export const ABBREVIATIONS: Readonly<Record<string, string>> = Object.fromEntries(
  SYNONYMS.flatMap((group) => {
    const longest = [...group].sort((a, b) => b.length - a.length)[0]!;
    return group.filter((name) => name === name.toUpperCase()).map((name) => [name.toLowerCase(), longest]);
  }),
);

/** The other names of every synonym a query uses (as whole words, any case), searched as phrases beside the query. */
export function expansionsOf(query: string): string[] {
  const words = wordsOf(query);
  const found = new Set<string>();
  for (const group of SYNONYMS) {
    const used = group.filter((name) => containsName(words, name));
    if (used.length) for (const name of group) if (!used.includes(name)) found.add(name.toLowerCase());
  }
  return [...found];
}

/**
 * The words of a query that may be typos: not part of a name in the synonyms list ("SALT" is an abbreviation, not a
 * misspelt "salt").
 */
export function correctableWords(query: string): string[] {
  const synonymWords = new Set(SYNONYMS.flatMap((group) => group.flatMap(wordsOf)));
  return queryWords(query).filter((w) => !synonymWords.has(w));
}

/**
 * The words of a query searched one by one, for ranking the case studies that match only some of them: letters and
 * digits only (what the words of web-search syntax are made of), without "or" and the words after a "-".
 */
export function queryWords(query: string): string[] {
  const words: string[] = [];
  for (const token of withoutPhrases(query).toLowerCase().split(/\s+/)) {
    if (!token || token.startsWith('-') || token === 'or') continue;
    for (const word of token.match(/[a-z0-9]+/g) ?? []) if (!words.includes(word)) words.push(word);
  }
  return words.slice(0, 12);
}

const PHRASE = /["“]([^"”]*)["”]/g;
/** The quoted phrases of a query, lower case. */
const phrasesOf = (query: string) => [...query.matchAll(PHRASE)].map((m) => wordsOf(m[1]!).join(' ')).filter(Boolean);
const withoutPhrases = (query: string) => query.replace(PHRASE, ' ');

/** One thing a query asks for, searched on its own to rank the case studies that match only some of a query. */
export interface SearchTerm {
  /** As the page names it ("exclusion", "children in care"). */
  text: string;
  /** A single word, also found as the start of a longer word ("safeguard" finds "safeguarding"). */
  word?: string;
  /** A name and its synonyms, each searched as a phrase. */
  phrases?: string[];
}

export interface SearchPlan {
  /** The query as typed (web-search syntax) and again with each synonym in place of the name it used. */
  alternatives: string[];
  terms: SearchTerm[];
  /** Words the query leaves out ("-girls"): no result, however partial, contains them. */
  excluded: string[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A query with whole words replaced (a typo by the library's nearest word), any case. */
export function withCorrections(query: string, corrections: ReadonlyMap<string, string>): string {
  let corrected = query;
  for (const [typed, nearest] of corrections) corrected = corrected.replace(new RegExp(`\\b${escapeRegExp(typed)}\\b`, 'gi'), nearest);
  return corrected;
}

/**
 * How a query is searched (docs/method.md says nothing here; this is the library's own rule): the case studies that
 * match every word (or a synonym in place of a name) first, then those that match most of the query's terms. A term
 * is one word, or a name from the synonyms list with its other names.
 */
export function searchPlan(query: string): SearchPlan {
  const words = queryWords(query);
  const lower = query.toLowerCase();
  // A quoted phrase is one term, found only whole.
  const terms: SearchTerm[] = phrasesOf(query).map((phrase) => ({ text: phrase, phrases: [phrase] }));
  const alternatives = [query];
  const usedWords = new Set<string>();
  for (const group of SYNONYMS) {
    const used = group.find((name) => containsName(words, name));
    if (!used) continue;
    for (const w of wordsOf(used)) usedWords.add(w);
    terms.push({ text: used.toLowerCase(), phrases: group.map((name) => name.toLowerCase()) });
    const pattern = new RegExp(wordsOf(used).map(escapeRegExp).join('[^a-z]+'), 'i');
    if (pattern.test(lower)) {
      for (const other of group) if (other !== used && alternatives.length < 12) alternatives.push(query.replace(pattern, `"${other.toLowerCase().replace(/,/g, '')}"`));
    }
  }
  for (const w of words) if (!usedWords.has(w)) terms.push({ text: w, word: w });
  const excluded = [...new Set(withoutPhrases(query).toLowerCase().split(/\s+/).filter((t) => t.startsWith('-')).flatMap((t) => t.match(/[a-z0-9]+/g) ?? []))];
  return { alternatives, terms, excluded };
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
  // Every name of each synonym the title uses, including the one it used: a phrase matches where a word may not.
  const phrases = new Set<string>(SYNONYMS.filter((group) => group.some((name) => containsName(all, name))).flatMap((group) => group.map((name) => name.toLowerCase())));
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
