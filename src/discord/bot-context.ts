/** What command handlers get: the services, and the Discord-side helpers they share. */
import type { ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Config } from '../config/config.ts';
import type { InferenceStatus } from '../services/inference.ts';
import type { JobService } from '../services/job-service.ts';
import type { MemberSettingsService } from '../services/member-settings.ts';
import type { ModerationService } from '../services/moderation-service.ts';
import type { QuotaService } from '../services/quota-service.ts';
import type { JobAsk } from '../services/job-requests.ts';
import type { AnyInteraction } from './job-submission.ts';

export interface BotContext {
  config: Config;
  jobs: JobService;
  quota: QuotaService;
  moderation: ModerationService;
  settings: MemberSettingsService;
  /** Where jobs run: this process's slots, or the workers alive (/info, /mod workers). */
  inferenceStatus(): InferenceStatus;
  /** Start a job for the member behind an interaction: validation, defer, queue, presenter. Answers whether one was queued. */
  submitJob(interaction: AnyInteraction, ask: JobAsk | (() => Promise<JobAsk>)): Promise<boolean>;
}

type CommandData = { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };

/** One module per command in commands/: its definition and its handler. */
export interface Command {
  data: CommandData;
  /** The definition registered with Discord when it offers the configured models as choices. */
  dataFor?(models: readonly string[]): CommandData;
  /**
   * Commands that read or write the database are acknowledged by the router before `execute`
   * runs (Discord's 3 seconds), and answer with `answer()` (src/discord/acknowledge.ts); a public
   * one edits its reply itself, and its UserErrors replace that reply with a private message.
   */
  defer?: 'ephemeral' | 'public';
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
}
