// Column lists that several features read alike, so that a figure is never read with a field missing in one place.

/** An observation's figure with its period and its bookkeeping (status, version, when it was last changed). */
export const observationFigureColumns = [
  'observation.period_key',
  'observation.period_position',
  'observation.period_label',
  'observation.value',
  'observation.marker',
  'observation.status',
  'observation.numerator',
  'observation.denominator',
  'observation.note',
  'observation.version',
  'observation.updated_at',
] as const;
