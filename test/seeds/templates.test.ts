// The template data files (seeds/templates/*.json) against their schema and the benchmark library.
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { disagreements, loadBenchmark, measureCodes } from '../../server/features/templates/benchmark.ts';
import { readTemplateFile, readTemplateFiles, TemplateError } from '../../server/features/templates/template-file.ts';

const ECM = ['Be healthy', 'Stay safe', 'Enjoy and achieve', 'Make a positive contribution', 'Achieve economic well-being'];
const SEVEN_QUESTIONS_FIRST = 'What are the quality-of-life conditions we want for the children, young people and families who live here?';

t.test('every template file is valid, and agrees with the benchmark on polarity and periods', async (t) => {
  const templates = await readTemplateFiles();
  const benchmark = await loadBenchmark();
  t.ok(benchmark, 'the benchmark library is present');
  for (const template of templates) {
    for (const indicator of template.outcomes.flatMap((o) => o.priorities).flatMap((p) => p.indicators)) {
      t.same(disagreements(benchmark!, indicator), [], `${template.key} ${indicator.code}`);
      for (const code of measureCodes(indicator)) t.ok(benchmark!.measures.has(code), `${indicator.code}: measure ${code} exists`);
    }
  }
});

t.test('the Coventry Data Book: five ECM outcomes and a data book entry per indicator', async (t) => {
  const template = (await readTemplateFiles()).find((x) => x.key === 'coventry-data-book')!;
  t.same(template.outcomes.map((o) => o.title), ECM);
  t.ok(template.guidance.dataBook?.storyQuestions.length, 'questions for the story behind the data');
  const codes = template.outcomes.flatMap((o) => o.priorities).flatMap((p) => p.indicators).map((i) => i.code);
  for (const wanted of ['KS4_ATT8_FSM_GAP', 'KS2_RWM_DISADV_GAP', 'NEET_16_17', 'PERMANENT_EXCLUSION_RATE', 'PERSISTENT_ABSENCE', 'EYFS_GLD_FSM_GAP', 'U18_CONCEPTION_RATE', 'FTE_YOUTH_JUSTICE']) {
    t.ok(codes.includes(wanted), `suggests ${wanted}`);
  }
});

t.test('Wakefield OBA: every priority has performance measures or actions, and the seven population questions', async (t) => {
  const template = (await readTemplateFiles()).find((x) => x.key === 'wakefield-oba')!;
  t.equal(template.guidance.populationQuestions?.[0], SEVEN_QUESTIONS_FIRST);
  for (const priority of template.outcomes.flatMap((o) => o.priorities)) {
    t.ok(priority.programmes.length + priority.actions.length > 0, priority.title);
    for (const programme of priority.programmes) {
      const kinds = programme.measures.map((m) => m.kind);
      t.ok(kinds.includes('how_much') && kinds.includes('how_well'), `${programme.name}: how much and how well`);
      t.equal(kinds.filter((k) => k === 'better_off').length, 2, `${programme.name}: better off as a number and a percentage`);
    }
  }
});

t.test('a malformed template is refused with a message naming the file and the field', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'templates-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const write = async (name: string, body: unknown) => {
    const file = path.join(dir, name);
    await writeFile(file, typeof body === 'string' ? body : JSON.stringify(body));
    return file;
  };
  await t.rejects(readTemplateFile(await write('broken.json', '{')), { name: 'TemplateError', message: /broken\.json: not readable JSON/ });
  await t.rejects(readTemplateFile(await write('other.json', { key: 'mine', name: 'Mine', summary: 'x', outcomes: [] })), { message: /other\.json: its key "mine" must be its file name/ });
  await t.rejects(
    readTemplateFile(await write('bad.json', { key: 'bad', name: 'Bad', summary: 'x', outcomes: [{ title: 'O', priorities: [{ title: 'P', indicators: [{ kind: 'single', code: 'X', title: 'X', lead: 'x', unit: 'furlongs', decimals: 1, polarity: 'higher', periodType: 'calendar_year', rank: 'headline' }] }] }] })),
    { message: /bad\.json: outcomes\.0\.priorities\.0\.indicators\.0\.unit/ },
  );
  const twice = { kind: 'single', code: 'SAME', title: 'X', lead: 'x', unit: 'count', decimals: 0, polarity: 'higher', periodType: 'calendar_year', rank: 'headline' };
  await t.rejects(readTemplateFile(await write('twice.json', { key: 'twice', name: 'Twice', summary: 'x', outcomes: [{ title: 'O', priorities: [{ title: 'P', indicators: [twice, twice] }] }] })), TemplateError);
  const neutralGap = { ...twice, code: 'GAP', kind: 'gap', unit: 'percentage', polarity: 'neutral', focusLabel: 'Disadvantaged', comparisonLabel: 'Others' };
  await t.rejects(
    readTemplateFile(await write('gap.json', { key: 'gap', name: 'Gap', summary: 'x', outcomes: [{ title: 'O', priorities: [{ title: 'P', indicators: [neutralGap] }] }] })),
    { name: 'TemplateError', message: /gap\.json: GAP is a gap, so its polarity must be higher or lower, not neutral/ },
  );
  const mine = await readTemplateFile(await write('mine.json', { key: 'mine', name: 'Our own', summary: 'A partnership\'s own template.', outcomes: [{ title: 'O', priorities: [{ title: 'P', indicators: [twice] }] }] }));
  t.equal(mine.name, 'Our own', 'a partnership can add its own template as a file');
});
