/**
 * Every command module in commands/, loaded once: the router runs them, deploy-commands registers
 * them. Discord fixes an option's choices when commands are registered, so the models offered are
 * those configured then (register again after changing MODELS).
 */
import * as cancel from '../../commands/cancel.ts';
import * as diffuse from '../../commands/diffuse.ts';
import * as help from '../../commands/help.ts';
import * as history from '../../commands/history.ts';
import * as imagine from '../../commands/imagine.ts';
import * as info from '../../commands/info.ts';
import * as mod from '../../commands/mod.ts';
import * as queue from '../../commands/queue.ts';
import * as quota from '../../commands/quota.ts';
import * as settings from '../../commands/settings.ts';
import * as show from '../../commands/show.ts';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Config } from '../config/config.ts';
import type { Command } from './bot-context.ts';

export const COMMANDS: readonly Command[] = [imagine, cancel, queue, history, info, help, quota, mod, show, settings, diffuse];

export function commandByName(name: string): Command | undefined {
  return COMMANDS.find((c) => c.data.name === name);
}

/** What `npm run deploy-commands` registers: every command, with the configured models as choices. */
export function commandDefinitions(config: Pick<Config, 'models'>): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const names = config.models.list.map((m) => m.name);
  return COMMANDS.map((c) => (c.dataFor ? c.dataFor(names) : c.data).toJSON());
}
