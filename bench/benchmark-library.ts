// How long the benchmark library takes to read (server/benchmark/release-file.ts), and how long it holds the event
// loop: opening it (the 434-measure dictionary and the neighbour files), reading one measure's rows from the 641,070-row
// gzip release (what adding an indicator does), and one pass over the whole release (the search pages' periods and
// authorities). Run on a quiet machine: node --import tsx bench/benchmark-library.ts
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openLibrary } from '../server/benchmark/release-file.ts';

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  delay.disable();
  console.log(`${what}: ${ms.toFixed(0)} ms; longest event-loop delay ${(delay.max / 1e6).toFixed(0)} ms`);
  return result;
}

const library = (await timed('open (dictionary, neighbours)', () => openLibrary()))!;
for (const code of ['CIN', 'ReoffYO15-17', 'CINProgKS2-4_Avg_Prog8']) {
  const rows = await timed(`read ${code}`, async () => (await library.load([code])).rows.length);
  console.log(`  ${rows} rows`);
}
await timed('read CIN again (kept)', () => library.load(['CIN']));
const summary = await timed('summary of the whole release', () => library.summary());
console.log(`  ${summary.rows} rows, ${summary.labels.size} measures, ${summary.authorities.length} authorities`);
console.log(`rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
