/**
 * The seed library (seeds/library/*.json) against the seed documents in
 * seeds/library/source-texts/ (or $SEEDS_SOURCE_DIR).
 *
 * The expectations below come from reading the source documents, not from the
 * generated JSON: counts and part boundaries from the README and the headings
 * of 004, sample records from their text in 004, strands from the table in 003.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  HEADING_REPAIRS,
  ParseError,
  THREAD_SLUGS,
  mapGoldenThreads,
  parseCaseStudies,
  parseSeedLibrary,
  repairParagraphs,
  toJson,
} from '../../seeds/library/parse.ts';
import type { CaseStudy, SeedLibrary, ThreadSlug } from '../../seeds/library/parse.ts';
import { LIBRARY_DIR, OUTPUT_FILES, SOURCE_FILES, readSeedTexts, sourceDir } from '../../seeds/library/sources.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_SCRIPT = path.join(REPO_ROOT, 'seeds/library/build.ts');

const texts = await readSeedTexts();
const library = parseSeedLibrary(texts);
const { caseStudies, goldenThreads, gapBenchmark } = library;
const committed = {} as Record<keyof SeedLibrary, string>;
for (const key of Object.keys(OUTPUT_FILES) as (keyof SeedLibrary)[]) {
  committed[key] = await readFile(path.join(LIBRARY_DIR, OUTPUT_FILES[key]), 'utf8');
}
const byNumber = (n: number): CaseStudy => {
  const found = caseStudies.find((c) => c.number === n);
  if (!found) throw new Error(`no case study ${n}`);
  return found;
};

// --- helpers that look at the source text directly ------------------------------

/** Compare text regardless of where the extraction put whitespace. */
const squash = (s: string): string => s.replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/\s+/g, '');

/** The lines of 004 that belong to case study n: its heading to the next heading. */
function sourceBlock(n: number): string[] {
  const lines = texts.caseStudies.replace(/\r/g, '').split('\n');
  const start = lines.findIndex((l) => new RegExp(`^${n} [A-Z]`).test(l));
  const endMarker = n === 114 ? /^Index of examples by Local Authority/ : new RegExp(`^${n + 1} [A-Z]`);
  const end = lines.findIndex((l, i) => i > start && endMarker.test(l));
  if (start < 0 || end < 0) throw new Error(`case study ${n} not found in source`);
  return lines.slice(start, end).filter((l) => !/^B\. Examples/.test(l));
}

/** Places where a sentence runs on across a paragraph break, or where a word
 * hyphenated across a line break was left split. */
function brokenLines(text: string): string[] {
  const found: string[] = [];
  const paragraphs = text.split('\n\n');
  paragraphs.forEach((p, i) => {
    if (/\n(?!- )/.test(p)) found.push(`stray line break: ${JSON.stringify(p.slice(0, 60))}`);
    if (/[a-z]-$/.test(p)) found.push(`hyphen at paragraph end: …${p.slice(-40)}`);
    const next = paragraphs[i + 1];
    if (next === undefined) return;
    if (/^[a-z]/.test(next)) found.push(`paragraph starts lower case: …${p.slice(-30)} ¶ ${next.slice(0, 30)}`);
    const last = p.split('\n').pop() ?? '';
    if (!/^- /.test(last) && !/[.!?:]["')]*$/.test(last)) found.push(`paragraph ends mid-sentence: …${p.slice(-40)} ¶ ${next.slice(0, 30)}`);
  });
  for (const m of text.matchAll(/[a-z]- (?!(?:and|or|to|nor)\b)[a-z]+/g)) found.push(`split hyphenated word: ${m[0]}`);
  return found;
}

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[\w.-]+@(?=\s|$)/;
/** A UK phone number: 0 and 9–10 more digits, maybe spaced or hyphenated. */
const PHONE = /\b0(?:[ -]?\d){9,10}\b|\bTel\b/i;

// ---------------------------------------------------------------------------

t.test('counts', async (t) => {
  t.equal(caseStudies.length, 114, '114 case studies');
  t.equal(caseStudies.filter((c) => c.part === 'A').length, 43, '43 in part A');
  t.equal(caseStudies.filter((c) => c.part === 'B').length, 71, '71 in part B');
  t.same(
    caseStudies.map((c) => c.number).sort((a, b) => a - b),
    Array.from({ length: 114 }, (_, i) => i + 1),
    'numbers 1..114, each once',
  );
  for (const c of caseStudies) {
    if ((c.part === 'A') !== c.number <= 43) t.fail(`case study ${c.number} is in part ${c.part}`);
  }
  t.equal(goldenThreads.filter((g) => g.canonical).length, 10, '10 canonical threads');
  t.equal(gapBenchmark.principles.length, 11, '11 principles');
  t.equal(gapBenchmark.statements.length, 17, '17 statements');
});

t.test('golden threads', async (t) => {
  const canonical = goldenThreads.filter((g) => g.canonical);
  t.same(canonical.map((g) => g.number), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  t.same(
    goldenThreads.filter((g) => !g.canonical).map((g) => g.slug).sort(),
    ['culture-not-structure', 'it-takes-a-community'],
    'the two extra threads of the longer list of 12',
  );
  t.equal(new Set(goldenThreads.map((g) => g.slug)).size, 12, 'slugs are unique');
  const headings = [...texts.goldenThreads.matchAll(/^#+\s+(\d+)\.\s+(.+)$/gm)];
  t.equal(headings.length, 10);
  for (const [, num, heading] of headings) {
    const g = canonical.find((x) => x.number === Number(num));
    t.equal(g?.title, heading.replace(/\*\*/g, '').replace(/[‘’]/g, "'").trim(), `title of thread ${num}`);
    t.ok(g?.description && g.description.length > 100, `thread ${num} has a description`);
  }
  // every "- " line of 000 is an item of some "this means" list
  const items = texts.goldenThreads.split('\n').filter((l) => /^- /.test(l));
  t.equal(canonical.reduce((n, g) => n + g.thisMeans.length, 0), items.length, 'all "this means" items kept');
  const t1 = goldenThreads.find((g) => g.slug === 'you-can-do-it');
  t.equal(t1?.number, 1);
  t.match(t1?.description ?? '', /one trusted adult \(in addition to their parents/);
  t.ok(t1?.thisMeans.includes('no child written off'));
  t.notMatch(JSON.stringify(goldenThreads), /\*\*|##/, 'markdown stripped');
  const prove = goldenThreads.find((g) => g.slug === 'prove-it');
  t.equal(prove?.number, 9);
  t.match(prove?.thisMeans.join('\n') ?? '', /'outcomes based accountability' as a framework/);
  t.same(goldenThreads.find((g) => g.slug === 'together-with-parents')?.notes, ['2008 – the year of the family']);
  const used = new Set(caseStudies.flatMap((c) => c.goldenThreads));
  t.same([...used].sort(), goldenThreads.map((g) => g.slug).sort(), 'case studies use all 12 threads, and only these');
});

t.test('thread aliases', async (t) => {
  t.same(mapGoldenThreads('all 12').slugs, [...THREAD_SLUGS], '"all 12" expands to every thread');
  t.same(mapGoldenThreads('all.').slugs, [...THREAD_SLUGS], '"all" expands to every thread');
  t.equal(THREAD_SLUGS.length, 12);
  const variants: [string, ThreadSlug[]][] = [
    ['prove it', ['prove-it']],
    ['prove it – making change happen', ['prove-it']],
    ['prove it- making change happen', ['prove-it']],
    ['prove it -making change happen', ['prove-it']],
    ['prove it, making change happen', ['prove-it']],
    ['Learning how to learn', ['learning-to-learn']],
    ['through the eyes and voice of the child', ['through-the-eyes-of-the-child']],
    ['through the voice and eyes of the child', ['through-the-eyes-of-the-child']],
    ['From good to great – passion with purpose', ['from-good-to-great']],
    ['sanity, not vanity', ['unite-to-succeed']],
    ['holding on to the baton.', ['holding-onto-the-baton']],
    ['unite to succeed, together with parents', ['together-with-parents', 'unite-to-succeed']],
  ];
  for (const [text, slugs] of variants) {
    const r = mapGoldenThreads(text);
    t.same([...r.slugs].sort(), [...slugs].sort(), text);
    t.same(r.unknown, [], `${text}: nothing unrecognised`);
  }
  t.same(mapGoldenThreads('you can do it; bananas to boats').unknown, ['bananas to boats'], 'unknown text is reported');
});

t.test('gap benchmark', async (t) => {
  t.same(gapBenchmark.principles.map((p) => p.numeral), ['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii', 'viii', 'ix', 'x', 'xi']);
  t.same(gapBenchmark.statements.map((s) => s.number), Array.from({ length: 17 }, (_, i) => i + 1));
  const strandOf = (n: number) => (n <= 5 ? 'central_government' : n <= 12 ? 'local_government' : 'schools');
  for (const s of gapBenchmark.statements) t.equal(s.strand, strandOf(s.number), `statement ${s.number} strand`);
  t.match(gapBenchmark.principles[0].text, /^there must be ambition, commitment, energy and focus/);
  t.match(gapBenchmark.principles[7].text, /parents \(mothers and fathers\) and carers/);
  t.match(gapBenchmark.principles[10].text, /'gap narrowing' trends and the action needed to achieve intended outcomes$/);
  t.match(gapBenchmark.statements[0].text, /^There is clarity in the message and leadership of 'gap narrowing' objectives/);
  t.match(gapBenchmark.statements[4].text, /commitment to children$/, 'statement 5 does not run into the next row');
  t.match(gapBenchmark.statements[7].text, /duty of 'sufficiency' in accordance with the Childcare Act 2006/);
  t.match(gapBenchmark.statements[12].text, /^School improvement plans include/);
  t.match(gapBenchmark.statements[16].text, /^Schools and early years settings actively support parents/);
  for (const s of [...gapBenchmark.principles, ...gapBenchmark.statements]) {
    t.notMatch(s.text, /<|>|\t|^\d+\.|\s\d{1,2}\.\s+[A-Z]/, `no HTML or run-on numbering: ${s.text.slice(0, 40)}`);
    t.ok(squash(texts.gapBenchmark).includes(squash(s.text)), `text is from 003: ${s.text.slice(0, 40)}`);
  }
});

interface Sample {
  number: number;
  authority: string;
  title: string;
  part: 'A' | 'B';
  area: string;
  content: RegExp[];
  outcomes: RegExp[];
  whyItWorks: RegExp[] | null;
  threads: ThreadSlug[];
  subjects: string[];
}

const ALL_THREADS = [...THREAD_SLUGS];

const samples: Sample[] = [
  {
    number: 1,
    authority: 'Bath and North East Somerset',
    title: 'The Forest School approach',
    part: 'A',
    area: 'Midsomer Norton Primary School, Bath and NE Somerset',
    content: [/^The project involved 10 reception class pupils/, /two classes \(five girls and five boys\) were involved/],
    outcomes: [/^Improved Ferre Laevers well-being Scales/],
    whyItWorks: [/quality outdoor clothing!/, /the value of the forest school approach for early years children\.$/],
    threads: ['you-can-do-it', 'through-the-eyes-of-the-child', 'learning-to-learn', 'shape-up-and-keep-fit'],
    subjects: ['Primary schools', 'Early years services'],
  },
  {
    number: 5,
    authority: 'Coventry',
    title: 'Data Book',
    part: 'A',
    area: 'Coventry',
    content: [/holds a 'Turning the Curve – Data Day' event/, /the trend, the statistics and the story behind the data\.$/],
    outcomes: [/^Strategic planning across the whole children's trust is evidence based/, /faster progress\.$/],
    whyItWorks: [/^Because it provides coherent and focused information/, /turns a focus on targets into a focus on outcomes/],
    threads: ['you-can-do-it', 'unite-to-succeed', 'prove-it', 'from-good-to-great', 'culture-not-structure'],
    subjects: ['Data and knowledge management'],
  },
  {
    number: 13,
    authority: 'Hull',
    title: 'Top 700 Project',
    part: 'A',
    area: 'Kingston upon Hull City Council',
    content: [/with complex problems – focussing initially on non-school attendance\. This is based within Hull's/],
    outcomes: [/^data shows a major reduction in non-attendance/],
    whyItWorks: [/^clarity of vision/],
    threads: ALL_THREADS,
    subjects: ['Systems and processes', 'Working with parents', 'Partnership'],
  },
  {
    number: 36,
    authority: 'Swindon',
    title: 'Local Preventative Groups',
    part: 'A',
    area: 'Swindon',
    content: [/such as colleges, schools and early years, identify children/, /The pilot budget-holding lead professional/],
    outcomes: [/^In a longitudinal evaluation of the LPG's 50% of parents said/],
    whyItWorks: [/^clear leadership, coupled with a shared ethos/],
    threads: [
      'you-can-do-it', 'together-with-parents', 'through-the-eyes-of-the-child', 'holding-onto-the-baton',
      'unite-to-succeed', 'shape-up-and-keep-fit', 'prove-it', 'from-good-to-great',
    ],
    subjects: ['Systems and processes', 'Partnership'],
  },
  {
    number: 41,
    authority: 'Warrington',
    title: "Warrington's Way – The Warrington Family Support Model",
    part: 'A',
    area: 'Warrington',
    content: [/a Family Support Plan is agreed\. It is monitored using a model that sets a baseline/],
    outcomes: [/The average individual need score fell from 12 to 7/],
    whyItWorks: [/^The model builds on the CAF framework/],
    threads: [
      'you-can-do-it', 'together-with-parents', 'through-the-eyes-of-the-child', 'unite-to-succeed',
      'shape-up-and-keep-fit', 'prove-it', 'culture-not-structure',
    ],
    subjects: ['Working with parents', 'Partnership'],
  },
  {
    number: 54,
    authority: 'Derby',
    title: 'Parent safeguarding champions',
    part: 'B',
    area: 'Derby',
    content: [/'local community safeguarding champions'/],
    outcomes: [/^The whole project has been parent-led, parent designed/],
    whyItWorks: null,
    threads: ['together-with-parents', 'unite-to-succeed', 'shape-up-and-keep-fit', 'prove-it', 'it-takes-a-community'],
    subjects: ['Working with parents'],
  },
  {
    number: 64,
    authority: 'Hackney',
    title: 'Co-educators for Turkish, Kurdish and Turkish Cypriot pupils at KS3 and KS4',
    part: 'B',
    area: 'Hackney – four secondary schools',
    content: [/^Trained co-educators, commissioned from the community and voluntary sector/],
    outcomes: [/^tracking and monitoring of student progress/, /By term 3 the figure had risen to 22\./],
    whyItWorks: null,
    threads: [
      'you-can-do-it', 'together-with-parents', 'through-the-eyes-of-the-child', 'learning-to-learn',
      'cornflakes-to-canoeing', 'prove-it', 'it-takes-a-community',
    ],
    subjects: ['Secondary schools', 'Working with parents'],
  },
  {
    number: 107,
    authority: 'Wakefield',
    title: 'Outcomes based accountability',
    part: 'B',
    area: 'Wakefield',
    content: [
      /^Wakefield has introduced outcomes based accountability as a single framework/,
      /to agree actions between partners, to identify performance measures for each CYP Plan priority, and as a performance monitoring tool\.$/,
    ],
    outcomes: [/^What works is effective leadership in introducing a single framework/, /common moral purpose\.$/],
    whyItWorks: null,
    threads: ['unite-to-succeed', 'shape-up-and-keep-fit', 'prove-it', 'from-good-to-great', 'culture-not-structure'],
    subjects: ['Systems and processes', 'Partnership', 'Data and knowledge management'],
  },
  {
    number: 112,
    authority: 'Westminster',
    title: 'Outreach Teams',
    part: 'B',
    area: "Westminster children's centres",
    content: [/and encouraging their continuing involvement with relevant services\./, /^The key function of the outreach teams/m],
    outcomes: [/There is also effective leadership\. However local flexibility/],
    whyItWorks: null,
    threads: [
      'together-with-parents', 'through-the-eyes-of-the-child', 'holding-onto-the-baton', 'unite-to-succeed',
      'shape-up-and-keep-fit', 'it-takes-a-community',
    ],
    subjects: ['Early years services', 'Working with parents', 'Health and wellbeing'],
  },
  {
    number: 114,
    authority: 'Wiltshire',
    title: 'Chippenham Town Partnership',
    part: 'B',
    area: 'Chippenham, Wiltshire',
    content: [/This partnership works with the District and County Council/, /a levy of £10 per school student/],
    outcomes: [/Other schools in Wiltshire are now beginning to create similar partnerships$/],
    whyItWorks: null,
    threads: [
      'through-the-eyes-of-the-child', 'unite-to-succeed', 'shape-up-and-keep-fit', 'from-good-to-great',
      'it-takes-a-community', 'culture-not-structure',
    ],
    subjects: ['Partnership', 'Leadership, strategy and governance', 'Children with disabilities and special needs'],
  },
];

t.test('sample records match the source text', async (t) => {
  for (const s of samples) {
    t.test(`case study ${s.number}`, async (t) => {
      const c = byNumber(s.number);
      t.equal(c.authority, s.authority, 'authority');
      t.equal(c.title, s.title, 'title');
      t.equal(c.part, s.part, 'part');
      t.equal(c.area, s.area, 'area');
      for (const re of s.content) t.match(c.content, re, `content ${re}`);
      for (const re of s.outcomes) t.match(c.outcomes, re, `outcomes ${re}`);
      if (s.whyItWorks === null) {
        t.equal(c.whyItWorks, null, 'no separate "why it works"');
        t.equal(c.outcomesIncludeWhatIsWorking, true, 'outcomes labelled "... and what is working"');
      } else {
        t.equal(c.outcomesIncludeWhatIsWorking, false);
        for (const re of s.whyItWorks) t.match(c.whyItWorks ?? '', re, `whyItWorks ${re}`);
      }
      t.same([...c.goldenThreads].sort(), [...s.threads].sort(), 'golden threads');
      t.same([...c.subjects].sort(), [...s.subjects].sort(), 'subjects');
    });
  }
});

t.test('case study 9: "expect the best – passion with purpose" means threads 1 and 10', async (t) => {
  const c = byNumber(9);
  t.same([...c.goldenThreads].sort(), ['from-good-to-great', 'shape-up-and-keep-fit', 'together-with-parents', 'unite-to-succeed', 'you-can-do-it']);
});

t.test('every record against its own block of the source', async (t) => {
  for (const c of caseStudies) {
    const block = sourceBlock(c.number);
    const heading = block[0];
    if (!HEADING_REPAIRS[c.number]) {
      t.ok(heading.startsWith(`${c.number} ${c.authority} – `), `${c.number}: authority from heading`);
      t.ok(squash(heading).toLowerCase().includes(squash(c.title).toLowerCase()), `${c.number}: title from heading`);
    }
    // nothing invented: every paragraph is in the source block
    const own = squash(block.join('\n'));
    for (const field of ['area', 'content', 'outcomes', 'whyItWorks'] as const) {
      for (const para of (c[field] ?? '').split('\n\n')) {
        if (!own.includes(squash(para))) t.fail(`${c.number} ${field}: not in source: ${para.slice(0, 60)}`);
      }
    }
    // nothing lost: every source line before "Golden threads:" is in the text fields
    const texts = squash([c.area, c.content, c.outcomes, c.whyItWorks ?? ''].join(''));
    const threadsAt = block.findIndex((l) => /^Golden threads:/.test(l));
    t.ok(threadsAt > 0, `${c.number}: has golden threads`);
    for (const line of block.slice(1, threadsAt)) {
      const body = line.replace(/^[A-Z][A-Za-z ]{0,45}?:\s*/, '').replace(/\.$/, '');
      if (squash(body) && !texts.includes(squash(body))) t.fail(`${c.number}: source line lost: ${line.slice(0, 60)}`);
    }
    t.ok(c.goldenThreads.length >= 3, `${c.number}: at least three threads`);
    t.ok(c.subjects.length >= 1, `${c.number}: listed in the index by subject`);
    if (c.part === 'A') t.ok(c.whyItWorks, `${c.number}: part A has "why it works"`);
  }
});

t.test('subjects come from the index by subject, without HTML', async (t) => {
  const headings = [
    'Primary schools', 'Secondary schools', 'Early years services', 'Extended schools and services',
    'Systems and processes', 'Working with parents', 'Partnership', 'Leadership, strategy and governance',
    'Data and knowledge management', 'Health and wellbeing', 'Teenage pregnancy',
    'Community development and regeneration', 'Children with disabilities and special needs',
  ];
  const used = new Set(caseStudies.flatMap((c) => c.subjects));
  t.same([...used].sort(), [...headings].sort(), 'the 13 subject headings');
  // one (case, subject) pair per numbered entry in the index
  const index = texts.caseStudies.slice(texts.caseStudies.indexOf('Index of examples by subject'));
  const entries = [...index.replace(/<[^>]*>/g, ' ').matchAll(/(?:^|\s)(\d{1,3})\.\s/g)];
  t.equal(caseStudies.reduce((n, c) => n + c.subjects.length, 0), entries.length, 'every index entry is used');
  t.same(byNumber(105).subjects, ['Health and wellbeing', 'Teenage pregnancy']);
  t.same(byNumber(19).subjects, ['Community development and regeneration'], '"Better Futures 2 21. Leeds" splits right');
});

t.test('no contact details', async (t) => {
  // The repository's copies of the documents have their contact lines removed (seeds/library/source-texts/README.md).
  for (const [name, text] of Object.entries(texts)) {
    t.notMatch(text, EMAIL, `${name}: no email address in the committed source`);
  }
  const contactLines = (texts.caseStudies.match(/^Contact.*$/gm) ?? []);
  t.ok(contactLines.length >= 114, 'a contact line per case study, emptied');
  t.ok(contactLines.every((l) => /^Contact(?: details)?\s*:\s*\(removed\)$/i.test(l)), 'every contact line says (removed)');

  // The parser drops a contact line whatever it holds: put a full one back into case study 5 and parse.
  const person = 'Contact: Helen Nicholls, Head of Service, helen.nicholls@coventry.gov.uk, 01364 72203';
  const at = texts.caseStudies.indexOf('Contact: (removed)', texts.caseStudies.indexOf('\n5 '));
  t.ok(at > 0, 'case study 5 has a contact line');
  const withContact = texts.caseStudies.slice(0, at) + person + texts.caseStudies.slice(at + 'Contact: (removed)'.length);
  const parsed = parseCaseStudies(withContact);
  const record = JSON.stringify(parsed);
  t.notOk(record.includes('Helen Nicholls'), 'no contact name in the output');
  t.notOk(record.includes('helen.nicholls'), 'no contact email in the output');
  t.notOk(record.includes('72203'), 'no contact phone number in the output');

  for (const c of caseStudies) {
    const fields = Object.values(c).join('\n');
    t.notMatch(fields, EMAIL, `${c.number}: no email address`);
    t.notMatch(fields, PHONE, `${c.number}: no phone number`);
    t.notMatch(fields, /\bContact\b/, `${c.number}: no "Contact"`);
  }
  t.match('Contact: Helen Nicholls 01364 72203', PHONE, 'the phone pattern would catch a contact line');
  t.match('Contact: office@\nsittingbourne.kent.sch.uk', EMAIL, 'the email pattern would catch a split address');
});

t.test('no lines broken mid-sentence', async (t) => {
  t.not(brokenLines('aimed at establishing a\n\npattern of strong attendance.'), [], 'the check catches a run-on break');
  t.not(brokenLines('focussing initially on non-\n\nschool attendance.'), [], 'the check catches a split word');
  t.not(brokenLines('budget- holding lead professional.'), [], 'the check catches a split word inside a line');
  const fields: [string, string][] = [];
  for (const c of caseStudies) {
    for (const k of ['title', 'area', 'content', 'outcomes', 'whyItWorks'] as const) fields.push([`${c.number} ${k}`, c[k] ?? '']);
  }
  for (const g of goldenThreads) {
    fields.push([`${g.slug} description`, g.description ?? '']);
    g.thisMeans.forEach((m, i) => fields.push([`${g.slug} thisMeans ${i}`, m]));
  }
  for (const p of gapBenchmark.principles) fields.push([`principle ${p.numeral}`, p.text]);
  for (const s of gapBenchmark.statements) fields.push([`statement ${s.number}`, s.text]);
  for (const [where, text] of fields) {
    const found = brokenLines(text);
    if (found.length) t.fail(`${where}: ${found.join('; ')}`);
    if (/\s{2,}(?!- )|^\s|\s$/.test(text.replace(/\n\n/g, ' ').replace(/\n- /g, ' '))) t.fail(`${where}: stray whitespace`);
  }
  t.pass(`${fields.length} text fields checked`);
});

t.test('repairParagraphs', async (t) => {
  t.equal(
    repairParagraphs(['The scheme aimed at establishing a', '', 'pattern of strong attendance.', '', 'A new paragraph.']),
    'The scheme aimed at establishing a pattern of strong attendance.\n\nA new paragraph.',
  );
  t.equal(repairParagraphs(['focussing initially on non-', 'school attendance.']), 'focussing initially on non-school attendance.');
  t.equal(repairParagraphs(['These include:', '• one', '• two', 'After the list.']), 'These include:\n\n- one\n- two\n\nAfter the list.');
  t.equal(repairParagraphs(['It is', '', '17', '', 'monitored.']), 'It is monitored.', 'page number dropped');
  t.equal(repairParagraphs(['Children’s “centre”  here.']), 'Children\'s "centre" here.');
});

t.test('an unrecognised golden thread fails the parse and the build', async (t) => {
  const original = 'Golden threads: you can do it; unite to succeed; prove it; from good to great; culture not structure.';
  t.ok(texts.caseStudies.includes(original), 'case study 5 threads as in the source');
  const broken = texts.caseStudies.replace(original, original.replace('culture not structure', 'culture not sculpture'));
  t.throws(() => parseCaseStudies(broken), ParseError);
  try {
    parseCaseStudies(broken);
  } catch (err) {
    t.match((err as ParseError).problems.join('\n'), /case study 5: unrecognised golden thread\(s\): "culture not sculpture"/);
  }

  const dir = await mkdtemp(path.join(tmpdir(), 'seeds-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, SOURCE_FILES.goldenThreads), texts.goldenThreads);
  await writeFile(path.join(dir, SOURCE_FILES.gapBenchmark), texts.gapBenchmark);
  await writeFile(path.join(dir, SOURCE_FILES.caseStudies), broken);
  const out = path.join(dir, 'out');
  const run = spawnSync(process.execPath, ['--import', 'tsx', BUILD_SCRIPT], {
    cwd: REPO_ROOT,
    env: { ...process.env, SEEDS_SOURCE_DIR: dir, SEEDS_LIBRARY_OUT_DIR: out },
    encoding: 'utf8',
  });
  t.equal(run.status, 1, 'build exits 1');
  t.match(run.stderr, /culture not sculpture/, 'and names the unrecognised thread');
});

t.test('committed JSON is what the parser produces from the source now', async (t) => {
  t.comment(`sources: ${sourceDir()}`);
  for (const key of Object.keys(OUTPUT_FILES) as (keyof SeedLibrary)[]) {
    t.equal(committed[key], toJson(library[key]), `${OUTPUT_FILES[key]} is up to date (run: node --import tsx seeds/library/build.ts)`);
  }
  // and build.ts writes exactly that
  const out = await mkdtemp(path.join(tmpdir(), 'seeds-out-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const run = spawnSync(process.execPath, ['--import', 'tsx', BUILD_SCRIPT], {
    cwd: REPO_ROOT,
    env: { ...process.env, SEEDS_LIBRARY_OUT_DIR: out },
    encoding: 'utf8',
  });
  t.equal(run.status, 0, `build succeeds ${run.stderr}`);
  for (const file of Object.values(OUTPUT_FILES)) {
    t.equal(await readFile(path.join(out, file), 'utf8'), await readFile(path.join(LIBRARY_DIR, file), 'utf8'), `build writes ${file}`);
  }
});
