import { BlockList, isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every setting the app reads from its environment, validated in one place. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Behind a TLS-terminating proxy: trust the X-Forwarded-* headers of the proxies it names: how many there are in front
   * of the app (a hop count), or their addresses (IPs or CIDR ranges, comma-separated). Cookies are then Secure.
   * `true` is refused: it would believe whatever X-Forwarded-For a client writes, so anyone could pick the address
   * sign-in throttling counts them under.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .refine((v) => v.trim() !== 'true', 'would trust any X-Forwarded-For a client sends: give the number of proxies in front of the app (usually 1) or their addresses')
    .refine((v) => parseTrustProxy(v) !== null, 'must be false, a number of proxies (like 1), or the proxies’ addresses (IPs or CIDR ranges, comma-separated)'),
  /** Load the Coventry demo partnership and demo accounts into an empty embedded database. */
  DEMO: booleanText.optional(),
  SESSION_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /**
   * A sign-in left unused this long ends, whatever SESSION_HOURS allows (a screen left signed in overnight). Eight hours
   * by default: a data day can run a whole morning on one presentation page without a request to the server.
   */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(24 * 60 * 30).default(480),
  /**
   * Attempts at one account from one address before each further one must wait (ten times as many from one address
   * whatever the account); features/auth/throttle.ts has the whole design.
   */
  SIGN_IN_LIMIT: z.coerce.number().int().min(1).max(1000).default(10),
  /** The first wait once SIGN_IN_LIMIT is reached; it doubles with each attempt after (at most a day). */
  SIGN_IN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /**
   * Who to tell about an accessibility problem, as the accessibility statement names them: an email address (shown as
   * a link) or words ("the data team, 024 7683 1234").
   */
  ACCESSIBILITY_CONTACT: z.string().trim().min(1).max(200).default('the partnership’s administrator'),
  /** Notices by email (features/reminders): an smtp:// or smtps:// server and the From address; without both, notices stay in the app. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().trim().min(3).max(200).optional(),
  /** The tracker's address as people reach it, for links in emails (default http://localhost:PORT). */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** How often the app looks for notices to queue and send; 0 turns the scheduler off (use `npm run cli -- notices run`). */
  REMINDER_MINUTES: z.coerce.number().int().min(0).max(1440).default(15),
});

export type Config = z.infer<typeof configSchema> & { dataDir: string; demo: boolean; trustProxy: ProxyTrust };

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(configSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = configSchema.safeParse(known);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'configuration');
    throw new ConfigError(`Invalid configuration: ${name}=${JSON.stringify(known[name] ?? '')} ${issue.message}`);
  }
  const c = parsed.data;
  return {
    ...c,
    dataDir: path.resolve(c.DATA_DIR),
    demo: c.DEMO ?? !c.DATABASE_URL,
    trustProxy: parseTrustProxy(c.TRUST_PROXY) ?? false,
  };
}

/**
 * Which proxies' X-Forwarded-For to believe, as Fastify takes it: none, their addresses, or a test of each address in
 * a request's chain, nearest first (hop 0 is the socket's peer).
 */
export type ProxyTrust = false | string[] | ((address: string, hop: number) => boolean);

// Where a proxy in front of the app can be: loopback, private and link-local ranges (IPv4-mapped IPv6 included).
const privateRanges = new BlockList();
for (const [network, bits] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) {
  privateRanges.addSubnet(network, bits, 'ipv4');
}
for (const [network, bits] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) privateRanges.addSubnet(network, bits, 'ipv6');
const isPrivateAddress = (address: string) => {
  const family = isIP(address);
  return family !== 0 && privateRanges.check(address, family === 4 ? 'ipv4' : 'ipv6');
};

/**
 * The proxies to trust: none (false), a hop count, or addresses; null when the value is none of these. A hop count
 * trusts that many proxies, but the nearest only when it is on a private network: a client on the internet that
 * reaches the app directly cannot make up its address by sending X-Forwarded-For itself. (Fastify on its own takes a
 * hop count to trust no one, and every client would seem to be the proxy.)
 */
function parseTrustProxy(value: string): ProxyTrust | null {
  const text = value.trim();
  if (text === 'false' || text === '' || text === '0') return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return (address, hop) => hop < hops && (hop > 0 || isPrivateAddress(address));
  }
  const addresses = text.split(',').map((s) => s.trim()).filter(Boolean);
  return addresses.length && addresses.every(isProxyAddress) ? addresses : null;
}

/** An IP, a CIDR range, or one of the ranges Fastify names (loopback, linklocal, uniquelocal). */
function isProxyAddress(text: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(text)) return true;
  const [ip, bits, extra] = text.split('/');
  if (extra !== undefined || !ip || !isIP(ip)) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(ip) === 4 ? 32 : 128));
}
