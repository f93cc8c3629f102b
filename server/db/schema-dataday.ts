// Table types for data day agendas, room notes, publications (issue 9). Their migration (0007_dataday) is the truth.
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** A `date` column. Always selected as text (`::text`, YYYY-MM-DD): drivers turn dates into midnight-UTC Dates otherwise. */
type DateColumn = ColumnType<string, string, string>;

export type RoomNoteKind = 'idea' | 'commitment' | 'question';
export type RoomNoteStatus = 'open' | 'action' | 'what_works' | 'data_development' | 'dismissed';
export type PublicationScope = 'book' | 'indicators';

export interface DataDayTable {
  id: Generated<string>;
  partnership_id: string;
  title: string;
  held_on: DateColumn;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface DataDaySlideTable {
  id: Generated<string>;
  partnership_id: string;
  data_day_id: string;
  position: number;
  outcome_id: string | null;
  priority_id: string | null;
  indicator_id: string | null;
}

export interface RoomNoteTable {
  id: Generated<string>;
  partnership_id: string;
  data_day_id: string;
  kind: RoomNoteKind;
  body: string;
  who: ColumnType<string, string | undefined, string>;
  outcome_id: string | null;
  priority_id: string | null;
  indicator_id: string | null;
  slide_label: ColumnType<string, string | undefined, string>;
  status: ColumnType<RoomNoteStatus, RoomNoteStatus | undefined, RoomNoteStatus>;
  action_id: string | null;
  what_works_id: string | null;
  data_development_item_id: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  reviewed_by: string | null;
  reviewed_at: Date | null;
}

export interface PublicationTable {
  id: Generated<string>;
  partnership_id: string;
  token: string;
  title: string;
  scope: PublicationScope;
  book_year: number;
  indicator_count: ColumnType<number, number | undefined, number>;
  /** The Data Book as published (server/features/dataday/book.ts `DataBook`); null once unpublished. Written as `cast(cast(<json> as text) as jsonb)`. */
  snapshot: ColumnType<unknown | null, unknown, unknown>;
  published_by: string | null;
  published_at: CreatedAt;
  unpublished_by: string | null;
  unpublished_at: Date | null;
}

export interface DatadayTables {
  data_day: DataDayTable;
  data_day_slide: DataDaySlideTable;
  room_note: RoomNoteTable;
  publication: PublicationTable;
}
