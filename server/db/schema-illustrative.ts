// The partnership's "illustrative narrative" flag (migrations/0017_illustrative_narrative.ts): set on the demo
// partnership, whose stories, actions and notes are illustrative texts, so that its pages can say so.
import type { ColumnType } from 'kysely';

declare module './schema.ts' {
  interface PartnershipTable {
    narrative_illustrative: ColumnType<boolean, boolean | undefined, boolean>;
  }
}

export {};
