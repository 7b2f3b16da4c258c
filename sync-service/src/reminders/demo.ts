/**
 * The demo outbox: `npm start` runs a local SMTP server and SMS sink (startDemoSinks) and the service shows
 * what they received at /dev/outbox, so a newcomer can watch a reminder go out. Never for production.
 */
import { Router, type Request, type Response } from 'express';
import { escapeHtml } from '../../../shared/src/notifications';
import { Outbox, startSmsSink, startSmtpSink, type SmsSink, type SmtpSink } from './sinks';

export interface DemoSinks {
  smtp: SmtpSink;
  sms: SmsSink;
  outbox: Outbox;
  /** Environment variables pointing the reminders at these sinks: merge them before loadRemindersConfig. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDemoSinks(opts: { smtpPort?: number; smsPort?: number; host?: string } = {}): Promise<DemoSinks> {
  const outbox = new Outbox();
  const host = opts.host ?? '127.0.0.1';
  const smtp = await startSmtpSink({ host, port: opts.smtpPort, outbox });
  const sms = await startSmsSink({ host, port: opts.smsPort, outbox });
  return {
    smtp, sms, outbox,
    env: {
      SMTP_HOST: host,
      SMTP_PORT: String(smtp.port),
      SMTP_SECURE: 'false',
      SMTP_FROM: 'Prise de RDV (démo) <rdv@demo.localhost>',
      SMTP_DEDUPES_MESSAGE_ID: 'true',
      SMS_PROVIDER: 'http',
      SMS_HTTP_NAME: 'sink',
      SMS_HTTP_URL: sms.url,
      SMS_HTTP_IDEMPOTENCY_HEADER: 'Idempotency-Key',
      SMS_SENDER: 'RDV-DEMO',
    },
    async stop() { await Promise.all([smtp.stop(), sms.stop()]); },
  };
}

function page(outbox: Outbox): string {
  const emails = [...outbox.emails].reverse().slice(0, 200);
  const sms = [...outbox.sms].reverse().slice(0, 200);
  const time = (d: Date) => d.toLocaleString('fr-FR', { timeZone: 'Europe/Paris' });
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Messages envoyés (démo)</title>
<style>body{font-family:Arial,sans-serif;margin:24px;color:#161616}table{border-collapse:collapse;width:100%;margin-bottom:32px}
th,td{border:1px solid #ccc;padding:6px;text-align:left;vertical-align:top}pre{white-space:pre-wrap;margin:0}</style></head>
<body><h1>Messages envoyés (démo)</h1>
<p>Ce que le serveur SMTP local et le bac à SMS local ont reçu. La page se recharge toutes les 5 secondes.
SMS : ${outbox.sms.length} (renvois ignorés : ${outbox.smsReplays}) · e-mails : ${outbox.emails.length} (renvois ignorés : ${outbox.emailReplays}).</p>
<h2>SMS</h2>
<table><thead><tr><th scope="col">Reçu</th><th scope="col">Destinataire</th><th scope="col">Expéditeur</th><th scope="col">Texte</th><th scope="col">Segments</th></tr></thead><tbody>
${sms.map((m) => `<tr><td>${time(m.receivedAt)}</td><td>${escapeHtml(m.to)}</td><td>${escapeHtml(m.sender)}</td><td>${escapeHtml(m.text)}</td><td>${m.segments}</td></tr>`).join('\n') || '<tr><td colspan="5">Aucun SMS pour l\'instant.</td></tr>'}
</tbody></table>
<h2>E-mails</h2>
<table><thead><tr><th scope="col">Reçu</th><th scope="col">Destinataire</th><th scope="col">Objet</th><th scope="col">Texte</th><th scope="col">Agenda</th></tr></thead><tbody>
${emails.map((m) => `<tr><td>${time(m.receivedAt)}</td><td>${escapeHtml(m.envelopeTo.join(', '))}</td><td>${escapeHtml(m.subject)}</td><td><pre>${escapeHtml(m.text ?? '')}</pre></td><td>${m.calendars[0]?.method ?? '—'}</td></tr>`).join('\n') || '<tr><td colspan="5">Aucun e-mail pour l\'instant.</td></tr>'}
</tbody></table></body></html>`;
}

/** Mount at /dev/outbox: GET / (HTML page), GET /messages.json. */
export function outboxRouter(sinks: Pick<DemoSinks, 'outbox'>): Router {
  const router = Router();
  router.get('/', (_req: Request, res: Response) => { res.type('html').send(page(sinks.outbox)); });
  router.get('/messages.json', (_req: Request, res: Response) => {
    res.json({
      sms: sinks.outbox.sms,
      emails: sinks.outbox.emails.map(({ raw: _raw, ...m }) => m),
      replays: { sms: sinks.outbox.smsReplays, email: sinks.outbox.emailReplays },
    });
  });
  return router;
}
