/**
 * Email through SMTP with nodemailer (pooled connections). The ICS goes as nodemailer's `icalEvent`: a
 * text/calendar alternative with its METHOD plus an attachment, which is what Outlook and Gmail recognise.
 *
 * The Message-ID is derived from the job's idempotency key, so a resent message is recognisably the same one;
 * `idempotent` is true only when the relay is known to drop a second message with the same Message-ID (the
 * local demo sink does; ordinary relays do not: see README "in doubt").
 */
import nodemailer from 'nodemailer';
import { DeliveryError, type EmailMessage, type EmailSender, type SendResult } from './providers';

export interface SmtpSettings {
  host: string;
  port: number;
  /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
  secure: boolean;
  /** Refuse to send unless STARTTLS succeeds. */
  requireTls: boolean;
  /** Check the server's certificate (turn off only for a relay with a private certificate on a trusted network). */
  tlsRejectUnauthorized: boolean;
  user: string | null;
  password: string | null;
  from: { name: string; email: string };
  /** The relay drops a second message carrying an already seen Message-ID. */
  dedupesMessageId: boolean;
  maxConnections: number;
  timeoutMs: number;
}

export function createSmtpMailer(s: SmtpSettings): EmailSender {
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: s.requireTls,
    tls: { rejectUnauthorized: s.tlsRejectUnauthorized },
    auth: s.user ? { user: s.user, pass: s.password ?? '' } : undefined,
    pool: true,
    maxConnections: s.maxConnections,
    maxMessages: Infinity,
    connectionTimeout: s.timeoutMs,
    greetingTimeout: s.timeoutMs,
    socketTimeout: s.timeoutMs,
  });
  const domain = s.from.email.split('@')[1] ?? 'localhost';
  return {
    name: 'smtp',
    idempotent: s.dedupesMessageId,
    async send(msg: EmailMessage): Promise<SendResult> {
      try {
        const info = await transport.sendMail({
          from: { name: s.from.name, address: s.from.email },
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          html: msg.html,
          messageId: `<${msg.idempotencyKey}@${domain}>`,
          icalEvent: { method: msg.ics.method, filename: msg.ics.method === 'CANCEL' ? 'annulation.ics' : 'rendez-vous.ics', content: msg.ics.content },
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
        return { providerMessageId: info.messageId ?? null };
      } catch (err) {
        const e = err as { responseCode?: number; code?: string; message?: string };
        // SMTP 4xx replies and connection problems are transient; 5xx replies are final.
        const retryable = e.responseCode === undefined ? true : e.responseCode < 500;
        const code = e.responseCode ? `smtp_${e.responseCode}` : (e.code ?? 'smtp_error');
        throw new DeliveryError(`le serveur SMTP a refusé le message (${code})`, code, retryable);
      }
    },
    async close() { transport.close(); },
  };
}
