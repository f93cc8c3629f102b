// The Coventry demo a year into use (issue 18): stories behind the curve, partners and their roles, actions with their
// progress logs and evidence, what works, the data development agenda, a programme with a year of quarterly figures,
// last year's data day with its agenda and the room's notes, two gap-narrowing self-assessments and a published
// report card. The texts are in year-of-use.json; they are illustrative (the partnership is flagged so, and its pages
// say so: migrations/0017_illustrative_narrative.ts, views/partials/illustrative.eta).
//
// Every object is made by the module that owns it (the same functions the pages call), so the demo cannot drift from
// the app. The one thing no user path can do is make something a year ago: the builder then moves the times those
// functions recorded (now) back to when, in the demo's story, each thing happened. All dates are counted back from the
// day the demo is built (`today`), so the demo is "a year into use" whenever it is built: the data day was held
// 300 days before, most figures were recorded a fortnight before it, and a few arrived after it (so "since the last
// data day" lists a handful of new figures, not all of them).
import fs from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DB, Polarity, Role, Unit } from '../../server/db/schema.ts';
import type { ActionStatus, CostLevel, DataDevelopmentStatus, EvidenceLevel, MeasureKind, PartnerSector } from '../../server/db/schema-stories.ts';
import type { RoomNoteKind } from '../../server/db/schema-dataday.ts';
import type { SelfAssessmentRating } from '../../server/db/schema-library.ts';
import type { IndicatorSection, PrioritySection } from '../../server/plugins/extensions.ts';
import { periodContaining } from '../../server/features/observations/returns.ts';
import { previousPeriod } from '../../server/analysis/periods.ts';
import { createPartner, addRole } from '../../server/features/partners/queries.ts';
import { saveVersion } from '../../server/features/stories/queries.ts';
import { currentStory } from '../../server/features/stories/queries.ts';
import { storyView } from '../../server/features/stories/view-model.ts';
import { addUpdate, createAction, listActions } from '../../server/features/actions/queries.ts';
import { actionRows } from '../../server/features/actions/view-model.ts';
import { createWhatWorks, listWhatWorks } from '../../server/features/what-works/queries.ts';
import { whatWorksRows } from '../../server/features/what-works/view-model.ts';
import { addCaseStudyToWhatWorks, findCaseStudy, linkCaseStudyToAction, setActionThreads } from '../../server/features/library/queries.ts';
import { openingOf, PART_LABELS } from '../../server/features/library/search.ts';
import { createItem } from '../../server/features/data-development/queries.ts';
import { createMeasures, createProgramme, listMeasures } from '../../server/features/programmes/queries.ts';
import { writeObservations, type WriteItem } from '../../server/features/observations/write.ts';
import { loadStructure, startingAgenda } from '../../server/features/dataday/agenda.ts';
import { createDataDay, insertNote, lockOpenNote, resolveNote } from '../../server/features/dataday/queries.ts';
import { buildDataBook } from '../../server/features/dataday/book.ts';
import { createAssessment } from '../../server/features/self-assessment/queries.ts';
import { insertPublication } from '../../server/features/publishing/queries.ts';
import { findPartnership } from '../../server/features/partnerships/queries.ts';

const YEAR_OF_USE_FILE = new URL('./year-of-use.json', import.meta.url);
const DAY = 86_400_000;

interface StoryText {
  period: string;
  summary: string;
  contributing: string;
  restricting: string;
  rootCauses: string[];
  changeNote?: string;
}

export interface YearOfUse {
  dataDay: { title: string; daysAgo: number };
  figuresArrivedAfterDataDay: { code: string; daysAgo: number; localOnly?: boolean }[];
  partners: { key: string; name: string; sector: PartnerSector; description: string; contact: string }[];
  roles: { partner: string; indicator?: string; priority?: string; role: string }[];
  stories: Record<string, { earlier: StoryText; current: StoryText }>;
  actions: {
    title: string;
    description: string;
    lead: string;
    owner: Role;
    startDaysAgo: number;
    dueInDays: number;
    indicators: string[];
    priorities?: string[];
    caseStudies: number[];
    threads: string[];
    updates: { daysAgo: number; status: ActionStatus; body: string }[];
  }[];
  whatWorks: ({ indicator: string; cost: CostLevel; daysAgo: number } & ({ caseStudy: number } | { title: string; description: string; evidence: EvidenceLevel; source: string }))[];
  dataDevelopment: { title: string; description: string; howToGet: string; indicator?: string; priority?: string; partner: string; owner: Role | null; status: DataDevelopmentStatus; daysAgo: number }[];
  roomNotes: { kind: RoomNoteKind; who: string; indicator: string; body: string; becomes: null | { action?: string; whatWorks?: string; dataDevelopment?: string; dismissed?: boolean } }[];
  programme: {
    name: string;
    description: string;
    customers: string;
    lead: string;
    priorities: string[];
    seriesLabel: string;
    measures: { code: string; title: string; definition: string; unit: Unit; decimals: number; polarity: Polarity; kind: MeasureKind; values: number[] }[];
  };
  selfAssessments: { title: string; daysAgo: number; ratings: SelfAssessmentRating[]; evidence: string }[];
  publication: { title: string; daysAgo: number };
}

export async function readYearOfUse(): Promise<YearOfUse> {
  return JSON.parse(await fs.readFile(YEAR_OF_USE_FILE, 'utf8')) as YearOfUse;
}

/**
 * Builds the year of use on the freshly loaded demo partnership, in the loader's transaction. `users` holds the demo
 * account of each role; `today` is the day the demo is built (every date is counted back from it).
 */
export async function buildYearOfUse(trx: Transaction<DB>, partnershipId: string, users: Record<Role, string>, data: YearOfUse, today = new Date()): Promise<void> {
  // Noon (UTC) of the day n days before today, plus some minutes to keep the order of things done the same day.
  const noon = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 12);
  const ago = (days: number, minutes = 0) => new Date(noon - days * DAY + minutes * 60_000);
  const dateOf = (d: Date) => d.toISOString().slice(0, 10);
  const manager = users.manager;

  // The partnership's narrative texts are illustrative: its pages say so.
  await sql`update partnership set narrative_illustrative = true where id = ${partnershipId}`.execute(trx);

  const structure = await loadStructure(trx, partnershipId);
  const indicatorId = new Map(structure.indicators.map((i) => [i.code, i.id]));
  const indicatorTitle = new Map(structure.indicators.map((i) => [i.code, i.title]));
  const priorityId = new Map(structure.priorities.map((p) => [p.title, p.id]));
  const need = <K, V>(map: Map<K, V>, key: K): V => {
    const value = map.get(key);
    if (value === undefined) throw new Error(`year-of-use.json names ${String(key)}, which the demo does not have`);
    return value;
  };
  const subjectOf = (x: { indicator?: string; priority?: string }) =>
    x.indicator ? { kind: 'indicator' as const, id: need(indicatorId, x.indicator) } : { kind: 'priority' as const, id: need(priorityId, x.priority!) };

  // ---- Partners and their roles ----
  const partnerId = new Map<string, string>();
  for (const p of data.partners) partnerId.set(p.key, await createPartner(trx, partnershipId, { name: p.name, sector: p.sector, description: p.description, contact: p.contact }));
  for (const r of data.roles) await addRole(trx, partnershipId, subjectOf(r), need(partnerId, r.partner), r.role);
  await sql`update partner set created_at = ${ago(360)} where partnership_id = ${partnershipId}`.execute(trx);
  await sql`update partner_role set created_at = ${ago(355)} where partnership_id = ${partnershipId}`.execute(trx);

  // ---- Figures and baselines as they stood at the data day, and the few figures that arrived since ----
  const heldOn = ago(data.dataDay.daysAgo);
  await sql`
    update observation set updated_at = ${ago(data.dataDay.daysAgo + 14)}
    where series_id in (select series.id from series join indicator on indicator.id = series.indicator_id where indicator.partnership_id = ${partnershipId})`.execute(trx);
  for (const arrival of data.figuresArrivedAfterDataDay) {
    await sql`
      update observation set updated_at = ${ago(arrival.daysAgo)}
      where series_id in (select id from series where indicator_id = ${need(indicatorId, arrival.code)} and role <> 'target' and (${!arrival.localOnly} or role in ('local', 'focus', 'comparison')))
        and period_position = (
          select max(o.period_position) from observation o join series s on s.id = o.series_id
          where s.indicator_id = ${need(indicatorId, arrival.code)} and s.role <> 'target')`.execute(trx);
  }
  await sql`
    update baseline set agreed_at = ${ago(data.dataDay.daysAgo, 180)}
    where indicator_id in (select id from indicator where partnership_id = ${partnershipId})`.execute(trx);

  // ---- Last year's data day: the headline agenda, and what the room said ----
  const dataDayId = await createDataDay(trx, partnershipId, manager, { title: data.dataDay.title, held_on: dateOf(heldOn) }, startingAgenda(structure, 'headline'));
  await sql`update data_day set created_at = ${ago(data.dataDay.daysAgo + 30)}, updated_at = ${ago(data.dataDay.daysAgo + 30)} where id = ${dataDayId}`.execute(trx);
  const noteIds: string[] = [];
  for (const [i, note] of data.roomNotes.entries()) {
    const id = await insertNote(trx, partnershipId, dataDayId, users.officer, {
      kind: note.kind,
      body: note.body,
      who: note.who,
      subject: { kind: 'indicator', id: need(indicatorId, note.indicator) },
      slide_label: need(indicatorTitle, note.indicator),
    });
    await sql`update room_note set created_at = ${ago(data.dataDay.daysAgo, 60 + i * 20)} where id = ${id}`.execute(trx);
    noteIds.push(id);
  }

  // ---- The story behind each headline curve: written before the data day, brought up to date since ----
  const storyTimes: RawBuilder<unknown>[] = [];
  const headline = structure.indicators.filter((i) => i.rank === 'headline');
  for (const [i, indicator] of headline.entries()) {
    const story = data.stories[indicator.code];
    if (!story) throw new Error(`year-of-use.json has no story for the headline indicator ${indicator.code}`);
    const subject = { kind: 'indicator' as const, id: indicator.id };
    for (const [n, text] of [story.earlier, story.current].entries()) {
      const saved = await saveVersion(
        trx,
        partnershipId,
        subject,
        n === 0 ? users.officer : manager,
        { period_text: text.period, summary: text.summary, contributing: text.contributing, restricting: text.restricting, root_causes: text.rootCauses, change_note: text.changeNote ?? '' },
        { baseVersion: n },
      );
      if (!saved.saved) throw new Error(`the demo story of ${indicator.code} was not saved`);
      storyTimes.push(sql`(${indicator.id}::uuid, ${n + 1}::int, ${n === 0 ? ago(data.dataDay.daysAgo + 10, i * 7) : ago(30 + i * 3)}::timestamptz)`);
    }
  }
  await sql`
    update story_version set created_at = v.at from story, (values ${sql.join(storyTimes)}) as v(indicator_id, version, at)
    where story.id = story_version.story_id and story.indicator_id = v.indicator_id and story_version.version = v.version`.execute(trx);
  await sql`update story set created_at = ${ago(data.dataDay.daysAgo + 10)} where partnership_id = ${partnershipId}`.execute(trx);

  // ---- Actions, their evidence and their progress logs ----
  const actionId = new Map<string, string>();
  const actionTimes: RawBuilder<unknown>[] = [];
  const updateTimes: RawBuilder<unknown>[] = [];
  for (const a of data.actions) {
    const created = ago(a.startDaysAgo + 7);
    const id = await createAction(
      trx,
      partnershipId,
      manager,
      {
        title: a.title,
        description: a.description,
        lead_partner_id: need(partnerId, a.lead),
        owner_id: users[a.owner],
        start_date: dateOf(ago(a.startDaysAgo)),
        due_date: dateOf(ago(-a.dueInDays)),
        status: 'not_started',
      },
      { indicatorIds: a.indicators.map((c) => need(indicatorId, c)), priorityIds: (a.priorities ?? []).map((t) => need(priorityId, t)) },
    );
    actionId.set(a.title, id);
    for (const number of a.caseStudies) await linkCaseStudyToAction(trx, partnershipId, { actionId: id, number, userId: manager, threads: [] });
    if (a.threads.length) await setActionThreads(trx, partnershipId, id, a.threads);
    let last = created;
    for (const u of a.updates) {
      await addUpdate(trx, partnershipId, id, users[a.owner], u.body, u.status);
      last = ago(u.daysAgo);
      updateTimes.push(sql`(${id}::uuid, ${u.body}::text, ${last}::timestamptz)`);
    }
    actionTimes.push(sql`(${id}::uuid, ${created}::timestamptz, ${last}::timestamptz)`);
  }
  await sql`
    update action set created_at = v.created, updated_at = v.updated from (values ${sql.join(actionTimes)}) as v(id, created, updated)
    where action.id = v.id`.execute(trx);
  if (updateTimes.length) {
    await sql`
      update action_update set created_at = v.at from (values ${sql.join(updateTimes)}) as v(action_id, body, at)
      where action_update.action_id = v.action_id and action_update.body = v.body`.execute(trx);
  }
  await sql`
    update action_case_study set created_at = action.created_at from action
    where action.id = action_case_study.action_id and action.partnership_id = ${partnershipId}`.execute(trx);

  // ---- What works: case studies from the library, and the room's own idea ----
  const whatWorksId = new Map<string, string>();
  for (const w of data.whatWorks) {
    const indicator = need(indicatorId, w.indicator);
    let id: string;
    if ('caseStudy' in w) {
      const study = await findCaseStudy(trx, w.caseStudy);
      if (!study) throw new Error(`the library has no case study ${w.caseStudy}`);
      const full = `${study.title} (${study.authority})`;
      id = await addCaseStudyToWhatWorks(trx, partnershipId, {
        indicatorId: indicator,
        userId: manager,
        number: study.number,
        title: full.length <= 200 ? full : study.title.slice(0, 200),
        description: `What ${study.authority} achieved: ${openingOf(study.outcomes, 400)}`,
        source: `What works library, case study ${study.number}: ${study.authority} – ${study.title} (${PART_LABELS[study.part]})`,
        part: study.part,
        cost: w.cost,
      });
    } else {
      id = await createWhatWorks(trx, partnershipId, { kind: 'indicator', id: indicator }, manager, {
        title: w.title,
        description: w.description,
        evidence_level: w.evidence,
        cost: w.cost,
        source: w.source,
        source_url: null,
      });
      whatWorksId.set(w.title, id);
    }
    await sql`update what_works set created_at = ${ago(w.daysAgo)}, updated_at = ${ago(w.daysAgo)} where id = ${id}`.execute(trx);
  }

  // ---- The data development agenda ----
  const itemId = new Map<string, string>();
  for (const d of data.dataDevelopment) {
    const id = await createItem(trx, partnershipId, manager, {
      title: d.title,
      description: d.description,
      how_to_get: d.howToGet,
      indicator_id: d.indicator ? need(indicatorId, d.indicator) : null,
      priority_id: d.priority ? need(priorityId, d.priority) : null,
      owner_id: d.owner ? users[d.owner] : null,
      partner_id: need(partnerId, d.partner),
      status: d.status,
    });
    itemId.set(d.title, id);
    await sql`update data_development_item set created_at = ${ago(d.daysAgo)}, updated_at = ${ago(d.daysAgo)} where id = ${id}`.execute(trx);
  }

  // ---- What the room's notes became, reviewed the week after the data day ----
  for (const [i, note] of data.roomNotes.entries()) {
    const becomes = note.becomes;
    if (!becomes) continue;
    const id = noteIds[i]!;
    if (!(await lockOpenNote(trx, partnershipId, id))) continue;
    if (becomes.action) await resolveNote(trx, partnershipId, id, manager, { status: 'action', actionId: need(actionId, becomes.action) });
    else if (becomes.whatWorks) await resolveNote(trx, partnershipId, id, manager, { status: 'what_works', whatWorksId: need(whatWorksId, becomes.whatWorks) });
    else if (becomes.dataDevelopment) await resolveNote(trx, partnershipId, id, manager, { status: 'data_development', dataDevelopmentItemId: need(itemId, becomes.dataDevelopment) });
    else await resolveNote(trx, partnershipId, id, manager, { status: 'dismissed' });
  }
  await sql`update room_note set reviewed_at = ${ago(data.dataDay.daysAgo - 7)} where data_day_id = ${dataDayId} and reviewed_at is not null`.execute(trx);

  // ---- A programme with its measures and the last four quarters' figures ----
  const p = data.programme;
  const programmeId = await createProgramme(
    trx,
    partnershipId,
    { name: p.name, description: p.description, customers: p.customers, lead_partner_id: need(partnerId, p.lead) },
    p.priorities.map((t) => need(priorityId, t)),
  );
  await sql`update programme set created_at = ${ago(360)} where id = ${programmeId}`.execute(trx);
  for (const m of p.measures) {
    await createMeasures(trx, partnershipId, programmeId, p.seriesLabel, [
      { code: m.code, title: m.title, definition: m.definition, unit: m.unit, decimals: m.decimals, polarity: m.polarity, period_type: 'fy_quarter', measure_kind: m.kind },
    ]);
  }
  // The four quarters before the one we are in, oldest first; each entered three weeks after it ended.
  const quarters = [previousPeriod(periodContaining('fy_quarter', today))];
  while (quarters.length < 4) quarters.unshift(previousPeriod(quarters[0]!));
  const { measures, series } = await listMeasures(trx, partnershipId, programmeId);
  const items: WriteItem[] = [];
  for (const m of p.measures) {
    const measure = measures.find((x) => x.code === m.code)!;
    const local = series.find((s) => s.indicator_id === measure.id && s.role === 'local')!;
    quarters.forEach((q, i) =>
      items.push({
        indicatorId: measure.id,
        seriesId: local.id,
        role: 'local',
        period: q,
        figure: { value: m.values[i] ?? null, marker: null, status: 'final', numerator: null, denominator: null, note: '' },
      }),
    );
  }
  await writeObservations(trx, { partnershipId, userId: users.officer, via: 'form' }, items);
  for (const [i, q] of quarters.entries()) {
    let lastDay = 0; // days ago of the quarter's last day
    while (periodContaining('fy_quarter', ago(lastDay)).position !== q.position) lastDay++;
    const enteredDaysAgo = Math.max(1, lastDay - 21);
    const at = ago(enteredDaysAgo, i);
    const seriesIds = series.map((s) => s.id);
    await sql`update observation set updated_at = ${at} where period_key = ${q.key} and series_id in (${sql.join(seriesIds)})`.execute(trx);
    await sql`update observation_audit set at = ${at} where period_key = ${q.key} and series_id in (${sql.join(seriesIds)})`.execute(trx);
  }

  // ---- Two gap-narrowing self-assessments a year apart ----
  for (const s of data.selfAssessments) {
    const id = await createAssessment(trx, partnershipId, manager, {
      assessedOn: dateOf(ago(s.daysAgo)),
      title: s.title,
      entries: s.ratings.map((rating, i) => ({ statementNumber: i + 1, rating, evidence: i === 0 ? s.evidence : '', owner: '' })),
    });
    await sql`update self_assessment set created_at = ${ago(s.daysAgo)}, updated_at = ${ago(s.daysAgo)} where id = ${id}`.execute(trx);
  }

  // ---- The published report card: the Data Book as it is now, with the stories, what works and actions ----
  const partnership = await findPartnership(trx, partnershipId);
  const { book } = await buildDataBook(bookApp(trx), { request: {} as FastifyRequest, partnership, role: 'manager' }, partnership, { year: null });
  const publicationId = await insertPublication(trx, partnershipId, manager, {
    token: randomBytes(24).toString('base64url'),
    title: data.publication.title,
    scope: 'book',
    bookYear: book.year,
    indicatorCount: book.summary.rows.length,
    // Marked so that the published page says its texts are illustrative (views/partials/illustrative.eta).
    snapshot: { ...book, illustrative: true },
  });
  await sql`update publication set published_at = ${ago(data.publication.daysAgo)} where id = ${publicationId}`.execute(trx);
}

/**
 * What the Data Book needs of the app, without one (the demo is loaded before the app starts): the database and the
 * three sections a book shows (story, what works, actions), loaded by the same queries and view models as the pages'.
 */
function bookApp(db: Kysely<DB>): FastifyInstance {
  const indicatorSections: IndicatorSection[] = [
    {
      key: 'story',
      order: 20,
      template: '',
      async load({ partnership, indicator }) {
        const story = await currentStory(db, partnership.id, { kind: 'indicator', id: indicator.id });
        return { storySection: { story: story ? storyView(story, story.version_count) : null } };
      },
    },
    {
      key: 'what-works',
      order: 30,
      template: '',
      async load({ partnership, indicator }) {
        return { whatWorksSection: { entries: whatWorksRows(await listWhatWorks(db, partnership.id, { indicatorIds: [indicator.id] }), partnership.slug) } };
      },
    },
    {
      key: 'actions',
      order: 35,
      template: '',
      async load({ partnership, indicator }) {
        return { actionsSection: { actions: actionRows(await listActions(db, partnership.id, { indicatorId: indicator.id }), partnership.slug) } };
      },
    },
  ];
  const prioritySections: PrioritySection[] = [
    {
      key: 'story',
      order: 20,
      template: '',
      async load({ partnership, priority }) {
        const story = await currentStory(db, partnership.id, { kind: 'priority', id: priority.id });
        return { storySection: { story: story ? storyView(story, story.version_count) : null } };
      },
    },
  ];
  return { db, indicatorSections, prioritySections } as unknown as FastifyInstance;
}
