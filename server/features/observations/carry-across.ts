// Carrying a retired indicator's figures across to the indicator that replaces it (issue 15). When what an indicator
// measures has to change in a way its figures cannot follow — its direction once a baseline is agreed, its definition —
// the manager retires it and adds a new one; the history need not be lost. The figures are copied through the one
// write path (each audited as a new figure, saying where it came from and why), and only between indicators measured
// the same way: the same unit and rate base, the same periods, single or gap alike. Copying percentages into a rate, or
// financial years into academic years, would put numbers under a meaning they never had.
import type { Kysely } from 'kysely';
import { periodTypeLabel, type PeriodType } from '../../analysis/periods.ts';
import { recordPlanChange, type PlanActor } from '../../db/plan-changes.ts';
import type { DB } from '../../db/schema.ts';
import { inPartnershipTransaction } from '../../db/transaction.ts';
import * as format from '../../format.ts';
import { NOTE_MAX } from './figure.ts';
import { createSeries, listObservationsOfSeries, listSeriesOfIndicators, type IndicatorForData } from './queries.ts';
import { figureOf, writeObservations, type WriteItem } from './write.ts';

/** At most this long, so that "Copied from CODE: " and a figure's own note still fit in a figure's note. */
export const CARRY_NOTE_MAX = 300;

/** Why `from`'s figures cannot be carried into `to`, or null when they can. */
export function carryRefusal(from: IndicatorForData, to: IndicatorForData): string | null {
  if (from.id === to.id) return 'Choose another indicator: an indicator’s figures are already its own';
  if (from.unit !== to.unit || (from.unit === 'rate' && from.rate_base !== to.rate_base)) {
    return `${from.code}’s figures are ${unitWords(from)} and ${to.code} is measured ${unitWords(to)}: figures can be carried across only between indicators measured the same way`;
  }
  if (from.period_type !== to.period_type) {
    return `${from.code}’s figures are by ${periodTypeLabel(from.period_type as PeriodType).toLowerCase()} and ${to.code}’s by ${periodTypeLabel(to.period_type as PeriodType).toLowerCase()}: the periods would not match`;
  }
  if (from.kind !== to.kind) return `${from.code} is ${from.kind === 'gap' ? 'a gap between two groups' : 'a single indicator'} and ${to.code} is not: its figures are for other groups`;
  return null;
}

const unitWords = (i: IndicatorForData) => (i.unit === 'rate' && i.rate_base ? `a rate per ${i.rate_base.toLocaleString('en-GB')}` : `in ${format.unitName[i.unit].toLowerCase()}`);

export type CarryOutcome = { ok: true; copied: number; kept: number } | { ok: false; reason: 'nothing' };

/**
 * Copies every figure of `from` (all its series: local or the two groups, England, region, neighbours, targets) into
 * `to`, in one transaction. A period `to` already has a figure for keeps it (counted as `kept`). Each copied figure's
 * note says where it came from and why; the change is recorded in the plan's history.
 */
export async function carryFiguresAcross(db: Kysely<DB>, partnershipId: string, from: IndicatorForData, to: IndicatorForData, note: string, actor: PlanActor): Promise<CarryOutcome> {
  return inPartnershipTransaction(db, partnershipId, async (trx) => {
    const series = await listSeriesOfIndicators(trx, partnershipId, [from.id, to.id]);
    const source = series.filter((s) => s.indicator_id === from.id);
    const figures = await listObservationsOfSeries(trx, partnershipId, source.map((s) => s.id));
    if (!figures.length) return { ok: false, reason: 'nothing' } as const;
    const target = new Map(series.filter((s) => s.indicator_id === to.id).map((s) => [s.role, s.id]));
    const existing = new Set((await listObservationsOfSeries(trx, partnershipId, [...target.values()])).map((o) => `${o.series_id}\u0000${o.period_key}`));
    const roleOf = new Map(source.map((s) => [s.id, s]));
    const items: WriteItem[] = [];
    let kept = 0;
    const prefix = `Copied from ${from.code}: ${note}`;
    for (const o of figures) {
      const s = roleOf.get(o.series_id)!;
      let seriesId = target.get(s.role);
      if (!seriesId) {
        seriesId = (await createSeries(trx, to.id, s.role, s.label)).id;
        target.set(s.role, seriesId);
      }
      if (existing.has(`${seriesId}\u0000${o.period_key}`)) {
        kept++;
        continue;
      }
      const figure = figureOf(o);
      const carried = figure.note ? `${prefix} (${figure.note})` : prefix;
      items.push({
        indicatorId: to.id,
        seriesId,
        role: s.role,
        period: { key: o.period_key, position: o.period_position, label: o.period_label },
        figure: { ...figure, note: carried.length > NOTE_MAX ? `${carried.slice(0, NOTE_MAX - 1)}…` : carried },
        expectedVersion: null,
      });
    }
    await writeObservations(trx, { partnershipId, userId: actor.userId, via: 'form' }, items);
    await recordPlanChange(trx, {
      partnershipId,
      kind: 'indicator',
      itemId: to.id,
      label: `${to.code}: ${to.title}`,
      action: 'edited',
      before: null,
      after: { figuresCopiedFrom: from.code, figures: items.length, note },
      userId: actor.userId,
      via: actor.via,
    });
    return { ok: true, copied: items.length, kept } as const;
  });
}
