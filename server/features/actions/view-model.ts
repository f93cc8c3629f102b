// Actions as pages show them: the same rows on the action list, the indicator and priority pages, a partner's page and
// the turn-the-curve report.
import * as format from '../../format.ts';
import { actionStatusLabel, actionStatusTag } from '../conversation/labels.ts';
import { todayInEngland } from '../../forms/forms.ts';
import type { ActionRecord } from './queries.ts';

export function isOverdue(action: { status: string; due_date: string | null }, today: string): boolean {
  return action.status !== 'done' && action.due_date !== null && action.due_date < today;
}

export function actionRows(actions: ActionRecord[], slug: string, today = todayInEngland()) {
  return actions.map((a) => ({
    id: a.id,
    title: a.title,
    href: `/p/${slug}/actions/${a.id}`,
    status: a.status,
    statusText: actionStatusLabel[a.status],
    statusTag: actionStatusTag[a.status],
    leadPartner: a.lead_partner_name ?? '',
    leadPartnerHref: a.lead_partner_id ? `/p/${slug}/partners/${a.lead_partner_id}` : null,
    owner: a.owner_name ?? '',
    startText: format.date(a.start_date),
    dueText: format.date(a.due_date),
    overdue: isOverdue(a, today),
    indicators: a.indicators.map((i) => ({ title: i.title, href: `/p/${slug}/indicators/${encodeURIComponent(i.code)}` })),
    priorities: a.priorities.map((p) => ({ title: p.title, href: `/p/${slug}/priorities/${p.id}` })),
  }));
}

export type ActionRow = ReturnType<typeof actionRows>[number];
