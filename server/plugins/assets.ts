import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const require = createRequire(import.meta.url);
const publicFolder = fileURLToPath(new URL('../../public/', import.meta.url));
const chartJsFolder = path.dirname(require.resolve('chart.js'));
const govukFolder = path.dirname(require.resolve('govuk-frontend'));

/** A fingerprinted URL (`?v=` + the file's hash) never changes content, so a browser keeps it for a year unasked. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Without the right fingerprint the file may change under the same URL: a browser keeps it a minute, then asks. */
export const SHORT = 'public, max-age=60';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.json': 'application/json; charset=utf-8',
};

interface Asset {
  bytes: Buffer;
  type: string;
  /** The first 12 hex characters of the SHA-256 of the bytes served. */
  hash: string;
}

/**
 * govuk-frontend's stylesheet declares GOV.UK's own typeface (GDS Transport) with files at `/assets/fonts/…`. That
 * typeface is licensed for GOV.UK alone, and those URLs are not on this site: a browser without the local fonts
 * public/css/app.css names would ask for them and get 404s. Its @font-face rules are taken out (what the Sass setting
 * `$govuk-include-default-font-face: false` does), so no font file is ever asked for; public/css/app.css maps the
 * name to the system's Arial.
 */
export function withoutGovukFontFaces(css: string): string {
  return css.replace(/@font-face\{font-family:GDS Transport;[^}]*\}/g, '');
}

function hashOf(bytes: Buffer) {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 12);
}

function filesUnder(folder: string): string[] {
  return (fs.readdirSync(folder, { recursive: true }) as string[])
    .map((name) => path.join(folder, name))
    .filter((file) => fs.statSync(file).isFile());
}

/** Everything the browser loads, read once when the process starts: URL path → bytes, type and hash. */
function readAssets(): Map<string, Asset> {
  const found = new Map<string, Asset>();
  const add = (url: string, bytes: Buffer) => {
    found.set(url, { bytes, type: TYPES[path.extname(url)] ?? 'application/octet-stream', hash: hashOf(bytes) });
  };
  const files = filesUnder(publicFolder).map((file) => ({ url: `/public/${path.relative(publicFolder, file).split(path.sep).join('/')}`, file }));
  // Stylesheets last: an image they name by `url(/public/…)` is given its fingerprint, so it is cached for good too.
  for (const { url, file } of files.filter((f) => !f.url.endsWith('.css'))) add(url, fs.readFileSync(file));
  for (const { url, file } of files.filter((f) => f.url.endsWith('.css'))) {
    const css = fs.readFileSync(file, 'utf8').replace(/url\((['"]?)(\/public\/[^'")?#]+)\1\)/g, (whole, quote: string, named: string) => {
      const hash = found.get(named)?.hash;
      return hash ? `url(${quote}${named}?v=${hash}${quote})` : whole;
    });
    add(url, Buffer.from(css));
  }
  add('/vendor/chart.js/chart.umd.min.js', fs.readFileSync(path.join(chartJsFolder, 'chart.umd.min.js')));
  const govukCss = fs.readFileSync(path.join(govukFolder, 'govuk-frontend.min.css'), 'utf8');
  add('/vendor/govuk/govuk-frontend.min.css', Buffer.from(withoutGovukFontFaces(govukCss)));
  return found;
}

let loaded: Map<string, Asset> | undefined;
const allAssets = () => (loaded ??= readAssets());

/** An asset by URL path; a file put under public/ after the start is read when first asked for. */
function lookup(url: string): Asset | undefined {
  const known = allAssets().get(url);
  if (known || !url.startsWith('/public/')) return known;
  const file = path.join(publicFolder, decodeURIComponent(url.slice('/public/'.length)));
  if (!file.startsWith(publicFolder) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return undefined;
  const bytes = fs.readFileSync(file);
  const asset = { bytes, type: TYPES[path.extname(url)] ?? 'application/octet-stream', hash: hashOf(bytes) };
  allAssets().set(url, asset);
  return asset;
}

/**
 * The URL a page should use for an asset: its path with the content's fingerprint, `/public/css/app.css?v=1a2b3c4d5e6f`.
 * A new version of the file has a new URL, so it can be cached for good. Views call it as `it.asset(…)`.
 */
export function assetUrl(url: string): string {
  const asset = lookup(url);
  // A missing file is not worth a failed page: the link stays as written and its request answers 404.
  return asset ? `${url}?v=${asset.hash}` : url;
}

function serve(request: FastifyRequest, reply: FastifyReply) {
  const url = request.url.split('?')[0]!;
  let asset: Asset | undefined;
  try {
    asset = lookup(url);
  } catch {
    asset = undefined; // a malformed %-escape
  }
  if (!asset) return reply.callNotFound();
  const { v } = request.query as { v?: unknown };
  const etag = `"${asset.hash}"`;
  reply.header('cache-control', v === asset.hash ? IMMUTABLE : SHORT).header('etag', etag);
  const asked = request.headers['if-none-match'];
  if (asked && asked.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) return reply.code(304).send();
  return reply.type(asset.type).send(asset.bytes);
}

/**
 * Everything the browser loads comes from here: our stylesheets and scripts, Chart.js and govuk-frontend's CSS.
 * Nothing from another site, and no font file (see `withoutGovukFontFaces`). Pages link them by `assetUrl`.
 */
export default async function assets(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), access: 'public' };
  });
  allAssets();
  app.get('/public/*', serve);
  app.get('/vendor/*', serve);
}
