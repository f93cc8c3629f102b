/**
 * Pure parsers for the three seed documents (see seeds/library/source-texts/README.md):
 *
 *   000 – the top 10 golden threads             -> parseGoldenThreads()
 *   003 – draft benchmark for 'gap narrowing'   -> parseGapBenchmark()
 *   004 – 114 case studies of local practice    -> parseCaseStudies()
 *
 * Every function takes the document text and returns plain objects; nothing
 * here touches the file system. build.ts reads the files and writes the JSON.
 *
 * The source text comes from PDF extraction. The repairs applied are:
 *   - paragraphs broken across lines (the tail of a sentence on the next
 *     "paragraph") are joined again; real paragraph breaks are kept as "\n\n"
 *     and list items as "- " lines;
 *   - field labels are normalised ("Outcome:", "Outcomes:", "Outcome to date:",
 *     "Outcome and what is working:", ... all become `outcomes`);
 *   - HTML fragments in the subject index are stripped;
 *   - page furniture (running headers, footers, page numbers) is removed if it
 *     lands inside a field;
 *   - curly quotes become straight quotes, runs of whitespace become one space.
 * Contact lines (names, emails, phone numbers) are dropped: only the authority
 * is stored.
 *
 * Anything the parsers do not recognise makes them throw a ParseError that
 * lists every problem found, so the build fails loudly instead of writing
 * half-parsed data.
 */

// ---------------------------------------------------------------------------
// Golden threads: canonical list and alias table
// ---------------------------------------------------------------------------

/** The twelve golden threads: the top 10 from document 000 plus the two extra
 * threads the case studies tag from the longer list of 12. */
export const THREAD_SLUGS = [
  'you-can-do-it',
  'together-with-parents',
  'through-the-eyes-of-the-child',
  'holding-onto-the-baton',
  'learning-to-learn',
  'cornflakes-to-canoeing',
  'unite-to-succeed',
  'shape-up-and-keep-fit',
  'prove-it',
  'from-good-to-great',
  'it-takes-a-community',
  'culture-not-structure',
] as const;

export type ThreadSlug = (typeof THREAD_SLUGS)[number];

interface ThreadDefinition {
  slug: ThreadSlug;
  /** Number in document 000, or null for the two threads not described there. */
  number: number | null;
  /** Short name, as the case studies write it. */
  name: string;
}

export const THREAD_DEFINITIONS: readonly ThreadDefinition[] = [
  { slug: 'you-can-do-it', number: 1, name: 'you can do it' },
  { slug: 'together-with-parents', number: 2, name: 'together with parents' },
  { slug: 'through-the-eyes-of-the-child', number: 3, name: 'through the eyes of the child' },
  { slug: 'holding-onto-the-baton', number: 4, name: 'holding onto the baton' },
  { slug: 'learning-to-learn', number: 5, name: 'learning to learn' },
  { slug: 'cornflakes-to-canoeing', number: 6, name: 'cornflakes to canoeing' },
  { slug: 'unite-to-succeed', number: 7, name: 'unite to succeed' },
  { slug: 'shape-up-and-keep-fit', number: 8, name: 'shape up and keep fit' },
  { slug: 'prove-it', number: 9, name: 'prove it' },
  { slug: 'from-good-to-great', number: 10, name: 'from good to great' },
  { slug: 'it-takes-a-community', number: null, name: 'it takes a community' },
  { slug: 'culture-not-structure', number: null, name: 'culture not structure' },
];

/** Marker for "all 12" / "all": expands to every thread. */
const ALL = '*all*' as const;
type AliasTarget = ThreadSlug | typeof ALL;

/**
 * Every way the case studies (004) write a golden thread, mapped to canonical
 * slugs. Keys are in the form produced by normaliseThreadText(): lower case,
 * dashes, commas and brackets turned into single spaces, trailing full stop
 * removed. A key may map to more than one thread when the source ran two
 * threads together. Any thread text not listed here fails the build.
 */
export const THREAD_ALIASES: Readonly<Record<string, readonly AliasTarget[]>> = {
  // 1 you can do it! (expect the best)
  'you can do it': ['you-can-do-it'],
  // 2 together with parents
  'together with parents': ['together-with-parents'],
  // 3 through the eyes of the child (the case studies usually add "voice")
  'through the eyes of the child': ['through-the-eyes-of-the-child'],
  'through the voice and eyes of the child': ['through-the-eyes-of-the-child'],
  'through the eyes and voice of the child': ['through-the-eyes-of-the-child'],
  // 4 holding onto the baton
  'holding onto the baton': ['holding-onto-the-baton'],
  'holding on to the baton': ['holding-onto-the-baton'],
  // 5 learning to learn
  'learning to learn': ['learning-to-learn'],
  'learning how to learn': ['learning-to-learn'],
  // 6 cornflakes to canoeing
  'cornflakes to canoeing': ['cornflakes-to-canoeing'],
  // 7 unite to succeed (sanity not vanity)
  'unite to succeed': ['unite-to-succeed'],
  'unite to succeed sanity not vanity': ['unite-to-succeed'],
  'sanity not vanity': ['unite-to-succeed'],
  // 8 shape-up and keep fit
  'shape up and keep fit': ['shape-up-and-keep-fit'],
  // 9 prove it – making change happen
  'prove it': ['prove-it'],
  'prove it making change happen': ['prove-it'],
  // 10 from good to great – 'passion with purpose'
  'from good to great': ['from-good-to-great'],
  'from good to great passion with purpose': ['from-good-to-great'],
  'passion with purpose': ['from-good-to-great'],
  // case study 90: words transposed
  'from great to good passion with purpose': ['from-good-to-great'],
  // case study 9: thread 1's subtitle ("expect the best") run into thread 10's
  // subtitle ("passion with purpose"); both threads are meant
  'expect the best passion with purpose': ['you-can-do-it', 'from-good-to-great'],
  // case study 60: two threads separated by a comma instead of a semicolon
  'unite to succeed together with parents': ['unite-to-succeed', 'together-with-parents'],
  // the two threads from the longer list of 12
  'it takes a community': ['it-takes-a-community'],
  'culture not structure': ['culture-not-structure'],
  // "all 12" / "all": every thread
  'all 12': [ALL],
  all: [ALL],
};

export function normaliseThreadText(text: string): string {
  return normaliseQuotes(text)
    .toLowerCase()
    .replace(/[–—\-,()'"!]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\s*\.$/, '')
    .trim();
}

/** Map a "Golden threads:" value to canonical slugs (in canonical order).
 * Returns the pieces it did not recognise in `unknown`. */
export function mapGoldenThreads(value: string): { slugs: ThreadSlug[]; unknown: string[] } {
  const found = new Set<ThreadSlug>();
  const unknown: string[] = [];
  for (const piece of value.split(';')) {
    const key = normaliseThreadText(piece);
    if (key === '') continue;
    const targets = Object.hasOwn(THREAD_ALIASES, key) ? THREAD_ALIASES[key] : undefined;
    if (!targets) {
      unknown.push(piece.trim().replace(/\.$/, ''));
      continue;
    }
    for (const target of targets) {
      if (target === ALL) for (const slug of THREAD_SLUGS) found.add(slug);
      else found.add(target);
    }
  }
  return { slugs: THREAD_SLUGS.filter((s) => found.has(s)), unknown };
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

export class ParseError extends Error {
  readonly problems: string[];
  constructor(what: string, problems: string[]) {
    super(`${what}: ${problems.length} problem(s)\n  - ${problems.join('\n  - ')}`);
    this.name = 'ParseError';
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------
// Text repair helpers
// ---------------------------------------------------------------------------

export function normaliseQuotes(text: string): string {
  return text.replace(/[‘’‛]/g, "'").replace(/[“”]/g, '"');
}

/** One line of running text: quotes normalised, whitespace collapsed, a word
 * hyphenated across a line break inside the line ("budget- holding") joined,
 * likewise "parents/ carers".
 * A suspended hyphen ("pre- and post-natal") is left alone. */
export function cleanInline(text: string): string {
  return normaliseQuotes(text)
    .replace(/\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/([a-z])- (?!(?:and|or|to|nor)\b)([a-z])/g, '$1-$2')
    .replace(/([a-z])\/ ([a-z])/g, '$1/$2')
    .trim();
}

/**
 * Page furniture that may land inside a field: a bare page number or the
 * section's running header. None of these can be a sentence of the text.
 */
const PAGE_FURNITURE: readonly RegExp[] = [
  /^\d{1,3}$/,
  /^section eight$/i,
  /^case studies\s*[–-]?\s*(examples of effective local practice)?$/i,
  /^examples of effective local practice$/i,
];

export function isPageFurniture(line: string): boolean {
  const t = cleanInline(line);
  return PAGE_FURNITURE.some((re) => re.test(t));
}

const TRAILING_CLOSERS = /["')\]*]+$/;

/** True when a fragment ends where a sentence (or a list item) may end. */
export function endsSentence(fragment: string): boolean {
  const t = fragment.trim().replace(TRAILING_CLOSERS, '');
  return /[.!?…]$/.test(t);
}

const BULLET = /^\s*[-•·▪*]\s+/;

/**
 * Join the fragments of one field back into paragraphs.
 *
 * The PDF extraction put a blank line wherever the original had a line or
 * column break, so a paragraph may arrive in several fragments. A fragment is
 * joined to the one before it when the one before does not end a sentence
 * (no closing . ! ?) – e.g. "… aimed at establishing a" + "pattern of strong
 * attendance …". A word hyphenated across the break ("non-" + "school") is
 * joined without a space. Bullet items ("- ", "• ") are kept as "- " lines.
 * Paragraphs are separated by a blank line.
 */
export function repairParagraphs(fragments: readonly string[]): string {
  const blocks: { kind: 'para' | 'item'; text: string }[] = [];
  for (const raw of fragments) {
    const line = cleanInline(raw);
    if (line === '' || isPageFurniture(line)) continue;
    const isItem = BULLET.test(line);
    const text = isItem ? line.replace(BULLET, '') : line;
    const prev = blocks[blocks.length - 1];
    const continues =
      prev !== undefined &&
      !isItem &&
      !endsSentence(prev.text) &&
      (prev.kind === 'para'
        ? !/:$/.test(prev.text) // "These include:" introduces what follows
        : /^[a-z]/.test(text)); // after a list item only a lower-case tail continues it
    if (prev && continues) {
      prev.text = /\w-$/.test(prev.text) ? prev.text + text : `${prev.text} ${text}`;
      continue;
    }
    blocks.push({ kind: isItem ? 'item' : 'para', text });
  }
  let out = '';
  blocks.forEach((b, i) => {
    if (i > 0) out += b.kind === 'item' && blocks[i - 1].kind === 'item' ? '\n' : '\n\n';
    out += b.kind === 'item' ? `- ${b.text}` : b.text;
  });
  return out;
}

function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n').map((l) => l.replace(/\s+$/, ''));
}

function stripHtml(text: string): string {
  return text.replace(/<[^>]*>/g, ' ');
}

function stripMarkdown(text: string): string {
  return text.replace(/\*\*|__/g, '');
}

// ---------------------------------------------------------------------------
// 000 – golden threads
// ---------------------------------------------------------------------------

export interface GoldenThread {
  slug: ThreadSlug;
  /** Number in the top 10 (document 000), null for the two extra threads. */
  number: number | null;
  /** Short name as used to tag case studies. */
  name: string;
  /** Heading as given in document 000 (for the extra threads: the name). */
  title: string;
  /** Paragraphs before "this means", separated by a blank line; null when the sources give none. */
  description: string | null;
  thisMeans: string[];
  /** Text after the "this means" list (e.g. "2008 – the year of the family"). */
  notes: string[];
  /** true for the top 10 of document 000; false for the threads only the case studies use. */
  canonical: boolean;
  /** Spellings used in the case studies that map to this thread (from THREAD_ALIASES). */
  aliases: string[];
}

export function parseGoldenThreads(text: string): GoldenThread[] {
  const lines = splitLines(text);
  const problems: string[] = [];
  interface Section {
    number: number;
    title: string;
    before: string[];
    items: string[];
    after: string[];
    inList: boolean;
  }
  const sections: Section[] = [];
  let current: Section | null = null;
  for (const line of lines) {
    const heading = /^#{1,6}\s+(\d{1,2})\.\s+(.+)$/.exec(line);
    if (heading) {
      current = { number: Number(heading[1]), title: cleanInline(stripMarkdown(heading[2])), before: [], items: [], after: [], inList: false };
      sections.push(current);
      continue;
    }
    if (!current) continue;
    if (/^#{1,6}\s+this means\s*$/i.test(line)) {
      current.inList = true;
      continue;
    }
    if (/^#{1,6}\s/.test(line)) {
      problems.push(`unexpected heading inside thread ${current.number}: ${line}`);
      continue;
    }
    const t = line.trim();
    if (t === '') continue;
    if (current.inList && /^[-*•]\s+/.test(t)) {
      current.items.push(t);
      continue;
    }
    (current.inList ? current.after : current.before).push(stripMarkdown(t));
  }

  const threads: GoldenThread[] = [];
  const aliasesFor = (slug: ThreadSlug): string[] =>
    Object.entries(THREAD_ALIASES)
      .filter(([, targets]) => targets.includes(slug))
      .map(([alias]) => alias)
      .sort();

  for (const def of THREAD_DEFINITIONS) {
    if (def.number === null) {
      threads.push({
        slug: def.slug, number: null, name: def.name, title: def.name, description: null,
        thisMeans: [], notes: [], canonical: false, aliases: aliasesFor(def.slug),
      });
      continue;
    }
    const matching = sections.filter((s) => s.number === def.number);
    if (matching.length !== 1) {
      problems.push(`thread ${def.number} (${def.name}): found ${matching.length} headings`);
      continue;
    }
    const s = matching[0];
    if (!normaliseThreadText(s.title).startsWith(normaliseThreadText(def.name))) {
      problems.push(`thread ${def.number}: heading "${s.title}" does not start with "${def.name}"`);
    }
    if (s.items.length === 0) problems.push(`thread ${def.number}: no "this means" list`);
    if (s.before.length === 0) problems.push(`thread ${def.number}: no description`);
    threads.push({
      slug: def.slug,
      number: def.number,
      name: def.name,
      title: s.title,
      description: repairParagraphs(s.before),
      thisMeans: s.items.map((i) => cleanInline(stripMarkdown(i.replace(/^[-*•]\s+/, '')))),
      notes: s.after.map(cleanInline),
      canonical: true,
      aliases: aliasesFor(def.slug),
    });
  }
  const known = new Set(THREAD_DEFINITIONS.map((d) => d.number));
  for (const s of sections) if (!known.has(s.number)) problems.push(`unexpected thread number ${s.number}: ${s.title}`);
  if (problems.length) throw new ParseError('golden threads (000)', problems);
  return threads;
}

// ---------------------------------------------------------------------------
// 003 – gap-narrowing benchmark
// ---------------------------------------------------------------------------

export type Strand = 'central_government' | 'local_government' | 'schools';

export interface GapBenchmark {
  title: string;
  /** The second line of the title page, run into the title by the extraction. */
  subtitle: string | null;
  preamble: string;
  principles: { numeral: string; text: string }[];
  statements: { number: number; strand: Strand; text: string }[];
}

const ROMAN = ['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii', 'viii', 'ix', 'x', 'xi', 'xii', 'xiii', 'xiv', 'xv'];

const STRAND_LABELS: Readonly<Record<string, Strand>> = {
  'central government': 'central_government',
  'local government': 'local_government',
  schools: 'schools',
};

/** Split "1. text 2. text …" (after HTML is stripped) into numbered items. */
function splitNumbered(text: string): { number: number; text: string }[] {
  const re = /(?:^|\s)(\d{1,3})\.\s+/g;
  const marks: { number: number; start: number; end: number }[] = [];
  for (let m = re.exec(text); m; m = re.exec(text)) {
    marks.push({ number: Number(m[1]), start: m.index, end: m.index + m[0].length });
  }
  return marks.map((mk, i) => ({
    number: mk.number,
    text: text.slice(mk.end, i + 1 < marks.length ? marks[i + 1].start : undefined).trim(),
  }));
}

export function parseGapBenchmark(text: string): GapBenchmark {
  const lines = splitLines(text);
  const problems: string[] = [];
  const nonEmpty = lines.map((l) => l.trim()).filter((l) => l !== '');
  const heading = cleanInline(nonEmpty[0] ?? '');
  if (!/benchmark/i.test(heading)) problems.push(`first line is not the benchmark title: ${heading}`);
  // "Every Child Matters: A draft benchmark for 'gap narrowing' Central and Local Government in partnership with schools"
  const split = /^(.*\bbenchmark for '[^']+')\s+(\S.*)$/i.exec(heading);
  const title = split ? split[1] : heading;
  const subtitle = split ? split[2] : null;

  const principles: { numeral: string; fragments: string[] }[] = [];
  const statements: { number: number; strand: Strand; text: string }[] = [];
  const preamble: string[] = [];
  let strand: Strand | null = null;
  let inTable = false;

  for (const raw of lines.slice(lines.indexOf(nonEmpty[0]) + 1)) {
    const line = raw.trim();
    if (line === '') continue;
    if (/^partnership strand\b/i.test(line)) {
      inTable = true;
      continue;
    }
    if (inTable) {
      const [label, ...rest] = raw.split('\t');
      const key = cleanInline(stripHtml(label)).toLowerCase();
      if (key !== '') {
        const s = STRAND_LABELS[key];
        if (!s) {
          problems.push(`unknown partnership strand: "${label}"`);
          continue;
        }
        strand = s;
      }
      if (!strand) {
        problems.push(`statement text before any strand: ${line.slice(0, 60)}`);
        continue;
      }
      for (const item of splitNumbered(cleanInline(stripHtml(rest.join(' '))))) {
        statements.push({ number: item.number, strand, text: repairParagraphs([item.text]) });
      }
      continue;
    }
    const principle = /^[-•*]?\s*([ivxlc]+)\.\s+(.*)$/i.exec(line);
    if (principle) {
      principles.push({ numeral: principle[1].toLowerCase(), fragments: [principle[2]] });
    } else if (principles.length > 0) {
      principles[principles.length - 1].fragments.push(line); // continuation of a broken line
    } else {
      preamble.push(line);
    }
  }

  principles.forEach((p, i) => {
    if (p.numeral !== ROMAN[i]) problems.push(`principle ${i + 1} has numeral "${p.numeral}", expected "${ROMAN[i]}"`);
  });
  statements.forEach((s, i) => {
    if (s.number !== i + 1) problems.push(`statement ${i + 1} is numbered ${s.number}`);
  });
  if (principles.length === 0) problems.push('no principles found');
  if (statements.length === 0) problems.push('no statements found');
  if (problems.length) throw new ParseError('gap benchmark (003)', problems);
  return {
    title,
    subtitle,
    preamble: repairParagraphs(preamble),
    principles: principles.map((p) => ({ numeral: p.numeral, text: repairParagraphs(p.fragments) })),
    statements,
  };
}

// ---------------------------------------------------------------------------
// 004 – case studies
// ---------------------------------------------------------------------------

export type Part = 'A' | 'B';

export interface CaseStudy {
  number: number;
  /** The local authority the example comes from (not the contact person). */
  authority: string;
  title: string;
  /** A: demonstrable impact on outcomes (1–43); B: some early evidence of impact (44–114). */
  part: Part;
  area: string;
  content: string;
  /** From "Outcome:", "Outcomes:", "Outcome to date:", "Outcome and what is working:", … */
  outcomes: string;
  /** true when the source labels the outcomes "Outcome(s) (to date) and what
   * is working:" – then `outcomes` also says what is working (all of part B). */
  outcomesIncludeWhatIsWorking: boolean;
  /** From "Why it works:"; null where the source has none (part B, whose
   * "what is working" is part of `outcomes`). */
  whyItWorks: string | null;
  goldenThreads: ThreadSlug[];
  /** Headings of the index by subject under which the example is listed. */
  subjects: Subject[];
}

type FieldKey = 'area' | 'content' | 'outcomes' | 'whyItWorks' | 'goldenThreads' | 'contact';

function isWhatIsWorkingLabel(label: string): boolean {
  return /\band what is working$/i.test(label.trim());
}

/**
 * Field labels as they occur in 004 (normalised to lower case, single spaces),
 * mapped to fields. A line starting with anything else followed by ":" is body
 * text, not a label.
 */
export const FIELD_LABELS: Readonly<Record<string, FieldKey>> = {
  area: 'area',
  content: 'content',
  outcome: 'outcomes',
  outcomes: 'outcomes',
  'outcome to date': 'outcomes',
  'outcome and what is working': 'outcomes',
  'outcomes and what is working': 'outcomes',
  'outcome to date and what is working': 'outcomes',
  'why it works': 'whyItWorks',
  'golden threads': 'goldenThreads',
  contact: 'contact',
  'contact details': 'contact',
};

const LABEL_RE = /^\s*([A-Za-z][A-Za-z ]{1,45}?)\s*:\s*(.*)$/;

function matchLabel(line: string): { key: FieldKey; label: string; rest: string } | null {
  const m = LABEL_RE.exec(line);
  if (!m) return null;
  const label = m[1].toLowerCase().replace(/\s+/g, ' ');
  const key = Object.hasOwn(FIELD_LABELS, label) ? FIELD_LABELS[label] : undefined;
  return key ? { key, label, rest: m[2] } : null;
}

/**
 * Headings whose "Authority – Title" split needs a hand repair, keyed by case
 * number. 41's heading has no authority before the dash; 95's lost the dash
 * between programme name and subtitle (the indexes have it).
 */
export const HEADING_REPAIRS: Readonly<Record<number, { authority: string; title: string }>> = {
  41: { authority: 'Warrington', title: "Warrington's Way – The Warrington Family Support Model" },
  95: { authority: 'Rochdale', title: 'Fathers Programme – Integrating strategy and practice with fathers and separated families' },
};

/**
 * Known errors in the index by local authority, used only to cross-check the
 * authority of each case study: Hull's Top 700 Project is listed as "12."
 * (it is 13; 12 is Herefordshire's Cool Cats).
 */
export const LA_INDEX_CORRECTIONS: readonly { authority: string; listed: number; actual: number }[] = [
  { authority: 'Hull', listed: 12, actual: 13 },
];

/** Subject headings of the index by subject, in the document's order, with the
 * spelling used in the output. Index headings are matched case-insensitively. */
export const SUBJECTS = [
  'Primary schools',
  'Secondary schools',
  'Early years services',
  'Extended schools and services',
  'Systems and processes',
  'Working with parents',
  'Partnership',
  'Leadership, strategy and governance',
  'Data and knowledge management',
  'Health and wellbeing',
  'Teenage pregnancy',
  'Community development and regeneration',
  'Children with disabilities and special needs',
] as const;

export type Subject = (typeof SUBJECTS)[number];

function authorityKey(authority: string): string {
  return cleanInline(authority).toLowerCase().replace(/['’]s\b/g, '').replace(/[-–\s]+/g, ' ');
}

/** Does an index entry ("Kingston-upon-Thames - Early …") name this authority? */
function entryNamesAuthority(entry: string, authority: string): boolean {
  return authorityKey(entry).startsWith(authorityKey(authority));
}

interface RawCase {
  number: number;
  heading: string;
  part: Part;
  fields: Partial<Record<FieldKey, string[]>>;
  outcomesLabel: string | null;
  duplicateLabels: string[];
}

function findLine(lines: readonly string[], re: RegExp, from = 0): number {
  for (let i = from; i < lines.length; i++) if (re.test(lines[i])) return i;
  return -1;
}

export function parseCaseStudies(text: string): CaseStudy[] {
  const lines = splitLines(text);
  const problems: string[] = [];

  const partA = findLine(lines, /^A\.\s+Examples of effective practice/i);
  const partB = findLine(lines, /^B\.\s+Examples of effective practice/i);
  const laIndex = findLine(lines, /^Index of examples by Local Authority:?\s*$/i);
  const subjectIndex = findLine(lines, /^Index of examples by subject:?\s*$/i);
  if (partA < 0 || partB < 0 || laIndex < 0 || subjectIndex < 0 || !(partA < partB && partB < laIndex && laIndex < subjectIndex)) {
    throw new ParseError('case studies (004)', [
      `document landmarks not found in order: part A at ${partA}, part B at ${partB}, LA index at ${laIndex}, subject index at ${subjectIndex}`,
    ]);
  }

  // --- split the body into case studies --------------------------------------
  const raws: RawCase[] = [];
  let current: RawCase | null = null;
  let field: FieldKey | null = null;
  for (let i = partA + 1; i < laIndex; i++) {
    const line = lines[i];
    if (i === partB) {
      field = null;
      current = null;
      continue;
    }
    // A heading is "<next number> <Capitalised text>": requiring the next
    // number in sequence keeps phone numbers ("024 7683 4337") out.
    const heading = /^(\d{1,3})\s+(\S.*)$/.exec(line);
    const expected = raws.length + 1;
    if (heading && Number(heading[1]) === expected && /^[A-Z]/.test(heading[2])) {
      current = { number: expected, heading: heading[2], part: i < partB ? 'A' : 'B', fields: {}, outcomesLabel: null, duplicateLabels: [] };
      raws.push(current);
      field = null;
      continue;
    }
    const label = matchLabel(line);
    if (label) {
      if (!current) {
        problems.push(`line ${i + 1}: field before the first case study`);
        continue;
      }
      field = label.key;
      if (field === 'outcomes') current.outcomesLabel = label.label;
      if (current.fields[field]) current.duplicateLabels.push(field);
      current.fields[field] = [...(current.fields[field] ?? []), label.rest];
      continue;
    }
    if (line.trim() === '') {
      if (current && field) current.fields[field]!.push('');
      continue;
    }
    if (!current || !field) {
      problems.push(`line ${i + 1}: text outside any field: ${line.slice(0, 80)}`);
      continue;
    }
    current.fields[field]!.push(line);
  }

  // --- subjects ----------------------------------------------------------------
  const subjectsByCase = parseSubjectIndex(lines.slice(subjectIndex + 1), problems);

  // --- assemble -----------------------------------------------------------------
  const studies: CaseStudy[] = [];
  for (const raw of raws) {
    const where = `case study ${raw.number}`;
    if (raw.duplicateLabels.length) problems.push(`${where}: repeated field(s) ${raw.duplicateLabels.join(', ')}`);
    const repaired = HEADING_REPAIRS[raw.number];
    let authority: string;
    let title: string;
    if (repaired) {
      ({ authority, title } = repaired);
    } else {
      const dash = /\s+[–-]\s+/.exec(raw.heading);
      if (!dash) {
        problems.push(`${where}: heading has no "Authority – Title" dash: ${raw.heading}`);
        continue;
      }
      authority = cleanInline(raw.heading.slice(0, dash.index));
      title = cleanInline(raw.heading.slice(dash.index + dash[0].length));
    }
    title = title.replace(/\s*[.:]$/, '');
    title = title.charAt(0).toUpperCase() + title.slice(1); // "locality partnership planning" (86)

    const field = (key: FieldKey): string => repairParagraphs(raw.fields[key] ?? []);
    const required: FieldKey[] = ['area', 'content', 'outcomes', 'goldenThreads'];
    if (raw.part === 'A') required.push('whyItWorks');
    for (const key of required) if (!field(key)) problems.push(`${where}: missing or empty field ${key}`);

    const threadText = field('goldenThreads');
    const { slugs, unknown } = mapGoldenThreads(threadText);
    if (unknown.length) problems.push(`${where}: unrecognised golden thread(s): ${unknown.map((u) => JSON.stringify(u)).join(', ')}`);

    const why = field('whyItWorks');
    studies.push({
      number: raw.number,
      authority,
      title,
      part: raw.part,
      area: field('area').replace(/\.$/, ''),
      content: field('content'),
      outcomes: field('outcomes'),
      outcomesIncludeWhatIsWorking: isWhatIsWorkingLabel(raw.outcomesLabel ?? ''),
      whyItWorks: why === '' ? null : why,
      goldenThreads: slugs,
      subjects: subjectsByCase.get(raw.number)?.map((s) => s.subject) ?? [],
    });
  }

  if (raws.length !== 114) problems.push(`expected 114 case studies, found ${raws.length}`);

  // --- cross-checks against the two indexes --------------------------------------
  const byNumber = new Map(studies.map((s) => [s.number, s]));
  for (const [n, entries] of subjectsByCase) {
    const study = byNumber.get(n);
    if (!study) {
      problems.push(`subject index lists ${n}, which is not a case study`);
      continue;
    }
    for (const e of entries) {
      if (!entryNamesAuthority(e.entry, study.authority)) {
        problems.push(`subject index "${e.subject}" lists ${n}. as "${e.entry}", but ${n} is ${study.authority}`);
      }
    }
  }
  checkLocalAuthorityIndex(lines.slice(laIndex + 1, subjectIndex), byNumber, problems);

  if (problems.length) throw new ParseError('case studies (004)', problems);
  return studies;
}

/** Parse the index by subject: rows are "heading<TAB>entries", continuation rows
 * have an empty heading cell, "--" rows are table rules. */
function parseSubjectIndex(
  lines: readonly string[],
  problems: string[],
): Map<number, { subject: Subject; entry: string }[]> {
  const result = new Map<number, { subject: Subject; entry: string }[]>();
  const canonical = new Map<string, Subject>(SUBJECTS.map((s) => [s.toLowerCase(), s]));
  const seen = new Set<Subject>();
  let subject: Subject | null = null;
  for (const raw of lines) {
    if (raw.trim() === '') continue;
    const cells = raw.split('\t');
    const head = cleanInline(stripHtml(cells.length > 1 ? cells[0] : ''));
    const body = cleanInline(stripHtml(cells.length > 1 ? cells.slice(1).join(' ') : cells[0]));
    if (/^-+$/.test(head) && /^-*$/.test(body)) continue; // table rule
    if (head !== '') {
      const name = canonical.get(head.toLowerCase());
      if (!name) {
        problems.push(`unknown subject heading in index: "${head}"`);
        subject = null;
        continue;
      }
      if (seen.has(name)) problems.push(`subject heading repeated in index: "${head}"`);
      seen.add(name);
      subject = name;
    }
    if (!subject) {
      problems.push(`subject index entry before any heading: ${body.slice(0, 60)}`);
      continue;
    }
    for (const item of splitNumbered(body)) {
      const list = result.get(item.number) ?? [];
      if (!list.some((e) => e.subject === subject)) list.push({ subject, entry: item.text });
      result.set(item.number, list);
    }
  }
  for (const s of SUBJECTS) if (!seen.has(s)) problems.push(`subject heading missing from index: "${s}"`);
  // output subjects in the index's order
  for (const list of result.values()) list.sort((a, b) => SUBJECTS.indexOf(a.subject) - SUBJECTS.indexOf(b.subject));
  return result;
}

/** Check that each case study is listed once in the index by local authority,
 * under its own authority. */
function checkLocalAuthorityIndex(
  lines: readonly string[],
  byNumber: ReadonlyMap<number, CaseStudy>,
  problems: string[],
): void {
  const listed = new Map<number, string[]>();
  for (const raw of lines) {
    if (raw.trim() === '') continue;
    const m = /^([^\t:]+):\s*\t?(.*)$/.exec(raw);
    if (!m) {
      problems.push(`unreadable line in index by local authority: ${raw.slice(0, 60)}`);
      continue;
    }
    const authority = cleanInline(m[1]);
    for (const item of splitNumbered(cleanInline(m[2]))) {
      const correction = LA_INDEX_CORRECTIONS.find((c) => c.authority === authority && c.listed === item.number);
      const n = correction ? correction.actual : item.number;
      listed.set(n, [...(listed.get(n) ?? []), authority]);
    }
  }
  for (const [n, study] of byNumber) {
    const authorities = listed.get(n) ?? [];
    if (authorities.length !== 1) {
      problems.push(`case study ${n} is listed ${authorities.length} times in the index by local authority (${authorities.join(', ')})`);
    } else if (authorityKey(authorities[0]) !== authorityKey(study.authority)) {
      problems.push(`case study ${n}: heading says "${study.authority}", index by local authority says "${authorities[0]}"`);
    }
  }
  for (const n of listed.keys()) if (!byNumber.has(n)) problems.push(`index by local authority lists ${n}, which is not a case study`);
}

// ---------------------------------------------------------------------------
// Everything together
// ---------------------------------------------------------------------------

export interface SeedTexts {
  goldenThreads: string;
  gapBenchmark: string;
  caseStudies: string;
}

export interface SeedLibrary {
  goldenThreads: GoldenThread[];
  gapBenchmark: GapBenchmark;
  caseStudies: CaseStudy[];
}

export function parseSeedLibrary(texts: SeedTexts): SeedLibrary {
  const problems: string[] = [];
  const attempt = <T>(f: () => T): T | null => {
    try {
      return f();
    } catch (err) {
      if (err instanceof ParseError) {
        problems.push(err.message);
        return null;
      }
      throw err;
    }
  };
  const goldenThreads = attempt(() => parseGoldenThreads(texts.goldenThreads));
  const gapBenchmark = attempt(() => parseGapBenchmark(texts.gapBenchmark));
  const caseStudies = attempt(() => parseCaseStudies(texts.caseStudies));
  if (!goldenThreads || !gapBenchmark || !caseStudies) throw new ParseError('seed library', problems);
  return { goldenThreads, gapBenchmark, caseStudies };
}

/** The exact form the JSON files are committed in. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
