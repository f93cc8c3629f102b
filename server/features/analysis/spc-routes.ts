// SPC choices agreed and versioned on screen, like the baseline (issue 16): a form for managers, every version for
// everyone, restoring an earlier version (a new version equal to it), and the partnership's Making Data Count summary.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { PeriodType } from '../../analysis/periods.ts';
import { inTransaction } from '../../db/transaction.ts';
import { formValues, parseParams, type FieldError } from '../../forms/forms.ts';
import { notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import { measuredSeries } from '../indicators/measure.ts';
import { findIndicatorByCode, listObservationsForIndicator, type IndicatorDetail } from '../indicators/queries.ts';
import { mdcSummary } from './mdc.ts';
import { analysisQuery, describeSpcChoices, proposeSpcSettings, type SpcSettingsProposal } from './options.ts';
import { analysePartnershipCached, thresholdFor } from './service.ts';
import { findSpcSettings, insertSpcSettings, listSpcSettingVersions, type SpcSettingRecord } from './spc-settings.ts';

const codeParams = z.object({ slug: z.string(), code: z.string().min(1).max(64) });
const restoreBody = z.object({
  version: z.preprocess((v) => (typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : undefined), z.number().int().min(1)),
  basedOn: z.preprocess((v) => (typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : undefined), z.number().int().min(0)),
});

/** Blank rows offered for new rebase points, after the agreed ones. */
const SPARE_REBASE_ROWS = 2;

interface FormValues {
  from: string;
  screen: string;
  fixAfter: string;
  rebases: { period: string; reason: string }[];
  note: string;
  basedOn: string;
}

const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export default async function spcRoutes(app: FastifyInstance) {
  async function indicatorOr404(request: FastifyRequest): Promise<IndicatorDetail> {
    const { code } = parseParams(codeParams, request.params);
    // Scoped by the partnership the guard checked: another partnership's indicator code is not found here.
    const indicator = await findIndicatorByCode(app.db, request.access!.partnership.id, code);
    if (!indicator) throw notFound();
    return indicator;
  }

  const pathOf = (request: FastifyRequest, indicator: IndicatorDetail) => `/p/${request.access!.partnership.slug}/indicators/${encodeURIComponent(indicator.code)}`;

  async function figurePositions(indicator: IndicatorDetail) {
    const observations = await listObservationsForIndicator(app.db, indicator.id);
    return measuredSeries(indicator, observations).filter((p) => p.value !== null);
  }

  async function renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    indicator: IndicatorDetail,
    values: FormValues,
    errors: FieldError[] = [],
    options: { status?: number; theirs?: SpcSettingRecord } = {},
  ) {
    const [current, figures] = await Promise.all([findSpcSettings(app.db, indicator.id), figurePositions(indicator)]);
    const rebases = [...values.rebases];
    while (rebases.length < values.rebases.filter((r) => r.period || r.reason).length + SPARE_REBASE_ROWS) rebases.push({ period: '', reason: '' });
    return reply.code(options.status ?? (errors.length ? 400 : 200)).view('analysis/spc-settings-form', {
      pageTitle: `${errors.length ? 'Error: ' : ''}Agree SPC settings: ${indicator.title}`,
      partnership: request.access!.partnership,
      indicator,
      indicatorPath: pathOf(request, indicator),
      current,
      currentSentence: current ? describeSpcChoices(current) : null,
      theirs: options.theirs ? { ...options.theirs, description: describeSpcChoices(options.theirs) } : null,
      periodChoices: figures.map((p) => p.label),
      values: { ...values, rebases },
      errors,
    });
  }

  app.get('/p/:slug/indicators/:code/spc-settings', { config: { access: 'manager' } }, async (request, reply) => {
    const indicator = await indicatorOr404(request);
    const current = await findSpcSettings(app.db, indicator.id);
    // A what-if preview (?screen=…&fix=…&rebase=…) opens the form with its choices, to agree them with a reason.
    const query = analysisQuery.safeParse(request.query);
    const preview = query.success ? query.data : {};
    const values: FormValues = {
      from: current?.from_label ?? '',
      screen: (preview.screen ?? (current?.screen ? 'true' : 'false')) === 'true' ? 'yes' : 'no',
      fixAfter: preview.fix ?? (current?.fix_after ? String(current.fix_after) : ''),
      rebases:
        preview.rebase !== undefined
          ? preview.rebase.split(',').map((s) => s.trim()).filter(Boolean).map((period) => ({ period, reason: current?.rebases.find((r) => r.label === period)?.reason ?? '' }))
          : (current?.rebases ?? []).map((r) => ({ period: r.label, reason: r.reason })),
      note: '',
      basedOn: String(current?.version ?? 0),
    };
    return renderForm(request, reply, indicator, values);
  });

  app.post('/p/:slug/indicators/:code/spc-settings', { config: { access: 'manager' } }, async (request, reply) => {
    const indicator = await indicatorOr404(request);
    const posted = formValues(request.body);
    const periods = asList(posted.rebasePeriod);
    const reasons = asList(posted.rebaseReason);
    const values: FormValues = {
      from: String(posted.from ?? ''),
      screen: posted.screen === 'yes' ? 'yes' : posted.screen === 'no' ? 'no' : '',
      fixAfter: String(posted.fixAfter ?? ''),
      rebases: Array.from({ length: Math.max(periods.length, reasons.length) }, (_, i) => ({ period: periods[i] ?? '', reason: reasons[i] ?? '' })),
      note: String(posted.note ?? ''),
      basedOn: String(posted.basedOn ?? ''),
    };
    const figures = await figurePositions(indicator);
    const proposed = proposeSpcSettings(request.body, indicator.period_type as PeriodType, figures.map((p) => p.position));
    if (!proposed.ok) return renderForm(request, reply, indicator, values, proposed.problems);
    const result = await agree(indicator, proposed.proposal, request);
    if (!result.ok) {
      // Someone agreed first: show theirs, keep this person's choices, and carry the new version so that agreeing
      // again is a knowing replacement.
      return renderForm(request, reply, indicator, { ...values, basedOn: String(result.current.version) }, [conflictError(result.current)], { status: 409, theirs: result.current });
    }
    reply.notice(`SPC settings version ${result.record.version} agreed`);
    return reply.redirect(`${pathOf(request, indicator)}#spc-title`, 303);
  });

  async function agree(indicator: IndicatorDetail, proposal: SpcSettingsProposal & { restoredFrom?: number }, request: FastifyRequest) {
    const user = request.caller!.user;
    return inTransaction(app.db, (trx) =>
      insertSpcSettings(
        trx,
        {
          indicatorId: indicator.id,
          from: proposal.from,
          fixAfter: proposal.fixAfter,
          screen: proposal.screen,
          rebases: proposal.rebases,
          note: proposal.note,
          restoredFrom: proposal.restoredFrom ?? null,
          agreedBy: user.id,
          agreedByName: user.name,
        },
        proposal.basedOn,
      ),
    );
  }

  const conflictError = (current: SpcSettingRecord): FieldError => ({
    field: 'note',
    text: `${current.agreed_by_name} agreed SPC settings version ${current.version} while you were working: nothing of yours was saved. Their settings are shown below; check your choices and agree again to replace them.`,
  });

  async function renderVersions(request: FastifyRequest, reply: FastifyReply, indicator: IndicatorDetail, errors: FieldError[] = [], status = 200) {
    const versions = await listSpcSettingVersions(app.db, indicator.id);
    return reply.code(status).view('analysis/spc-settings-versions', {
      pageTitle: `${errors.length ? 'Error: ' : ''}SPC settings versions: ${indicator.title}`,
      partnership: request.access!.partnership,
      indicator,
      indicatorPath: pathOf(request, indicator),
      canManage: roleAtLeast(request.access!.role, 'manager'),
      current: versions[0]?.version ?? 0,
      versions: versions.map((v) => ({ ...v, description: describeSpcChoices(v) })),
      errors,
    });
  }

  app.get('/p/:slug/indicators/:code/spc-settings/versions', { config: { access: 'viewer' } }, async (request, reply) => {
    return renderVersions(request, reply, await indicatorOr404(request));
  });

  app.post('/p/:slug/indicators/:code/spc-settings/restore', { config: { access: 'manager' } }, async (request, reply) => {
    const indicator = await indicatorOr404(request);
    const parsed = restoreBody.safeParse(request.body ?? {});
    if (!parsed.success) return renderVersions(request, reply, indicator, [{ field: 'versions', text: 'The form was damaged: reload the page and try again' }], 400);
    const old = await findSpcSettings(app.db, indicator.id, parsed.data.version);
    if (!old) throw notFound();
    const result = await agree(
      indicator,
      {
        from: old.from_position !== null ? { position: old.from_position, label: old.from_label! } : null,
        fixAfter: old.fix_after,
        screen: old.screen,
        rebases: old.rebases,
        note: `Restored version ${old.version}${old.note ? ` (${old.note})` : ''}`,
        basedOn: parsed.data.basedOn,
        restoredFrom: old.version,
      },
      request,
    );
    if (!result.ok) {
      return renderVersions(
        request,
        reply,
        indicator,
        [{ field: 'versions', text: `${result.current.agreed_by_name} agreed version ${result.current.version} since you opened this page: nothing was restored. Check the versions below and restore again if you still mean to.` }],
        409,
      );
    }
    reply.notice(`SPC settings version ${old.version} restored as version ${result.record.version}`);
    return reply.redirect(`${pathOf(request, indicator)}#spc-title`, 303);
  });

  // ---- The partnership's Making Data Count summary (linked from the scorecard) --------------------------------------
  app.get('/p/:slug/spc', { config: { access: 'viewer' } }, async (request, reply) => {
    const partnership = request.access!.partnership;
    const analysed = await analysePartnershipCached(app, partnership, thresholdFor(request.access!.role, partnership));
    return reply.view('analysis/spc-summary', {
      pageTitle: 'Making Data Count summary',
      partnership,
      rows: analysed.map(({ indicator, analysis }) => mdcSummary(indicator, analysis)),
    });
  });
}
