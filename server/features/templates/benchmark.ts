// Fills a template's indicators for an English authority from the benchmark library (seeds/benchmark/): the
// authority's own series, England, its region and the average of its DfE statistical neighbours — the approach of
// seeds/demo/build-coventry.ts for any authority, with the reading and periods left to server/benchmark/.
import { gapValue } from '../../analysis/gap.ts';
import type { Period } from '../../analysis/periods.ts';
import {
  areaKind,
  ENGLAND_LA_NUMBER,
  laitPeriod,
  meanOfAvailable,
  MIN_NEIGHBOURS_WITH_VALUE,
  neighboursOf,
  regionOf,
  roundDecimals,
  roundSignificant,
  type LaitIndex,
  type LaitMeasure,
  type LaitRow,
  type StatisticalNeighbourEntry,
} from '../../benchmark/library.ts';
import { benchmarkLibrary, BENCHMARK_FOLDER, OGL, OGL_ATTRIBUTION } from '../../benchmark/release-file.ts';
import type { Marker, SeriesRole } from '../../db/schema.ts';
import { readTemplateFiles, type TemplateIndicator } from './template-file.ts';

export { OGL, OGL_ATTRIBUTION };

/** The neighbour models, newest first: an authority gets the newest one it is in. */
const NEIGHBOUR_MODEL_ORDER = ['2025-05', '2021-04'];

/** The library's rows for the measures the templates use, with the dictionary and the neighbour models. */
export interface Benchmark {
  rows: LaitRow[];
  index: LaitIndex;
  measures: Map<string, LaitMeasure>;
  neighbourModels: { name: string; entries: StatisticalNeighbourEntry[] }[];
}

let cached: Promise<Benchmark | null> | undefined;

/**
 * The benchmark library's rows for every measure a template uses (read from the release once per process), or for
 * the measures given; null when the library is not there (it is optional).
 */
export function loadBenchmark(folder = BENCHMARK_FOLDER, codes?: readonly string[]): Promise<Benchmark | null> {
  if (folder !== BENCHMARK_FOLDER || codes) return readBenchmark(folder, codes);
  cached ??= readBenchmark(folder).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function readBenchmark(folder: string, codes?: readonly string[]): Promise<Benchmark | null> {
  const library = await benchmarkLibrary(folder);
  if (!library) return null;
  const wanted = codes ?? (await readTemplateFiles()).flatMap((t) => t.outcomes.flatMap((o) => o.priorities.flatMap((p) => p.indicators.flatMap(measureCodes))));
  const data = await library.load(wanted.filter((c) => library.byCode.has(c)));
  const models = NEIGHBOUR_MODEL_ORDER.flatMap((key) => library.models.filter((m) => m.key === key));
  return {
    rows: data.rows,
    index: data.index,
    measures: library.byCode,
    neighbourModels: models.map((m) => ({ name: m.label, entries: m.entries })),
  };
}

export interface BenchmarkAuthority {
  laNumber: number;
  name: string;
  region: { laNumber: number; areaName: string };
  /** The 10 neighbours, closest first, and the model they come from; null when no model has the authority. */
  neighbours: { model: string; laNumbers: number[] } | null;
}

/** The authority with this LA number, or null when the benchmark does not have it as a local authority. */
export function findAuthority(benchmark: Benchmark, laNumber: number): BenchmarkAuthority | null {
  const own = benchmark.rows.find((r) => r.laNumber === laNumber && areaKind(r) === 'authority');
  if (!own) return null;
  let neighbours: BenchmarkAuthority['neighbours'] = null;
  for (const model of benchmark.neighbourModels) {
    if (model.entries.some((e) => e.laNumber === laNumber)) {
      neighbours = { model: model.name, laNumbers: neighboursOf(model.entries, laNumber) };
      break;
    }
  }
  return { laNumber, name: own.areaName, region: regionOf(benchmark.rows, laNumber), neighbours };
}

export interface BuiltObservation {
  period: Period;
  value: number | null;
  marker: Marker | null;
  note: string;
}
export interface BuiltSeries {
  role: SeriesRole;
  label: string;
  observations: BuiltObservation[];
}
export interface BuiltHistory {
  series: BuiltSeries[];
  /** Added to the indicator's definition: how the comparators were computed. */
  method: string;
  source: { text: string; url: string | null; licence: string };
}

/** The benchmark measure codes an indicator draws on; empty for one the partnership supplies itself. */
export function measureCodes(spec: TemplateIndicator): string[] {
  if (spec.kind === 'single') return spec.measure ? [spec.measure] : [];
  return spec.focus && spec.comparison ? [spec.focus, spec.comparison] : [];
}

function measureOf(benchmark: Benchmark, code: string): LaitMeasure {
  const measure = benchmark.measures.get(code);
  if (!measure) throw new Error(`the benchmark has no measure ${code}`);
  return measure;
}

/**
 * An area's value for the indicator: the measure itself, or for a gap the gap (docs/method.md, Gaps), computed as the
 * app computes the local one — with the indicator's polarity, which a template must give as higher or lower.
 */
function areaValue(benchmark: Benchmark, spec: TemplateIndicator, laNumber: number, period: string): number | null {
  const codes = measureCodes(spec);
  if (codes.length === 1) return benchmark.index.get(codes[0]!, laNumber, period)?.value ?? null;
  const focus = benchmark.index.get(codes[0]!, laNumber, period)?.value ?? null;
  const comparison = benchmark.index.get(codes[1]!, laNumber, period)?.value ?? null;
  if (focus === null || comparison === null) return null;
  return roundSignificant(gapValue(focus, comparison, spec.polarity), 10);
}

function observation(period: Period, value: number | null, note: string | undefined): BuiltObservation {
  return value === null ? { period, value: null, marker: 'x', note: note ?? '' } : { period, value, marker: null, note: note ?? '' };
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/**
 * The history of one indicator for one authority: its own series (for a gap, both groups), England (unless the
 * extract's England row is not the indicator), its region and the neighbour average — the mean of the neighbours
 * with a value, not shown when fewer than six have one, given to one more decimal than the published figures.
 * Null when the indicator has no benchmark measure.
 */
export function buildHistory(benchmark: Benchmark, spec: TemplateIndicator, authority: BenchmarkAuthority, localName: string): BuiltHistory | null {
  const codes = measureCodes(spec);
  if (codes.length === 0) return null;
  const measures = codes.map((c) => measureOf(benchmark, c));
  const primary = measures[0]!;
  const all = [...new Set(codes.flatMap((c) => benchmark.index.periods(c)))].sort();
  const periods = spec.from === undefined ? all : all.filter((p) => p >= spec.from!);
  const period = (p: string) => laitPeriod(primary, p);
  const note = (p: string) => spec.periodNotes?.[p];

  const published = (role: SeriesRole, label: string, code: string): BuiltSeries => ({
    role,
    label,
    observations: periods.map((p) => observation(period(p), benchmark.index.get(code, authority.laNumber, p)?.value ?? null, note(p))),
  });
  const comparator = (role: SeriesRole, label: string, laNumber: number): BuiltSeries => ({
    role,
    label,
    observations: periods.map((p) => observation(period(p), areaValue(benchmark, spec, laNumber, p), note(p))),
  });

  const series: BuiltSeries[] = [];
  if (spec.kind === 'single') {
    series.push(published('local', localName, codes[0]!));
  } else {
    series.push(published('focus', `${localName}: ${lowerFirst(spec.focusLabel)}`, codes[0]!));
    series.push(published('comparison', `${localName}: ${lowerFirst(spec.comparisonLabel)}`, codes[1]!));
  }
  if (spec.england !== false) series.push(comparator('england', 'England', ENGLAND_LA_NUMBER));
  series.push(comparator('region', authority.region.areaName, authority.region.laNumber));
  if (authority.neighbours) {
    const { model, laNumbers } = authority.neighbours;
    series.push({
      role: 'neighbours',
      label: `Statistical neighbours (average, DfE ${model} model)`,
      observations: periods.map((p) => {
        const average = meanOfAvailable(laNumbers.map((n) => areaValue(benchmark, spec, n, p)));
        let why = note(p);
        if (!why && average.value === null) {
          why = `Not shown: only ${average.withValue} of ${average.neighbours} neighbours have a value (at least ${MIN_NEIGHBOURS_WITH_VALUE} needed).`;
        } else if (!why && average.withValue < average.neighbours) {
          why = `Average of the ${average.withValue} of ${average.neighbours} neighbours with a value.`;
        }
        return observation(period(p), average.value === null ? null : roundDecimals(average.value, spec.decimals + 1), why);
      }),
    });
  }

  const neighbourText = authority.neighbours
    ? `The statistical-neighbour line is the mean of ${localName}'s 10 DfE children's services statistical neighbours (${authority.neighbours.model} model) that have a value; it is not shown when fewer than ${MIN_NEIGHBOURS_WITH_VALUE} have one.`
    : `The DfE statistical-neighbour files do not list ${localName}, so there is no neighbour line.`;
  return {
    series,
    method: [primary.description, `Figures from the benchmark library, filled in when the partnership was created from a template. Comparators are computed from the same LAIT extract. ${neighbourText}`].join('\n\n'),
    source: {
      text:
        'Department for Education, Local Authority Interactive Tool (LAIT): ' +
        measures.map((m) => `${m.code} ("${m.measure}")`).join(' and ') +
        (spec.originalSource ? `; original source: ${spec.originalSource}` : '') +
        `. ${OGL_ATTRIBUTION}`,
      url: primary.sourceLinks[0] ?? null,
      licence: OGL,
    },
  };
}

/**
 * Where a template's indicator and the benchmark disagree about which way is better or how periods are counted.
 * The template must say both (so it works without the benchmark); this keeps them honest. Empty when they agree.
 */
export function disagreements(benchmark: Benchmark, spec: TemplateIndicator): string[] {
  const codes = measureCodes(spec);
  const problems: string[] = [];
  for (const code of codes) {
    const measure = benchmark.measures.get(code);
    if (!measure) {
      problems.push(`${spec.code}: the benchmark has no measure ${code}`);
      continue;
    }
    if (measure.polarity !== spec.polarity) problems.push(`${spec.code}: ${code} is ${measure.polarity} is better, the template says ${spec.polarity}`);
    const periods = benchmark.index.periods(code);
    const type = periods.length ? laitPeriod(measure, periods.at(-1)!).type : null;
    if (type && type !== spec.periodType) problems.push(`${spec.code}: ${code} is by ${type}, the template says ${spec.periodType}`);
  }
  return problems;
}
