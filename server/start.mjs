// `npm start`: runs the server compiled ahead of time rather than compiling TypeScript on every start.
//
// The server's TypeScript (server/ and the seeds it loads) is bundled by esbuild into one JavaScript file in
// node_modules/.cache/turning-the-curve/ — `npm ci` makes it (postinstall), and a start that finds the sources changed
// since makes it again (under a second) before running it. The bundle is named by a stamp of every source file's path,
// size and modification time, so an edited checkout never runs stale code. Packages stay outside the bundle (imported
// from node_modules as usual), and each module keeps its own `import.meta.url`, so the views, migrations and seeds are
// found where they are. Should the bundle fail to build, the server runs through tsx as before, with a warning.
//
//   node server/start.mjs            start the server (what `npm start` runs)
//   node server/start.mjs --build    only (re)build the bundle (what `npm ci` runs)
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
export const BUILD_FOLDER = path.join(root, 'node_modules', '.cache', 'turning-the-curve', 'build');
/** The folders whose TypeScript goes into the bundle; the migrations are loaded from their folder when one is due. */
const SOURCES = ['server', 'seeds'];

function* sourceFiles(folder) {
  if (!fs.existsSync(folder)) return;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|mts|json)$/.test(entry.name)) yield full;
  }
}

/** A stamp of the sources as they are on disk now: cheap (no file is read), and any edit changes it. */
export function sourceStamp() {
  const hash = createHash('sha256').update(`${process.version}\0`);
  for (const source of SOURCES) {
    for (const file of sourceFiles(path.join(root, source))) {
      const stat = fs.statSync(file);
      hash.update(`${path.relative(root, file)}\0${stat.size}\0${stat.mtimeMs}\0`);
    }
  }
  return hash.digest('hex').slice(0, 16);
}

export const bundleFile = (stamp) => path.join(BUILD_FOLDER, `server-${stamp}.mjs`);

/** Rewrites each of our modules' `import.meta.url` to its own file's URL, relative to the bundle, so paths resolve as before. */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.m?ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = await fs.promises.readFile(args.path, 'utf8');
      const relative = path.relative(BUILD_FOLDER, args.path).split(path.sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/** Builds the bundle for the sources as they are, written beside its name and renamed (a reader never sees half a file). */
export async function buildBundle(stamp = sourceStamp()) {
  const { build } = await import('esbuild');
  fs.mkdirSync(BUILD_FOLDER, { recursive: true });
  const file = bundleFile(stamp);
  const part = `${file}.${process.pid}.part`;
  await build({
    entryPoints: [path.join(root, 'server', 'main.ts')],
    outfile: part,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'error',
    plugins: [ownImportMetaUrl],
  });
  fs.renameSync(part, file);
  for (const other of fs.readdirSync(BUILD_FOLDER)) {
    if (/^server-[0-9a-f]{16}\.mjs$/.test(other) && path.join(BUILD_FOLDER, other) !== file) fs.rmSync(path.join(BUILD_FOLDER, other), { force: true });
  }
  return file;
}

async function start() {
  const stamp = sourceStamp();
  let file = bundleFile(stamp);
  if (!fs.existsSync(file)) {
    try {
      file = await buildBundle(stamp);
    } catch (error) {
      console.warn(`Could not compile the server ahead of time (${error instanceof Error ? error.message : String(error)}); running it through tsx instead.`);
      const { register } = await import('tsx/esm/api');
      register();
      file = path.join(root, 'server', 'main.ts');
    }
  }
  // Source maps: stack traces name the TypeScript files and lines.
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(file).href);
}

if (process.argv.includes('--build')) {
  const started = performance.now();
  const file = await buildBundle();
  console.log(`Compiled the server ahead of time (${path.relative(root, file)}) in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
} else {
  await start();
}
