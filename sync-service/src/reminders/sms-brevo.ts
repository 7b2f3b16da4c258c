/**
 * SMS through Brevo (formerly Sendinblue), the transactional SMS API that RDV Solidarités / RDV Service Public
 * and other beta.gouv.fr services use for French départements.
 *
 * Request: POST {baseUrl}/transactionalSMS/send (historically …/transactionalSMS/sms)
 *   headers: api-key: <key>, content-type: application/json, accept: application/json
 *   body: { "type": "transactional", "sender": "CD86-PMI", "recipient": "33612345678", "content": "…",
 *           "tag": "rdv-reminder", "unicodeEnabled": false }
 *   (recipient: E.164 digits without "+"; sender: up to 11 alphanumeric characters or 15 digits)
 * Success: 201 { "reference": "…", "messageId": 1511882900176220, "smsCount": 1, "usedCredits": 1, "remainingCredits": … }
 * Errors: JSON { "code": "…", "message": "…" }
 *   400 invalid_parameter / missing_parameter (e.g. bad recipient) → failed, not retried
 *   401 unauthorized (bad api-key), 403 permission_denied → failed, not retried (the operator must fix the key)
 *   402 not_enough_credits → retried with backoff (credits may be topped up), then failed
 *   429 too many requests, 5xx → retried with backoff
 * Brevo has no idempotency key: a send whose answer was lost is never retried (see README: "in doubt").
 */
import { DeliveryError, httpStatusRetryable, networkError, type SendResult, type SmsMessage, type SmsProvider } from './providers';

export interface BrevoSettings {
  apiKey: string;
  /** https://api.brevo.com/v3 in production; a loopback stand-in in tests. */
  baseUrl: string;
  timeoutMs: number;
}

export function createBrevoSmsProvider(settings: BrevoSettings): SmsProvider {
  const url = `${settings.baseUrl.replace(/\/$/, '')}/transactionalSMS/send`;
  return {
    name: 'brevo',
    idempotent: false,
    async send(msg: SmsMessage): Promise<SendResult> {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'api-key': settings.apiKey, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({
            type: 'transactional',
            sender: msg.sender,
            recipient: msg.to.replace(/^\+/, ''),
            content: msg.text,
            tag: 'rdv-reminder',
            unicodeEnabled: false,
          }),
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
      } catch (err) {
        throw networkError('Brevo', err);
      }
      const body = await res.json().catch(() => ({})) as { code?: string; message?: string; messageId?: number | string; reference?: string };
      if (res.ok) return { providerMessageId: body.messageId !== undefined ? String(body.messageId) : (body.reference ?? null) };
      const code = body.code ?? `http_${res.status}`;
      const retryable = httpStatusRetryable(res.status) || res.status === 402;
      throw new DeliveryError(`Brevo a refusé le SMS (${res.status} ${code})`, code, retryable);
    },
  };
}
