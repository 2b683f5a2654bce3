/**
 * The real bot (real discord.js client, real SQLite file, the embedded ONNX model) against the
 * local Discord-compatible server. Each harness has its own database and image folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBot, type RunningBot, type StartOptions } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { botEnvironment, registerCommands } from './bot-environment.ts';
import { EngineGate } from './engine-gate.ts';
import { FakeDiscord, type FakeDiscordOptions, type InteractionHandle, type MessageRecord } from '../../src/sandbox/discord-server/index.ts';
import { embeddedPipeline } from './model.ts';

export interface Harness {
  discord: FakeDiscord;
  bot: RunningBot;
  config: Config;
  dir: string;
  /** The real engine every start of this bot uses, which a test can hold at a step (see EngineGate). */
  engine: EngineGate;
  /** Stop the bot as a crash would and start a new one on the same database and images. */
  restart(options?: StartOptions): Promise<RunningBot>;
  close(): Promise<void>;
  logs: string[];
}

export async function startHarness(
  env: Record<string, string> = {},
  options: {
    discord?: FakeDiscordOptions;
    bot?: StartOptions;
    /** The configuration the commands were registered with, when it is not the bot's (an older deploy). */
    registered?: Pick<Config, 'models'>;
  } = {},
): Promise<Harness> {
  const discord = await FakeDiscord.start(options.discord);
  const dir = mkdtempSync(path.join(tmpdir(), 'bot-test-'));
  const config = loadConfig({ ...botEnvironment(discord, dir), ...env });
  await registerCommands(discord, discord.guild.id, options.registered ?? config);
  const logs: string[] = [];
  const log = (m: string, err?: unknown) => void logs.push(`${m}${err ? `: ${(err as Error).message ?? err}` : ''}`);
  const engine = new EngineGate(await embeddedPipeline());
  const start = (extra?: StartOptions) => startBot(config, { pipeline: engine.pipeline, log, ...options.bot, ...extra });
  const harness: Harness = {
    discord,
    config,
    dir,
    engine,
    logs,
    bot: await start(),
    async restart(extra) {
      await harness.bot.stop();
      harness.bot = await start(extra);
      return harness.bot;
    },
    async close() {
      await harness.bot.stop();
      await discord.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Custom ids of a message's buttons, row by row. */
export function buttonIds(components: unknown[]): string[][] {
  return (components as Array<{ components: Array<{ custom_id: string }> }>).map((row) => row.components.map((b) => b.custom_id));
}

/**
 * The job whose result is this message. The bot records the message id just after posting it,
 * so a test that has just seen the message waits for the record too.
 */
export async function jobOf(h: Harness, messageId: string) {
  return h.discord.waitFor(() => h.bot.store.jobs.findByResultMessage(messageId));
}

/** A message that shows a job's result (its picture, grid or film). */
export const hasImage = (m: MessageRecord) => m.attachments.some((a) => a.filename.startsWith('job-'));

/** How an /imagine ended: its result, or the refusal the member read. */
export function imagineOutcome(h: Harness, cmd: InteractionHandle): Promise<{ result?: MessageRecord; refusal?: MessageRecord }> {
  return h.discord.waitFor(
    () => {
      if (cmd.followups[0]) return { refusal: cmd.followups[0] };
      if (cmd.original && hasImage(cmd.original)) return { result: cmd.original };
      return undefined;
    },
    { timeoutMs: 120_000 },
  );
}

/** Every button of a message, in row order, with its id and label. */
export function buttonsOf(m: MessageRecord): Array<{ custom_id: string; label: string }> {
  return (m.components as Array<{ components: Array<{ custom_id: string; label: string }> }>).flatMap((r) => r.components);
}

/** A member's reservations in the harness's server: one per job charged, newest first. */
export async function reservations(h: Harness, user: { id: string }) {
  return (await h.bot.store.ledger.history(h.discord.guild.id, user.id, { limit: 100 })).filter((e) => e.reason === 'reserve');
}
