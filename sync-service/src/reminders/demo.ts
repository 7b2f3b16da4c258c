/**
 * The demo outbox: `npm start` runs a local SMTP server and SMS sink (startDemoSinks) and the service shows
 * what they received at /dev/outbox, so a newcomer can watch a reminder go out. Never for production.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
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

/**
 * The page is a shell without data: its script asks for the agent's token (the one `npm start` prints), keeps it
 * in sessionStorage (gone when the tab closes) and fetches the messages with it every 5 seconds. Messages are
 * written with textContent, never as HTML, and the page's CSP allows no inline code.
 */
function page(base: string): string {
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Messages envoyés (démo)</title>
<link rel="stylesheet" href="${base}/outbox.css"><script src="${base}/outbox.js" defer></script></head>
<body><main id="outbox" data-messages="${base}/messages.json"><h1>Messages envoyés (démo)</h1>
<p>Ce que le serveur SMTP local et le bac à SMS local ont reçu. La liste se met à jour toutes les 5 secondes.</p>
<form id="sign-in" method="post" hidden><label for="token">Jeton d'accès d'un agent (affiché par <code>npm start</code>)</label>
<input id="token" type="password" autocomplete="off" required> <button type="submit">Afficher les messages</button></form>
<p id="status" role="status"></p>
<div id="messages" hidden><p id="counts"></p>
<h2>SMS</h2><table><thead><tr><th scope="col">Reçu</th><th scope="col">Destinataire</th><th scope="col">Expéditeur</th><th scope="col">Texte</th><th scope="col">Segments</th></tr></thead><tbody id="sms"></tbody></table>
<h2>E-mails</h2><table><thead><tr><th scope="col">Reçu</th><th scope="col">Destinataire</th><th scope="col">Objet</th><th scope="col">Texte</th><th scope="col">Agenda</th></tr></thead><tbody id="emails"></tbody></table>
<button id="sign-out" type="button">Oublier le jeton</button></div></main></body></html>`;
}

const STYLE = `body{font-family:Arial,sans-serif;margin:24px;color:#161616}table{border-collapse:collapse;width:100%;margin-bottom:32px}
th,td{border:1px solid #ccc;padding:6px;text-align:left;vertical-align:top}td.text{white-space:pre-wrap}input{width:40em;max-width:100%}`;

const SCRIPT = `'use strict';
(() => {
  const KEY = 'rdv-outlook.demo-outbox-token';
  const $ = (id) => document.getElementById(id);
  const url = $('outbox').dataset.messages;
  const time = (iso) => new Date(iso).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' });
  const signIn = (message) => {
    sessionStorage.removeItem(KEY);
    $('messages').hidden = true;
    $('sign-in').hidden = false;
    $('status').textContent = message;
  };
  const fill = (tbody, rows, empty) => {
    tbody.replaceChildren(...(rows.length ? rows : [[empty]]).map((cells) => {
      const tr = document.createElement('tr');
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = String(c);
        if (cells.length === 1) td.colSpan = 5; else td.className = 'text';
        tr.append(td);
      }
      return tr;
    }));
  };
  async function refresh() {
    const token = sessionStorage.getItem(KEY);
    if (!token) return signIn('');
    let res;
    try {
      res = await fetch(url, { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
    } catch {
      $('status').textContent = 'Service injoignable, nouvel essai dans 5 secondes.';
      return;
    }
    if (res.status === 401 || res.status === 403) return signIn('Jeton refusé ou expiré : collez un jeton valide.');
    if (!res.ok) { $('status').textContent = 'Erreur ' + res.status + ', nouvel essai dans 5 secondes.'; return; }
    const data = await res.json();
    $('sign-in').hidden = true;
    $('messages').hidden = false;
    $('status').textContent = '';
    $('counts').textContent = 'SMS : ' + data.sms.length + ' (renvois ignorés : ' + data.replays.sms + ') · e-mails : ' + data.emails.length + ' (renvois ignorés : ' + data.replays.email + ').';
    fill($('sms'), data.sms.slice().reverse().slice(0, 200).map((m) => [time(m.receivedAt), m.to, m.sender, m.text, m.segments]), "Aucun SMS pour l'instant.");
    fill($('emails'), data.emails.slice().reverse().slice(0, 200).map((m) => [time(m.receivedAt), m.envelopeTo.join(', '), m.subject, m.text || '', (m.calendars[0] && m.calendars[0].method) || '—']), "Aucun e-mail pour l'instant.");
  }
  $('sign-in').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, $('token').value.trim().replace(/^Bearer\\s+/i, ''));
    $('token').value = '';
    void refresh();
  });
  $('sign-out').addEventListener('click', () => signIn(''));
  void refresh();
  setInterval(refresh, 5000);
})();
`;

/**
 * Mount at /dev/outbox: GET / (the page), /outbox.js, /outbox.css (no data), and GET /messages.json behind
 * `requireAgent` (the API's authentication: the demo sign-in).
 */
export function outboxRouter(sinks: Pick<DemoSinks, 'outbox'>, requireAgent: RequestHandler): Router {
  const router = Router();
  router.get('/', (req: Request, res: Response) => { res.type('html').send(page(req.baseUrl)); });
  router.get('/outbox.js', (_req: Request, res: Response) => { res.type('text/javascript').send(SCRIPT); });
  router.get('/outbox.css', (_req: Request, res: Response) => { res.type('text/css').send(STYLE); });
  router.get('/messages.json', requireAgent, (_req: Request, res: Response) => {
    res.json({
      sms: sinks.outbox.sms,
      emails: sinks.outbox.emails.map(({ raw: _raw, ...m }) => m),
      replays: { sms: sinks.outbox.smsReplays, email: sinks.outbox.emailReplays },
    });
  });
  return router;
}
