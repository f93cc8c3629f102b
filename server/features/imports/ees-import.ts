// An explore-education-statistics file into an indicator: the area's figures into its series and, in the same pass,
// England and the region as comparators, and every authority's value for rank and quartile.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { planIndicatorFigures, type RawItem } from '../observations/plan.ts';
import { listIndicatorsForData, listObservationsOfSeries, listSeriesOfIndicators, type IndicatorForData } from '../observations/queries.ts';
import type { NewIndicator } from '../indicators/queries.ts';
import { plannedIndicator, placeholderId, type BuiltImport } from './apply.ts';
import { extractEes, type EesFile, type EesMapping, type EesSummary } from './ees.ts';

export interface StoredEesMapping extends EesMapping {
  /** An indicator to create on confirm, when the figures go into a new one. */
  newIndicator?: NewIndicator | null;
  /** Save the mapping under this name (so next year's file imports in one step). */
  saveAs?: string;
}

const typeWords: Record<string, string> = {
  fy_quarter: 'financial year quarters',
  academic_year: 'academic years',
  financial_year: 'financial years',
  calendar_year: 'calendar years',
  month: 'months',
};

export async function buildEesImport(db: Kysely<DB>, partnershipId: string, file: EesFile, summary: EesSummary, mapping: StoredEesMapping): Promise<BuiltImport> {
  const built: BuiltImport = { planned: [], problems: [], skipped: 0, newIndicators: [], seriesLabels: {}, authorityValues: [], notes: [] };
  const [found] = await listIndicatorsForData(db, partnershipId, { codes: [mapping.indicatorCode] });
  let indicator: IndicatorForData;
  if (found) indicator = found;
  else if (mapping.newIndicator && mapping.newIndicator.code === mapping.indicatorCode) {
    built.newIndicators.push(mapping.newIndicator);
    indicator = plannedIndicator(mapping.newIndicator);
  } else {
    built.problems.push({ where: 'mapping', field: 'indicatorCode', text: `There is no indicator ${mapping.indicatorCode} in this partnership` });
    return built;
  }
  const extract = extractEes(file, summary, mapping);
  built.problems.push(...extract.problems);
  const wrongType = extract.local.find((p) => p.period.type !== indicator.period_type);
  if (wrongType) {
    built.problems.push({
      where: 'mapping',
      field: 'indicatorCode',
      text: `The file's periods are ${typeWords[wrongType.period.type]} (${wrongType.period.label}); ${indicator.code} is measured by ${typeWords[indicator.period_type]}: choose another indicator`,
    });
    return built;
  }
  const series = found ? await listSeriesOfIndicators(db, partnershipId, [found.id]) : [];
  const current = await listObservationsOfSeries(db, partnershipId, series.map((s) => s.id));
  const raws: RawItem<string>[] = [];
  const add = (role: string, name: string, points: typeof extract.local) => {
    for (const p of points) raws.push({ ref: `${name}, ${p.period.label}`, series: role, period: p.period, raw: p.raw });
  };
  add(mapping.series, mapping.areaName, extract.local);
  add('england', 'England', extract.england);
  if (extract.regionName) {
    add('region', extract.regionName, extract.region);
    built.seriesLabels[`${indicator.code}\u0000region`] = extract.regionName;
  }
  if (mapping.series === 'local') built.seriesLabels[`${indicator.code}\u0000local`] = mapping.areaName;
  const { planned, problems } = planIndicatorFigures(indicator, series, current, raws, (ref) => ref);
  built.planned.push(...planned);
  built.problems.push(...problems.map((p) => ({ where: p.ref, field: p.field === 'value' ? mapping.indicatorColumn : p.field, text: p.text })));
  // Rank and quartile compare the partnership's own series with every authority: only for a single indicator's local series.
  if (mapping.level === 'Local authority' && mapping.series === 'local' && extract.authorities.length) {
    built.authorityValues.push({
      indicatorId: found ? found.id : placeholderId(indicator.code),
      rows: extract.authorities.map((a) => ({ period_position: a.period.position, period_label: a.period.label, area_code: a.code, area_name: a.name, value: a.value })),
    });
    const areas = new Set(extract.authorities.map((a) => a.code)).size;
    built.notes.push(`Every local authority's value (${areas} authorities) is kept for rank and quartile.`);
  }
  return built;
}
