/**
 * Local stand-ins for the outside world, for the demo (`npm start`), the tests and the bench: an SMTP server
 * (smtp-server) and an HTTP SMS sink on loopback that keep what they receive. Both recognise a message they
 * have already taken — by Message-ID for email, by Idempotency-Key for SMS — accept it again without
 * delivering it twice, and count it as a replay: that is how tests tell "resent after a crash, delivered once"
 * from "delivered twice".
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { countSmsSegments } from '../../../shared/src/notifications';
import { parseEmail, type ParsedEmail } from './mime';

export interface SinkEmail extends ParsedEmail { raw: string; receivedAt: Date; envelopeTo: string[] }
export interface SinkSms { id: string; to: string; text: string; sender: string; key: string | null; segments: number; receivedAt: Date }

/** What the sinks received, shared by the outbox page, tests and the bench. */
export class Outbox {
  readonly emails: SinkEmail[] = [];
  readonly sms: SinkSms[] = [];
  /** Deliveries per idempotency key / Message-ID (1 = delivered once). */
  readonly emailKeys = new Map<string, number>();
  readonly smsKeys = new Map<string, number>();
  emailReplays = 0;
  smsReplays = 0;
  /** Keys that were sent again after delivery (each must belong to an in-doubt send). */
  readonly emailReplayKeys: string[] = [];
  readonly smsReplayKeys: string[] = [];
  /** Keep at most this many messages in memory for display (counters are kept for all). */
  constructor(readonly keep = 1000) {}
  clear() {
    this.emails.length = 0; this.sms.length = 0; this.emailKeys.clear(); this.smsKeys.clear();
    this.emailReplays = 0; this.smsReplays = 0; this.emailReplayKeys.length = 0; this.smsReplayKeys.length = 0;
  }
  trim() {
    if (this.emails.length > this.keep) this.emails.splice(0, this.emails.length - this.keep);
    if (this.sms.length > this.keep) this.sms.splice(0, this.sms.length - this.keep);
  }
}

export interface SmtpSinkOptions { host?: string; port?: number; outbox?: Outbox; dedupe?: boolean; user?: string; password?: string }

export interface SmtpSink {
  port: number;
  outbox: Outbox;
  /** The next `n` messages get this SMTP reply code (e.g. 451 transient, 550 permanent). */
  rejectNext(n: number, code: number): void;
  stop(): Promise<void>;
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const outbox = opts.outbox ?? new Outbox();
  const dedupe = opts.dedupe ?? true;
  let reject = { n: 0, code: 451 };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: opts.user ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.user,
    allowInsecureAuth: true,
    logger: false,
    size: 5 * 1024 * 1024,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.password) cb(null, { user: auth.username });
      else cb(new Error('Identifiants invalides'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (reject.n > 0) {
          reject.n -= 1;
          const err = new Error(reject.code >= 500 ? 'Boîte inexistante' : 'Réessayez plus tard') as Error & { responseCode: number };
          err.responseCode = reject.code;
          cb(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parseEmail(raw);
        const key = parsed.messageId ?? `no-id-${outbox.emails.length}`;
        const seen = outbox.emailKeys.get(key) ?? 0;
        if (dedupe && seen > 0) {
          outbox.emailReplays += 1;
          outbox.emailReplayKeys.push(key);
        } else {
          outbox.emailKeys.set(key, seen + 1);
          outbox.emails.push({ ...parsed, raw, receivedAt: new Date(), envelopeTo: session.envelope.rcptTo.map((r) => r.address) });
          outbox.trim();
        }
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject2) => {
    server.once('error', reject2);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  server.on('error', () => {}); // a client dropping its connection must not crash the demo
  const port = ((server as unknown as { server: http.Server }).server.address() as AddressInfo).port;
  return {
    port,
    outbox,
    rejectNext(n, code) { reject = { n, code }; },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface SmsSinkOptions { host?: string; port?: number; outbox?: Outbox; delayMs?: number }

export interface SmsSink {
  port: number;
  /** POST here: {to, text, sender, reference}; header Idempotency-Key. */
  url: string;
  outbox: Outbox;
  /** The next `n` requests get this HTTP status (e.g. 503, 400). */
  failNext(n: number, status: number): void;
  /** Every request seen, replays included (for tests). */
  requests: number;
  stop(): Promise<void>;
}

export async function startSmsSink(opts: SmsSinkOptions = {}): Promise<SmsSink> {
  const outbox = opts.outbox ?? new Outbox();
  let fail = { n: 0, status: 503 };
  const ids = new Map<string, string>();
  let counter = 0;
  const sink: SmsSink = {
    port: 0, url: '', outbox, requests: 0,
    failNext(n, status) { fail = { n, status }; },
    stop: async () => {},
  };
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/sms') return send(200, outbox.sms);
    if (req.method !== 'POST' || req.url !== '/sms') return send(404, { code: 'not_found' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = () => {
        sink.requests += 1;
        if (fail.n > 0) {
          fail.n -= 1;
          return send(fail.status, { code: fail.status >= 500 ? 'unavailable' : 'invalid_parameter', message: 'refusé par le bac à SMS' });
        }
        let body: { to?: string; text?: string; sender?: string; reference?: string };
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { return send(400, { code: 'invalid_json' }); }
        if (!body.to || !/^\+\d{8,15}$/.test(body.to) || !body.text) return send(400, { code: 'invalid_parameter', message: 'to (E.164) et text requis' });
        const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
        if (key && ids.has(key)) {
          outbox.smsReplays += 1;
          outbox.smsReplayKeys.push(key);
          return send(200, { id: ids.get(key), replayed: true });
        }
        const id = `sink-${++counter}`;
        if (key) { ids.set(key, id); outbox.smsKeys.set(key, (outbox.smsKeys.get(key) ?? 0) + 1); }
        outbox.sms.push({ id, to: body.to, text: body.text, sender: body.sender ?? '', key, segments: countSmsSegments(body.text).segments, receivedAt: new Date() });
        outbox.trim();
        return send(201, { id });
      };
      if (opts.delayMs) setTimeout(reply, opts.delayMs); else reply();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  sink.port = port;
  sink.url = `http://${opts.host ?? '127.0.0.1'}:${port}/sms`;
  sink.stop = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return sink;
}
