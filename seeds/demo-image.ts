// A prepared image of the embedded database with the demo loaded, so that the first `npm start` on a fresh machine
// unpacks it (about a second) instead of creating a database, running every migration and loading the demo row by
// row. `npm ci` prepares it (postinstall: seeds/demo-image-cli.ts) in node_modules/.cache, never in the repository.
// The image is named by a fingerprint of everything that makes it — the migrations, the seeds, the server's code and
// the PGlite version — so an image made by other code is never used: the start then builds the demo as before.
// It holds no secret: the CSRF secret and every session are made by the app at start, after the image is unpacked.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openDatabase } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { loadDemo } from './demo-loader.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
export const DEMO_IMAGE_CACHE = path.join(root, 'node_modules', '.cache', 'turning-the-curve');
/** What the image is made from: a change to any file here makes a new fingerprint. */
const SOURCES = ['migrations', 'seeds', 'server'];

function* filesUnder(folder: string): Generator<string> {
  if (!fs.existsSync(folder)) return;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else yield full;
  }
}

/** sha256 over the sources' paths and bytes and the PGlite version, shortened. */
export function demoImageFingerprint(): string {
  const hash = createHash('sha256');
  const pglite = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
  hash.update(`pglite ${pglite.version}\0`);
  for (const source of SOURCES) {
    for (const file of filesUnder(path.join(root, source))) hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const imageFile = (cache: string, fingerprint: string) => path.join(cache, `demo-${fingerprint}.tar.gz`);

/** The image made by this very code, or null when there is none (not prepared, or prepared by other code). */
export function readDemoImage(cache = DEMO_IMAGE_CACHE): Blob | null {
  const file = imageFile(cache, demoImageFingerprint());
  return fs.existsSync(file) ? new Blob([fs.readFileSync(file)]) : null;
}

/** Whether a data folder has nothing in it yet (a first start). */
export function isFreshDataDir(dataDir: string): boolean {
  return !fs.existsSync(dataDir) || fs.readdirSync(dataDir).length === 0;
}

/**
 * Makes the image: a new embedded database in a scratch folder, every migration, the demo, then a gzipped dump,
 * written beside its final name and renamed into place (a reader never sees half a file). Older images are removed.
 */
export async function buildDemoImage(cache = DEMO_IMAGE_CACHE): Promise<{ file: string; bytes: number }> {
  const fingerprint = demoImageFingerprint();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-demo-image-'));
  try {
    const database = await openDatabase({ dataDir: scratch });
    let image: Buffer;
    try {
      await migrateToLatest(database.db);
      await loadDemo(database.db);
      const secrets = await sql<{ n: number }>`select count(*)::int as n from app_setting`.execute(database.db);
      if (secrets.rows[0]!.n !== 0) throw new Error('the demo image would hold settings made at start (a secret?): refusing to make it');
      image = Buffer.from(await (await database.pglite!.dumpDataDir('gzip')).arrayBuffer());
    } finally {
      await database.close();
    }
    fs.mkdirSync(cache, { recursive: true });
    const file = imageFile(cache, fingerprint);
    fs.writeFileSync(`${file}.${process.pid}.part`, image);
    fs.renameSync(`${file}.${process.pid}.part`, file);
    for (const other of fs.readdirSync(cache)) if (/^demo-[0-9a-f]{16}\.tar\.gz$/.test(other) && path.join(cache, other) !== file) fs.rmSync(path.join(cache, other), { force: true });
    return { file, bytes: image.length };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
