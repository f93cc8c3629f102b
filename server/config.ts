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
  /** Behind a TLS-terminating proxy: trust its X-Forwarded-* headers (true, a hop count, or addresses). Cookies are then Secure. */
  TRUST_PROXY: z.string().default('false'),
  /** Load the Coventry demo partnership and demo accounts into an empty embedded database. */
  DEMO: booleanText.optional(),
  SESSION_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /**
   * A sign-in left unused this long ends, whatever SESSION_HOURS allows (a screen left signed in overnight). Eight hours
   * by default: a data day can run a whole morning on one presentation page without a request to the server.
   */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(24 * 60 * 30).default(480),
  /** Sign-in attempts allowed per address and per account in SIGN_IN_WINDOW_MINUTES. */
  SIGN_IN_LIMIT: z.coerce.number().int().min(1).max(1000).default(10),
  SIGN_IN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
});

export type Config = z.infer<typeof configSchema> & { dataDir: string; demo: boolean; trustProxy: boolean | number | string[] };

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
    trustProxy: parseTrustProxy(c.TRUST_PROXY),
  };
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}
