import { costLabel, evidenceLabel } from '../conversation/labels.ts';
import { renderText } from '../conversation/text.ts';
import type { WhatWorksRecord } from './queries.ts';

/** What works entries as pages and reports show them. */
export function whatWorksRows(entries: WhatWorksRecord[], slug: string) {
  return entries.map((w) => ({
    id: w.id,
    title: w.title,
    descriptionHtml: renderText(w.description),
    cost: w.cost,
    costText: costLabel[w.cost],
    cheap: w.cost !== 'funded',
    evidence: w.evidence_level,
    evidenceText: evidenceLabel[w.evidence_level],
    source: w.source,
    sourceUrl: w.source_url,
    caseStudyNumber: w.case_study_number,
    editHref: `/p/${slug}/what-works/${w.id}/edit`,
  }));
}

export type WhatWorksRow = ReturnType<typeof whatWorksRows>[number];
