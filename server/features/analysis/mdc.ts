// Making Data Count (docs/method.md, Statistical process control): the variation and assurance icons and the summary
// row (latest, mean, limits, variation, assurance) shown beside each SPC chart, on the scorecard and on the
// partnership's SPC summary. Shaping only: the icons come from the analysis's own SPC result, the same rule evaluation
// that colours the chart's points.
import type { IndicatorAnalysis } from '../../analysis/indicator-analysis.ts';
import type { Assurance, Variation } from '../../analysis/spc.ts';
import { periodLabel, type PeriodType } from '../../analysis/periods.ts';
import * as format from '../../format.ts';
import type { IndicatorRecord } from '../indicators/queries.ts';

/** How each icon is drawn (views/partials/mdc-icons.eta) and said. Colours as MDC: improvement blue, concern orange. */
export interface MdcIcon {
  code: string;
  /** The icon's accessible name and the text beside it. */
  label: string;
  /** Letter drawn in the circle. */
  letter: string;
  /** Arrow drawn in the circle, if any. */
  arrow: 'up' | 'down' | null;
  colour: string;
}

const BLUE = '#00B0F0';
const ORANGE = '#E46C0A';
const GREY = '#7F7F7F';
const PURPLE = '#490092';

export const VARIATION: Record<Variation, MdcIcon> = {
  common_cause: { code: 'common_cause', label: 'Common cause variation: no signal', letter: '', arrow: null, colour: GREY },
  improvement_high: { code: 'improvement_high', label: 'Special cause variation: improving (high values)', letter: 'H', arrow: 'up', colour: BLUE },
  improvement_low: { code: 'improvement_low', label: 'Special cause variation: improving (low values)', letter: 'L', arrow: 'down', colour: BLUE },
  concern_high: { code: 'concern_high', label: 'Special cause variation: concerning (high values)', letter: 'H', arrow: 'up', colour: ORANGE },
  concern_low: { code: 'concern_low', label: 'Special cause variation: concerning (low values)', letter: 'L', arrow: 'down', colour: ORANGE },
  neutral_high: { code: 'neutral_high', label: 'Special cause variation: unusually high (no better direction)', letter: 'H', arrow: 'up', colour: PURPLE },
  neutral_low: { code: 'neutral_low', label: 'Special cause variation: unusually low (no better direction)', letter: 'L', arrow: 'down', colour: PURPLE },
};

export const ASSURANCE_ICON: Record<Assurance, MdcIcon> = {
  consistent_pass: { code: 'consistent_pass', label: 'Consistently passing the target', letter: 'P', arrow: null, colour: BLUE },
  consistent_fail: { code: 'consistent_fail', label: 'Consistently failing the target', letter: 'F', arrow: null, colour: ORANGE },
  inconsistent: { code: 'inconsistent', label: 'Hit and miss against the target', letter: '?', arrow: null, colour: GREY },
};

/** What is said when there is no assurance icon. */
export function noAssuranceText(polarity: string, hasLimits: boolean): string {
  if (polarity === 'neutral') return 'No assurance (no better direction)';
  return hasLimits ? 'No target' : 'No assurance (too few points)';
}

export interface MdcSummary {
  code: string;
  title: string;
  latestPeriod: string | null;
  latestText: string;
  meanText: string;
  lowerText: string;
  upperText: string;
  trial: boolean;
  variation: MdcIcon | null;
  assurance: MdcIcon | null;
  assuranceText: string;
  target: string | null;
}

/** One row of the MDC summary table, from an indicator's analysis. */
export function mdcSummary(indicator: Pick<IndicatorRecord, 'code' | 'title' | 'kind' | 'unit' | 'decimals' | 'rate_base' | 'period_type'>, analysis: IndicatorAnalysis): MdcSummary {
  const spec = format.unitSpecOf(indicator);
  const spc = analysis.spc;
  const latest = spc.points.at(-1) ?? null;
  const n = (v: number | null) => (v === null ? '—' : format.number(v, indicator.decimals + 1));
  return {
    code: indicator.code,
    title: indicator.title,
    latestPeriod: latest ? periodLabel(indicator.period_type as PeriodType, latest.position) : null,
    latestText: latest ? format.value(latest.value, spec) : 'no data',
    meanText: n(spc.mean),
    lowerText: n(spc.lpl),
    upperText: n(spc.upl),
    trial: spc.trial,
    variation: spc.variation ? VARIATION[spc.variation] : null,
    assurance: spc.assurance ? ASSURANCE_ICON[spc.assurance] : null,
    assuranceText: spc.assurance ? ASSURANCE_ICON[spc.assurance].label : noAssuranceText(analysis.judgedPolarity, spc.lpl !== null),
    target: analysis.rag ? format.value(analysis.rag.target, spec) : null,
  };
}
