// The page that carries a retired indicator's figures across to the indicator that replaces it (carry-across.ts says
// when that is allowed). Managers and admins; reached from the indicator page's "Figures from a retired indicator".
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { periodTypeLabel, type PeriodType } from '../../analysis/periods.ts';
import { formValues, parseForm, requiredText, type FieldError } from '../../forms/forms.ts';
import { notFound } from '../../http-errors.ts';
import { roleAtLeast } from '../../plugins/auth.ts';
import * as format from '../../format.ts';
import { listRetiredIndicators } from '../indicators/queries.ts';
import { CARRY_NOTE_MAX, carryFiguresAcross, carryRefusal } from './carry-across.ts';
import { findIndicatorForData, listIndicatorsForData, type IndicatorForData } from './queries.ts';

const params = z.object({ slug: z.string(), code: z.string().min(1).max(64) });
const done = z.object({ copied: z.coerce.number().int().min(0).optional(), kept: z.coerce.number().int().min(0).optional() });
const carryForm = z.object({
  from: requiredText(64, 'Choose the retired indicator whose figures to carry across', 'Choose the retired indicator whose figures to carry across'),
  note: requiredText(CARRY_NOTE_MAX, 'Say why the figures carry across: it is kept with every figure copied', `The note can be at most ${CARRY_NOTE_MAX} characters`),
});

export default async function carryAcrossRoutes(app: FastifyInstance) {
  app.indicatorSections.push({
    key: 'carry-across',
    order: 6,
    template: 'observations/carry-section',
    async load({ partnership, role, indicator }) {
      if (!roleAtLeast(role, 'manager')) return null;
      const retired = await listRetiredIndicators(app.db, partnership.id);
      if (!retired.some((r) => r.id !== indicator.id)) return null;
      return { carryHref: `/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/carry-across` };
    },
  });

  async function load(partnershipId: string, rawParams: unknown) {
    const parsed = params.safeParse(rawParams);
    if (!parsed.success) throw notFound();
    const indicator = await findIndicatorForData(app.db, partnershipId, parsed.data.code);
    if (!indicator) throw notFound();
    const retired = (await listRetiredIndicators(app.db, partnershipId)).filter((r) => r.id !== indicator.id);
    const candidates = await listIndicatorsForData(app.db, partnershipId, { codes: retired.map((r) => r.code) });
    return { indicator, candidates };
  }

  function render(reply: FastifyReply, indicator: IndicatorForData, candidates: IndicatorForData[], extra: { values?: Record<string, unknown>; errors?: FieldError[]; copied?: number; kept?: number; status?: number } = {}) {
    const { partnership } = reply.request.access!;
    const base = `/p/${partnership.slug}/indicators/${encodeURIComponent(indicator.code)}`;
    const describe = (i: IndicatorForData) => `${format.unitName[i.unit]}${i.unit === 'rate' && i.rate_base ? ` per ${i.rate_base.toLocaleString('en-GB')}` : ''}, by ${periodTypeLabel(i.period_type as PeriodType).toLowerCase()}${i.kind === 'gap' ? ', a gap' : ''}`;
    return reply.code(extra.status ?? 200).view('observations/carry-across', {
      pageTitle: `Figures from a retired indicator: ${indicator.title}`,
      partnership,
      indicator,
      indicatorHref: base,
      action: `${base}/carry-across`,
      measuredAs: describe(indicator),
      options: candidates.map((c) => {
        const refusal = carryRefusal(c, indicator);
        return { value: c.code, text: `${c.code}: ${c.title}`, hint: refusal ?? describe(c), refused: !!refusal };
      }),
      values: extra.values ?? {},
      errors: extra.errors ?? [],
      copied: extra.copied,
      kept: extra.kept,
      noteMax: CARRY_NOTE_MAX,
    });
  }

  app.get('/p/:slug/indicators/:code/carry-across', { config: { access: 'manager' } }, async (request, reply) => {
    const { indicator, candidates } = await load(request.access!.partnership.id, request.params);
    const result = done.safeParse(request.query ?? {});
    return render(reply, indicator, candidates, result.success ? { copied: result.data.copied, kept: result.data.kept } : {});
  });

  app.post('/p/:slug/indicators/:code/carry-across', { config: { access: 'manager' } }, async (request, reply) => {
    const partnershipId = request.access!.partnership.id;
    const { indicator, candidates } = await load(partnershipId, request.params);
    const values = formValues(request.body);
    const parsed = parseForm(carryForm, request.body);
    if (!parsed.ok) return render(reply, indicator, candidates, { values, errors: parsed.errors, status: 400 });
    // Only a retired indicator of this partnership: any other code was not on the list.
    const from = candidates.find((c) => c.code === parsed.data.from);
    if (!from) return render(reply, indicator, candidates, { values, errors: [{ field: 'from', text: 'Choose one of the retired indicators listed' }], status: 400 });
    const refusal = carryRefusal(from, indicator);
    if (refusal) return render(reply, indicator, candidates, { values, errors: [{ field: 'from', text: refusal }], status: 400 });
    const outcome = await carryFiguresAcross(app.db, partnershipId, from, indicator, parsed.data.note, { userId: request.caller!.user.id, via: 'form' });
    if (!outcome.ok) return render(reply, indicator, candidates, { values, errors: [{ field: 'from', text: `${from.code} has no figures to carry across` }], status: 400 });
    return reply.redirect(`/p/${request.access!.partnership.slug}/indicators/${encodeURIComponent(indicator.code)}/carry-across?copied=${outcome.copied}&kept=${outcome.kept}`, 303);
  });
}
