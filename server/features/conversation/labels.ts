// The words for the coded values of the turn-the-curve conversation, in one place: forms, pages and reports say the
// same thing. (Numbers and dates are formatted in server/format.ts.)
import type { ActionStatus, CostLevel, DataDevelopmentStatus, EvidenceLevel, MeasureKind, PartnerSector } from '../../db/schema-stories.ts';

export const PARTNER_SECTORS = ['council', 'health', 'police', 'schools', 'voluntary', 'other'] as const satisfies readonly PartnerSector[];
export const sectorLabel: Record<PartnerSector, string> = {
  council: 'Council services',
  health: 'Health',
  police: 'Police and justice',
  schools: 'Schools, colleges and early years',
  voluntary: 'Voluntary and community sector',
  other: 'Other',
};

export const EVIDENCE_LEVELS = ['demonstrable', 'some_evidence', 'promising', 'idea'] as const satisfies readonly EvidenceLevel[];
export const evidenceLabel: Record<EvidenceLevel, string> = {
  demonstrable: 'Demonstrable impact',
  some_evidence: 'Some evidence of impact',
  promising: 'Promising, not yet evaluated',
  idea: 'Idea from partners, no evidence yet',
};
export const evidenceHint: Record<EvidenceLevel, string> = {
  demonstrable: 'Evaluated, with a measured effect (like part A of the case-study library)',
  some_evidence: 'Early or local evidence of impact (like part B of the case-study library)',
  promising: 'Working elsewhere or in a pilot, but not yet evaluated',
  idea: 'Suggested by partners or at a data day',
};

export const COST_LEVELS = ['no_cost', 'low_cost', 'funded'] as const satisfies readonly CostLevel[];
export const costLabel: Record<CostLevel, string> = {
  no_cost: 'No cost',
  low_cost: 'Low cost',
  funded: 'Needs funding',
};

export const ACTION_STATUSES = ['not_started', 'on_track', 'at_risk', 'off_track', 'done'] as const satisfies readonly ActionStatus[];
export const actionStatusLabel: Record<ActionStatus, string> = {
  not_started: 'Not started',
  on_track: 'On track',
  at_risk: 'At risk',
  off_track: 'Off track',
  done: 'Done',
};
/** govuk-tag colour modifiers: never colour alone, the tag's text says the status. */
export const actionStatusTag: Record<ActionStatus, string> = {
  not_started: 'govuk-tag--grey',
  on_track: 'govuk-tag--green',
  at_risk: 'govuk-tag--yellow',
  off_track: 'govuk-tag--red',
  done: 'govuk-tag--blue',
};

export const DATA_DEVELOPMENT_STATUSES = ['wanted', 'in_progress', 'available'] as const satisfies readonly DataDevelopmentStatus[];
export const dataDevelopmentStatusLabel: Record<DataDevelopmentStatus, string> = {
  wanted: 'Wanted',
  in_progress: 'Being developed',
  available: 'Data now available',
};

export const MEASURE_KINDS = ['how_much', 'how_well', 'better_off'] as const satisfies readonly MeasureKind[];
export const measureKindLabel: Record<MeasureKind, string> = {
  how_much: 'How much did we do?',
  how_well: 'How well did we do it?',
  better_off: 'Is anyone better off?',
};
export const measureKindHint: Record<MeasureKind, string> = {
  how_much: 'The quantity of service: for example, the number of families who started the programme',
  how_well: 'The quality of service: for example, the percentage of families seen within two weeks of referral',
  better_off: 'The difference it made: recorded as a number and a percentage — the percentage matters most',
};
