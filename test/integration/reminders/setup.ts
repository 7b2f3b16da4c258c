/** Loopback SMTP server and SMS sink, with the real adapters pointed at them, for one test file. */
import { createSmtpMailer } from '../../../sync-service/src/reminders/mailer-smtp';
import { createHttpSmsProvider, DEFAULT_HTTP_SMS_BODY } from '../../../sync-service/src/reminders/sms-http';
import { Outbox, startSmsSink, startSmtpSink, type SmsSink, type SmtpSink } from '../../../sync-service/src/reminders/sinks';
import type { EmailSender, SmsProvider } from '../../../sync-service/src/reminders/providers';

export interface Loopback {
  outbox: Outbox; smtp: SmtpSink; smsSink: SmsSink; mailer: EmailSender; sms: SmsProvider;
  /** Same sink, but an adapter that sends no idempotency key (like a provider without one). */
  smsWithoutKey: SmsProvider;
  stop(): Promise<void>;
}

export async function startLoopback(opts: { smsDelayMs?: number } = {}): Promise<Loopback> {
  const outbox = new Outbox(100_000);
  const smtp = await startSmtpSink({ outbox });
  const smsSink = await startSmsSink({ outbox, delayMs: opts.smsDelayMs });
  const mailer = createSmtpMailer({
    host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, tlsRejectUnauthorized: true, user: null, password: null,
    from: { name: 'Département de la Vienne', email: 'rdv@vienne.example' }, dedupesMessageId: true, maxConnections: 4, timeoutMs: 10_000,
  });
  const http = { url: smsSink.url, headers: {}, bodyTemplate: DEFAULT_HTTP_SMS_BODY, messageIdField: 'id', timeoutMs: 10_000 };
  const sms = createHttpSmsProvider({ ...http, name: 'sink', idempotencyHeader: 'Idempotency-Key' });
  const smsWithoutKey = createHttpSmsProvider({ ...http, name: 'sink-sans-cle', idempotencyHeader: null });
  return {
    outbox, smtp, smsSink, mailer, sms, smsWithoutKey,
    async stop() { await mailer.close?.(); await smtp.stop(); await smsSink.stop(); },
  };
}
