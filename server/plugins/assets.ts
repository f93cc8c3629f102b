import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
const publicFolder = fileURLToPath(new URL('../../public/', import.meta.url));
const chartJsFolder = path.dirname(require.resolve('chart.js'));
const govukFolder = path.dirname(require.resolve('govuk-frontend'));

/**
 * Everything the browser loads comes from here: our stylesheet and scripts, Chart.js and govuk-frontend's CSS and
 * images. Nothing from another site. (GOV.UK's own font is not served: it is for GOV.UK alone; see public/css/app.css.)
 */
export default async function assets(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), access: 'public' };
  });
  const maxAge = 60 * 60 * 1000;
  await app.register(fastifyStatic, { root: publicFolder, prefix: '/public/', maxAge, index: false });
  await app.register(fastifyStatic, {
    root: chartJsFolder,
    prefix: '/vendor/chart.js/',
    decorateReply: false,
    allowedPath: (p) => p === '/chart.umd.min.js',
    maxAge,
  });
  await app.register(fastifyStatic, {
    root: govukFolder,
    prefix: '/vendor/govuk/',
    decorateReply: false,
    allowedPath: (p) => p === '/govuk-frontend.min.css',
    maxAge,
  });
}
