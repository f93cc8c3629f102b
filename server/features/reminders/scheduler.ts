// Runs the reminder pass inside the app every REMINDER_MINUTES (started by server/main.ts, so never in tests unless a
// test starts it), or once from `npm run cli -- notices run`. A pass that fails is logged and the next one runs as
// usual: the scheduler never ends the server. Its timers are unref'd, so they never keep a process alive.
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { createMailer, type Mailer } from './mail.ts';
import { runReminderPass, type PassReport } from './pass.ts';

type Log = Pick<FastifyBaseLogger, 'info' | 'error'>;
type SchedulerConfig = Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'PUBLIC_URL' | 'PORT' | 'REMINDER_MINUTES'>;

export const EMAIL_OFF_MESSAGE = 'Notices by email are off (SMTP_URL and MAIL_FROM are not both set): notices stay in the app.';

export interface SchedulerOptions {
  /** How long after start the first pass runs (default a minute: after the first requests, not during start-up). */
  firstDelayMs?: number;
  /** Tests: the pass to run in place of runReminderPass. */
  pass?: (db: Kysely<DB>, now: Date, options: { mailer: Mailer | null }) => Promise<PassReport>;
}

export function startReminderScheduler(db: Kysely<DB>, config: SchedulerConfig, log: Log, options: SchedulerOptions = {}) {
  const mailer = createMailer(config);
  if (!mailer) log.info(EMAIL_OFF_MESSAGE);
  const pass = options.pass ?? runReminderPass;
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return; // a slow pass is not overlapped by the next
    running = (async () => {
      try {
        const report = await pass(db, new Date(), { mailer });
        if (report.queued || report.sent || report.failed || report.digests) log.info({ reminders: report }, 'reminder pass');
      } catch (error) {
        log.error({ err: error }, 'the reminder pass failed; it runs again at the next interval');
      } finally {
        running = null;
      }
    })();
  };
  const timers: NodeJS.Timeout[] = [];
  if (config.REMINDER_MINUTES > 0) {
    timers.push(setTimeout(tick, options.firstDelayMs ?? 60_000).unref());
    timers.push(setInterval(tick, config.REMINDER_MINUTES * 60_000).unref());
  } else {
    log.info('The reminder scheduler is off (REMINDER_MINUTES=0): run `npm run cli -- notices run` from cron.');
  }
  return {
    /** Stops the timers and waits for a pass in progress, before the database is closed. */
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await running;
      mailer?.close();
    },
  };
}

/** `npm run cli -- notices run`: one pass, and what it did. */
export async function runNoticesCommand(db: Kysely<DB>, config: SchedulerConfig, now = new Date()): Promise<string[]> {
  const mailer = createMailer(config);
  try {
    const report = await runReminderPass(db, now, { mailer });
    return [
      ...(mailer ? [] : [EMAIL_OFF_MESSAGE]),
      `Queued ${report.queued} new ${report.queued === 1 ? 'notice' : 'notices'}.`,
      ...(mailer ? [`Sent ${report.sent} ${report.sent === 1 ? 'email' : 'emails'} and ${report.digests} weekly ${report.digests === 1 ? 'digest' : 'digests'}; ${report.failed} failed (tried again later).`] : []),
    ];
  } finally {
    mailer?.close();
  }
}
