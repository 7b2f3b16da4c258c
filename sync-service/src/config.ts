/**
 * Settings of the sync service, from environment variables (and an optional .env file in the working folder),
 * validated once at start-up. Every wrong or missing value is reported with what to do about it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isLoopbackAddress } from './http/security';
import type { RateLimitSettings } from './http/rate-limit';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));
const port = z.coerce.number().int().min(0).max(65535);

const schema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string').optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: port.default(54320),
  DATABASE_NAME: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('rdv_outlook'),
  AUTH_JWKS_URL: z.string().url().optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_TENANT_ID: z.string().min(1).optional(),
  /** Client id of the Outlook add-in's app registration, when it is not the API's (AUTH_AUDIENCE). */
  ADDIN_CLIENT_ID: z.string().min(1).optional(),
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  SEED_DEMO: bool.default(false),
  /** Demo only: catch reminder emails and SMS in local sinks shown at /dev/outbox (ignored when SMTP_HOST is set). */
  DEMO_OUTBOX: bool.default(false),
  /** Print the start summary (URLs) on stdout; `npm start` prints its own and turns this one off. */
  BANNER: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Tests only: the instant the business clock reads at start (see clock.ts). Refused unless NODE_ENV=test. */
  TEST_CLOCK: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
  NODE_ENV: z.string().optional(),
  RATE_LIMIT_ENABLED: bool.default(true),
  // An agent working in the add-in makes a few requests a minute, a busy one a few dozen; 600 per token leaves room
  // for bursts (a search typed letter by letter) while 900 in a minute from one token is already abuse. Per IP it is
  // higher because several agents may share one address (a site behind NAT).
  RATE_LIMIT_PER_TOKEN: z.coerce.number().int().min(1).default(600),
  RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(1200),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Number of reverse proxies in front of the service whose X-Forwarded-For is believed (0: none). */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
});

export type Config = z.infer<typeof schema> & {
  embedded: boolean;
  pgDataDir: string;
  auth: { jwksUrl: string; issuer: string; audience: string; tenantId: string };
  rateLimit: RateLimitSettings;
};

const HINTS: Record<string, string> = {
  AUTH_JWKS_URL: "the JWKS URL of your Entra ID tenant, e.g. https://login.microsoftonline.com/<tenant-id>/discovery/v2.0/keys ('npm start' sets it to the emulator's)",
  AUTH_ISSUER: 'the issuer of the tokens the add-in sends, e.g. https://login.microsoftonline.com/<tenant-id>/v2.0',
  AUTH_AUDIENCE: "the application (client) id or Application ID URI of this service's app registration",
  AUTH_TENANT_ID: 'your Entra ID tenant id (the tid claim of accepted tokens)',
};

export class ConfigError extends Error {}

/** `requireAuth: false` for commands that never serve the API (migrate, seed). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: { loadDotEnv?: boolean; requireAuth?: boolean } = {}): Config {
  if (options.loadDotEnv !== false && env === process.env && existsSync('.env')) process.loadEnvFile('.env');
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0]);
      const hint = HINTS[key] ? ` — ${HINTS[key]}` : '';
      return `  ${key}: ${i.code === 'invalid_type' && env[key] === undefined ? 'missing' : i.message}${hint}`;
    });
    throw new ConfigError(`Invalid settings (see sync-service/README.md):\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const missingAuth = (['AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_TENANT_ID'] as const).filter((k) => !c[k]);
  if (options.requireAuth !== false && missingAuth.length) {
    throw new ConfigError(`Invalid settings (see sync-service/README.md):\n${missingAuth.map((k) => `  ${k}: missing — ${HINTS[k]}`).join('\n')}`);
  }
  if (Boolean(c.TLS_CERT_FILE) !== Boolean(c.TLS_KEY_FILE)) {
    throw new ConfigError('Invalid settings: TLS_CERT_FILE and TLS_KEY_FILE go together (set both to serve HTTPS, or neither).');
  }
  if (c.TEST_CLOCK && c.NODE_ENV !== 'test') {
    throw new ConfigError('Invalid settings: TEST_CLOCK is a test-only setting (it makes the service believe it is another time); remove it, it is refused unless NODE_ENV=test.');
  }
  for (const f of [c.TLS_CERT_FILE, c.TLS_KEY_FILE]) {
    if (f && !existsSync(f)) throw new ConfigError(`Invalid settings: file ${f} (TLS_CERT_FILE/TLS_KEY_FILE) does not exist.`);
  }
  // The outbox shows usagers' phone numbers and emails: a demo on one machine, never reachable from elsewhere.
  if (c.DEMO_OUTBOX && !isLoopbackAddress(c.HOST)) {
    throw new ConfigError(`Invalid settings: DEMO_OUTBOX=true shows usagers' messages and needs HOST on loopback (127.0.0.1, ::1 or localhost), not ${c.HOST}. Set DEMO_OUTBOX=false, or HOST=127.0.0.1.`);
  }
  if (c.DEMO_OUTBOX && c.NODE_ENV === 'production') {
    throw new ConfigError('Invalid settings: DEMO_OUTBOX=true is for the demo only and is refused with NODE_ENV=production. Set DEMO_OUTBOX=false and SMTP_HOST/SMS_PROVIDER for real reminders.');
  }
  return {
    ...c,
    embedded: !c.DATABASE_URL,
    pgDataDir: path.resolve(c.DATA_DIR, 'pg'),
    auth: { jwksUrl: c.AUTH_JWKS_URL ?? '', issuer: c.AUTH_ISSUER ?? '', audience: c.AUTH_AUDIENCE ?? '', tenantId: c.AUTH_TENANT_ID ?? '' },
    rateLimit: { enabled: c.RATE_LIMIT_ENABLED, perToken: c.RATE_LIMIT_PER_TOKEN, perIp: c.RATE_LIMIT_PER_IP, windowSeconds: c.RATE_LIMIT_WINDOW_SECONDS },
  };
}
