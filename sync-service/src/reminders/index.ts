/**
 * Entry point of the reminders feature for the service's main:
 *   const reminders = await startReminders({ pool, logger, config: loadRemindersConfig() });
 *   … on SIGTERM: await reminders.stop();
 * It hooks scheduling into RDV changes (in every process) and runs the worker (when config.worker.enabled).
 */
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { createSmtpMailer } from './mailer-smtp';
import { createBrevoSmsProvider } from './sms-brevo';
import { createHttpSmsProvider } from './sms-http';
import { registerReminderScheduling } from './schedule';
import { createReminderWorker, type ReminderWorker } from './worker';
import type { RemindersConfig } from './config';
import type { EmailSender, SmsProvider } from './providers';

export { loadRemindersConfig, RemindersConfigError, type RemindersConfig } from './config';
export { registerReminderScheduling, scheduleForChange } from './schedule';
export { listReceipts, listScheduledMessages } from './receipts';
export { startDemoSinks, outboxRouter, type DemoSinks } from './demo';
export { createReminderWorker } from './worker';

export interface StartRemindersOptions {
  pool: Pool;
  logger: Logger;
  config: RemindersConfig;
  /** For LISTEN on the queue channel: a message scheduled for now wakes the worker at once. */
  databaseUrl?: string;
  /** Business clock, for tests and the demo; defaults to the wall clock. */
  now?: () => Date;
}

export interface RunningReminders {
  worker: ReminderWorker | null;
  stop(): Promise<void>;
}

export function createSmsProvider(config: RemindersConfig): SmsProvider | null {
  if (config.sms.provider === 'brevo' && config.sms.brevo) return createBrevoSmsProvider(config.sms.brevo);
  if (config.sms.provider === 'http' && config.sms.http) return createHttpSmsProvider(config.sms.http);
  return null;
}

export async function startReminders(opts: StartRemindersOptions): Promise<RunningReminders> {
  const unregister = registerReminderScheduling();
  const { config, logger } = opts;
  if (!config.worker.enabled) {
    logger.info('reminders: scheduling on, worker off in this process (REMINDERS_WORKER=false)');
    return { worker: null, async stop() { unregister(); } };
  }
  const mailer: EmailSender | null = config.smtp ? createSmtpMailer(config.smtp) : null;
  const sms = createSmsProvider(config);
  const worker = createReminderWorker({
    pool: opts.pool,
    logger,
    mailer,
    sms,
    smsSender: config.sms.sender,
    emailFrom: config.smtp?.from ?? { name: 'Prise de rendez-vous', email: 'no-reply@invalid' },
    settings: config.worker,
    now: opts.now,
    databaseUrl: opts.databaseUrl,
  });
  worker.start();
  logger.info({ sms: sms?.name ?? 'none', email: mailer ? 'smtp' : 'none' }, 'reminders: worker started');
  return {
    worker,
    async stop() {
      await worker.stop();
      await mailer?.close?.();
      unregister();
    },
  };
}
