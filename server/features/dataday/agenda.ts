// The partnership's structure as a data day agenda can name it: outcomes, priorities and indicators, each with a key
// (`outcome:<id>`, `priority:<id>`, `indicator:<id>`) that forms post and that is checked against this partnership.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { listIndicators } from '../indicators/queries.ts';
import { listOutcomes, listPriorities } from '../partnerships/queries.ts';
import type { AgendaItem } from './queries.ts';

export type SubjectKind = AgendaItem['kind'];

export interface StructureEntry {
  key: string;
  kind: SubjectKind;
  id: string;
  title: string;
  /** Where it sits: the outcome of a priority, the outcome and priority of an indicator. */
  context: string;
  /** Depth in the structure: 0 outcome, 1 priority, 2 indicator. */
  level: number;
  headline: boolean;
  /** For an indicator, its priority; for a priority, itself. Links made from notes use it. */
  priorityId: string | null;
}

export const keyOf = (item: AgendaItem) => `${item.kind}:${item.id}`;

const KEY = /^(outcome|priority|indicator):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function parseKey(key: string): AgendaItem | null {
  const match = KEY.exec(key.trim());
  return match ? { kind: match[1] as SubjectKind, id: match[2]!.toLowerCase() } : null;
}

/** Every outcome, priority and population indicator of the partnership, in the structure's order. */
export async function loadStructure(db: Kysely<DB>, partnershipId: string) {
  const [outcomes, priorities, indicators] = await Promise.all([listOutcomes(db, partnershipId), listPriorities(db, partnershipId), listIndicators(db, partnershipId)]);
  const entries: StructureEntry[] = [];
  for (const o of outcomes) {
    entries.push({ key: `outcome:${o.id}`, kind: 'outcome', id: o.id, title: o.title, context: '', level: 0, headline: true, priorityId: null });
    for (const p of priorities.filter((p) => p.outcome_id === o.id)) {
      entries.push({ key: `priority:${p.id}`, kind: 'priority', id: p.id, title: p.title, context: o.title, level: 1, headline: true, priorityId: p.id });
      for (const i of indicators.filter((i) => i.priority_id === p.id)) {
        entries.push({ key: `indicator:${i.id}`, kind: 'indicator', id: i.id, title: i.title, context: `${o.title} · ${p.title}`, level: 2, headline: i.rank === 'headline', priorityId: p.id });
      }
    }
  }
  const byKey = new Map(entries.map((e) => [e.key, e]));
  return { outcomes, priorities, indicators, entries, byKey };
}

export type Structure = Awaited<ReturnType<typeof loadStructure>>;

/** A new data day's agenda: the whole structure (headline indicators only, or every indicator), or nothing. */
export function startingAgenda(structure: Structure, start: 'headline' | 'all' | 'empty'): AgendaItem[] {
  if (start === 'empty') return [];
  return structure.entries.filter((e) => e.kind !== 'indicator' || start === 'all' || e.headline).map((e) => ({ kind: e.kind, id: e.id }));
}

/** How many slides an agenda item makes: an indicator has three (the curve, the story, what works and actions). */
export const slidesFor = (kind: SubjectKind) => (kind === 'indicator' ? 3 : 1);

/** What a note taken on a slide of this item is said to be about. */
export function labelFor(entry: StructureEntry): string {
  return entry.kind === 'outcome' ? `Outcome: ${entry.title}` : entry.kind === 'priority' ? `Priority: ${entry.title}` : entry.title;
}

/**
 * The agenda a posted form asks for: the rows in the order the page showed them (then anything ticked that was not
 * among them), only what is ticked, each once, and only this partnership's outcomes, priorities and indicators — a
 * forged or foreign key is dropped, never saved. `move` ("<key>:up" or "<key>:down") swaps one item with its neighbour.
 */
export function agendaFromForm(structure: Structure, form: { order: string[]; include: string[]; move?: string }): AgendaItem[] {
  const ticked = new Set(form.include.filter((k) => structure.byKey.has(k)));
  const order = [...new Set([...form.order, ...form.include])].filter((k) => ticked.has(k));
  if (form.move) {
    const split = form.move.lastIndexOf(':');
    const at = order.indexOf(form.move.slice(0, split));
    const direction = form.move.slice(split + 1);
    const to = direction === 'up' ? at - 1 : direction === 'down' ? at + 1 : -1;
    if (at >= 0 && to >= 0 && to < order.length) [order[at], order[to]] = [order[to]!, order[at]!];
  }
  return order.map((k) => parseKey(k)).filter((item): item is AgendaItem => item !== null);
}
