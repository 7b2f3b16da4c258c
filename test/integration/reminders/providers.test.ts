import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBrevoSmsProvider } from '../../../sync-service/src/reminders/sms-brevo';
import { createHttpSmsProvider } from '../../../sync-service/src/reminders/sms-http';
import { DeliveryError } from '../../../sync-service/src/reminders/providers';
import { loadRemindersConfig, RemindersConfigError } from '../../../sync-service/src/reminders/config';

/** A loopback stand-in answering like Brevo's transactional SMS endpoint, recording what it is sent. */
let server: http.Server;
let base = '';
const seen: Array<{ url: string; headers: http.IncomingHttpHeaders; body: any }> = [];
let answer: { status: number; body: unknown } = { status: 201, body: {} };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const msg = { to: '+590690123456', text: 'Rappel RDV: test', sender: 'CD971', idempotencyKey: '11111111-2222-3333-4444-555555555555' };

describe('Brevo SMS adapter', () => {
  const brevo = () => createBrevoSmsProvider({ apiKey: 'cle-de-test', baseUrl: `${base}/v3`, timeoutMs: 5_000 });

  it('posts a transactional SMS with the API key and the number without its plus sign', async () => {
    answer = { status: 201, body: { reference: 'ab1cde2fgh3i4jklmno', messageId: 1511882900176220, smsCount: 1, usedCredits: 1, remainingCredits: 99 } };
    const result = await brevo().send(msg);
    expect(result).toEqual({ providerMessageId: '1511882900176220' });
    const req = seen.at(-1)!;
    expect(req.url).toBe('/v3/transactionalSMS/send');
    expect(req.headers['api-key']).toBe('cle-de-test');
    expect(req.body).toEqual({ type: 'transactional', sender: 'CD971', recipient: '590690123456', content: 'Rappel RDV: test', tag: 'rdv-reminder', unicodeEnabled: false });
    expect(brevo().idempotent).toBe(false);
  });

  it('does not retry a refused number or a bad key, and retries a lack of credits or an outage', async () => {
    const cases: Array<[number, string, boolean]> = [
      [400, 'invalid_parameter', false], [401, 'unauthorized', false], [402, 'not_enough_credits', true], [429, 'too_many_requests', true], [503, 'unavailable', true],
    ];
    for (const [status, code, retryable] of cases) {
      answer = { status, body: { code, message: 'x' } };
      const err = await brevo().send(msg).catch((e: unknown) => e) as DeliveryError;
      expect(err).toBeInstanceOf(DeliveryError);
      expect([err.code, err.retryable]).toEqual([code, retryable]);
    }
  });

  it('treats an unreachable provider as a transient failure', async () => {
    const down = createBrevoSmsProvider({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9/v3', timeoutMs: 2_000 });
    const err = await down.send(msg).catch((e: unknown) => e) as DeliveryError;
    expect(err.retryable).toBe(true);
  });
});

describe('generic HTTP SMS adapter', () => {
  it('fills its body template and sends the idempotency key in the configured header', async () => {
    answer = { status: 200, body: { result: { id: 'm-42' } } };
    const p = createHttpSmsProvider({
      name: 'operateur', url: `${base}/api/sms`, headers: { authorization: 'Bearer t' },
      bodyTemplate: { from: '{{sender}}', to: ['{{toDigits}}'], message: '{{text}}', ref: '{{key}}' },
      idempotencyHeader: 'X-Idempotency-Key', messageIdField: 'result.id', timeoutMs: 5_000,
    });
    expect(await p.send(msg)).toEqual({ providerMessageId: 'm-42' });
    const req = seen.at(-1)!;
    expect(req.headers.authorization).toBe('Bearer t');
    expect(req.headers['x-idempotency-key']).toBe(msg.idempotencyKey);
    expect(req.body).toEqual({ from: 'CD971', to: ['590690123456'], message: 'Rappel RDV: test', ref: msg.idempotencyKey });
    expect(p.idempotent).toBe(true);
  });
});

describe('configuration', () => {
  it('names every missing or wrong setting in one error', () => {
    let err: RemindersConfigError | null = null;
    try {
      loadRemindersConfig({ SMS_PROVIDER: 'brevo', SMS_SENDER: 'Beaucoup trop long', REMINDERS_CONCURRENCY: 'douze' });
    } catch (e) { err = e as RemindersConfigError; }
    expect(err).toBeInstanceOf(RemindersConfigError);
    expect(err!.problems).toEqual([
      'REMINDERS_CONCURRENCY="douze" must be an integer between 1 and 200',
      'SMTP_HOST is missing: set the SMTP relay that sends emails to usagers (e.g. smtp.example.fr), or REMINDERS_WORKER=false',
      'SMS_SENDER="Beaucoup trop long" must be 1 to 11 letters, digits, spaces or dashes (operators refuse longer alphanumeric senders)',
      'BREVO_API_KEY is missing (Brevo account → SMTP & API → API keys)',
    ]);
  });

  it('reads a complete SMTP and Brevo configuration', () => {
    const c = loadRemindersConfig({
      SMTP_HOST: 'smtp.vienne.fr', SMTP_PORT: '465', SMTP_SECURE: 'true', SMTP_USER: 'rdv', SMTP_PASSWORD: 's3cret',
      SMTP_FROM: 'Département de la Vienne <rdv@vienne.fr>', SMS_PROVIDER: 'brevo', BREVO_API_KEY: 'xkeysib-1', SMS_SENDER: 'CD86',
    });
    expect(c.smtp).toMatchObject({ host: 'smtp.vienne.fr', port: 465, secure: true, user: 'rdv', from: { name: 'Département de la Vienne', email: 'rdv@vienne.fr' } });
    expect(c.sms).toMatchObject({ provider: 'brevo', sender: 'CD86', brevo: { apiKey: 'xkeysib-1', baseUrl: 'https://api.brevo.com/v3' } });
    expect(c.worker).toMatchObject({ enabled: true, concurrency: 16, maxAttempts: 5 });
  });
});
