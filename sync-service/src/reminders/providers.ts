/**
 * The two small interfaces every delivery adapter implements (one adapter per file: mailer-smtp.ts,
 * sms-brevo.ts, sms-http.ts), and the one error type they throw. No SDK type leaks past these.
 */

export interface SmsMessage {
  /** E.164. */
  to: string;
  /** GSM-7 text, one segment by default. */
  text: string;
  /** Alphanumeric sender shown on the phone (11 characters max). */
  sender: string;
  /** Stable across every attempt of one message: providers that honour it never deliver it twice. */
  idempotencyKey: string;
}

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  ics: { method: 'PUBLISH' | 'CANCEL'; content: string };
  /** Stable across every attempt: becomes the Message-ID. */
  idempotencyKey: string;
}

export interface SendResult { providerMessageId: string | null }

export interface SmsProvider {
  /** Recorded on receipts ("brevo", "http", "sink"). */
  readonly name: string;
  /**
   * True when a second send with the same idempotency key is guaranteed not to reach the usager again. Only
   * then does the worker retry a send it may already have made before a crash ("in doubt").
   */
  readonly idempotent: boolean;
  send(msg: SmsMessage): Promise<SendResult>;
  close?(): Promise<void>;
}

export interface EmailSender {
  readonly name: string;
  readonly idempotent: boolean;
  send(msg: EmailMessage): Promise<SendResult>;
  close?(): Promise<void>;
}

/**
 * A provider refused or could not take a message. `retryable`: worth trying again later (network, timeout,
 * 429, 5xx, SMTP 4xx); otherwise the message is marked failed at once (bad number, bad credentials, SMTP 5xx).
 */
export class DeliveryError extends Error {
  constructor(message: string, readonly code: string, readonly retryable: boolean) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Maps an HTTP status to retryable or not: 408, 425, 429 and 5xx are transient. */
export function httpStatusRetryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Wraps a fetch failure (DNS, refused connection, timeout) as a retryable DeliveryError. */
export function networkError(provider: string, err: unknown): DeliveryError {
  const e = err as { name?: string; message?: string; cause?: { code?: string } };
  const code = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : (e.cause?.code ?? 'network');
  return new DeliveryError(`${provider} injoignable (${code})`, code, true);
}
