// The one-page report's summaries (server/features/reports/one-page.ts): cut at a word, say so, keep what fits whole.
import t from 'tap';
import { renderText } from '../../server/features/conversation/text.ts';
import { cutAtWord, firstOf, fullUrl, ONE_PAGE_LIMITS, storySummary, summariseText } from '../../server/features/reports/one-page.ts';

t.test('cutAtWord cuts at the last word that fits and ends with an ellipsis', async (t) => {
  t.same(cutAtWord('Attendance panels in every school', 100), { text: 'Attendance panels in every school', cut: false }, 'text that fits is unchanged');
  t.same(cutAtWord('  Attendance\n panels  ', 100), { text: 'Attendance panels', cut: false }, 'white space tidied');
  const cut = cutAtWord('Attendance panels in every secondary school', 24);
  t.same(cut, { text: 'Attendance panels in…', cut: true });
  t.ok(cut.text.length <= 24, 'never longer than the limit, the ellipsis included');
  t.same(cutAtWord('Attendance panels, in every school', 19), { text: 'Attendance panels…', cut: true }, 'no dangling comma before the ellipsis');
  t.same(cutAtWord('Supercalifragilistic', 8), { text: 'Superca…', cut: true }, 'a single long word is cut inside the word');
  t.same(cutAtWord('exactly ten', 11), { text: 'exactly ten', cut: false }, 'exactly the limit is not cut');
});

t.test('summariseText keeps whole lines while they fit and cuts the next one at a word', async (t) => {
  const story = '- Attendance panels in secondary schools\n- Early help family workers\n- A third factor that is rather long and goes on and on about the waiting lists';
  t.same(summariseText(story, 500), { source: story, cut: false }, 'short text is unchanged');
  const short = summariseText(story, 110);
  t.ok(short.cut);
  t.equal(short.source.split('\n').length, 3, 'two whole lines and the one that crosses the limit');
  t.match(short.source, /^- Attendance panels in secondary schools\n- Early help family workers\n- A third factor that is rather long and goes on…$/, 'the list marker kept, the line cut at a word');
  t.match(renderText(short.source), /<li>A third factor that is rather long and goes on…<\/li>/, 'and it is still a list when rendered');

  const links = summariseText('See [the attendance report](https://example.org/a-very-long-address) for the figures.', 30);
  t.notMatch(links.source, /example\.org/, 'a link cut in half is not left as broken Markdown');
  t.match(links.source, /^See the attendance report for…$/, 'the link text kept as words');

  const tight = summariseText('First paragraph, short.\n\nSecond paragraph, which does not fit at all in what is left.', 30);
  t.same(tight, { source: 'First paragraph, short. …', cut: true }, 'too little room for a useful piece: the previous line ends it');
  t.same(summariseText('', 10), { source: '', cut: false });
  t.same(summariseText('*stars* and [brackets]', 200), { source: '*stars* and [brackets]', cut: false }, 'markup of whole lines is kept');
  t.equal(summariseText('a *b* c [d] '.repeat(20), 40).source.match(/\\\*/g)?.length ?? 0, 0, 'Markdown of a cut line is dropped, not left half open');
});

t.test('firstOf gives the first entries and how many more there are', async (t) => {
  t.same(firstOf([1, 2, 3, 4, 5, 6, 7], 5), { shown: [1, 2, 3, 4, 5], more: 2 });
  t.same(firstOf([1, 2], 5), { shown: [1, 2], more: 0 });
  t.same(firstOf([1, 2], 0), { shown: [], more: 2 });
});

t.test('storySummary cuts each section to its share and says whether anything was cut', async (t) => {
  const short = { period_text: '2024/25', summary: 'Absence fell.', contributing: '- Panels', restricting: '- Anxiety', root_causes: ['Absence'], change_note: '' };
  t.same(storySummary(short), { ...short, cut: false }, 'a short story is shown whole');

  const long = {
    ...short,
    summary: 'word '.repeat(400),
    root_causes: ['one', 'two', 'three', 'four', 'five'],
  };
  const summary = storySummary(long);
  t.ok(summary.cut);
  t.ok(summary.summary.length <= ONE_PAGE_LIMITS.storySummary, 'the summary within its share');
  t.match(summary.summary, /word…$/);
  t.same(summary.root_causes, ['one', 'two', 'three'].slice(0, ONE_PAGE_LIMITS.rootCauses), 'the most important root causes first');
  t.equal(summary.change_note, '', 'other fields pass through');

  t.ok(storySummary({ ...short, root_causes: ['one', 'two', 'three', 'four'].slice(0, ONE_PAGE_LIMITS.rootCauses + 1) }).cut, 'a root cause left off counts as cut');
  t.ok(storySummary({ ...short, contributing: `- ${'helping '.repeat(100)}` }).cut, 'a long factor counts as cut');
  t.ok(storySummary({ ...short, root_causes: ['cause '.repeat(100)] }).cut, 'a long root cause counts as cut');
});

t.test('fullUrl joins the site and a path once', async (t) => {
  t.equal(fullUrl('https://ttc.example.gov.uk/', '/p/coventry/indicators/NEET#story'), 'https://ttc.example.gov.uk/p/coventry/indicators/NEET#story');
  t.equal(fullUrl('http://127.0.0.1:3000', '/p/x'), 'http://127.0.0.1:3000/p/x');
});
