/**
 * What the Discord client does before a slash command leaves it: turning typed text such as
 * `/imagine a red circle --ar 3:2` or `/quota grant user:@bob credits:5` into the command, its
 * subcommand and typed options, checked against the definitions the bot registered.
 * Text before the first `name:` goes to the first option, as Discord fills the focused option.
 */
import { ApplicationCommandOptionType as T } from 'discord.js';

export interface DeclaredOption {
  type: number;
  name: string;
  description?: string;
  required?: boolean;
  choices?: { name: string; value: string | number }[];
  options?: DeclaredOption[];
}

export interface CommandDefinition {
  name: string;
  description?: string;
  options?: DeclaredOption[];
}

/**
 * A typed value, a mention to resolve (`@name`) for user, role and channel options, or the name
 * of the file an attachment option takes (the file itself travels beside the text).
 */
export type ParsedValue = string | number | boolean | { mention: string; type: number } | { attachment: string };

export interface ParsedCommand {
  name: string;
  subcommandGroup?: string;
  subcommand?: string;
  options: Record<string, ParsedValue>;
}

export class CommandTextError extends Error {
  override name = 'CommandTextError';
}

export function parseCommandText(text: string, commands: readonly CommandDefinition[]): ParsedCommand {
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(text.trim());
  if (!match) throw new CommandTextError('Commands start with /, e.g. /imagine a red circle');
  const [, name, rest] = match as unknown as [string, string, string];
  const command = commands.find((c) => c.name === name);
  if (!command) throw new CommandTextError(`Unknown command /${name}; the bot registered ${commands.map((c) => `/${c.name}`).join(' ')}`);
  const parsed: ParsedCommand = { name, options: {} };
  let options = command.options ?? [];
  let remaining = rest;
  let label = `/${name}`;
  // Subcommand groups and subcommands come first, by name, as in Discord's picker.
  const isNested = (o: DeclaredOption) => o.type === T.Subcommand || o.type === T.SubcommandGroup;
  while (options.some(isNested)) {
    const [word, after] = splitFirstWord(remaining);
    const chosen = options.find((o) => isNested(o) && o.name === word);
    if (!chosen) throw new CommandTextError(`${label} needs one of: ${options.filter(isNested).map((o) => o.name).join(', ')}${word ? ` (got "${word}")` : ''}`);
    if (chosen.type === T.SubcommandGroup) parsed.subcommandGroup = chosen.name;
    else parsed.subcommand = chosen.name;
    label += ` ${chosen.name}`;
    options = chosen.options ?? [];
    remaining = after;
  }
  for (const [option, raw] of splitOptions(remaining, options, label)) {
    parsed.options[option.name] = typedValue(option, raw, label);
  }
  return parsed;
}

function splitFirstWord(text: string): [string, string] {
  const m = /^(\S*)\s*([\s\S]*)$/.exec(text.trim())!;
  return [m[1]!, m[2]!];
}

/** Cuts the text at each `name:` of a declared option; leading text belongs to the first option. */
function splitOptions(text: string, options: readonly DeclaredOption[], label: string): Array<[DeclaredOption, string]> {
  if (!text.trim()) return [];
  const names = options.map((o) => o.name.replace(/[-]/g, '\\-')).join('|');
  const marker = names ? new RegExp(`(?:^|\\s)(${names}):`, 'g') : null;
  const cuts = marker ? [...text.matchAll(marker)] : [];
  const result: Array<[DeclaredOption, string]> = [];
  const leading = text.slice(0, cuts[0]?.index ?? text.length).trim();
  if (leading) {
    const first = options[0];
    if (!first) throw new CommandTextError(`${label} takes no options, got "${leading}"`);
    result.push([first, leading]);
  }
  cuts.forEach((cut, i) => {
    const option = options.find((o) => o.name === cut[1])!;
    const value = text.slice(cut.index! + cut[0].length, cuts[i + 1]?.index ?? text.length).trim();
    if (result.some(([o]) => o === option)) throw new CommandTextError(`${label}: ${option.name} is given twice`);
    result.push([option, value]);
  });
  return result;
}

function typedValue(option: DeclaredOption, raw: string, label: string): ParsedValue {
  const where = `${label} ${option.name}`;
  if (!raw) throw new CommandTextError(`${where}: no value given`);
  switch (option.type) {
    case T.Integer:
    case T.Number: {
      const n = Number(raw);
      if (!Number.isFinite(n) || (option.type === T.Integer && !Number.isInteger(n))) {
        throw new CommandTextError(`${where} must be ${option.type === T.Integer ? 'a whole number' : 'a number'}, got "${raw}"`);
      }
      return n;
    }
    case T.Boolean:
      if (raw !== 'true' && raw !== 'false') throw new CommandTextError(`${where} must be true or false, got "${raw}"`);
      return raw === 'true';
    case T.User:
    case T.Role:
    case T.Channel:
    case T.Mentionable:
      return { mention: raw.replace(/^[@#]/, ''), type: option.type };
    case T.Attachment:
      return { attachment: raw };
    default:
      return raw;
  }
}
