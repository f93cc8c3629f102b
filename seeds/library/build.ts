/**
 * Derive the seed library from the seed documents and write it as JSON:
 *
 *   node --import tsx seeds/library/build.ts
 *
 * Reads 000/003/004 from seeds/library/source-texts/ (or $SEEDS_SOURCE_DIR), parses them
 * with parse.ts and writes golden-threads.json, gap-benchmark.json and
 * case-studies.json into this folder (or $SEEDS_LIBRARY_OUT_DIR, used by the
 * tests so that they never overwrite the committed files). Exits non-zero, listing every problem,
 * if anything in the sources is not recognised (e.g. an unknown golden thread).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ParseError, parseSeedLibrary, toJson } from './parse.ts';
import type { SeedLibrary } from './parse.ts';
import { LIBRARY_DIR, OUTPUT_FILES, readSeedTexts, sourceDir } from './sources.ts';

async function main(): Promise<number> {
  const dir = sourceDir();
  const outDir = process.env.SEEDS_LIBRARY_OUT_DIR ? path.resolve(process.env.SEEDS_LIBRARY_OUT_DIR) : LIBRARY_DIR;
  let library: SeedLibrary;
  try {
    library = parseSeedLibrary(await readSeedTexts(dir));
  } catch (err) {
    if (err instanceof ParseError) {
      console.error(`seed library: build FAILED (sources: ${dir})\n${err.message}`);
      return 1;
    }
    throw err;
  }
  await mkdir(outDir, { recursive: true });
  for (const key of Object.keys(OUTPUT_FILES) as (keyof SeedLibrary)[]) {
    const file = path.join(outDir, OUTPUT_FILES[key]);
    await writeFile(file, toJson(library[key]));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  const { caseStudies, goldenThreads, gapBenchmark } = library;
  console.log(
    `${caseStudies.length} case studies (${caseStudies.filter((c) => c.part === 'A').length} A, ` +
      `${caseStudies.filter((c) => c.part === 'B').length} B), ${goldenThreads.length} golden threads, ` +
      `${gapBenchmark.principles.length} principles, ${gapBenchmark.statements.length} statements`,
  );
  return 0;
}

process.exitCode = await main();
