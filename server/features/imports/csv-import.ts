// The partnership's own CSV format, in and out:
//   indicator_code, series, period, value, marker, status, numerator, denominator, note
// An export re-imported changes nothing: numbers are written with every stored digit, periods as their canonical
// label, and free text guarded against spreadsheet formulas in a way the import undoes.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { entryRolesFor, numberText } from '../observations/figure.ts';
import { figurePlanner, type RawItem } from '../observations/plan.ts';
import { listIndicatorsForData, listObservationsOfSeries, listSeriesOfIndicators, type IndicatorForData } from '../observations/queries.ts';
import { suppressSmallNumbers } from '../observations/small-numbers.ts';
import { periodFromPosition, tryPeriodFromPosition, type PeriodType } from '../../analysis/periods.ts';
import type { BuiltImport } from './apply.ts';
import { csvLine, protectText, unprotectText, yieldToEventLoop, type CsvRow } from './csv-file.ts';
import { findPartnershipArea, listFiguresForExport } from './queries.ts';

export const CSV_COLUMNS = ['indicator_code', 'series', 'period', 'value', 'marker', 'status', 'numerator', 'denominator', 'note'] as const;
export const CSV_REQUIRED = ['indicator_code', 'series', 'period'];
export const CSV_WHAT = `Use the partnership's template: its first line is ${CSV_COLUMNS.join(', ')}.`;

const BOM = '\ufeff';
const CRLF = '\r\n';

/** Every figure as CSV (with a BOM, so that Excel reads it as UTF-8). `published` suppresses small numbers. */
export async function exportCsv(db: Kysely<DB>, partnershipId: string, options: { codes?: string[]; published?: boolean } = {}): Promise<string> {
  const rows = await exportRows(db, partnershipId, options);
  const lines = [csvLine([...CSV_COLUMNS])];
  for (const r of rows) {
    lines.push(csvLine([r.code, r.role, r.period_label, numberText(r.value), r.marker ?? '', r.status, numberText(r.numerator), numberText(r.denominator), protectText(r.note)]));
  }
  return BOM + lines.join(CRLF) + CRLF;
}

async function exportRows(db: Kysely<DB>, partnershipId: string, options: { codes?: string[]; published?: boolean }) {
  const rows = await listFiguresForExport(db, partnershipId, options.codes);
  if (!options.published) return rows;
  const { small_number_threshold: threshold } = await findPartnershipArea(db, partnershipId);
  const byIndicator = new Map<string, typeof rows>();
  for (const r of rows) byIndicator.set(r.indicator_id, [...(byIndicator.get(r.indicator_id) ?? []), r]);
  return [...byIndicator.values()].flatMap((list) => suppressSmallNumbers(list, list[0]!.unit, threshold));
}

/** Every figure as JSON, indicator by indicator, series by series. */
export async function exportJson(db: Kysely<DB>, partnershipId: string, options: { codes?: string[]; published?: boolean } = {}) {
  const [partnership, indicators, rows] = await Promise.all([
    findPartnershipArea(db, partnershipId),
    listIndicatorsForData(db, partnershipId, options.codes ? { codes: options.codes } : {}),
    exportRows(db, partnershipId, options),
  ]);
  return {
    partnership: { slug: partnership.slug, name: partnership.name, laName: partnership.la_name, laCode: partnership.la_code, laNumber: partnership.la_number },
    exportedAt: new Date().toISOString(),
    smallNumbersSuppressed: !!options.published && !!partnership.small_number_threshold,
    columns: CSV_COLUMNS,
    indicators: indicators.map((i) => {
      const mine = rows.filter((r) => r.indicator_id === i.id);
      const roles = [...new Set(mine.map((r) => r.role))];
      return {
        code: i.code,
        title: i.title,
        unit: i.unit,
        rateBase: i.rate_base,
        decimals: i.decimals,
        polarity: i.polarity,
        periodType: i.period_type,
        kind: i.kind,
        series: roles.map((role) => ({
          series: role,
          label: mine.find((r) => r.role === role)!.label,
          observations: mine
            .filter((r) => r.role === role)
            .map((r) => ({ period: r.period_label, value: r.value, marker: r.marker, status: r.status, numerator: r.numerator, denominator: r.denominator, note: r.note, version: r.version })),
        })),
      };
    }),
  };
}

/**
 * The template: the column names, then a row for each of the partnership's own series with the period after its
 * latest figure, to be filled in. Rows left empty are skipped on import.
 */
export async function templateCsv(db: Kysely<DB>, partnershipId: string): Promise<string> {
  const indicators = (await listIndicatorsForData(db, partnershipId)).filter((i) => i.rank !== 'data_development' && !i.retired);
  const series = await listSeriesOfIndicators(db, partnershipId, indicators.map((i) => i.id));
  const figures = await listObservationsOfSeries(db, partnershipId, series.map((s) => s.id));
  const lines = [csvLine([...CSV_COLUMNS])];
  for (const indicator of indicators) {
    for (const role of entryRolesFor(indicator.kind)) {
      const s = series.find((x) => x.indicator_id === indicator.id && x.role === role);
      const latest = s ? Math.max(...figures.filter((f) => f.series_id === s.id).map((f) => f.period_position)) : -Infinity;
      // The period after the latest, if one can be written (a figure stored at the end of the range has none).
      const next = Number.isFinite(latest) ? (tryPeriodFromPosition(indicator.period_type as PeriodType, latest + 1)?.label ?? '') : '';
      lines.push(csvLine([indicator.code, role, next, '', '', '', '', '', '']));
    }
  }
  return BOM + lines.join(CRLF) + CRLF;
}

/**
 * The plan for an uploaded file: every row checked against the partnership's indicators and saved figures. A file
 * can hold 200,000 rows: they are checked a step at a time, letting other requests run between steps.
 */
export async function buildCsvImport(db: Kysely<DB>, partnershipId: string, rows: CsvRow[], unknownColumns: string[]): Promise<BuiltImport> {
  const codes = [...new Set(rows.map((r) => (r.values.indicator_code ?? '').trim()).filter(Boolean))];
  const indicators = await listIndicatorsForData(db, partnershipId, { codes });
  const series = await listSeriesOfIndicators(db, partnershipId, indicators.map((i) => i.id));
  const current = await listObservationsOfSeries(db, partnershipId, series.map((s) => s.id));
  const built: BuiltImport = { planned: [], problems: [], skipped: 0, newIndicators: [], seriesLabels: {}, authorityValues: [], notes: [] };
  if (unknownColumns.length) built.notes.push(`Not read: the column${unknownColumns.length > 1 ? 's' : ''} ${unknownColumns.map((c) => `“${c}”`).join(', ')}.`);

  const byCode = new Map(indicators.map((i) => [i.code, i]));
  const planners = new Map<string, ReturnType<typeof figurePlanner<string>>>();
  const plannerFor = (indicator: IndicatorForData) => {
    let planner = planners.get(indicator.code);
    if (!planner) {
      const mine = series.filter((s) => s.indicator_id === indicator.id);
      const ids = new Set(mine.map((s) => s.id));
      planner = figurePlanner<string>(indicator, mine, current.filter((o) => ids.has(o.series_id)), (ref) => ref);
      planners.set(indicator.code, planner);
    }
    return planner;
  };
  for (const [n, row] of rows.entries()) {
    if (n % PLAN_STEP === PLAN_STEP - 1) await yieldToEventLoop();
    const v = row.values;
    const where = `line ${row.line}`;
    const code = (v.indicator_code ?? '').trim();
    const figureBlank = ['value', 'marker', 'numerator', 'denominator'].every((c) => !(v[c] ?? '').trim());
    if (figureBlank && !(v.status ?? '').trim() && !(v.note ?? '').trim()) {
      built.skipped++;
      continue;
    }
    if (!code) {
      built.problems.push({ where, field: 'indicator_code', text: 'Give an indicator code' });
      continue;
    }
    const indicator = byCode.get(code);
    if (!indicator) {
      const similar = indicators.find((i) => i.code.toLowerCase() === code.toLowerCase());
      built.problems.push({ where, field: 'indicator_code', text: `There is no indicator “${code}” in this partnership${similar ? ` (did you mean ${similar.code}? codes are case-sensitive)` : ''}` });
      continue;
    }
    plannerFor(indicator).add({
      ref: where,
      series: v.series ?? '',
      period: v.period ?? '',
      raw: { value: v.value, marker: v.marker, status: v.status, numerator: v.numerator, denominator: v.denominator, note: unprotectText(v.note ?? '') },
    } satisfies RawItem<string>);
  }
  for (const planner of planners.values()) {
    const { planned, problems } = planner.result();
    built.planned.push(...planned);
    built.problems.push(...problems.map((p) => ({ where: p.ref, field: p.field, text: p.text })));
  }
  built.problems.sort((a, b) => lineOf(a.where) - lineOf(b.where));
  return built;
}

/** Rows checked between two pauses. */
const PLAN_STEP = 2000;

const lineOf = (where: string) => Number(/\d+/.exec(where)?.[0] ?? 0);
