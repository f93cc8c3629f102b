// Keeps the library tables in step with seeds/library/*.json. The migration loads a snapshot; when the files change
// later (the seed texts are re-parsed by seeds/library/build.ts), the next start reloads them, once, under a lock.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { lockLibrary, replaceLibrary, findLibraryHash, type LibraryContent } from './queries.ts';

/** In this order: the hash is the same one migrations/0006_library.ts records. */
const LIBRARY_FILES = ['golden-threads.json', 'gap-benchmark.json', 'case-studies.json'] as const;
const LIBRARY_FOLDER = new URL('../../../seeds/library/', import.meta.url);

export async function readLibraryFiles(folder: URL = LIBRARY_FOLDER): Promise<{ content: LibraryContent; sha256: string }> {
  const texts = await Promise.all(LIBRARY_FILES.map((file) => readFile(new URL(file, folder), 'utf8')));
  const hash = createHash('sha256');
  for (const [i, file] of LIBRARY_FILES.entries()) hash.update(file).update('\0').update(texts[i]!).update('\0');
  return {
    content: { goldenThreads: JSON.parse(texts[0]!), gapBenchmark: JSON.parse(texts[1]!), caseStudies: JSON.parse(texts[2]!) },
    sha256: hash.digest('hex'),
  };
}

/** Loads the library files when the database holds another version of them. Returns whether it loaded. */
export async function ensureLibraryLoaded(db: Kysely<DB>, folder?: URL): Promise<boolean> {
  const { content, sha256 } = await readLibraryFiles(folder);
  if ((await findLibraryHash(db)) === sha256) return false;
  return db.transaction().execute(async (trx) => {
    // Another instance may have loaded it while we waited for the lock.
    if ((await lockLibrary(trx)) === sha256) return false;
    await replaceLibrary(trx, content, sha256);
    return true;
  });
}
