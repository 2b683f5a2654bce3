/**
 * The local Discord-compatible server with a sharded bot, exercised by real discord.js clients (one
 * per shard, as a sharding manager's processes are): GET /gateway/bot recommends shards, each
 * session gets READY and GUILD_CREATE for its own guilds only, and a guild's events (interactions,
 * reactions) go to the session of its shard, by Discord's rule shard_id = (guild_id >> 22) % num_shards.
 */
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeDiscord, type GuildRecord } from '../../src/sandbox/discord-server/index.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(options: { recommendedShards?: number; maxConcurrency?: number } = {}): Promise<FakeDiscord> {
  const discord = await FakeDiscord.start(options);
  cleanups.push(() => discord.close());
  return discord;
}

/** A guild that lands on `shard` of `count`; ids carry their creation time, so a later one may land elsewhere. */
async function guildOnShard(discord: FakeDiscord, shard: number, count: number): Promise<GuildRecord> {
  for (;;) {
    const guild = discord.addGuild({ name: `on shard ${shard}` });
    if (discord.shardOf(guild, count) === shard) return guild;
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function shardClient(discord: FakeDiscord, shard: number, count: number): Promise<Client> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.Channel],
    rest: { api: discord.restUrl },
    shards: [shard],
    shardCount: count,
  });
  cleanups.push(() => client.destroy());
  const ready = once(client, Events.ClientReady);
  await client.login(discord.botToken);
  await ready;
  return client;
}

describe('a sharded bot on the fake Discord', () => {
  it('GET /gateway/bot recommends the configured shard count and identify concurrency', async () => {
    const discord = await fake({ recommendedShards: 3, maxConcurrency: 2 });
    const answer = (await (await fetch(`${discord.restUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${discord.botToken}` } })).json()) as {
      shards: number;
      session_start_limit: { max_concurrency: number };
    };
    expect(answer.shards).toBe(3);
    expect(answer.session_start_limit.max_concurrency).toBe(2);
  });

  it('each shard gets only its guilds, and a guild\'s interactions and reactions reach only its shard', async () => {
    const discord = await fake();
    const zero = await guildOnShard(discord, 0, 2);
    const one = await guildOnShard(discord, 1, 2);
    const clients = [await shardClient(discord, 0, 2), await shardClient(discord, 1, 2)];
    expect(discord.connectedShards.map((s) => [...s]).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const [shard, client] of clients.entries()) {
      const cached = [...client.guilds.cache.keys()];
      expect(cached).toContain(shard === 0 ? zero.id : one.id);
      expect(cached).not.toContain(shard === 0 ? one.id : zero.id);
      expect(cached.every((id) => discord.shardOf(id, 2) === shard)).toBe(true);
    }
    const commands: string[] = [];
    const reactions: string[] = [];
    for (const [shard, client] of clients.entries()) {
      client.on(Events.InteractionCreate, (i) => void commands.push(`shard ${shard}: ${i.guildId === zero.id ? 'zero' : 'one'}`));
      client.on(Events.MessageReactionAdd, (r) => void reactions.push(`shard ${shard}: ${r.message.guildId === zero.id ? 'zero' : 'one'}`));
    }
    discord.slashCommand({ name: 'imagine', guild: one, user: discord.newMember({ guild: one }) });
    discord.slashCommand({ name: 'imagine', guild: zero, user: discord.newMember({ guild: zero }) });
    await discord.waitFor(() => commands.length === 2);
    expect(commands.sort()).toEqual(['shard 0: zero', 'shard 1: one']);
    const member = discord.newMember({ guild: one });
    discord.react(discord.sendMessage('hello', { channel: discord.defaultChannel(one), user: member }), '🔀', member);
    await discord.waitFor(() => reactions.length === 1);
    // A guild added later is announced to its shard only.
    const later = await guildOnShard(discord, 0, 2);
    await discord.waitFor(() => clients[0].guilds.cache.has(later.id));
    expect(clients[1].guilds.cache.has(later.id)).toBe(false);
    expect(reactions).toEqual(['shard 1: one']);
  });

  it('an IDENTIFY naming a shard outside its count is closed with 4010 Invalid shard', async () => {
    const discord = await fake();
    const socket = new WebSocket(discord.gatewayUrl);
    const closed = once(socket, 'close') as Promise<[number, Buffer]>;
    await once(socket, 'message');
    socket.send(JSON.stringify({ op: 2, d: { token: discord.botToken, intents: 1, properties: {}, shard: [2, 2] } }));
    const [code, reason] = await closed;
    expect([code, reason.toString()]).toEqual([4010, 'Invalid shard']);
  });
});
