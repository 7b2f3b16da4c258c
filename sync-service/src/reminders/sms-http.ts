/**
 * SMS through any HTTP JSON API, configured rather than coded: URL, headers, a body template and, when the
 * provider supports one, the header carrying our idempotency key. Also what the service uses to talk to the
 * local SMS sink (demo and tests).
 *
 * The body template is JSON whose string values may hold {{to}} (E.164), {{toDigits}} (without "+"),
 * {{text}}, {{sender}} and {{key}} (the idempotency key), e.g.
 *   {"from":"{{sender}}","to":"{{to}}","message":"{{text}}","reference":"{{key}}"}
 * Any 2xx is a success; the provider's message id is read from `messageIdField` of the JSON answer.
 */
import { DeliveryError, httpStatusRetryable, networkError, type SendResult, type SmsMessage, type SmsProvider } from './providers';

export interface HttpSmsSettings {
  /** Recorded on receipts. */
  name: string;
  url: string;
  headers: Record<string, string>;
  bodyTemplate: unknown;
  /** e.g. "Idempotency-Key"; null when the provider has none (then in-doubt sends are not retried). */
  idempotencyHeader: string | null;
  /** Field of the JSON answer holding the provider's message id (dotted path allowed). */
  messageIdField: string;
  timeoutMs: number;
}

export const DEFAULT_HTTP_SMS_BODY = { to: '{{to}}', text: '{{text}}', sender: '{{sender}}', reference: '{{key}}' };

function fill(template: unknown, vars: Record<string, string>): unknown {
  if (typeof template === 'string') return template.replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m);
  if (Array.isArray(template)) return template.map((t) => fill(t, vars));
  if (template && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, vars)]));
  }
  return template;
}

function pick(obj: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

export function createHttpSmsProvider(settings: HttpSmsSettings): SmsProvider {
  return {
    name: settings.name,
    idempotent: settings.idempotencyHeader !== null,
    async send(msg: SmsMessage): Promise<SendResult> {
      const vars = { to: msg.to, toDigits: msg.to.replace(/^\+/, ''), text: msg.text, sender: msg.sender, key: msg.idempotencyKey };
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...settings.headers };
      if (settings.idempotencyHeader) headers[settings.idempotencyHeader] = msg.idempotencyKey;
      let res: Response;
      try {
        res = await fetch(settings.url, {
          method: 'POST', headers, body: JSON.stringify(fill(settings.bodyTemplate, vars)),
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
      } catch (err) {
        throw networkError(settings.name, err);
      }
      const body = await res.json().catch(() => null) as unknown;
      if (res.ok) {
        const id = pick(body, settings.messageIdField);
        return { providerMessageId: id === undefined || id === null ? null : String(id) };
      }
      const code = String(pick(body, 'code') ?? pick(body, 'error') ?? `http_${res.status}`);
      throw new DeliveryError(`${settings.name} a refusé le SMS (${res.status} ${code})`, code, httpStatusRetryable(res.status));
    },
  };
}
