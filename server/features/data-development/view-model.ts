// Data development agenda items as pages and reports show them.
import { dataDevelopmentStatusLabel } from '../conversation/labels.ts';
import { renderText } from '../conversation/text.ts';
import type { DataDevelopmentRecord } from './queries.ts';

/** Agenda items as pages and reports show them. */
export function itemRows(items: DataDevelopmentRecord[], slug: string) {
  return items.map((i) => ({
    id: i.id,
    rank: i.rank,
    title: i.title,
    descriptionHtml: renderText(i.description),
    howToGetHtml: renderText(i.how_to_get),
    status: i.status,
    statusText: dataDevelopmentStatusLabel[i.status],
    priorityTitle: i.priority_title,
    priorityHref: i.priority_id ? `/p/${slug}/priorities/${i.priority_id}` : null,
    indicatorTitle: i.indicator_title,
    indicatorHref: i.indicator_code ? `/p/${slug}/indicators/${encodeURIComponent(i.indicator_code)}` : null,
    indicatorId: i.indicator_id,
    owner: i.owner_name ?? '',
    partner: i.partner_name ?? '',
    editHref: `/p/${slug}/data-development/${i.id}/edit`,
    moveAction: `/p/${slug}/data-development/${i.id}/move`,
  }));
}

export type DataDevelopmentRow = ReturnType<typeof itemRows>[number];
