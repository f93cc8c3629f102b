// The benchmark library shipped in seeds/benchmark/ (DfE Local Authority Interactive Tool extract, its measures and
// the statistical-neighbour models): for one authority and the measures picked, the indicators with their local,
// England, region and statistical-neighbour-average series, and every authority's value for rank and quartile.
// Reading and arithmetic come from seeds/benchmark/lait.ts; this module only decides what goes where.
import fs from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Period } from '../../analysis/periods.ts';
import type { DB, Unit } from '../../db/schema.ts';
import {
  areaKind,
  authorityValues,
  ENGLAND_LA_NUMBER,
  indexLait,
  laitPeriod,
  LaitError,
  meanOfAvailable,
  MIN_NEIGHBOURS_WITH_VALUE,
  neighboursOf,
  parseLaitExtract,
  parseLaitMeasures,
  parseStatisticalNeighbours,
  regionOf,
  roundDecimals,
  type LaitIndex,
  type LaitMeasure,
  type LaitRow,
  type StatisticalNeighbourEntry,
} from '../../../seeds/benchmark/lait.ts';
import type { RawItem } from '../observations/plan.ts';
import { planIndicatorFigures } from '../observations/plan.ts';
import { listIndicatorsForData, listObservationsOfSeries, listSeriesOfIndicators, type IndicatorForData } from '../observations/queries.ts';
import type { NewIndicator } from '../indicators/queries.ts';
import { plannedIndicator, placeholderId, type BuiltImport } from './apply.ts';

export const BENCHMARK_FOLDER = new URL('../../../seeds/benchmark/', import.meta.url);

export const NEIGHBOUR_MODELS = [
  { key: '2021-04', label: 'April 2021', file: 'sn-april-2021.csv' },
  { key: '2025-05', label: 'May 2025', file: 'sn-may-2025.csv' },
] as const;

export const OGL = 'Open Government Licence v3.0';
const OGL_ATTRIBUTION = 'Contains public sector information licensed under the Open Government Licence v3.0 (Department for Education).';

/** Known quirks of the extract (seeds/benchmark/README.md). */
const NO_ENGLAND = new Set(['FirstYJS']); // its England row is not a rate
const NEW_SERIES_FROM: Record<string, string> = { FSP_NEW_GOODDEV: '2022', FSP_Gooddev_FSM: '2022', FSP_Gooddev_FSM_Other: '2022' }; // EYFS profile reformed in 2021/22

export interface Benchmark {
  rows: LaitRow[];
  index: LaitIndex;
  measures: LaitMeasure[];
  models: { key: string; label: string; entries: StatisticalNeighbourEntry[] }[];
  authorities: { laNumber: number; name: string; region: string | null }[];
}

export async function loadBenchmark(folder: URL = BENCHMARK_FOLDER): Promise<Benchmark> {
  const read = (name: string) => fs.readFile(new URL(name, folder), 'utf8');
  const [extract, measures, ...models] = await Promise.all([read('lait-extract.csv'), read('lait-measures.csv'), ...NEIGHBOUR_MODELS.map((m) => read(m.file))]);
  const rows = parseLaitExtract(extract);
  const authorities = new Map<number, { laNumber: number; name: string; region: string | null }>();
  for (const r of rows) if (areaKind(r) === 'authority' && !authorities.has(r.laNumber)) authorities.set(r.laNumber, { laNumber: r.laNumber, name: r.areaName, region: r.region });
  return {
    rows,
    index: indexLait(rows),
    measures: parseLaitMeasures(measures),
    models: NEIGHBOUR_MODELS.map((m, i) => ({ key: m.key, label: m.label, entries: parseStatisticalNeighbours(models[i]!) })),
    authorities: [...authorities.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** An indicator code from a measure code: `16-17 NEET` → `16-17_NEET`. */
export const indicatorCodeFor = (measure: Pick<LaitMeasure, 'code'>) => measure.code.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);

/** The unit from the dictionary's y-axis text. A "% gap" is in percentage points and can be negative: a score. */
export function unitFor(measure: Pick<LaitMeasure, 'yAxis'>): { unit: Unit; rateBase: number | null } {
  const axis = measure.yAxis.trim();
  const rate = /rate per ([\d,]+)/i.exec(axis);
  if (rate) return { unit: 'rate', rateBase: Number(rate[1]!.replace(/,/g, '')) };
  if (axis.startsWith('%') && !/gap/i.test(axis)) return { unit: 'percentage', rateBase: null };
  return { unit: 'score', rateBase: null };
}

/** Display decimals: the dictionary's, or (where it says NA) as many as the published figures carry, at most 2. */
function decimalsFor(measure: LaitMeasure, rows: readonly LaitRow[]): number {
  if (measure.decimals !== null) return measure.decimals;
  let most = 0;
  for (const r of rows) {
    if (r.measureCode !== measure.code || r.value === null) continue;
    const text = String(r.value);
    const dot = text.indexOf('.');
    if (dot >= 0) most = Math.max(most, Math.min(2, text.length - dot - 1));
    if (most === 2) break;
  }
  return most;
}

export interface LaitOptions {
  laNumber: number;
  modelKey: string;
  measureCodes: string[];
  /** Where new indicators go. */
  priorityId: string;
}

/** The plan for a benchmark import: each measure's indicator (found by code, or new), its four series and every authority. */
export async function buildLaitImport(db: Kysely<DB>, partnershipId: string, bench: Benchmark, options: LaitOptions): Promise<BuiltImport> {
  const built: BuiltImport = { planned: [], problems: [], skipped: 0, newIndicators: [], seriesLabels: {}, authorityValues: [], notes: [] };
  const model = bench.models.find((m) => m.key === options.modelKey);
  const authority = bench.authorities.find((a) => a.laNumber === options.laNumber);
  if (!model || !authority) {
    built.problems.push({ where: 'choices', field: model ? 'laNumber' : 'model', text: model ? `There is no authority ${options.laNumber} in the extract` : 'Choose a statistical-neighbour model' });
    return built;
  }
  let neighbours: number[] = [];
  try {
    neighbours = neighboursOf(model.entries, options.laNumber);
  } catch (error) {
    if (!(error instanceof LaitError)) throw error;
    built.problems.push({ where: authority.name, field: 'model', text: `The ${model.label} model has no statistical neighbours for ${authority.name}: choose the other model` });
  }
  let region: { laNumber: number; areaName: string } | null = null;
  try {
    region = regionOf(bench.rows, options.laNumber);
  } catch (error) {
    if (!(error instanceof LaitError)) throw error;
    built.notes.push(`No region row for ${authority.name}: the region series is left out.`);
  }
  const neighbourNames = neighbours.map((n) => bench.authorities.find((a) => a.laNumber === n)?.name ?? String(n));
  if (neighbours.length) built.notes.push(`Statistical neighbours of ${authority.name} (DfE ${model.label} model): ${neighbourNames.join(', ')}.`);

  const codes = options.measureCodes.map((c) => bench.measures.find((m) => m.code === c)).filter((m): m is LaitMeasure => !!m).map(indicatorCodeFor);
  const existing = await listIndicatorsForData(db, partnershipId, { codes });
  const series = await listSeriesOfIndicators(db, partnershipId, existing.map((i) => i.id));
  const current = await listObservationsOfSeries(db, partnershipId, series.map((s) => s.id));

  for (const measureCode of options.measureCodes) {
    const measure = bench.measures.find((m) => m.code === measureCode);
    if (!measure) {
      built.problems.push({ where: measureCode, field: 'measures', text: `There is no measure “${measureCode}” in the benchmark library` });
      continue;
    }
    const code = indicatorCodeFor(measure);
    const from = NEW_SERIES_FROM[measure.code];
    const periods = bench.index.periods(measure.code).filter((p) => !from || p >= from);
    if (!periods.length) continue;
    const periodOf = (p: string): Period => laitPeriod(measure, p);
    const periodType = periodOf(periods.at(-1)!).type;
    const { unit, rateBase } = unitFor(measure);
    const decimals = decimalsFor(measure, bench.rows);
    const found = existing.find((i) => i.code === code);
    if (found && found.period_type !== periodType) {
      built.problems.push({ where: code, field: 'measures', text: `The indicator ${code} is measured by ${found.period_type.replace('_', ' ')}, but ${measure.code} by ${periodType.replace('_', ' ')}: it cannot take these figures` });
      continue;
    }
    let indicator: IndicatorForData;
    if (found) indicator = found;
    else {
      const spec: NewIndicator = {
        priorityId: options.priorityId,
        code,
        title: measure.chartTitle || measure.measure,
        unit,
        rateBase,
        decimals,
        polarity: measure.polarity,
        periodType,
        kind: 'single',
        rank: 'secondary',
        definition: [
          measure.description,
          unit === 'score' && /gap/i.test(measure.yAxis) ? 'The gap is in percentage points.' : '',
          `The statistical-neighbour line is the mean of ${authority.name}'s 10 DfE children's services statistical neighbours (${model.label} model) that have a value; it is not shown when fewer than ${MIN_NEIGHBOURS_WITH_VALUE} have one.`,
        ].filter(Boolean).join('\n\n'),
        sourceText: `Department for Education, Local Authority Interactive Tool (LAIT): ${measure.code} (“${measure.measure}”). ${OGL_ATTRIBUTION}`,
        sourceUrl: measure.sourceLinks[0] ?? null,
        licence: OGL,
      };
      built.newIndicators.push(spec);
      indicator = plannedIndicator(spec);
    }
    built.seriesLabels[`${code}\u0000local`] = authority.name;
    if (region) built.seriesLabels[`${code}\u0000region`] = region.areaName;
    built.seriesLabels[`${code}\u0000neighbours`] = `Statistical neighbours (average, DfE ${model.label} model)`;

    const raws: RawItem<string>[] = [];
    const point = (role: string, name: string, p: string, value: number | null, note = '') =>
      raws.push({ ref: `${name}, ${periodOf(p).label}`, series: role, period: periodOf(p), raw: value === null ? { marker: 'x', status: 'final', note } : { value, status: 'final', note } });
    for (const p of periods) {
      point('local', authority.name, p, bench.index.get(measure.code, options.laNumber, p)?.value ?? null);
      if (!NO_ENGLAND.has(measure.code)) point('england', 'England', p, bench.index.get(measure.code, ENGLAND_LA_NUMBER, p)?.value ?? null);
      if (region) point('region', region.areaName, p, bench.index.get(measure.code, region.laNumber, p)?.value ?? null);
      if (neighbours.length) {
        const average = meanOfAvailable(neighbours.map((n) => bench.index.get(measure.code, n, p)?.value ?? null));
        const note =
          average.value === null
            ? `Not shown: only ${average.withValue} of ${average.neighbours} neighbours have a value (at least ${MIN_NEIGHBOURS_WITH_VALUE} needed).`
            : average.withValue < average.neighbours
              ? `Average of the ${average.withValue} of ${average.neighbours} neighbours with a value.`
              : '';
        // One decimal more than the published figures it averages.
        point('neighbours', 'Statistical neighbours', p, average.value === null ? null : roundDecimals(average.value, decimals + 1), note);
      }
    }
    const mine = series.filter((s) => s.indicator_id === indicator.id);
    const { planned, problems } = planIndicatorFigures(indicator, mine, current.filter((o) => mine.some((s) => s.id === o.series_id)), raws, (ref) => ref);
    built.planned.push(...planned);
    built.problems.push(...problems.map((x) => ({ where: `${code}: ${x.ref}`, field: x.field, text: x.text })));
    built.authorityValues.push({
      indicatorId: found ? found.id : placeholderId(code),
      rows: periods.flatMap((p) =>
        authorityValues(bench.rows, measure.code, p).map((a) => ({
          period_position: periodOf(p).position,
          period_label: periodOf(p).label,
          area_code: String(a.laNumber),
          area_name: a.areaName,
          value: a.value,
        })),
      ),
    });
  }
  return built;
}
