/**
 * Where the seed documents live and what the library files are called.
 * Shared by build.ts and the tests; parse.ts stays free of file access.
 */
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SeedLibrary, SeedTexts } from './parse.ts';

/** The seed texts (see source-texts/README.md). */
export const SOURCE_FILES: Readonly<Record<keyof SeedTexts, string>> = {
  goldenThreads: '000_ccd523eee0963a5d.txt',
  gapBenchmark: '003_ecec243f3a09808a.txt',
  caseStudies: '004_c8e8865b12ca83b4.txt',
};

/** The JSON files build.ts writes next to this file. */
export const OUTPUT_FILES: Readonly<Record<keyof SeedLibrary, string>> = {
  goldenThreads: 'golden-threads.json',
  gapBenchmark: 'gap-benchmark.json',
  caseStudies: 'case-studies.json',
};

/** `source-texts/` beside this file (the documents with contact lines removed); SEEDS_SOURCE_DIR overrides it. */
export function sourceDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.SEEDS_SOURCE_DIR;
  if (override) return path.resolve(override);
  return fileURLToPath(new URL('./source-texts/', import.meta.url));
}

/** This folder: where the committed JSON files live. */
export const LIBRARY_DIR = fileURLToPath(new URL('./', import.meta.url));

export async function readSeedTexts(dir: string = sourceDir()): Promise<SeedTexts> {
  const read = (name: string) => readFile(path.join(dir, name), 'utf8');
  const [goldenThreads, gapBenchmark, caseStudies] = await Promise.all([
    read(SOURCE_FILES.goldenThreads),
    read(SOURCE_FILES.gapBenchmark),
    read(SOURCE_FILES.caseStudies),
  ]);
  return { goldenThreads, gapBenchmark, caseStudies };
}
