import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { ApiDoc } from './openapi/describe.ts';
import assets from './plugins/assets.ts';
import auth from './plugins/auth.ts';
import securityHeaders from './plugins/security-headers.ts';
import db from './plugins/db.ts';
import errors from './plugins/errors.ts';
import inputGuard from './plugins/input-guard.ts';
import computedCache from './plugins/computed-cache.ts';
import extensions from './plugins/extensions.ts';
import views from './plugins/views.ts';
import notices from './plugins/notices.ts';
import healthRoutes from './features/health/routes.ts';
import authRoutes from './features/auth/routes.ts';
import accountRoutes from './features/accounts/routes.ts';
import apiRoutes from './features/api/routes.ts';
import partnershipRoutes from './features/partnerships/routes.ts';
import analysisRoutes from './features/analysis/routes.ts';
import spcRoutes from './features/analysis/spc-routes.ts';
import libraryRoutes from './features/library/routes.ts';
import selfAssessmentRoutes from './features/self-assessment/routes.ts';
import templateRoutes from './features/templates/routes.ts';
import storyRoutes from './features/stories/routes.ts';
import partnerRoutes from './features/partners/routes.ts';
import whatWorksRoutes from './features/what-works/routes.ts';
import actionRoutes from './features/actions/routes.ts';
import actionApiRoutes from './features/actions/api-routes.ts';
import storyApiRoutes from './features/stories/api-routes.ts';
import openApiRoutes from './openapi/routes.ts';
import dataDevelopmentRoutes from './features/data-development/routes.ts';
import programmeRoutes from './features/programmes/routes.ts';
import reportRoutes from './features/reports/routes.ts';
import observationRoutes from './features/observations/routes.ts';
import importRoutes from './features/imports/routes.ts';
import indicatorApiRoutes from './features/indicators/api-routes.ts';
import indicatorRoutes from './features/indicators/routes.ts';
import addIndicatorRoutes from './features/templates/add-indicator-routes.ts';
import carryAcrossRoutes from './features/observations/carry-routes.ts';
import observationApiRoutes from './features/observations/api-routes.ts';
import planRoutes from './features/plan/routes.ts';
import planApiRoutes from './features/plan/api-routes.ts';
import settingsRoutes from './features/settings/routes.ts';
import dataDayRoutes from './features/dataday/routes.ts';
import roomNoteRoutes from './features/dataday/notes-routes.ts';
import dataBookRoutes from './features/dataday/book-routes.ts';
import publishingRoutes from './features/publishing/routes.ts';
import targetRoutes from './features/targets/routes.ts';
import historyRoutes from './features/history/routes.ts';
import accessibilityRoutes from './features/accessibility/routes.ts';
import reminderRoutes from './features/reminders/routes.ts';
import benchmarkRoutes from './features/benchmark/routes.ts';

export interface RouteEntry {
  method: string;
  url: string;
  access: string | undefined;
  /** How an /api/v1 route describes itself (server/openapi/describe.ts); the OpenAPI document is built from these. */
  openapi?: ApiDoc;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeCatalogue: RouteEntry[];
  }
}

export interface AppOptions {
  config: Config;
  database: Database;
  /** Where the log goes (standard output when absent); tests read it. */
  logStream?: NodeJS.WritableStream;
}

/** Request ids: 12 random hex characters, cut from a pool filled a thousand at a time rather than asked for one by one. */
function requestIds(): () => string {
  let pool = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + 6 > pool.length) {
      pool = randomBytes(6 * 1024);
      at = 0;
    }
    at += 6;
    return pool.toString('hex', at - 6, at);
  };
}

/** The whole app as a plugin tree built from its options: infrastructure, then cross-cutting plugins, then features. */
export async function buildApp({ config, database, logStream }: AppOptions) {
  const app = Fastify({
    logger: config.LOG_LEVEL === 'silent' ? false : { level: config.LOG_LEVEL, ...(logStream ? { stream: logStream } : {}) },
    // Fastify accepts a hop count too, though its types do not say so.
    trustProxy: config.trustProxy as boolean | string[],
    genReqId: requestIds(),
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
  });

  // Every route, as registered: the tenancy tests walk this list, so a route added later is covered automatically.
  const routeCatalogue: RouteEntry[] = [];
  app.decorate('routeCatalogue', routeCatalogue);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const config = route.config as { access?: string; openapi?: ApiDoc } | undefined;
    for (const method of methods) routeCatalogue.push({ method, url: route.url, access: config?.access, openapi: config?.openapi });
  });

  // Behind a proxy that TRUST_PROXY does not name, every request seems to come from the proxy: sign-in rate limiting
  // would then count everyone's failures together, and one person could lock everybody out. Say so, once.
  if (config.trustProxy === false) {
    let warned = false;
    app.addHook('onRequest', (request, _reply, done) => {
      if (!warned && request.headers['x-forwarded-for'] !== undefined) {
        warned = true;
        app.log.warn('Requests arrive with X-Forwarded-For but TRUST_PROXY is not set: client addresses are the proxy’s, so sign-in rate limiting counts every user together. Set TRUST_PROXY to the proxy (a hop count or its addresses).');
      }
      done();
    });
  }

  await app.register(errors);
  // Pages and scripts are text and shrink to a fifth or less over a council network: brotli (at a quality quick enough
  // to do per request) or gzip, whichever the browser offers. Under 1 KB is not worth it; images and archives are
  // already compressed, and a Server-Sent Events stream must not wait in a compressor's buffer, so neither is touched.
  await app.register(compress, {
    encodings: ['br', 'gzip'],
    threshold: 1024,
    customTypes: /^text\/(?!event-stream)|^application\/(?:javascript|json|xml|[\w.-]+\+(?:json|xml))(?:;|$)|^image\/svg\+xml/,
  });
  await app.register(db, { database });
  await app.register(computedCache);
  await app.register(securityHeaders, {
    helmet: {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      // Cross-origin isolation headers would block nothing we load; keep helmet's other defaults.
      hsts: config.trustProxy ? undefined : false,
    },
  });
  await app.register(cookie);
  await app.register(formbody);
  // Text no column can store (a NUL, half a surrogate pair) is refused here, for every route, before any handler.
  await app.register(inputGuard);
  await app.register(auth, { secureCookies: config.trustProxy !== false, idleMinutes: config.SESSION_IDLE_MINUTES });
  await app.register(views);
  await app.register(notices);
  await app.register(extensions);
  await app.register(assets);

  await app.register(healthRoutes);
  await app.register(authRoutes, { config });
  await app.register(accountRoutes, { config });
  await app.register(apiRoutes);
  await app.register(partnershipRoutes);
  await app.register(analysisRoutes);
  await app.register(spcRoutes);
  await app.register(libraryRoutes);
  await app.register(selfAssessmentRoutes);
  await app.register(templateRoutes);
  await app.register(storyRoutes);
  await app.register(partnerRoutes);
  await app.register(whatWorksRoutes);
  await app.register(actionRoutes);
  await app.register(actionApiRoutes);
  await app.register(storyApiRoutes);
  await app.register(dataDevelopmentRoutes);
  await app.register(programmeRoutes);
  await app.register(reportRoutes);
  await app.register(observationRoutes);
  await app.register(importRoutes);
  await app.register(indicatorRoutes);
  await app.register(addIndicatorRoutes);
  await app.register(carryAcrossRoutes);
  await app.register(indicatorApiRoutes);
  await app.register(observationApiRoutes);
  await app.register(planRoutes);
  await app.register(planApiRoutes);
  await app.register(settingsRoutes);
  await app.register(dataDayRoutes);
  await app.register(roomNoteRoutes);
  await app.register(dataBookRoutes);
  await app.register(publishingRoutes);
  await app.register(openApiRoutes);
  await app.register(targetRoutes);
  await app.register(historyRoutes);
  await app.register(accessibilityRoutes, { config });
  await app.register(reminderRoutes, { config });
  await app.register(benchmarkRoutes);
  return app;
}
