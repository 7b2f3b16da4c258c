/**
 * Settings of the Outlook sync, from environment variables, validated once at start with a message per wrong
 * value. The same settings reach Microsoft or the emulator: only the authority host, the Graph base URL and the
 * trusted CA change. Without GRAPH_CLIENT_ID the sync is off and the rest of the service runs as before.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import cron from 'node-cron';
import { z } from 'zod';
import { DEFAULT_ADDIN_ID } from '../../../shared/src/sync/addin-item';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));
const int = (min: number, max: number) => z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const schema = z.object({
  GRAPH_TENANT_ID: z.string().min(1).optional(),
  GRAPH_CLIENT_ID: z.string().min(1).optional(),
  GRAPH_CLIENT_SECRET: z.string().min(1).optional(),
  /** PEM file holding the app's certificate and its private key (instead of a secret). */
  GRAPH_CERTIFICATE_FILE: z.string().min(1).optional(),
  /** A client secret's expiry cannot be read from the secret: the operator writes it here (from the Entra portal). */
  GRAPH_CLIENT_SECRET_EXPIRES_AT: z.iso.date().or(z.iso.datetime({ offset: true })).optional(),
  GRAPH_AUTHORITY_HOST: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).default('https://login.microsoftonline.com'),
  GRAPH_BASE_URL: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).default('https://graph.microsoft.com'),
  SYNC_WORKER: bool.default(true),
  /** Public HTTPS URL Graph posts change notifications to; default PUBLIC_URL + /graph/notifications. */
  SYNC_NOTIFICATION_URL: z.url({ protocol: /^https$/, error: 'must be an https:// URL (Graph refuses others)' }).optional(),
  SYNC_WINDOW_PAST_DAYS: int(0, 366).default(31),
  SYNC_WINDOW_FUTURE_DAYS: int(1, 730).default(183),
  /** Graph's maximum for Outlook events is 4230 minutes in its docs (some newer sources say 10080). */
  SYNC_SUBSCRIPTION_MINUTES: int(45, 10_080).default(4230),
  SYNC_RENEW_BEFORE_MINUTES: int(5, 2_880).default(720),
  SYNC_RECONCILE_CRON: z.string().min(9).default('30 2 * * *'),
  SYNC_CREDENTIAL_WARNING_DAYS: int(1, 365).default(30),
  SYNC_CONCURRENCY: int(1, 256).default(32),
  SYNC_DELTA_PAGE_SIZE: int(10, 1000).default(200),
  /** How long an RDV booked from an appointment being composed waits for the add-in's item before the sync makes its own event. */
  SYNC_ADDIN_ITEM_GRACE_MINUTES: int(1, 1440).default(15),
  /** The add-in manifest's <Id>: names the extended property holding its custom properties (cecp-<Id>). */
  SYNC_ADDIN_ID: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be the GUID of the add-in manifest\'s <Id>').default(DEFAULT_ADDIN_ID),
});

export interface SyncConfig {
  tenantId: string;
  clientId: string;
  credential: { kind: 'secret'; secret: string; expiresAt: Date | null } | { kind: 'certificate'; privateKey: string; thumbprint: string; expiresAt: Date };
  authorityHost: string;
  graphBaseUrl: string;
  worker: boolean;
  notificationUrl: string | null;
  windowPastDays: number;
  windowFutureDays: number;
  subscriptionMinutes: number;
  renewBeforeMinutes: number;
  reconcileCron: string;
  credentialWarningDays: number;
  concurrency: number;
  deltaPageSize: number;
  addinItemGraceMinutes: number;
  addinId: string;
}

export class SyncConfigError extends Error {}

/** null when the sync is not configured (no GRAPH_CLIENT_ID). */
export function loadSyncConfig(env: NodeJS.ProcessEnv, publicUrl: string | undefined): SyncConfig | null {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== '' && k in schema.shape)));
  const problems: string[] = [];
  if (!parsed.success) {
    for (const i of parsed.error.issues) problems.push(`  ${String(i.path[0])}: ${i.message}`);
    throw new SyncConfigError(`Invalid Outlook sync settings (see sync-service/src/sync/README.md):\n${problems.join('\n')}`);
  }
  const c = parsed.data;
  if (!c.GRAPH_CLIENT_ID) {
    // Half a configuration must not quietly leave the sync off.
    const set = (['GRAPH_TENANT_ID', 'GRAPH_CLIENT_SECRET', 'GRAPH_CERTIFICATE_FILE'] as const).filter((k) => c[k]);
    if (!set.length) return null;
    throw new SyncConfigError(`Invalid Outlook sync settings (see sync-service/src/sync/README.md):\n  GRAPH_CLIENT_ID: missing — the sync app registration's client id (${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set; unset ${set.length > 1 ? 'them' : 'it'} to leave the sync off)`);
  }
  if (!c.GRAPH_TENANT_ID) problems.push('  GRAPH_TENANT_ID: missing — your Entra ID tenant id');
  if (!c.GRAPH_CLIENT_SECRET === !c.GRAPH_CERTIFICATE_FILE) problems.push('  GRAPH_CLIENT_SECRET / GRAPH_CERTIFICATE_FILE: set exactly one — the sync app registration\'s secret, or a PEM file with its certificate and private key');
  let credential: SyncConfig['credential'] | null = null;
  if (c.GRAPH_CLIENT_SECRET) {
    credential = { kind: 'secret', secret: c.GRAPH_CLIENT_SECRET, expiresAt: c.GRAPH_CLIENT_SECRET_EXPIRES_AT ? new Date(c.GRAPH_CLIENT_SECRET_EXPIRES_AT) : null };
  } else if (c.GRAPH_CERTIFICATE_FILE) {
    const certificate = readCertificate(c.GRAPH_CERTIFICATE_FILE);
    if (typeof certificate === 'string') problems.push(`  GRAPH_CERTIFICATE_FILE: ${certificate}`);
    else credential = certificate;
  }
  const notificationUrl = c.SYNC_NOTIFICATION_URL ?? (publicUrl?.startsWith('https://') ? `${publicUrl.replace(/\/$/, '')}/graph/notifications` : null);
  if (c.SYNC_RENEW_BEFORE_MINUTES >= c.SYNC_SUBSCRIPTION_MINUTES) problems.push('  SYNC_RENEW_BEFORE_MINUTES: must be shorter than SYNC_SUBSCRIPTION_MINUTES');
  if (!cron.validate(c.SYNC_RECONCILE_CRON)) problems.push(`  SYNC_RECONCILE_CRON: "${c.SYNC_RECONCILE_CRON}" is not a cron expression (e.g. "30 2 * * *": every night at 2:30)`);
  if (problems.length) throw new SyncConfigError(`Invalid Outlook sync settings (see sync-service/src/sync/README.md):\n${problems.join('\n')}`);
  return {
    tenantId: c.GRAPH_TENANT_ID!, clientId: c.GRAPH_CLIENT_ID, credential: credential!, authorityHost: c.GRAPH_AUTHORITY_HOST.replace(/\/$/, ''),
    graphBaseUrl: c.GRAPH_BASE_URL.replace(/\/$/, ''), worker: c.SYNC_WORKER, notificationUrl,
    windowPastDays: c.SYNC_WINDOW_PAST_DAYS, windowFutureDays: c.SYNC_WINDOW_FUTURE_DAYS,
    subscriptionMinutes: c.SYNC_SUBSCRIPTION_MINUTES, renewBeforeMinutes: c.SYNC_RENEW_BEFORE_MINUTES,
    reconcileCron: c.SYNC_RECONCILE_CRON, credentialWarningDays: c.SYNC_CREDENTIAL_WARNING_DAYS,
    concurrency: c.SYNC_CONCURRENCY, deltaPageSize: c.SYNC_DELTA_PAGE_SIZE,
    addinItemGraceMinutes: c.SYNC_ADDIN_ITEM_GRACE_MINUTES, addinId: c.SYNC_ADDIN_ID.toLowerCase(),
  };
}

/** The app's certificate and private key from one PEM file, or what is wrong with the file. */
function readCertificate(file: string): Extract<SyncConfig['credential'], { kind: 'certificate' }> | string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    return `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    return `${file} holds no PEM certificate (${(err as Error).message})`;
  }
  const key = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!key) return `${file} holds no private key (put the key and the certificate in one PEM file)`;
  try {
    if (!cert.checkPrivateKey(createPrivateKey(key))) return `the private key in ${file} does not belong to its certificate`;
  } catch (err) {
    return `the private key in ${file} cannot be read (${(err as Error).message})`;
  }
  return { kind: 'certificate', privateKey: key, thumbprint: cert.fingerprint.replace(/:/g, ''), expiresAt: new Date(cert.validTo) };
}

/** A French sentence when the app's secret or certificate expires within the warning period (or has expired). */
export function credentialWarning(config: SyncConfig, now: Date): string | null {
  const expiresAt = config.credential.expiresAt;
  const what = config.credential.kind === 'secret' ? 'Le secret' : 'Le certificat';
  if (!expiresAt) {
    return config.credential.kind === 'secret'
      ? "Date d'expiration du secret de l'application de synchronisation inconnue : renseignez GRAPH_CLIENT_SECRET_EXPIRES_AT pour être prévenu à temps."
      : null;
  }
  const days = Math.floor((expiresAt.getTime() - now.getTime()) / 86_400_000);
  if (days < 0) return `${what} de l'application de synchronisation Outlook a expiré le ${expiresAt.toISOString().slice(0, 10)} : la synchronisation est arrêtée. Renouvelez-le dans Entra ID.`;
  if (days <= config.credentialWarningDays) return `${what} de l'application de synchronisation Outlook expire dans ${days} jour(s) (${expiresAt.toISOString().slice(0, 10)}) : renouvelez-le dans Entra ID avant cette date.`;
  return null;
}
