// A story version as pages and reports show it.
import * as format from '../../format.ts';
import { renderText } from '../conversation/text.ts';
import type { StoryVersionRecord } from './queries.ts';

/** A story version as pages show it: the text rendered safely, who wrote it and when. */
export function storyView(version: StoryVersionRecord, versionCount?: number) {
  return {
    id: version.id,
    version: version.version,
    versionCount: versionCount ?? null,
    periodText: version.period_text,
    summaryHtml: renderText(version.summary),
    contributingHtml: renderText(version.contributing),
    restrictingHtml: renderText(version.restricting),
    rootCauses: version.root_causes,
    changeNote: version.change_note,
    restoredFrom: version.restored_from,
    author: version.author_name ?? 'a former member',
    when: format.dateTime(version.created_at),
    date: format.date(version.created_at),
  };
}

export type StoryView = ReturnType<typeof storyView>;
