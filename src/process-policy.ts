/**
 * What `npm start` does with a failure that nothing else handled (an unhandled rejection, an
 * uncaught exception) and with SIGINT/SIGTERM. Node 20 would end the process at once on either
 * failure, mid-write, with nothing logged but a stack.
 *
 * The policy:
 * - A rejected Discord request that nobody awaited (DiscordAPIError, HTTPError, RateLimitError)
 *   means a message was not sent or edited. The database and the queue are as they were, so it
 *   is logged and the bot carries on.
 * - Anything else leaves the process in a state nobody planned for (Node's own advice for
 *   uncaught exceptions is to not resume), so the bot stops gracefully: no new work starts,
 *   unfinished jobs stay queued/running in the database for the next start to resume (the
 *   instance lock is released too), and the process exits with code 1 for a supervisor
 *   (systemd, Docker, pm2) to restart it.
 * Logs carry the kind of failure and the error, with the bot token and interaction tokens taken out.
 */
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import type { EventEmitter } from 'node:events';

export interface ProcessPolicyOptions {
  log: (message: string) => void;
  /** Ends the process; `process.exit` in production. */
  exit: (code: number) => void;
  /** Secrets that must never reach a log (the bot token). */
  secrets?: readonly string[];
  /** How long a graceful stop may take before the process exits anyway. @default 30000 */
  stopTimeoutMs?: number;
  /** Where the events come from. @default process */
  target?: EventEmitter;
}

export interface ProcessPolicy {
  /** The graceful stop of the running bot; until it is set, a fatal failure just exits. */
  setStop(stop: () => Promise<void>): void;
  /** Something made the state doubtful: log, stop gracefully, exit 1. */
  fatal(what: string, err: unknown): void;
  /** An orderly stop (a signal): stop gracefully, exit with `code`. */
  shutdown(reason: string, code?: number): void;
  uninstall(): void;
}

/** Interaction tokens ride in webhook and callback paths; error stacks and messages may quote them. */
const TOKEN_PATHS = /\/(webhooks|interactions)\/(\d+)\/[\w.-]{20,}/g;

export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(TOKEN_PATHS, '/$1/$2/***');
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

/** A Discord request that failed: nothing but that message is lost. */
export function isDiscordRequestFailure(err: unknown): boolean {
  return err instanceof DiscordAPIError || err instanceof HTTPError || err instanceof RateLimitError;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return `a non-error value: ${String(err)}`;
}

export function installProcessPolicy(options: ProcessPolicyOptions): ProcessPolicy {
  const target = options.target ?? process;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const log = (message: string) => options.log(redactSecrets(message, options.secrets));
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;

  const shutdown = (reason: string, code = 0) => {
    if (stopping) {
      log(`${reason} while already stopping; still waiting for the stop to finish`);
      return;
    }
    stopping = true;
    log(`${reason}: stopping; unfinished jobs stay in the database and resume on the next start`);
    const timer = setTimeout(() => {
      log(`the stop took longer than ${stopTimeoutMs} ms; exiting anyway (unfinished jobs resume on the next start)`);
      options.exit(code || 1);
    }, stopTimeoutMs);
    (stop ?? (async () => {}))().then(
      () => {
        clearTimeout(timer);
        options.exit(code);
      },
      (err: unknown) => {
        clearTimeout(timer);
        log(`the stop failed: ${describe(err)}`);
        options.exit(code || 1);
      },
    );
  };

  const fatal = (what: string, err: unknown) => {
    log(`${what}: ${describe(err)}`);
    shutdown(`${what}, the bot's state is in doubt`, 1);
  };

  const onRejection = (reason: unknown) => {
    if (isDiscordRequestFailure(reason)) {
      log(`a Discord request failed and nothing handled it (a message was not sent or edited; carrying on): ${describe(reason)}`);
      return;
    }
    fatal('unhandled promise rejection', reason);
  };
  const onException = (err: unknown) => fatal('uncaught exception', err);

  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return {
    setStop(fn) {
      stop = fn;
    },
    fatal,
    shutdown,
    uninstall() {
      target.off('unhandledRejection', onRejection);
      target.off('uncaughtException', onException);
    },
  };
}
