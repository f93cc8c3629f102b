// What "retired" means when a partnership's plan is read (issue 15): the one place the rule lives.
// An outcome, priority or indicator is retired when its `retired_at` is set. Retiring hides an item from the views
// people work in (scorecard, partnership and priority pages, returns, data book, data day, reports, publications, the
// API lists) and keeps everything it holds, so a restore brings it back as it was. An indicator counts as retired
// when it, its priority or that priority's outcome is retired; a priority when it or its outcome is.
// Each takes the name (or alias) the table goes by in the query, e.g. `activeIndicator('i')` in raw SQL.
import { sql, type RawBuilder } from 'kysely';

const column = (table: string, name: string) => sql.ref(`${table}.${name}`);

/** The indicator is retired itself, or through its priority or that priority's outcome. */
export function indicatorRetired(table = 'indicator'): RawBuilder<boolean> {
  return sql<boolean>`(${column(table, 'retired_at')} is not null or exists (
    select 1 from priority as retired_priority join outcome as retired_outcome on retired_outcome.id = retired_priority.outcome_id
    where retired_priority.id = ${column(table, 'priority_id')}
      and (retired_priority.retired_at is not null or retired_outcome.retired_at is not null)))`;
}

/** The indicator is in use: neither it, its priority nor its outcome is retired. A programme's measure has neither. */
export function activeIndicator(table = 'indicator'): RawBuilder<boolean> {
  return sql<boolean>`not ${indicatorRetired(table)}`;
}

/** The priority is in use: neither it nor its outcome is retired. */
export function activePriority(table = 'priority'): RawBuilder<boolean> {
  return sql<boolean>`(${column(table, 'retired_at')} is null and not exists (
    select 1 from outcome as retired_outcome where retired_outcome.id = ${column(table, 'outcome_id')} and retired_outcome.retired_at is not null))`;
}

/** The outcome is in use. */
export function activeOutcome(table = 'outcome'): RawBuilder<boolean> {
  return sql<boolean>`${column(table, 'retired_at')} is null`;
}
