// The benchmark library shipped in seeds/benchmark/ (the whole DfE Local Authority Interactive Tool library, its
// dictionary and the statistical-neighbour models) as an import: for one authority and the measures picked, the
// indicators with their local, England, region and statistical-neighbour-average series, and every authority's value
// for rank and quartile. Reading, periods and arithmetic come from server/benchmark/; this module only decides what
// goes where.
import type { Kysely } from 'kysely';
import type { DB, Unit } from '../../db/schema.ts';
import {
  authorityValues,
  ENGLAND_LA_NUMBER,
  LaitError,
  measurePeriods,
  meanOfAvailable,
  MIN_NEIGHBOURS_WITH_VALUE,
  neighboursOf,
  regionOf,
  roundDecimals,
  searchMeasures,
  type LaitMeasure,
  type LaitRow,
} from '../../benchmark/library.ts';
import { benchmarkLibrary, NEIGHBOUR_MODELS, OGL, OGL_ATTRIBUTION, type BenchmarkLibrary } from '../../benchmark/release-file.ts';
import type { RawItem } from '../observations/plan.ts';
import { planIndicatorFigures } from '../observations/plan.ts';
import { listIndicatorsForData, listObservationsOfSeries, listSeriesOfIndicators, type IndicatorForData } from '../observations/queries.ts';
import type { NewIndicator } from '../indicators/queries.ts';
import { plannedIndicator, placeholderId, type BuiltImport } from './apply.ts';

export { NEIGHBOUR_MODELS, OGL };

/** Known quirks of the library (seeds/benchmark/README.md). */
const NO_ENGLAND = new Set(['FirstYJS']); // its England row is not a rate
const NEW_SERIES_FROM: Record<string, string> = { FSP_NEW_GOODDEV: '2022', FSP_Gooddev_FSM: '2022', FSP_Gooddev_FSM_Other: '2022' }; // EYFS profile reformed in 2021/22

export type Benchmark = BenchmarkLibrary;

/** The shipped library (read once per process); an error when it is missing, as the pages cannot work without it. */
export async function loadBenchmark(folder?: string): Promise<Benchmark> {
  const library = await benchmarkLibrary(folder);
  if (!library) throw new Error('The benchmark library (seeds/benchmark/lait-full.csv.gz) is not installed');
  return library;
}

/** An indicator code from a measure code: `16-17 NEET` → `16-17_NEET`. */
export const indicatorCodeFor = (measure: Pick<LaitMeasure, 'code'>) => measure.code.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);

/**
 * The unit from the dictionary's y-axis text. A "% gap" is in percentage points and can be negative: a score.
 * "Number …", "Entries" and "Total cases" count things; money (Spend, Unit Cost) and scores are scores.
 */
export function unitFor(measure: Pick<LaitMeasure, 'yAxis'>): { unit: Unit; rateBase: number | null } {
  const axis = measure.yAxis.trim();
  const rate = /rate per ([\d,]+)/i.exec(axis);
  if (rate) return { unit: 'rate', rateBase: Number(rate[1]!.replace(/,/g, '')) };
  if (axis.startsWith('%') && !/gap/i.test(axis)) return { unit: 'percentage', rateBase: null };
  if (/^(number|entries|total cases|social workers)\b/i.test(axis)) return { unit: 'count', rateBase: null };
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

/** The indicator's definition: the dictionary's description and method, what a rolling span means, where the neighbours come from, the sources. */
function definitionFor(measure: LaitMeasure, unit: Unit, rolling: string | null, neighbourText: string): string {
  return [
    measure.description,
    measure.methodology && measure.methodology !== measure.description ? `How it is measured: ${measure.methodology}` : '',
    unit === 'score' && /gap/i.test(measure.yAxis) ? 'The gap is in percentage points.' : '',
    rolling ? `Each figure is a rolling one covering several years, shown at its last year: ${rolling}` : '',
    neighbourText,
    measure.sourceLinks.length > 1 ? `Sources: ${measure.sourceLinks.join(' ')}` : '',
    measure.topics.length ? `LAIT topic: ${measure.topics.join('; ')}.` : '',
  ].filter(Boolean).join('\n\n');
}

export interface LaitOptions {
  laNumber: number;
  modelKey: string;
  measureCodes: string[];
  /** Where new indicators go. */
  priorityId: string;
}

/**
 * The plan for a benchmark import: each measure's indicator (found by code, or new), its four series and every
 * authority. The measures' rows are read from the release now (see release-file.ts). Period labels that map to no
 * period are left out and said so in the notes, by measure.
 */
export async function buildLaitImport(db: Kysely<DB>, partnershipId: string, bench: Benchmark, options: LaitOptions): Promise<BuiltImport> {
  const built: BuiltImport = { planned: [], problems: [], skipped: 0, newIndicators: [], seriesLabels: {}, authorityValues: [], notes: [] };
  const model = bench.models.find((m) => m.key === options.modelKey);
  const known = options.measureCodes.filter((c) => bench.byCode.has(c));
  const data = await bench.load(known);
  const authority = data.authorities.find((a) => a.laNumber === options.laNumber);
  if (!model || !authority) {
    built.problems.push({
      where: 'choices',
      field: model ? 'laNumber' : 'model',
      text: model ? `There is no authority ${options.laNumber} in the benchmark library${known.length ? ' for these measures' : ''}` : 'Choose a statistical-neighbour model',
    });
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
    region = regionOf(data.rows, options.laNumber);
  } catch (error) {
    if (!(error instanceof LaitError)) throw error;
    built.notes.push(`No region row for ${authority.name}: the region series is left out.`);
  }
  const neighbourNames = neighbours.map((n) => data.authorities.find((a) => a.laNumber === n)?.name ?? String(n));
  if (neighbours.length) built.notes.push(`Statistical neighbours of ${authority.name} (DfE ${model.label} model): ${neighbourNames.join(', ')}.`);

  const codes = known.map((c) => indicatorCodeFor({ code: c }));
  const existing = await listIndicatorsForData(db, partnershipId, { codes });
  const series = await listSeriesOfIndicators(db, partnershipId, existing.map((i) => i.id));
  const current = await listObservationsOfSeries(db, partnershipId, series.map((s) => s.id));
  const value = (code: string, laNumber: number, label: string) => data.index.get(code, laNumber, label)?.value ?? null;

  for (const measureCode of options.measureCodes) {
    const measure = bench.byCode.get(measureCode);
    if (!measure) {
      built.problems.push({ where: measureCode, field: 'measures', text: `There is no measure “${measureCode}” in the benchmark library` });
      continue;
    }
    const code = indicatorCodeFor(measure);
    const from = NEW_SERIES_FROM[measure.code];
    const mapped = data.periodsOf(measure.code);
    if (mapped.notUnderstood.length) {
      built.notes.push(`${measure.code}: left out, as no period of ours matches — ${mapped.notUnderstood.map((n) => `“${n.label}” (${n.reason}; ${n.rows} rows)`).join(', ')}.`);
    }
    const periods = mapped.periods.filter((p) => !from || p.label >= from);
    if (!periods.length) {
      built.notes.push(`${measure.code}: the library has no figures for it.`);
      continue;
    }
    const periodType = periods.at(-1)!.period.type;
    const rolling = periods.find((p) => p.note.includes('years together'));
    const { unit, rateBase } = unitFor(measure);
    const decimals = decimalsFor(measure, data.rows);
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
        definition: definitionFor(
          measure,
          unit,
          rolling ? rolling.note : null,
          `The statistical-neighbour line is the mean of ${authority.name}'s 10 DfE children's services statistical neighbours (${model.label} model) that have a value; it is not shown when fewer than ${MIN_NEIGHBOURS_WITH_VALUE} have one.`,
        ),
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
    for (const p of periods) {
      // A provisional or revised figure says so; a rolling figure says which years it covers.
      const point = (role: string, name: string, figure: number | null, note = '') => {
        const text = [p.note, note].filter(Boolean).join(' ');
        raws.push({ ref: `${name}, ${p.period.label}`, series: role, period: p.period, raw: figure === null ? { marker: 'x', status: p.status, note: text } : { value: figure, status: p.status, note: text } });
      };
      point('local', authority.name, value(measure.code, options.laNumber, p.label));
      if (!NO_ENGLAND.has(measure.code)) point('england', 'England', value(measure.code, ENGLAND_LA_NUMBER, p.label));
      if (region) point('region', region.areaName, value(measure.code, region.laNumber, p.label));
      if (neighbours.length) {
        const average = meanOfAvailable(neighbours.map((n) => value(measure.code, n, p.label)));
        const note =
          average.value === null
            ? `Not shown: only ${average.withValue} of ${average.neighbours} neighbours have a value (at least ${MIN_NEIGHBOURS_WITH_VALUE} needed).`
            : average.withValue < average.neighbours
              ? `Average of the ${average.withValue} of ${average.neighbours} neighbours with a value.`
              : '';
        // One decimal more than the published figures it averages.
        point('neighbours', 'Statistical neighbours', average.value === null ? null : roundDecimals(average.value, decimals + 1), note);
      }
    }
    const mine = series.filter((s) => s.indicator_id === indicator.id);
    const { planned, problems } = planIndicatorFigures(indicator, mine, current.filter((o) => mine.some((s) => s.id === o.series_id)), raws, (ref) => ref);
    built.planned.push(...planned);
    built.problems.push(...problems.map((x) => ({ where: `${code}: ${x.ref}`, field: x.field, text: x.text })));
    built.authorityValues.push({
      indicatorId: found ? found.id : placeholderId(code),
      rows: periods.flatMap((p) =>
        authorityValues(data.rows, measure.code, p.label).map((a) => ({
          period_position: p.period.position,
          period_label: p.period.label,
          area_code: String(a.laNumber),
          area_name: a.areaName,
          value: a.value,
        })),
      ),
    });
  }
  return built;
}

export interface MeasureChoice {
  code: string;
  indicatorCode: string;
  title: string;
  /** The measure's name where it says more than the title. */
  name: string;
  topics: string;
  unit: Unit;
  polarity: LaitMeasure['polarity'];
  yearType: string;
  /** `2016/17 to 2023/24`, or that there are none. */
  periods: string;
  /** Period labels the tracker does not understand, said in words; '' when there are none. */
  notUnderstood: string;
  /** The first sentence or so of the description. */
  summary: string;
}

/** The measures matching a search (all of them when there are no words), best first, with the first `limit` described. */
export async function findMeasures(bench: Benchmark, q: string, limit: number, alwaysInclude: readonly string[] = []): Promise<{ total: number; shown: MeasureChoice[] }> {
  const summary = await bench.summary();
  const found = searchMeasures(bench.measures, q);
  const shown = found.slice(0, limit);
  for (const code of alwaysInclude) {
    const measure = bench.byCode.get(code);
    if (measure && !shown.includes(measure)) shown.push(measure);
  }
  return {
    total: found.length,
    shown: shown.map((m) => {
      const mapped = measurePeriods(m, summary.labels.get(m.code) ?? new Map());
      const first = mapped.periods[0];
      const last = mapped.periods.at(-1);
      const title = m.chartTitle || m.measure;
      const sentence = /^(.{20,220}?[.;])(\s|$)/s.exec(m.description)?.[1] ?? (m.description.length > 220 ? `${m.description.slice(0, 217)}…` : m.description);
      return {
        code: m.code,
        indicatorCode: indicatorCodeFor(m),
        title,
        name: m.measure && !title.toLowerCase().startsWith(m.measure.toLowerCase()) ? m.measure : '',
        topics: m.topics.join(', '),
        unit: unitFor(m).unit,
        polarity: m.polarity,
        yearType: m.yearType,
        periods: first && last ? (first === last ? first.period.label : `${first.period.label} to ${last.period.label}`) : 'no figures',
        notUnderstood: mapped.notUnderstood.length ? `Not understood: ${mapped.notUnderstood.map((n) => `“${n.label}”`).join(', ')}` : '',
        summary: sentence.replace(/\s+/g, ' '),
      };
    }),
  };
}
