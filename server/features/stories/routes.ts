import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { callerIn, type Caller } from '../conversation/context.ts';
import { formValues, optionalText, parseForm, requiredText, type FieldError } from '../../forms/forms.ts';
import { indicatorSubject, prioritySubject, resolveSubject, SUBJECT_ROUTES, type Subject, type SubjectKind } from '../conversation/subjects.ts';
import { currentStory, findVersion, listVersions, saveVersion, type StoryContent } from './queries.ts';
import { storyView } from './view-model.ts';
import { storyAnswer, storyJson, storyParams } from './api-routes.ts';
import type { ApiDoc } from '../../openapi/describe.ts';

const getStoryDoc: ApiDoc = {
  summary: 'Read the story behind an indicator’s curve',
  description: 'The latest version of the story, with its `version` (send it back when you write the story). `story` is null when none is written yet.',
  tags: ['Stories'],
  params: storyParams,
  responses: { 200: { description: 'The indicator and its current story', schema: storyAnswer }, 404: { description: 'No indicator with that code in this partnership' } },
};

// Other features (the data day, issue 9) import these from here.
export { storyView, type StoryView } from './view-model.ts';

const MAX_ROOT_CAUSES = 20;

/** Root causes, one a line, most important first; numbering or bullets people type are not part of the cause. */
export function parseRootCauses(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/^\s*(?:\d+[.)]|[-*•])\s*/, '').trim())
    .filter(Boolean);
}

const storyForm = z
  .object({
    period_text: requiredText(200, 'Say which period or data day this story is written for', 'The period must be 200 characters or fewer'),
    summary: optionalText(10000, 'The summary must be 10,000 characters or fewer'),
    contributing: optionalText(10000, 'The contributing factors must be 10,000 characters or fewer'),
    restricting: optionalText(10000, 'The restricting factors must be 10,000 characters or fewer'),
    root_causes: optionalText(10000, 'The root causes must be 10,000 characters or fewer').transform(parseRootCauses),
    change_note: optionalText(500, 'The note must be 500 characters or fewer'),
    base_version: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null), z.number().int().nonnegative().nullable()),
  })
  .superRefine((form, ctx) => {
    if (form.root_causes.length > MAX_ROOT_CAUSES) {
      ctx.addIssue({ code: 'custom', path: ['root_causes'], message: `List at most ${MAX_ROOT_CAUSES} root causes: the most important first` });
    } else if (form.root_causes.some((c) => c.length > 500)) {
      ctx.addIssue({ code: 'custom', path: ['root_causes'], message: 'Each root cause must be 500 characters or fewer' });
    }
    if (!form.summary && !form.contributing && !form.restricting && !form.root_causes.length) {
      ctx.addIssue({ code: 'custom', path: ['summary'], message: 'Write the story: a summary, contributing or restricting factors, or root causes' });
    }
  });

export default async function storyRoutes(app: FastifyInstance) {
  app.indicatorSections.push({
    key: 'story',
    order: 20,
    template: 'stories/section',
    async load({ db, partnership, role, indicator }) {
      const subject = indicatorSubject(partnership, indicator);
      const story = await currentStory(db, partnership.id, subject);
      return { storySection: sectionModel(subject, story, roleAtLeast(role, 'manager')) };
    },
  });
  app.prioritySections.push({
    key: 'story',
    order: 20,
    template: 'stories/section',
    async load({ db, partnership, role, priority }) {
      const subject = prioritySubject(partnership, priority);
      const story = await currentStory(db, partnership.id, subject);
      return { storySection: sectionModel(subject, story, roleAtLeast(role, 'manager')) };
    },
  });

  // The current story of an indicator as JSON: its text as written (Markdown-like, for the reader to render safely).
  app.get('/api/v1/partnerships/:slug/indicators/:code/story', { config: { access: 'viewer', openapi: getStoryDoc } }, async (request) => {
    const caller = callerIn(request);
    const subject = await resolveSubject(app.db, caller.partnership, 'indicator', request.params);
    const story = await currentStory(app.db, caller.partnershipId, subject);
    return { indicator: { code: subject.indicator!.code, title: subject.indicator!.title }, story: story && storyJson(story) };
  });

  const versionParams = z.object({ versionId: z.uuid() });

  async function renderForm(reply: FastifyReply, caller: Caller, subject: Subject, values: Record<string, unknown>, errors: FieldError[] = [], status = 200) {
    return reply.code(status).view('stories/form', {
      pageTitle: `Story behind the curve: ${subject.title}`,
      partnership: caller.partnership,
      subject,
      values,
      errors,
    });
  }

  for (const { kind, prefix } of SUBJECT_ROUTES) {
    const subjectOf = (caller: Caller, params: unknown) => resolveSubject(app.db, caller.partnership, kind as SubjectKind, params);

    app.get(`${prefix}/story/edit`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const subject = await subjectOf(caller, request.params);
      const story = await currentStory(app.db, caller.partnershipId, subject);
      const values = story
        ? {
            period_text: story.period_text,
            summary: story.summary,
            contributing: story.contributing,
            restricting: story.restricting,
            root_causes: story.root_causes.join('\n'),
            base_version: String(story.version),
          }
        : { base_version: '0' };
      return renderForm(reply, caller, subject, values);
    });

    app.post(`${prefix}/story`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const subject = await subjectOf(caller, request.params);
      const parsed = parseForm(storyForm, request.body);
      if (!parsed.ok) return renderForm(reply, caller, subject, formValues(request.body), parsed.errors, 400);
      const { base_version: baseVersion, ...content } = parsed.data;
      const result = await app.db.transaction().execute((trx) => saveVersion(trx, caller.partnershipId, subject, caller.userId, content, { baseVersion }));
      if (!result.saved && result.reason === 'conflict') {
        // Someone saved a newer version meanwhile: keep this writer's text, say so, and let them save over it knowingly.
        const values = { ...formValues(request.body), base_version: String(result.current) };
        const error = {
          field: 'period_text',
          text: `Someone else saved version ${result.current} of this story while you were writing. Your text is below and has not been saved: read version ${result.current} in the history, then save again.`,
        };
        return renderForm(reply, caller, subject, values, [error], 409);
      }
      reply.notice(result.saved ? `Story saved (version ${result.version})` : `Nothing had changed: the story is still version ${result.version}`);
      return reply.redirect(`${subject.href}#story`, 303);
    });

    app.get(`${prefix}/story/versions`, { config: { access: 'viewer' } }, async (request, reply) => {
      const caller = callerIn(request);
      const subject = await subjectOf(caller, request.params);
      const versions = await listVersions(app.db, caller.partnershipId, subject);
      return reply.view('stories/versions', {
        pageTitle: `Versions of the story: ${subject.title}`,
        partnership: caller.partnership,
        subject,
        versions: versions.map((v) => ({ ...storyView(v), href: `${subject.href}/story/versions/${v.id}` })),
      });
    });

    app.get(`${prefix}/story/versions/:versionId`, { config: { access: 'viewer' } }, async (request, reply) => {
      const caller = callerIn(request);
      const subject = await subjectOf(caller, request.params);
      const { versionId } = versionParamsOf(request.params);
      const [version, latest] = await Promise.all([findVersion(app.db, caller.partnershipId, subject, versionId), currentStory(app.db, caller.partnershipId, subject)]);
      if (!version || !latest) throw notFound();
      return reply.view('stories/version', {
        pageTitle: `Version ${version.version} of the story: ${subject.title}`,
        partnership: caller.partnership,
        subject,
        story: storyView(version, latest.version_count),
        isCurrent: version.version === latest.version,
        latestVersion: latest.version,
        canManage: caller.canManage,
        restoreAction: `${subject.href}/story/versions/${version.id}/restore`,
      });
    });

    app.post(`${prefix}/story/versions/:versionId/restore`, { config: { access: 'manager' } }, async (request, reply) => {
      const caller = callerIn(request);
      const subject = await subjectOf(caller, request.params);
      const { versionId } = versionParamsOf(request.params);
      const version = await findVersion(app.db, caller.partnershipId, subject, versionId);
      if (!version) throw notFound();
      const content: StoryContent = {
        period_text: version.period_text,
        summary: version.summary,
        contributing: version.contributing,
        restricting: version.restricting,
        root_causes: version.root_causes,
        change_note: `Restored version ${version.version}`,
      };
      await app.db.transaction().execute((trx) =>
        saveVersion(trx, caller.partnershipId, subject, caller.userId, content, { baseVersion: null, restoredFrom: version.version }),
      );
      reply.notice(`Story version ${version.version} restored`);
      return reply.redirect(`${subject.href}#story`, 303);
    });
  }

  function versionParamsOf(params: unknown) {
    const parsed = versionParams.safeParse(params);
    if (!parsed.success) throw notFound();
    return parsed.data;
  }
}

function sectionModel(subject: Subject, story: Awaited<ReturnType<typeof currentStory>>, canManage: boolean) {
  return {
    subjectKind: subject.kind,
    story: story ? storyView(story, story.version_count) : null,
    editHref: `${subject.href}/story/edit`,
    versionsHref: `${subject.href}/story/versions`,
    canManage,
  };
}
