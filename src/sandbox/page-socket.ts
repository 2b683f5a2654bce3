/**
 * The page's WebSocket: on connect it gets the servers, personas, registered commands and every
 * message; then each message change as it happens. What the page sends back are the acts of a
 * Discord user (a slash command typed as text, a button click, a reaction), which go through the
 * Discord server's own dispatch, so the bot receives the same INTERACTION_CREATE and
 * MESSAGE_REACTION_ADD payloads as from Discord.
 */
import { ApplicationCommandOptionType as T } from 'discord.js';
import type { WebSocket } from 'ws';
import { CommandTextError, parseCommandText, type CommandDefinition, type ParsedValue } from './command-text.ts';
import type { FakeDiscord, OptionValue } from './discord-server/index.ts';
import { messageView } from './message-view.ts';
import type { SandboxServer, SandboxWorld } from './sandbox-world.ts';

type PageAction =
  | { action: 'command' | 'say'; guildId: string; userId: string; text: string }
  | { action: 'click'; messageId: string; customId: string; userId: string }
  | { action: 'react' | 'unreact'; messageId: string; emoji: string; userId: string };

export function servePageSocket(socket: WebSocket, discord: FakeDiscord, world: SandboxWorld): void {
  const send = (data: unknown) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(data));
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
      act(discord, world, JSON.parse(String(data)) as PageAction);
    } catch (err) {
      // What the Discord client itself would refuse (unknown command, missing option) is shown to the typist only.
      send({ type: 'error', text: err instanceof Error ? err.message : String(err) });
    }
  });
}

function act(discord: FakeDiscord, world: SandboxWorld, request: PageAction): void {
  switch (request.action) {
    case 'command': {
      const server = serverOf(world, request.guildId);
      const commands = discord.commands(server.id).map((c) => c.definition as unknown as CommandDefinition);
      const parsed = parseCommandText(request.text, commands);
      const options: Record<string, OptionValue> = {};
      for (const [name, value] of Object.entries(parsed.options)) options[name] = resolveMention(discord, server, value);
      discord.slashCommand({ ...parsed, options, user: request.userId, channel: server.channelId });
      return;
    }
    case 'say':
      discord.sendMessage(request.text, { channel: serverOf(world, request.guildId).channelId, user: request.userId });
      return;
    case 'click':
      discord.clickButton(request.messageId, request.customId, request.userId);
      return;
    case 'react':
      discord.react(request.messageId, request.emoji, request.userId);
      return;
    case 'unreact':
      discord.unreact(request.messageId, request.emoji, request.userId);
      return;
    default:
      throw new Error(`unknown action ${JSON.stringify((request as { action?: unknown }).action)}`);
  }
}

function serverOf(world: SandboxWorld, guildId: string): SandboxServer {
  const server = world.servers.find((s) => s.id === guildId);
  if (!server) throw new Error(`no sandbox server ${guildId}`);
  return server;
}

/** `@bob` → bob's id, `#general` → the channel's id; ids pass as they are. */
function resolveMention(discord: FakeDiscord, server: SandboxServer, value: ParsedValue): OptionValue {
  if (typeof value !== 'object') return value;
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
