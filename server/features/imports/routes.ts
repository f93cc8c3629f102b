import { createHash } from 'node:crypto';
import path from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { PERIOD_TYPES, periodTypeLabel, type PeriodType } from '../../analysis/periods.ts';
import * as format from '../../format.ts';
import { notFound } from '../../http-errors.ts';
import { listOutcomes, listPriorities } from '../partnerships/queries.ts';
import { describeFigure } from '../observations/figure.ts';
import { CODE_PATTERN, POLARITIES, UNITS } from '../indicators/rules.ts';
import { listIndicatorsForData } from '../observations/queries.ts';
import { applyImport, NEW_PRIORITY, storePlan, updateImport, type BuiltImport, type NewPriority, type StoredPlan } from './apply.ts';
import { buildLaitImport, findMeasures, indicatorCodeFor, loadBenchmark, NEIGHBOUR_MODELS, type Benchmark, type LaitOptions } from './benchmark.ts';
import { decodeUpload, parseCsvTableInSteps } from './csv-file.ts';
import { buildCsvImport, CSV_COLUMNS, CSV_REQUIRED, CSV_WHAT, exportCsv, exportJson, templateCsv } from './csv-import.ts';
import { buildEesImport, type StoredEesMapping } from './ees-import.ts';
import { mappingFits, parseEesFile, summariseEes, type EesFile, type EesLevel, type EesSummary } from './ees.ts';
import {
  createImport,
  deleteMapping,
  findImport,
  findImportSource,
  findMapping,
  findPartnershipArea,
  listImports,
  listMappings,
  saveMapping,
  type ImportRecord,
} from './queries.ts';

// 200,000 figures of a few dozen characters each fit well inside 20 MB.
export const CSV_MAX_BYTES = 20 * 1024 * 1024;
export const EES_MAX_BYTES = 20 * 1024 * 1024;
export const CSV_MAX_ROWS = 200_000;

const slugParams = z.object({ slug: z.string() });
const importParams = slugParams.extend({ importId: z.uuid() });
const mappingParams = importParams.extend({ mappingId: z.uuid() });
const deleteMappingParams = slugParams.extend({ mappingId: z.uuid() });
const exportQuery = z.object({ indicator: z.string().max(64).optional(), published: z.enum(['0', '1']).optional() });

function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

interface UploadedFile {
  filename: string;
  data: Buffer;
  truncated: boolean;
}

type Body = Record<string, unknown>;
const text = (body: Body, key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');
const list = (body: Body, key: string) => (Array.isArray(body[key]) ? (body[key] as unknown[]).filter((v): v is string => typeof v === 'string') : typeof body[key] === 'string' ? [body[key] as string] : []);
const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);

interface FormError {
  field: string;
  text: string;
}

export default async function importRoutes(app: FastifyInstance) {
  app.partnershipNav.push({ key: 'data', text: 'Import and export', order: 21, role: 'officer', href: (slug) => `/p/${slug}/data` });

  // Uploads: the file is read into memory (at most EES_MAX_BYTES + 1, so that "too large" can be told apart and
  // said in words), and the other fields (the CSRF token among them) land in the body as strings.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { fileSize: EES_MAX_BYTES + 1, files: 1, fields: 40, fieldSize: 64 * 1024, parts: 45 },
    async onFile(part) {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      (part as unknown as { value: UploadedFile }).value = { filename: part.filename ?? '', data: Buffer.concat(chunks), truncated: part.file.truncated };
    },
  });

  let benchmark: Promise<Benchmark> | null = null;
  const getBenchmark = () => {
    benchmark ??= loadBenchmark().catch((error) => {
      benchmark = null;
      throw error;
    });
    return benchmark;
  };

  // ---- the hub: downloads, uploads, saved mappings, recent imports ----

  async function renderHub(reply: FastifyReply, errors: FormError[] = [], status = 200) {
    const partnership = reply.request.access!.partnership;
    const [imports, mappings, area] = await Promise.all([listImports(app.db, partnership.id), listMappings(app.db, partnership.id), findPartnershipArea(app.db, partnership.id)]);
    return reply.code(status).view('imports/index', {
      pageTitle: 'Import and export',
      partnership,
      errors,
      columns: CSV_COLUMNS,
      csvMax: sizeText(CSV_MAX_BYTES),
      eesMax: sizeText(EES_MAX_BYTES),
      threshold: area.small_number_threshold,
      mappings: mappings.map((m) => ({ id: m.id, name: m.name, summary: mappingSummary(m.mapping as unknown as StoredEesMapping) })),
      imports: imports.map((i) => ({
        id: i.id,
        kind: KIND_TEXT[i.kind],
        status: STATUS_TEXT[i.status],
        file: i.file_name,
        by: i.created_by_name ?? '',
        at: formatDate(i.created_at),
      })),
    });
  }

  app.get('/p/:slug/data', { config: { access: 'officer' } }, async (_request, reply) => renderHub(reply));

  const sendCsv = (reply: FastifyReply, name: string, body: string) =>
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(body);

  app.get('/p/:slug/data/template.csv', { config: { access: 'officer' } }, async (request, reply) => {
    const { partnership } = request.access!;
    return sendCsv(reply, `${partnership.slug}-template.csv`, await templateCsv(app.db, partnership.id));
  });

  app.get('/p/:slug/data/export.csv', { config: { access: 'officer' } }, async (request, reply) => {
    const query = exportQuery.parse(request.query);
    const { partnership } = request.access!;
    const codes = query.indicator ? [query.indicator] : undefined;
    const published = query.published === '1';
    return sendCsv(reply, `${partnership.slug}-figures${published ? '-published' : ''}.csv`, await exportCsv(app.db, partnership.id, { codes, published }));
  });

  app.get('/p/:slug/data/export.json', { config: { access: 'officer' } }, async (request, reply) => {
    const query = exportQuery.parse(request.query);
    const { partnership } = request.access!;
    const data = await exportJson(app.db, partnership.id, { codes: query.indicator ? [query.indicator] : undefined, published: query.published === '1' });
    return reply.header('content-disposition', `attachment; filename="${partnership.slug}-figures.json"`).header('cache-control', 'no-store').send(data);
  });

  /** The uploaded file, or the message that says why there is none. */
  function uploaded(body: Body, max: number): { ok: true; file: UploadedFile } | { ok: false; text: string; status: number } {
    const file = body.file as UploadedFile | undefined;
    if (!file || !Buffer.isBuffer(file.data) || (!file.filename && file.data.length === 0)) return { ok: false, text: 'Choose a file to upload', status: 400 };
    if (file.truncated || file.data.length > max) {
      return { ok: false, text: `The file is too large: upload a file of at most ${sizeText(max)}${file.truncated ? '' : ` (this one is ${sizeText(file.data.length)})`}`, status: 413 };
    }
    return { ok: true, file };
  }

  app.post('/p/:slug/data/csv', { config: { access: 'officer' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Body;
    const { partnership } = request.access!;
    const got = uploaded(body, CSV_MAX_BYTES);
    if (!got.ok) return renderHub(reply, [{ field: 'csv-file', text: got.text }], got.status);
    const named = (message: string) => `${got.file.filename ? `${got.file.filename}: ` : ''}${message}`;
    const decoded = decodeUpload(got.file.data);
    if (!decoded.ok) return renderHub(reply, [{ field: 'csv-file', text: named(decoded.message) }], 400);
    const parsed = await parseCsvTableInSteps(decoded.text, { required: CSV_REQUIRED, known: [...CSV_COLUMNS], maxRows: CSV_MAX_ROWS, what: CSV_WHAT });
    if (!parsed.ok) return renderHub(reply, [{ field: 'csv-file', text: named(parsed.message) }], 400);
    if (!parsed.rows.length) return renderHub(reply, [{ field: 'csv-file', text: named('The file has the column names but no rows of figures.') }], 400);
    const built = await buildCsvImport(app.db, partnership.id, parsed.rows, parsed.unknownColumns);
    const plan = storePlan(built);
    const id = await createImport(app.db, {
      partnershipId: partnership.id,
      kind: 'csv',
      status: 'preview',
      fileName: got.file.filename,
      fileSize: got.file.data.length,
      fileSha256: createHash('sha256').update(got.file.data).digest('hex'),
      sourceText: decoded.text,
      plan,
      summary: plan.counts,
      userId: request.caller!.user.id,
    });
    return reply.redirect(`/p/${partnership.slug}/imports/${id}`, 303);
  });

  app.post('/p/:slug/data/ees', { config: { access: 'officer' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Body;
    const { partnership } = request.access!;
    const got = uploaded(body, EES_MAX_BYTES);
    if (!got.ok) return renderHub(reply, [{ field: 'ees-file', text: got.text }], got.status);
    const named = (message: string) => `${got.file.filename ? `${got.file.filename}: ` : ''}${message}`;
    const decoded = decodeUpload(got.file.data);
    if (!decoded.ok) return renderHub(reply, [{ field: 'ees-file', text: named(decoded.message) }], 400);
    const parsed = parseEesFile(decoded.text);
    if (!parsed.ok) return renderHub(reply, [{ field: 'ees-file', text: named(parsed.message) }], 400);
    const summary = summariseEes(parsed.file);
    if (!summary.levels.length) {
      return renderHub(reply, [{ field: 'ees-file', text: named(`The file has no national, regional or local authority rows (its geographic levels: ${summary.otherLevels.join(', ') || 'none'})`) }], 400);
    }
    if (!summary.indicatorColumns.length) return renderHub(reply, [{ field: 'ees-file', text: named('The file has no column of figures to import') }], 400);
    const id = await createImport(app.db, {
      partnershipId: partnership.id,
      kind: 'ees',
      status: 'mapping',
      fileName: got.file.filename,
      fileSize: got.file.data.length,
      fileSha256: createHash('sha256').update(got.file.data).digest('hex'),
      sourceText: decoded.text,
      userId: request.caller!.user.id,
    });
    return reply.redirect(`/p/${partnership.slug}/imports/${id}/mapping`, 303);
  });

  app.post('/p/:slug/data/mappings/:mappingId/delete', { config: { access: 'officer' } }, async (request, reply) => {
    const { mappingId } = parseParams(deleteMappingParams, request.params);
    const { partnership } = request.access!;
    if (!(await deleteMapping(app.db, partnership.id, mappingId))) throw notFound();
    return reply.redirect(`/p/${partnership.slug}/data`, 303);
  });

  // ---- an import: its preview, and confirming or cancelling it ----

  async function renderImport(reply: FastifyReply, record: ImportRecord, extra: { message?: string; conflicts?: string[]; status?: number } = {}) {
    const { partnership } = reply.request.access!;
    const plan = record.plan as StoredPlan | null;
    const mapping = record.mapping as Record<string, unknown> | null;
    const changes = plan ? plan.counts.create + plan.counts.update : 0;
    const canConfirm = record.status === 'preview' && !!plan && plan.counts.problems === 0 && (changes > 0 || plan.creates.length > 0 || plan.counts.authorityValues > 0);
    return reply.code(extra.status ?? 200).view('imports/preview', {
      pageTitle: record.status === 'applied' ? 'Import complete' : 'Check the import',
      partnership,
      record: {
        id: record.id,
        kind: record.kind,
        kindText: KIND_TEXT[record.kind],
        status: record.status,
        file: record.file_name,
        by: record.created_by_name,
        at: formatDate(record.created_at),
        appliedBy: record.applied_by_name,
        appliedAt: record.applied_at ? formatDate(record.applied_at) : '',
      },
      mappingText: record.kind === 'ees' && mapping ? mappingSummary(mapping as unknown as StoredEesMapping) : record.kind === 'lait' && mapping ? laitSummary(mapping) : '',
      plan,
      changes,
      canConfirm,
      message: extra.message ?? null,
      conflicts: extra.conflicts ?? [],
    });
  }

  async function loadImport(partnershipId: string, importId: string) {
    const record = await findImport(app.db, partnershipId, importId);
    if (!record) throw notFound();
    return record;
  }

  app.get('/p/:slug/imports/:importId', { config: { access: 'officer' } }, async (request, reply) => {
    const { importId } = parseParams(importParams, request.params);
    const record = await loadImport(request.access!.partnership.id, importId);
    if (record.status === 'mapping') return reply.redirect(`/p/${request.access!.partnership.slug}/imports/${record.id}/mapping`, 303);
    return renderImport(reply, record);
  });

  /** Rebuilds the plan from what was uploaded and chosen: the same inputs against the figures saved now. */
  async function rebuild(partnershipId: string, record: ImportRecord): Promise<BuiltImport | string> {
    if (record.kind === 'lait') {
      const mapping = record.mapping as unknown as LaitOptions & { newPriority?: NewPriority | null };
      const built = await buildLaitImport(app.db, partnershipId, await getBenchmark(), mapping);
      built.newPriority = mapping.newPriority ?? null;
      return built;
    }
    const source = await findImportSource(app.db, partnershipId, record.id);
    if (source === null) return 'The uploaded file is no longer kept: upload it again.';
    if (record.kind === 'csv') {
      const parsed = await parseCsvTableInSteps(source, { required: CSV_REQUIRED, known: [...CSV_COLUMNS], maxRows: CSV_MAX_ROWS, what: CSV_WHAT });
      if (!parsed.ok) return parsed.message;
      return buildCsvImport(app.db, partnershipId, parsed.rows, parsed.unknownColumns);
    }
    const parsed = parseEesFile(source);
    if (!parsed.ok) return parsed.message;
    const mapping = record.mapping as unknown as StoredEesMapping & { newPriority?: NewPriority | null };
    const built = await buildEesImport(app.db, partnershipId, parsed.file, summariseEes(parsed.file), mapping);
    built.newPriority = mapping.newPriority ?? null;
    return built;
  }

  app.post('/p/:slug/imports/:importId/confirm', { config: { access: 'officer' } }, async (request, reply) => {
    const { importId } = parseParams(importParams, request.params);
    const { partnership } = request.access!;
    const record = await loadImport(partnership.id, importId);
    if (record.status !== 'preview') return renderImport(reply, record, { message: record.status === 'applied' ? 'This import has already been applied.' : 'This import cannot be confirmed: start again with a new upload.', status: 409 });
    const previewed = record.plan as StoredPlan;
    const built = await rebuild(partnership.id, record);
    if (typeof built === 'string') return renderImport(reply, record, { message: built, status: 409 });
    const fresh = storePlan(built);
    if (fresh.counts.problems > 0) {
      await updateImport(app.db, partnership.id, record.id, { plan: fresh, summary: fresh.counts });
      return renderImport(reply, (await findImport(app.db, partnership.id, record.id))!, { message: 'Nothing was imported: the figures or indicators changed since the preview, and some rows no longer fit. The preview below is up to date.', status: 409 });
    }
    const outcome = await applyImport(app.db, { partnershipId: partnership.id, userId: request.caller!.user.id, importId: record.id }, built, previewed.versions);
    if (!outcome.ok && outcome.reason === 'not_pending') {
      return renderImport(reply, (await findImport(app.db, partnership.id, record.id))!, { message: 'This import has already been applied or cancelled.', status: 409 });
    }
    if (!outcome.ok) {
      // Show the figures as they are now; confirming again imports over them, knowingly.
      await updateImport(app.db, partnership.id, record.id, { plan: fresh, summary: fresh.counts });
      const indicatorById = new Map(built.planned.map((p) => [p.indicator.id, p.indicator]));
      const indicatorByRef = new Map(built.planned.map((p) => [p.ref, p.indicator]));
      const conflicts = outcome.conflicts.map((c) => {
        const indicator = indicatorById.get(c.item.indicatorId) ?? indicatorByRef.get(c.item.ref as string);
        const now = c.current ? describeFigure(c.current, indicator ?? { unit: 'score', rate_base: null, decimals: 2 }) : 'no figure';
        return `${c.item.ref}: ${c.current?.updated_by_name ?? 'someone'} saved ${now} after your preview`;
      });
      return renderImport(reply, (await findImport(app.db, partnership.id, record.id))!, {
        message: `Nothing was imported: ${conflicts.length === 1 ? 'a figure was' : `${conflicts.length} figures were`} changed by someone else after your preview. The preview below now compares the file with the figures saved now: confirm again to import it over them, or cancel.`,
        conflicts,
        status: 409,
      });
    }
    if (record.kind === 'ees') {
      const mapping = record.mapping as unknown as StoredEesMapping;
      const { newIndicator: _n, saveAs, newPriority: _p, ...keep } = mapping as StoredEesMapping & { newPriority?: unknown };
      await saveMapping(app.db, partnership.id, saveAs || `${mapping.indicatorColumn} → ${mapping.indicatorCode}`, keep as unknown as Record<string, unknown>, request.caller!.user.id);
    }
    await updateImport(app.db, partnership.id, record.id, { summary: { ...fresh.counts, created: outcome.created, updated: outcome.updated, indicators: outcome.indicators } });
    reply.notice(`Import applied: ${outcome.created === 1 ? '1 figure' : `${outcome.created} figures`} added, ${outcome.updated} changed`);
    return reply.redirect(`/p/${partnership.slug}/imports/${record.id}`, 303);
  });

  app.post('/p/:slug/imports/:importId/cancel', { config: { access: 'officer' } }, async (request, reply) => {
    const { importId } = parseParams(importParams, request.params);
    const { partnership } = request.access!;
    const record = await loadImport(partnership.id, importId);
    if (record.status === 'preview' || record.status === 'mapping') await updateImport(app.db, partnership.id, record.id, { status: 'cancelled', clearSource: true });
    return reply.redirect(`/p/${partnership.slug}/data`, 303);
  });

  // ---- an explore-education-statistics file: choose what to take from it ----

  async function eesContext(partnershipId: string, record: ImportRecord) {
    const source = await findImportSource(app.db, partnershipId, record.id);
    if (source === null) return null;
    const parsed = parseEesFile(source);
    if (!parsed.ok) return null;
    return { file: parsed.file, summary: summariseEes(parsed.file) };
  }

  async function renderMapping(reply: FastifyReply, record: ImportRecord, summary: EesSummary, values: Record<string, string>, errors: FormError[], status = 200) {
    const { partnership } = reply.request.access!;
    const [indicators, priorities, outcomes, mappings, area] = await Promise.all([
      listIndicatorsForData(app.db, partnership.id),
      listPriorities(app.db, partnership.id),
      listOutcomes(app.db, partnership.id),
      listMappings(app.db, partnership.id),
      findPartnershipArea(app.db, partnership.id),
    ]);
    const fileTypes = [...new Set(summary.periods.map((p) => p.type))];
    if (!values.area) {
      const la = (summary.areas['Local authority'] ?? []).find(
        (a) => (area.la_code && a.code === area.la_code) || (area.la_number && a.oldCode === String(area.la_number)) || (area.la_name && a.name === area.la_name),
      );
      if (la) values.area = `Local authority|${la.code}`;
    }
    return reply.code(status).view('imports/mapping', {
      pageTitle: 'Choose what to import',
      partnership,
      record: { id: record.id, file: record.file_name },
      summary: {
        levels: summary.levels,
        areas: summary.levels.map((level) => ({ level, areas: summary.areas[level] ?? [] })),
        filters: summary.filterColumns.map((f) => ({ ...f, isStatus: f.name === summary.statusColumn })),
        indicatorColumns: summary.indicatorColumns,
        periods: summary.periods.map((p) => p.label),
        periodTypes: fileTypes.map((t) => periodTypeLabel(t as PeriodType).toLowerCase()),
        periodProblems: summary.periodProblems,
        rows: 0,
      },
      saved: mappings
        .map((m) => ({ id: m.id, name: m.name, mapping: m.mapping as unknown as StoredEesMapping }))
        .map((m) => ({ id: m.id, name: m.name, text: mappingSummary(m.mapping), ...mappingFits(summary, m.mapping) })),
      indicators: indicators.map((i) => ({ code: i.code, title: i.title, kind: i.kind, periodType: periodTypeLabel(i.period_type as PeriodType).toLowerCase(), fits: fileTypes.includes(i.period_type) })),
      priorities,
      outcomes,
      periodTypes: PERIOD_TYPES.map((t) => ({ value: t, label: periodTypeLabel(t) })),
      values,
      errors,
    });
  }

  app.get('/p/:slug/imports/:importId/mapping', { config: { access: 'officer' } }, async (request, reply) => {
    const { importId } = parseParams(importParams, request.params);
    const { partnership } = request.access!;
    const record = await loadImport(partnership.id, importId);
    if (record.kind !== 'ees' || record.status === 'applied' || record.status === 'cancelled') return reply.redirect(`/p/${partnership.slug}/imports/${record.id}`, 303);
    const context = await eesContext(partnership.id, record);
    if (!context) return renderHub(reply, [{ field: 'ees-file', text: 'The uploaded file is no longer kept: upload it again.' }], 409);
    const previous = (record.mapping as unknown as StoredEesMapping | null) ?? null;
    return renderMapping(reply, record, context.summary, previous ? mappingValues(previous) : { comparators: 'yes' }, []);
  });

  app.post('/p/:slug/imports/:importId/mapping', { config: { access: 'officer' } }, async (request, reply) => {
    const { importId } = parseParams(importParams, request.params);
    const { partnership } = request.access!;
    const record = await loadImport(partnership.id, importId);
    if (record.kind !== 'ees' || (record.status !== 'mapping' && record.status !== 'preview')) return reply.redirect(`/p/${partnership.slug}/imports/${record.id}`, 303);
    const context = await eesContext(partnership.id, record);
    if (!context) return renderHub(reply, [{ field: 'ees-file', text: 'The uploaded file is no longer kept: upload it again.' }], 409);
    const body = (request.body ?? {}) as Body;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') values[k] = v;
    const read = await readMappingForm(partnership.id, context.summary, values, record.file_name);
    if ('errors' in read) return renderMapping(reply, record, context.summary, values, read.errors, 400);
    return previewEes(reply, record, context, read.mapping);
  });

  app.post('/p/:slug/imports/:importId/mappings/:mappingId', { config: { access: 'officer' } }, async (request, reply) => {
    const { importId, mappingId } = parseParams(mappingParams, request.params);
    const { partnership } = request.access!;
    const record = await loadImport(partnership.id, importId);
    const saved = await findMapping(app.db, partnership.id, mappingId);
    if (!saved) throw notFound();
    if (record.kind !== 'ees' || (record.status !== 'mapping' && record.status !== 'preview')) return reply.redirect(`/p/${partnership.slug}/imports/${record.id}`, 303);
    const context = await eesContext(partnership.id, record);
    if (!context) return renderHub(reply, [{ field: 'ees-file', text: 'The uploaded file is no longer kept: upload it again.' }], 409);
    const mapping = { ...(saved.mapping as unknown as StoredEesMapping), saveAs: saved.name, newIndicator: null };
    const fits = mappingFits(context.summary, mapping);
    if (!fits.fits) return renderMapping(reply, record, context.summary, mappingValues(mapping), [{ field: 'saved-mappings', text: `The saved mapping “${saved.name}” does not fit this file: ${fits.why}` }], 400);
    return previewEes(reply, record, context, mapping);
  });

  async function previewEes(reply: FastifyReply, record: ImportRecord, context: { file: EesFile; summary: EesSummary }, mapping: StoredEesMapping & { newPriority?: NewPriority | null }) {
    const { partnership } = reply.request.access!;
    const built = await buildEesImport(app.db, partnership.id, context.file, context.summary, mapping);
    built.newPriority = mapping.newPriority ?? null;
    // Choices that do not pick one row per period, or the wrong indicator, are fixed on the form, not in the preview.
    const filterNames = new Set(context.summary.filterColumns.map((f) => f.name));
    const formErrors: FormError[] = [];
    for (const p of built.problems) {
      const field = p.where === 'mapping' ? 'indicatorCode' : p.field === 'area' ? 'area' : filterNames.has(p.field) ? `filter-${p.field}` : null;
      if (field && !formErrors.some((e) => e.field === field)) formErrors.push({ field, text: p.text });
    }
    if (formErrors.length) return renderMapping(reply, record, context.summary, mappingValues(mapping), formErrors, 400);
    const plan = storePlan(built);
    await updateImport(app.db, partnership.id, record.id, { status: 'preview', mapping: mapping as unknown as Record<string, unknown>, plan, summary: plan.counts });
    return reply.redirect(`/p/${partnership.slug}/imports/${record.id}`, 303);
  }

  /** Where new indicators go: an existing priority, or a new one (under an existing outcome, or a new one). */
  async function readPlacement(partnershipId: string, values: Record<string, string>, errors: FormError[]): Promise<{ priorityId: string; newPriority: NewPriority | null } | null> {
    const [priorities, outcomes] = await Promise.all([listPriorities(app.db, partnershipId), listOutcomes(app.db, partnershipId)]);
    const choice = values.priorityId ?? '';
    if (choice && choice !== NEW_PRIORITY) {
      if (priorities.some((p) => p.id === choice)) return { priorityId: choice, newPriority: null };
      errors.push({ field: 'priorityId', text: 'Choose a priority from the list' });
      return null;
    }
    if (!choice) {
      errors.push({ field: 'priorityId', text: 'Choose the priority the new indicators go under, or a new priority' });
      return null;
    }
    const title = (values.newPriorityTitle ?? '').trim();
    if (!title) errors.push({ field: 'newPriorityTitle', text: 'Enter the title of the new priority' });
    else if (title.length > 300) errors.push({ field: 'newPriorityTitle', text: 'The title of the new priority must be 300 characters or fewer' });
    const outcomeChoice = values.outcomeId ?? '';
    let outcomeId: string | null = null;
    let newOutcomeTitle: string | null = null;
    if (outcomeChoice && outcomeChoice !== 'new') {
      if (outcomes.some((o) => o.id === outcomeChoice)) outcomeId = outcomeChoice;
      else errors.push({ field: 'outcomeId', text: 'Choose an outcome from the list' });
    } else if (outcomeChoice === 'new' || !outcomes.length) {
      newOutcomeTitle = (values.newOutcomeTitle ?? '').trim();
      if (!newOutcomeTitle) errors.push({ field: 'newOutcomeTitle', text: 'Enter the outcome the new priority serves' });
      else if (newOutcomeTitle.length > 300) errors.push({ field: 'newOutcomeTitle', text: 'The outcome must be 300 characters or fewer' });
    } else errors.push({ field: 'outcomeId', text: 'Choose the outcome the new priority serves' });
    if (errors.length) return null;
    return { priorityId: NEW_PRIORITY, newPriority: { title, outcomeId, newOutcomeTitle } };
  }

  async function readMappingForm(partnershipId: string, summary: EesSummary, values: Record<string, string>, fileName: string): Promise<{ mapping: StoredEesMapping & { newPriority?: NewPriority | null } } | { errors: FormError[] }> {
    const errors: FormError[] = [];
    const [levelText, areaCode] = (values.area ?? '').split('|');
    const level = summary.levels.find((l) => l === levelText) as EesLevel | undefined;
    const area = level ? (summary.areas[level] ?? []).find((a) => a.code === areaCode) : undefined;
    if (!area || !level) errors.push({ field: 'area', text: 'Choose the area whose figures you want' });
    const filters: Record<string, string> = {};
    for (const f of summary.filterColumns) {
      const chosen = values[`filter-${f.name}`] ?? '';
      if (chosen === '') continue;
      if (!f.values.includes(chosen)) errors.push({ field: `filter-${f.name}`, text: `Choose a value of ${f.name} from the list` });
      else filters[f.name] = chosen;
    }
    const indicatorColumn = values.indicatorColumn ?? '';
    if (!summary.indicatorColumns.includes(indicatorColumn)) errors.push({ field: 'indicatorColumn', text: 'Choose the column of figures to import' });
    const indicators = await listIndicatorsForData(app.db, partnershipId);
    let indicatorCode = values.indicatorCode ?? '';
    let newIndicator: StoredEesMapping['newIndicator'] = null;
    let newPriority: NewPriority | null = null;
    let kind: 'single' | 'gap' = 'single';
    const fileType = summary.periods[0]?.type;
    if (!fileType) errors.push({ field: 'indicatorColumn', text: 'No row of the file has a time period this tracker reads (each is listed above with the reason): nothing in it can be imported' });
    if (indicatorCode === '__new') {
      const code = (values.newCode ?? '').trim();
      const titleText = (values.newTitle ?? '').trim();
      if (!CODE_PATTERN.test(code)) errors.push({ field: 'newCode', text: code ? `“${code}” cannot be a code: use letters, digits, _ . or -, starting with a letter or digit (at most 64)` : 'Enter a code for the new indicator' });
      else if (indicators.some((i) => i.code === code)) errors.push({ field: 'newCode', text: `There is already an indicator ${code}: choose it in the list above, or another code` });
      if (!titleText) errors.push({ field: 'newTitle', text: 'Enter the title of the new indicator' });
      const unit = values.newUnit ?? '';
      if (!(UNITS as readonly string[]).includes(unit)) errors.push({ field: 'newUnit', text: 'Choose what the figures measure' });
      const polarity = values.newPolarity ?? '';
      if (!(POLARITIES as readonly string[]).includes(polarity)) errors.push({ field: 'newPolarity', text: 'Choose which way is better' });
      const decimals = Number(values.newDecimals ?? '');
      if ((values.newDecimals ?? '').trim() === '' || !Number.isInteger(decimals) || decimals < 0 || decimals > 6) errors.push({ field: 'newDecimals', text: 'Enter how many decimal places to show, 0 to 6' });
      let rateBase: number | null = null;
      if (unit === 'rate') {
        rateBase = Number((values.newRateBase ?? '').replace(/,/g, ''));
        if (!Number.isInteger(rateBase) || rateBase <= 0) errors.push({ field: 'newRateBase', text: 'Enter what the rate is per, such as 1000' });
      }
      const placement = await readPlacement(partnershipId, values, errors);
      if (!errors.length && placement && fileType) {
        indicatorCode = code;
        newPriority = placement.newPriority;
        newIndicator = {
          priorityId: placement.priorityId,
          code,
          title: titleText,
          unit: unit as 'percentage',
          rateBase,
          decimals,
          polarity: polarity as 'higher',
          periodType: fileType,
          kind: 'single',
          rank: 'secondary',
          definition: `The column “${indicatorColumn}” of the explore-education-statistics file ${fileName}${Object.keys(filters).length ? `, where ${Object.entries(filters).map(([k, v]) => `${k} is “${v}”`).join(' and ')}` : ''}.`,
          sourceText: 'Department for Education, explore education statistics. Contains public sector information licensed under the Open Government Licence v3.0.',
          licence: 'Open Government Licence v3.0',
        };
      }
    } else {
      const indicator = indicators.find((i) => i.code === indicatorCode);
      if (!indicator) errors.push({ field: 'indicatorCode', text: 'Choose the indicator the figures go into, or a new indicator' });
      else {
        kind = indicator.kind;
        if (fileType && indicator.period_type !== fileType) errors.push({ field: 'indicatorCode', text: `${indicator.title} is measured by ${periodTypeLabel(indicator.period_type as PeriodType).toLowerCase()}, but the file by ${periodTypeLabel(fileType as PeriodType).toLowerCase()}: choose another indicator` });
      }
    }
    const series = values.series || 'local';
    if (kind === 'gap' ? !['focus', 'comparison'].includes(series) : series !== 'local') {
      errors.push({ field: 'series', text: kind === 'gap' ? 'This is a gap indicator: choose whether the figures are the focus group or the comparison group' : 'This indicator has one local series: choose “local”' });
    }
    if (values.comparators === 'yes' && series !== 'local' && !errors.some((e) => e.field === 'series')) {
      errors.push({ field: 'comparators', text: 'England and the region can come with a single indicator only: a gap indicator\'s comparators are gaps, and this file gives one group' });
    }
    const saveAs = (values.saveAs ?? '').trim();
    if (saveAs.length > 100) errors.push({ field: 'saveAs', text: 'The name must be 100 characters or fewer' });
    if (errors.length) return { errors };
    return {
      mapping: {
        level: level!,
        areaCode: area!.code,
        areaName: area!.name,
        filters,
        indicatorColumn,
        indicatorCode,
        series: series as 'local',
        comparators: values.comparators === 'yes',
        newIndicator,
        newPriority,
        saveAs,
      },
    };
  }

  // ---- the benchmark library ----

  const benchmarkQuery = z.object({ q: z.string().max(200).optional() });

  async function renderBenchmark(reply: FastifyReply, values: Record<string, string | string[]>, errors: FormError[], status = 200) {
    const { partnership } = reply.request.access!;
    const [bench, area, priorities, outcomes, indicators] = await Promise.all([
      getBenchmark(),
      findPartnershipArea(app.db, partnership.id),
      listPriorities(app.db, partnership.id),
      listOutcomes(app.db, partnership.id),
      listIndicatorsForData(app.db, partnership.id),
    ]);
    const authorities = (await bench.summary()).authorities;
    if (!values.laNumber) {
      const own = authorities.find((a) => a.laNumber === area.la_number) ?? authorities.find((a) => a.name === area.la_name);
      if (own) values.laNumber = String(own.laNumber);
    }
    const chosen = Array.isArray(values.measures) ? values.measures : values.measures ? [values.measures] : [];
    const q = typeof values.q === 'string' ? values.q.trim() : '';
    // Every measure, or those the search finds; measures already ticked stay in the list.
    const found = await findMeasures(bench, q, bench.measures.length, chosen);
    return reply.code(status).view('imports/benchmark', {
      pageTitle: 'Import from the benchmark library',
      partnership,
      authorities,
      models: NEIGHBOUR_MODELS.map((m) => ({ key: m.key, label: m.label })),
      q,
      total: found.total,
      libraryTotal: bench.measures.length,
      measures: found.shown.map((m) => ({ ...m, imported: indicators.some((i) => i.code === m.indicatorCode) })),
      priorities,
      outcomes,
      values: { ...values, measures: chosen },
      errors,
    });
  }

  // Site admins: which period labels of the library map to no period of ours (also `npm run cli -- benchmark periods`).
  app.get('/admin/benchmark', { config: { access: 'site_admin' } }, async (_request, reply) => {
    const bench = await getBenchmark();
    const [summary, report] = await Promise.all([bench.summary(), bench.periodReport()]);
    return reply.view('imports/benchmark-periods', { pageTitle: 'Benchmark library: periods', file: path.relative(process.cwd(), bench.releaseFile) || bench.releaseFile, measures: summary.labels.size, rows: summary.rows, report });
  });

  app.get('/p/:slug/data/benchmark', { config: { access: 'officer' } }, async (request, reply) => {
    const query = benchmarkQuery.safeParse(request.query ?? {});
    return renderBenchmark(reply, { q: query.success ? (query.data.q ?? '') : '' }, []);
  });

  app.post('/p/:slug/data/benchmark', { config: { access: 'officer' } }, async (request, reply) => {
    const { partnership } = request.access!;
    const body = (request.body ?? {}) as Body;
    const values: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string' || Array.isArray(v)) values[k] = v as string | string[];
    const measures = list(body, 'measures');
    values.measures = measures;
    const bench = await getBenchmark();
    const errors: FormError[] = [];
    const laNumber = Number(text(body, 'laNumber'));
    if (!(await bench.summary()).authorities.some((a) => a.laNumber === laNumber)) errors.push({ field: 'laNumber', text: 'Choose the local authority' });
    const modelKey = text(body, 'model');
    if (!NEIGHBOUR_MODELS.some((m) => m.key === modelKey)) errors.push({ field: 'model', text: 'Choose the statistical-neighbour model' });
    if (!measures.length) errors.push({ field: 'measures', text: 'Choose at least one measure' });
    const unknown = measures.filter((m) => !bench.measures.some((x) => x.code === m));
    if (unknown.length) errors.push({ field: 'measures', text: `Choose measures from the list (“${unknown[0]}” is not one)` });
    const existing = await listIndicatorsForData(app.db, partnership.id, { codes: measures.map((m) => indicatorCodeFor({ code: m })) });
    const needsPlacement = measures.some((m) => !existing.some((i) => i.code === indicatorCodeFor({ code: m })));
    const stringValues = Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const placement = needsPlacement ? await readPlacement(partnership.id, stringValues, errors) : { priorityId: existing[0]?.priority_id ?? '', newPriority: null };
    if (errors.length || !placement) return renderBenchmark(reply, values, errors, 400);
    const options: LaitOptions & { newPriority: NewPriority | null } = { laNumber, modelKey, measureCodes: measures, priorityId: placement.priorityId, newPriority: placement.newPriority };
    const built = await buildLaitImport(app.db, partnership.id, bench, options);
    built.newPriority = placement.newPriority;
    const problems = built.problems.filter((p) => p.where === 'choices' || p.field === 'model');
    if (problems.length) return renderBenchmark(reply, values, problems.map((p) => ({ field: p.field === 'laNumber' ? 'laNumber' : 'model', text: p.text })), 400);
    const plan = storePlan(built);
    const id = await createImport(app.db, {
      partnershipId: partnership.id,
      kind: 'lait',
      status: 'preview',
      fileName: 'DfE Local Authority Interactive Tool library (seeds/benchmark/lait-full.csv.gz)',
      mapping: options as unknown as Record<string, unknown>,
      plan,
      summary: plan.counts,
      userId: request.caller!.user.id,
    });
    return reply.redirect(`/p/${partnership.slug}/imports/${id}`, 303);
  });
}

const KIND_TEXT: Record<string, string> = { csv: 'CSV file', ees: 'Explore education statistics file', lait: 'Benchmark library (DfE LAIT)' };
const STATUS_TEXT: Record<string, string> = { mapping: 'choosing what to import', preview: 'waiting for confirmation', applied: 'imported', cancelled: 'cancelled' };

const formatDate = (d: Date | string) => format.dateTime(d);

function mappingSummary(m: StoredEesMapping): string {
  const filters = Object.entries(m.filters ?? {}).map(([k, v]) => `${k} = ${v}`);
  return `${m.indicatorColumn} for ${m.areaName} (${m.level.toLowerCase()})${filters.length ? `, where ${filters.join(', ')}` : ''}, into ${m.indicatorCode}${m.series !== 'local' ? ` (${m.series} group)` : ''}${m.comparators ? ', with England and the region' : ''}`;
}

function laitSummary(m: Record<string, unknown>): string {
  const codes = (m.measureCodes as string[] | undefined) ?? [];
  const model = NEIGHBOUR_MODELS.find((x) => x.key === m.modelKey)?.label ?? '';
  return `${codes.length} measure${codes.length === 1 ? '' : 's'} (${codes.join(', ')}) for LA ${String(m.laNumber)}, statistical neighbours from the DfE ${model} model`;
}

function mappingValues(m: StoredEesMapping & { newPriority?: NewPriority | null }): Record<string, string> {
  const values: Record<string, string> = {
    area: `${m.level}|${m.areaCode}`,
    indicatorColumn: m.indicatorColumn,
    indicatorCode: m.newIndicator ? '__new' : m.indicatorCode,
    series: m.series,
    comparators: m.comparators ? 'yes' : '',
    saveAs: m.saveAs ?? '',
  };
  for (const [k, v] of Object.entries(m.filters ?? {})) values[`filter-${k}`] = v;
  if (m.newIndicator) {
    values.newCode = m.newIndicator.code;
    values.newTitle = m.newIndicator.title;
    values.newUnit = m.newIndicator.unit;
    values.newPolarity = m.newIndicator.polarity;
    values.newDecimals = String(m.newIndicator.decimals ?? '');
    values.newRateBase = m.newIndicator.rateBase ? String(m.newIndicator.rateBase) : '';
    values.priorityId = m.newIndicator.priorityId;
  }
  if (m.newPriority) {
    values.newPriorityTitle = m.newPriority.title;
    values.outcomeId = m.newPriority.outcomeId ?? 'new';
    values.newOutcomeTitle = m.newPriority.newOutcomeTitle ?? '';
  }
  return values;
}
