/**
 * Settings of the reminders feature, read once from environment variables at start-up and validated with one
 * message per missing or wrong setting (see README.md for the list).
 */
import type { BrevoSettings } from './sms-brevo';
import { DEFAULT_HTTP_SMS_BODY, type HttpSmsSettings } from './sms-http';
import type { SmtpSettings } from './mailer-smtp';

export type SmsProviderKind = 'brevo' | 'http' | 'none';

export interface WorkerSettings {
  /** Run the worker in this process (scheduling runs wherever RDVs change, regardless). */
  enabled: boolean;
  pollMs: number;
  batchSize: number;
  concurrency: number;
  maxAttempts: number;
  /** First retry delay; each further retry waits four times longer. */
  retryBaseSeconds: number;
  leaseSeconds: number;
}

export interface RemindersConfig {
  smtp: SmtpSettings | null;
  sms: { provider: SmsProviderKind; sender: string; brevo: BrevoSettings | null; http: HttpSmsSettings | null };
  worker: WorkerSettings;
}

export class RemindersConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Reminders configuration is invalid:\n  - ${problems.join('\n  - ')}\nSee sync-service/src/reminders/README.md.`);
    this.name = 'RemindersConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadRemindersConfig(env: Env = process.env): RemindersConfig {
  const problems: string[] = [];
  const str = (k: string) => { const v = env[k]?.trim(); return v ? v : null; };
  const bool = (k: string, dflt: boolean) => {
    const v = str(k);
    if (v === null) return dflt;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    problems.push(`${k}="${v}" must be true or false`);
    return dflt;
  };
  const int = (k: string, dflt: number, min: number, max: number) => {
    const v = str(k);
    if (v === null) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) { problems.push(`${k}="${v}" must be an integer between ${min} and ${max}`); return dflt; }
    return n;
  };
  const json = (k: string): unknown => {
    const v = str(k);
    if (v === null) return null;
    try { return JSON.parse(v); } catch { problems.push(`${k} must be valid JSON`); return null; }
  };
  const timeoutMs = int('REMINDERS_PROVIDER_TIMEOUT_MS', 15_000, 1_000, 120_000);

  // ---- worker
  const worker: WorkerSettings = {
    enabled: bool('REMINDERS_WORKER', true),
    pollMs: int('REMINDERS_POLL_MS', 1_000, 10, 60_000),
    batchSize: int('REMINDERS_BATCH_SIZE', 100, 1, 1_000),
    concurrency: int('REMINDERS_CONCURRENCY', 16, 1, 200),
    maxAttempts: int('REMINDERS_MAX_ATTEMPTS', 5, 1, 20),
    retryBaseSeconds: int('REMINDERS_RETRY_BASE_SECONDS', 30, 1, 3_600),
    leaseSeconds: int('REMINDERS_LEASE_SECONDS', 120, 2, 3_600),
  };
  // A lease shorter than a provider timeout would let a second worker take a job still being sent.
  if (worker.leaseSeconds * 1000 <= timeoutMs) {
    problems.push(`REMINDERS_LEASE_SECONDS (${worker.leaseSeconds}) must be longer than REMINDERS_PROVIDER_TIMEOUT_MS (${timeoutMs} ms)`);
  }

  // ---- SMTP
  let smtp: SmtpSettings | null = null;
  const host = str('SMTP_HOST');
  const from = str('SMTP_FROM');
  if (host === null) {
    if (worker.enabled) problems.push('SMTP_HOST is missing: set the SMTP relay that sends emails to usagers (e.g. smtp.example.fr), or REMINDERS_WORKER=false');
  } else {
    const secure = bool('SMTP_SECURE', false);
    const fromMatch = from ? /^\s*(?:"?([^"<]*)"?\s*)?<?([^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)>?\s*$/.exec(from) : null;
    if (!from) problems.push('SMTP_FROM is missing: the sender address usagers see, e.g. "Département de la Vienne <rdv@vienne.fr>"');
    else if (!fromMatch) problems.push(`SMTP_FROM="${from}" is not an address ("Name <address@domain>" or "address@domain")`);
    const user = str('SMTP_USER');
    const password = str('SMTP_PASSWORD');
    if (user && !password) problems.push('SMTP_PASSWORD is missing while SMTP_USER is set');
    smtp = {
      host,
      port: int('SMTP_PORT', secure ? 465 : 587, 1, 65_535),
      secure,
      requireTls: bool('SMTP_REQUIRE_TLS', false),
      tlsRejectUnauthorized: bool('SMTP_TLS_REJECT_UNAUTHORIZED', true),
      user,
      password,
      from: { name: fromMatch?.[1]?.trim() || 'Prise de rendez-vous', email: fromMatch?.[2] ?? 'invalid@invalid' },
      dedupesMessageId: bool('SMTP_DEDUPES_MESSAGE_ID', false),
      maxConnections: int('SMTP_MAX_CONNECTIONS', 5, 1, 50),
      timeoutMs,
    };
  }

  // ---- SMS
  const providerRaw = (str('SMS_PROVIDER') ?? 'none').toLowerCase();
  let provider: SmsProviderKind = 'none';
  if (providerRaw === 'brevo' || providerRaw === 'http' || providerRaw === 'none') provider = providerRaw;
  else problems.push(`SMS_PROVIDER="${providerRaw}" must be one of brevo, http, none`);
  const sender = str('SMS_SENDER') ?? 'RDV';
  if (!/^[A-Za-z0-9 -]{1,11}$/.test(sender)) problems.push(`SMS_SENDER="${sender}" must be 1 to 11 letters, digits, spaces or dashes (operators refuse longer alphanumeric senders)`);
  let brevo: BrevoSettings | null = null;
  let http: HttpSmsSettings | null = null;
  if (provider === 'brevo') {
    const apiKey = str('BREVO_API_KEY');
    if (!apiKey) problems.push('BREVO_API_KEY is missing (Brevo account → SMTP & API → API keys)');
    brevo = { apiKey: apiKey ?? '', baseUrl: str('BREVO_API_URL') ?? 'https://api.brevo.com/v3', timeoutMs };
  }
  if (provider === 'http') {
    const url = str('SMS_HTTP_URL');
    if (!url) problems.push('SMS_HTTP_URL is missing: the URL the SMS provider expects a POST on');
    else if (!/^https?:\/\//.test(url)) problems.push(`SMS_HTTP_URL="${url}" must start with http:// or https://`);
    const headers = json('SMS_HTTP_HEADERS') ?? {};
    if (typeof headers !== 'object' || Array.isArray(headers) || Object.values(headers as object).some((v) => typeof v !== 'string')) {
      problems.push('SMS_HTTP_HEADERS must be a JSON object of strings, e.g. {"Authorization":"Bearer …"}');
    }
    http = {
      name: str('SMS_HTTP_NAME') ?? 'http',
      url: url ?? '',
      headers: headers as Record<string, string>,
      bodyTemplate: json('SMS_HTTP_BODY') ?? DEFAULT_HTTP_SMS_BODY,
      idempotencyHeader: str('SMS_HTTP_IDEMPOTENCY_HEADER'),
      messageIdField: str('SMS_HTTP_MESSAGE_ID_FIELD') ?? 'id',
      timeoutMs,
    };
  }

  if (problems.length > 0) throw new RemindersConfigError(problems);
  return { smtp, sms: { provider, sender, brevo, http }, worker };
}
