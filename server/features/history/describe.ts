// A history row → what the page and the CSV file say about it: when, who, what kind, the item (with a link), and
// before → after in words. Pure: the rows come from queries.ts.
import type { FigureJson } from '../../db/schema-data.ts';
import type { Unit } from '../../db/schema.ts';
import * as format from '../../format.ts';
import { describeFigure } from '../observations/figure.ts';
import type { HistoryKind, HistoryRow } from './queries.ts';

export const KIND_LABELS: Record<HistoryKind, string> = {
  plan: 'Plan (outcomes, priorities, indicators)',
  figure: 'Figure',
  target: 'Target',
  baseline: 'Baseline',
  story: 'Story behind the curve',
};

const SHORT_KIND: Record<HistoryKind, string> = { plan: 'Plan', figure: 'Figure', target: 'Target', baseline: 'Baseline', story: 'Story' };
const ITEM_KIND: Record<string, string> = { outcome: 'Outcome', priority: 'Priority', indicator: 'Indicator' };
const FIELD_NAMES: Record<string, string> = {
  title: 'title',
  description: 'description',
  position: 'position',
  outcome: 'outcome',
  outcome_id: 'outcome',
  priority: 'priority',
  priority_id: 'priority',
  definition: 'definition',
  rate_base: 'rate base',
  period_type: 'period type',
  source_text: 'source',
  source_url: 'source link',
};
const VIA_WORDS: Record<string, string> = { form: 'on a form', api: 'through the API', import: 'by an import', restore: 'restored by a manager', template: 'from a template', seed: 'when the demo was loaded' };
const METHOD_WORDS: Record<string, string> = { linear: 'a straight-line trend', manual: 'points set by hand' };

export interface HistoryEntry {
  at: string;
  /** ISO 8601, for the CSV file. */
  atIso: string;
  who: string;
  kind: HistoryKind;
  kindLabel: string;
  what: string;
  item: string;
  href: string;
  before: string;
  after: string;
  how: string;
  refused: boolean;
}

const shorten = (text: string, max = 140) => {
  const flat = String(text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function valueWords(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'none';
  if (typeof value === 'string') return `“${shorten(value, 80)}”`;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  return shorten(JSON.stringify(value), 80);
}

function fieldsWords(fields: Record<string, unknown> | null | undefined): string {
  if (!fields || typeof fields !== 'object') return '';
  return Object.entries(fields)
    .filter(([k]) => k !== 'version' && k !== 'id')
    .map(([k, v]) => `${FIELD_NAMES[k] ?? k.replace(/_/g, ' ')}: ${valueWords(v)}`)
    .join('; ');
}

export function describeHistory(row: HistoryRow, slug: string): HistoryEntry {
  const d = row.detail as Record<string, any>;
  const indicatorHref = row.indicator_code ? `/p/${slug}/indicators/${encodeURIComponent(row.indicator_code)}` : `/p/${slug}`;
  const unit = { unit: (row.unit ?? 'score') as Unit, rate_base: row.rate_base, decimals: row.decimals ?? 1 };
  const base = {
    at: format.dateTime(row.at),
    atIso: row.at_text,
    who: row.user_name ?? (row.user_id ? 'a removed account' : 'the system'),
    kind: row.kind,
    kindLabel: SHORT_KIND[row.kind],
    refused: false,
  };
  switch (row.kind) {
    case 'plan': {
      const itemKind = String(d.itemKind);
      const href =
        itemKind === 'indicator' ? indicatorHref : itemKind === 'priority' ? `/p/${slug}/priorities/${d.itemId}` : `/p/${slug}#outcome-${d.itemId}`;
      const action = String(d.action);
      return {
        ...base,
        what: `${ITEM_KIND[itemKind] ?? itemKind} ${action}`,
        item: `${ITEM_KIND[itemKind] ?? itemKind}: ${d.label}`,
        href: action === 'deleted' ? '' : href,
        before: fieldsWords(d.before) || (action === 'created' ? 'nothing' : ''),
        after: fieldsWords(d.after) || (action === 'deleted' ? 'deleted' : action),
        how: VIA_WORDS[d.via] ?? String(d.via ?? ''),
      };
    }
    case 'figure':
    case 'target': {
      const old = d.old as FigureJson | null;
      const next = d.new as FigureJson | null;
      const result = String(d.result);
      const figureHref = row.indicator_code ? `${indicatorHref}/history?${new URLSearchParams({ series: String(d.role), period: String(d.periodKey) })}` : indicatorHref;
      return {
        ...base,
        what: result === 'deleted' ? `${SHORT_KIND[row.kind]} deleted` : result === 'conflict' ? `${SHORT_KIND[row.kind]} not saved` : `${SHORT_KIND[row.kind]} changed`,
        item: `${row.indicator_title ?? 'An indicator'}: ${d.series}, ${d.period}`,
        href: figureHref,
        before: describeFigure(old, unit),
        after:
          result === 'deleted'
            ? `deleted, because: ${d.reason ?? ''}`
            : result === 'conflict'
              ? `not saved, someone else had saved first: ${describeFigure(next, unit)}`
              : describeFigure(next, unit),
        how: VIA_WORDS[d.via] ?? String(d.via ?? ''),
        refused: result === 'conflict',
      };
    }
    case 'baseline': {
      const words = (b: Record<string, any>) => `version ${b.version}: from ${b.label}, ${METHOD_WORDS[b.method] ?? b.method} over ${b.window} periods`;
      return {
        ...base,
        what: d.before ? 'Baseline agreed again' : 'Baseline agreed',
        item: row.indicator_title ?? 'An indicator',
        href: `${indicatorHref}/baselines`,
        before: d.before ? words(d.before) : 'no baseline',
        after: `${words(d)}${d.note ? `; note: ${shorten(d.note, 120)}` : ''}`,
        how: '',
      };
    }
    case 'story': {
      const onPriority = !row.indicator_id && d.priorityId;
      const before = d.before as Record<string, any> | null;
      const names: [string, string][] = [['periodText', 'written for'], ['summary', 'summary'], ['contributing', 'what helps'], ['restricting', 'what holds it back'], ['rootCauses', 'root causes']];
      const changed = before ? names.filter(([k]) => JSON.stringify(before[k] ?? null) !== JSON.stringify(d[k] ?? null)).map(([, n]) => n) : [];
      const extra = [d.restoredFrom ? `restored from version ${d.restoredFrom}` : '', changed.length ? `changed: ${changed.join(', ')}` : '', d.changeNote ? `note: ${shorten(d.changeNote, 100)}` : '']
        .filter(Boolean)
        .join('; ');
      return {
        ...base,
        what: before ? 'Story updated' : 'Story written',
        item: onPriority ? `Priority: ${d.priorityTitle ?? ''}` : (row.indicator_title ?? 'An indicator'),
        href: `${onPriority ? `/p/${slug}/priorities/${d.priorityId}` : indicatorHref}#story`,
        before: before ? `version ${before.version}: ${shorten(before.summary) || '(no summary)'}` : 'no story',
        after: `version ${d.version}: ${shorten(d.summary) || '(no summary)'}${extra ? ` (${extra})` : ''}`,
        how: '',
      };
    }
  }
}

/** A cell of a CSV file: quoted, with a formula-looking start defused so a spreadsheet shows it as text. */
export function csvCell(value: string): string {
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${text.replace(/"/g, '""')}"`;
}

export const CSV_HEADER = ['When (UTC)', 'Who', 'Kind', 'What', 'Item', 'Before', 'After', 'How', 'Link'];

export function csvLine(entry: HistoryEntry): string {
  return `${[entry.atIso, entry.who, entry.kindLabel, entry.what, entry.item, entry.before, entry.after, entry.how, entry.href].map(csvCell).join(',')}\r\n`;
}
