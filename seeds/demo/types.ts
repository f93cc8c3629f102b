// The shape of seeds/demo/coventry.json: the demo partnership, laid out like the Coventry Data Book
// (five Every Child Matters outcomes → CYP Plan priorities → indicators with their series).

export type DemoPeriodType = 'fy_quarter' | 'academic_year' | 'financial_year' | 'calendar_year' | 'month';
export type DemoMarker = 'c' | 'x' | 'z' | 'k' | 'low';
export type DemoSeriesRole = 'local' | 'focus' | 'comparison' | 'england' | 'region' | 'neighbours' | 'target';

export interface DemoObservation {
  /** Canonical label (server/analysis/periods.ts): `2023/24`, `2024-25`, `2024`, `2024-25 Q3`. */
  period: string;
  /** Null exactly when there is a marker: a missing or suppressed figure is never 0. */
  value: number | null;
  marker: null | DemoMarker;
  status: 'provisional' | 'revised' | 'final';
  note?: string;
}

export interface DemoSeries {
  role: DemoSeriesRole;
  label: string;
  observations: DemoObservation[];
}

export interface DemoIndicator {
  code: string;
  title: string;
  definition: string;
  unit: 'percentage' | 'rate' | 'count' | 'score' | 'ratio';
  /** Per 1,000 / 10,000 / 100,000 when unit is rate. */
  rateBase?: number;
  decimals: number;
  /** For a gap indicator, the polarity of the underlying measure (both groups). */
  polarity: 'higher' | 'lower' | 'neutral';
  periodType: DemoPeriodType;
  kind: 'single' | 'gap';
  rank: 'headline' | 'secondary';
  /** For gap indicators, e.g. 'Disadvantaged pupils' / 'Other pupils'. */
  focusLabel?: string;
  comparisonLabel?: string;
  source: { text: string; url: string | null; licence: string; illustrative: boolean };
  series: DemoSeries[];
  /** Every local authority's value (for a gap indicator, its gap) in the latest period: for rank and quartile. */
  authorityValues?: { period: string; values: { laNumber: number; areaName: string; value: number }[] };
}

export interface DemoPriority {
  title: string;
  description: string;
  indicators: DemoIndicator[];
}

export interface DemoOutcome {
  title: string;
  description: string;
  priorities: DemoPriority[];
}

export interface DemoSeed {
  partnership: {
    slug: 'coventry';
    name: string;
    laName: 'Coventry';
    laCode: 'E08000026';
    laNumber: 331;
  };
  ragRule: { greenWithinPercent: number; amberIfImproved: boolean };
  outcomes: DemoOutcome[];
}
