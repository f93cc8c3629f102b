import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RagRule } from '../../db/schema.ts';
import { recordSecurityEvent } from '../auth/queries.ts';
import { parseNumber } from '../observations/figure.ts';
import { findSettings, updateSettings } from './queries.ts';

interface FormError {
  field: string;
  text: string;
}

/** The partnership's settings page (admin): small-number suppression and the RAG rule against targets. */
export default async function settingsRoutes(app: FastifyInstance) {
  app.partnershipNav.push({ key: 'settings', text: 'Settings', order: 90, role: 'admin', href: (slug) => `/p/${slug}/settings` });

  const render = (reply: FastifyReply, values: Record<string, string>, errors: FormError[], extra: { saved?: boolean; status?: number } = {}) =>
    reply.code(extra.status ?? 200).view('settings/settings', {
      pageTitle: 'Settings',
      partnership: reply.request.access!.partnership,
      values,
      errors,
      saved: extra.saved ?? false,
    });

  app.get('/p/:slug/settings', { config: { access: 'admin' } }, async (request, reply) => {
    const settings = await findSettings(app.db, request.access!.partnership.id);
    return render(
      reply,
      {
        smallNumberThreshold: settings.small_number_threshold === null ? '' : String(settings.small_number_threshold),
        greenWithinPercent: String(settings.rag_rule.greenWithinPercent),
        amberIfImproved: settings.rag_rule.amberIfImproved ? 'yes' : 'no',
      },
      [],
    );
  });

  app.post('/p/:slug/settings', { config: { access: 'admin' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = {
      smallNumberThreshold: typeof body.smallNumberThreshold === 'string' ? body.smallNumberThreshold : '',
      greenWithinPercent: typeof body.greenWithinPercent === 'string' ? body.greenWithinPercent : '',
      amberIfImproved: typeof body.amberIfImproved === 'string' ? body.amberIfImproved : '',
    };
    const errors: FormError[] = [];
    let threshold: number | null = null;
    const t = parseNumber(values.smallNumberThreshold);
    if (!t.ok) errors.push({ field: 'smallNumberThreshold', text: `Small-number threshold: ${t.text}` });
    else if (t.value !== null) {
      if (!Number.isInteger(t.value) || t.value < 2 || t.value > 1000) errors.push({ field: 'smallNumberThreshold', text: 'The small-number threshold must be a whole number from 2 to 1,000, or blank for none' });
      else threshold = t.value;
    }
    const g = parseNumber(values.greenWithinPercent);
    let green = 0;
    if (!g.ok) errors.push({ field: 'greenWithinPercent', text: `Green within: ${g.text}` });
    else if (g.value === null) errors.push({ field: 'greenWithinPercent', text: 'Enter how close to the target counts as green, in per cent (for example 5)' });
    else if (g.value < 0 || g.value > 100) errors.push({ field: 'greenWithinPercent', text: 'Green within must be between 0 and 100 per cent' });
    else green = g.value;
    if (values.amberIfImproved !== 'yes' && values.amberIfImproved !== 'no') errors.push({ field: 'amberIfImproved', text: 'Choose whether a figure that missed the target but improved is amber' });
    if (errors.length) return render(reply, values, errors, { status: 400 });
    const { partnership } = request.access!;
    const before = await findSettings(app.db, partnership.id);
    const ragRule: RagRule = { greenWithinPercent: green, amberIfImproved: values.amberIfImproved === 'yes' };
    await updateSettings(app.db, partnership.id, { smallNumberThreshold: threshold, ragRule });
    await recordSecurityEvent(app.db, {
      kind: 'partnership_settings_changed',
      userId: request.caller!.user.id,
      partnershipId: partnership.id,
      detail: { from: { smallNumberThreshold: before.small_number_threshold, ragRule: before.rag_rule }, to: { smallNumberThreshold: threshold, ragRule } },
    });
    return reply.notice('Settings saved').redirect(`/p/${partnership.slug}/settings`, 303);
  });
}
