// A plain clone must install, start and pass its tests: nothing the app or its tests run may read a file outside the
// repository (the workplace's reference folder beside it is not shipped). This scans every source file for a path
// that climbs out of the repository.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FOLDERS = ['server', 'seeds', 'test', 'views', 'public', 'migrations', 'bench'];
// Written in two parts so that this file does not find itself.
const OUTSIDE = [new RegExp('\\.\\./shared' + '/'), new RegExp('/work/' + 'shared'), new RegExp('OBA-' + 'METHOD')];

function* files(folder: string): Generator<string> {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'results') yield* files(full);
    } else if (/\.(ts|mts|js|mjs|eta|css|json)$/.test(entry.name)) yield full;
  }
}

t.test('no source file of the app, its views, tests or benchmarks refers to a file outside the repository', async (t) => {
  const found: string[] = [];
  let scanned = 0;
  for (const folder of FOLDERS) {
    for (const file of files(path.join(root, folder))) {
      scanned++;
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (OUTSIDE.some((pattern) => pattern.test(line))) found.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  t.ok(scanned > 200, `scanned the repository's sources (${scanned} files)`);
  t.same(found, [], 'every reference stays inside the repository');
});

t.test('the method the code cites is in the repository', async (t) => {
  const method = fs.readFileSync(path.join(root, 'docs/method.md'), 'utf8');
  for (const section of ['The objects', 'Baselines and forecasts', 'Has the curve turned?', 'SPC (Making Data Count)', 'Gaps', 'Comparators and targets', 'Marks on the chart', 'Periods and markers']) {
    t.match(method, `## ${section}`, section);
  }
});
