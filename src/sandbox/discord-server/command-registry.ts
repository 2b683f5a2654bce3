/**
 * Registered application commands (global and per guild), with the checks Discord applies on
 * registration, so a definition Discord would reject with 50035 is rejected in tests too.
 */
import { errors } from './api-error.ts';
import type { CommandRecord } from './records.ts';
import { nextSnowflake } from './snowflake.ts';
import type { World } from './world.ts';

const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Replaces the command set of one scope; a command keeps its id when its name and type persist, as on Discord. */
export function overwriteCommands(world: World, guildId: string | null, body: unknown): CommandRecord[] {
  if (!Array.isArray(body)) throw errors.invalidFormBody('_root', 'Expected an array of commands');
  const definitions = body.map((definition, i) => checkCommand(definition, String(i)));
  const names = definitions.map((d) => `${d.type ?? 1}:${String(d.name)}`);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw errors.invalidFormBody('_root', `Application command names must be unique (${duplicate})`);
  const previous = world.commands.filter((c) => c.guildId === guildId);
  const next = definitions.map((definition) => {
    const kept = previous.find((c) => c.definition.name === definition.name && (c.definition.type ?? 1) === (definition.type ?? 1));
    return { id: kept?.id ?? nextSnowflake(), guildId, version: nextSnowflake(), definition };
  });
  const others = world.commands.filter((c) => c.guildId !== guildId);
  world.commands.splice(0, world.commands.length, ...others, ...next);
  return next;
}

/** Creates or replaces one command by name (POST), leaving the others in place. */
export function upsertCommand(world: World, guildId: string | null, body: unknown): CommandRecord {
  const definition = checkCommand(body, '_root');
  const scope = world.commands.filter((c) => c.guildId === guildId && !(c.definition.name === definition.name && (c.definition.type ?? 1) === (definition.type ?? 1)));
  return overwriteCommands(world, guildId, [...scope.map((c) => c.definition), definition]).find((c) => c.definition.name === definition.name)!;
}

export function apiCommand(world: World, command: CommandRecord): Record<string, unknown> {
  return {
    type: 1,
    default_member_permissions: null,
    nsfw: false,
    contexts: null,
    integration_types: [0],
    ...command.definition,
    id: command.id,
    application_id: world.applicationId,
    version: command.version,
    ...(command.guildId ? { guild_id: command.guildId } : {}),
  };
}

function checkCommand(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw errors.invalidFormBody(path, 'Expected a command object');
  const command = value as Record<string, unknown>;
  const chatInput = (command.type ?? 1) === 1;
  checkName(command.name, `${path}.name`, chatInput);
  if (chatInput) checkDescription(command.description, `${path}.description`);
  if (command.options !== undefined) checkOptions(command.options, `${path}.options`);
  return command;
}

function checkName(name: unknown, path: string, lowercase: boolean): void {
  if (typeof name !== 'string' || !NAME.test(name) || (lowercase && name !== name.toLowerCase())) {
    throw errors.invalidFormBody(path, `Invalid name ${JSON.stringify(name)}: 1-32 lowercase letters, digits, - or _`);
  }
}

function checkDescription(description: unknown, path: string): void {
  if (typeof description !== 'string' || description.length < 1 || description.length > 100) {
    throw errors.invalidFormBody(path, 'Must be between 1 and 100 in length.');
  }
}

function checkOptions(options: unknown, path: string): void {
  if (!Array.isArray(options) || options.length > 25) throw errors.invalidFormBody(path, 'Must be an array of 25 or fewer options.');
  let optionalSeen = false;
  const names = new Set<string>();
  options.forEach((option: Record<string, unknown>, i) => {
    const at = `${path}.${i}`;
    checkName(option.name, `${at}.name`, true);
    checkDescription(option.description, `${at}.description`);
    if (names.has(option.name as string)) throw errors.invalidFormBody(`${at}.name`, 'Option names must be unique');
    names.add(option.name as string);
    // Subcommands (1) and groups (2) nest options; other types may not precede a required one with an optional.
    if (option.type === 1 || option.type === 2) {
      if (option.options !== undefined) checkOptions(option.options, `${at}.options`);
      return;
    }
    if (option.required === true && optionalSeen) throw errors.invalidFormBody(at, 'Required options must be placed before non-required options');
    if (option.required !== true) optionalSeen = true;
    if (Array.isArray(option.choices) && option.choices.length > 25) throw errors.invalidFormBody(`${at}.choices`, 'Must be 25 or fewer in length.');
  });
}
