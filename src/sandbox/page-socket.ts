/**
 * The page's WebSocket: on connect it gets the servers, personas, registered commands and every
 * message; then each message change as it happens, and the modals the bot answers this page's
 * clicks with. What the page sends back are the acts of a Discord user (a slash command typed as
 * text, with files for its attachment options; a button click; a modal submitted; a reaction),
 * which go through the Discord server's own dispatch, so the bot receives the same
 * INTERACTION_CREATE and MESSAGE_REACTION_ADD payloads as from Discord.
 */
import { ApplicationCommandOptionType as T } from 'discord.js';
import type { WebSocket } from 'ws';
import { CommandTextError, parseCommandText, type CommandDefinition, type ParsedValue } from './command-text.ts';
import type { FakeDiscord, InteractionHandle, OptionValue } from './discord-server/index.ts';
import { messageView } from './message-view.ts';
import type { SandboxServer, SandboxWorld } from './sandbox-world.ts';

/** A file the page attaches to an attachment option, base64 over the socket. */
interface PageFile {
  option: string;
  filename: string;
  contentType?: string;
  base64: string;
}

type PageAction =
  | { action: 'command'; guildId: string; userId: string; text: string; files?: PageFile[] }
  | { action: 'say'; guildId: string; userId: string; text: string }
  | { action: 'click'; messageId: string; customId: string; userId: string }
  | { action: 'submit-modal'; interactionId: string; values: Record<string, string> }
  | { action: 'react' | 'unreact'; messageId: string; emoji: string; userId: string };

/** What the page needs to show a modal as Discord's client does: its title and text inputs, prefilled. */
export interface ModalView {
  interactionId: string;
  userId: string;
  title: string;
  inputs: Array<{ customId: string; label: string; style: number; value: string; required: boolean; maxLength?: number }>;
}

export function servePageSocket(socket: WebSocket, discord: FakeDiscord, world: SandboxWorld): void {
  const send = (data: unknown) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(data));
  /** Modals shown on this page and not yet submitted, by interaction id. */
  const modals = new Map<string, InteractionHandle>();
  send({
    type: 'hello',
    bot: { id: discord.botUser.id, name: discord.botUser.username },
    personas: world.personas,
    servers: world.servers.map((s) => ({ ...s, commands: discord.commands(s.id).map((c) => c.definition) })),
    messages: world.servers.flatMap((s) => discord.messages(s.channelId, { includeDeleted: false }).map((m) => messageView(discord, m))),
  });
  const unwatch = discord.watchMessages((message) => send({ type: 'message', message: messageView(discord, message) }));
  socket.on('close', unwatch);
  socket.on('message', (data) => {
    try {
      const opened = act(discord, world, JSON.parse(String(data)) as PageAction, modals);
      // A click the bot answers with a modal (callback type 9): the page shows it to the clicker.
      opened
        ?.waitForAck({ timeoutMs: 10_000 })
        .then(() => {
          const view = modalView(opened);
          if (!view) return;
          modals.set(opened.id, opened);
          send({ type: 'modal', modal: view });
        })
        .catch(() => undefined); // never acknowledged: Discord's client would show "interaction failed"; the channel shows nothing either
    } catch (err) {
      // What the Discord client itself would refuse (unknown command, missing option) is shown to the typist only.
      send({ type: 'error', text: err instanceof Error ? err.message : String(err) });
    }
  });
}

/** Carries out what the page did; answers the interaction of a button click, which may bring a modal. */
function act(discord: FakeDiscord, world: SandboxWorld, request: PageAction, modals: Map<string, InteractionHandle>): InteractionHandle | undefined {
  switch (request.action) {
    case 'command': {
      const server = serverOf(world, request.guildId);
      const commands = discord.commands(server.id).map((c) => c.definition as unknown as CommandDefinition);
      const parsed = parseCommandText(request.text, commands);
      const options: Record<string, OptionValue> = {};
      for (const [name, value] of Object.entries(parsed.options)) options[name] = resolveValue(discord, server, name, value, request.files ?? []);
      discord.slashCommand({ ...parsed, options, user: request.userId, channel: server.channelId });
      return undefined;
    }
    case 'say':
      discord.sendMessage(request.text, { channel: serverOf(world, request.guildId).channelId, user: request.userId });
      return undefined;
    case 'click':
      return discord.clickButton(request.messageId, request.customId, request.userId);
    case 'submit-modal': {
      const opened = modals.get(request.interactionId);
      if (!opened) throw new Error(`no open modal for interaction ${request.interactionId}`);
      modals.delete(request.interactionId);
      discord.submitModal(opened, request.values);
      return undefined;
    }
    case 'react':
      discord.react(request.messageId, request.emoji, request.userId);
      return undefined;
    case 'unreact':
      discord.unreact(request.messageId, request.emoji, request.userId);
      return undefined;
    default:
      throw new Error(`unknown action ${JSON.stringify((request as { action?: unknown }).action)}`);
  }
}

function serverOf(world: SandboxWorld, guildId: string): SandboxServer {
  const server = world.servers.find((s) => s.id === guildId);
  if (!server) throw new Error(`no sandbox server ${guildId}`);
  return server;
}

function modalView(opened: InteractionHandle): ModalView | undefined {
  const modal = opened.modal as
    | { title: string; components: Array<{ components: Array<{ custom_id: string; label: string; style?: number; value?: string; required?: boolean; max_length?: number }> }> }
    | undefined;
  if (!modal) return undefined;
  return {
    interactionId: opened.id,
    userId: opened.record.userId,
    title: modal.title,
    inputs: modal.components.map(({ components: [input] }) => ({
      customId: input!.custom_id,
      label: input!.label,
      style: input!.style ?? 1,
      value: input!.value ?? '',
      required: input!.required ?? true,
      ...(input!.max_length === undefined ? {} : { maxLength: input!.max_length }),
    })),
  };
}

/** A typed value as the interaction carries it: mentions resolved, an attachment option's file taken from the page's upload. */
function resolveValue(discord: FakeDiscord, server: SandboxServer, name: string, value: ParsedValue, files: PageFile[]): OptionValue {
  if (typeof value === 'object' && 'attachment' in value) {
    const file = files.find((f) => f.option === name);
    if (!file) throw new CommandTextError(`${name}: takes a file; attach one with 📎 first`);
    return { filename: file.filename, bytes: Buffer.from(file.base64, 'base64'), ...(file.contentType ? { contentType: file.contentType } : {}) };
  }
  return resolveMention(discord, server, value);
}

/** `@bob` → bob's id, `#general` → the channel's id; ids pass as they are. */
function resolveMention(discord: FakeDiscord, server: SandboxServer, value: ParsedValue): OptionValue {
  if (typeof value !== 'object' || 'attachment' in value) return value as OptionValue;
  const { mention, type } = value;
  if (/^\d{17,20}$/.test(mention)) return mention;
  if (type === T.User || type === T.Mentionable) {
    const members = discord.members(server.id).map((m) => discord.userById(m.userId)!).filter((u) => !u.bot);
    const user = members.find((u) => u.username === mention);
    if (!user) throw new CommandTextError(`No member named "${mention}" in ${server.name}; members: ${members.map((u) => `@${u.username}`).join(', ')}`);
    return user.id;
  }
  if (type === T.Channel && mention === server.channelName) return server.channelId;
  throw new CommandTextError(`"${mention}" is not a ${T[type]} of ${server.name}; give its id`);
}
