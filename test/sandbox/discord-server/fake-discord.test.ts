/** The fake Discord server, exercised by the real discord.js client the way the bot's end-to-end tests use it. */
import { once } from 'node:events';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  ModalBuilder,
  Partials,
  PermissionFlagsBits,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type MessageReaction,
  type PartialMessageReaction,
  type TextChannel,
} from 'discord.js';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../support/test-clock.ts';
import { errors, FakeDiscord, type FakeDiscordOptions } from '../../../src/sandbox/discord-server/index.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

let discord: FakeDiscord | undefined;
let client: Client | undefined;

afterEach(async () => {
  // The client first: a live client would keep reconnecting to a closed server.
  await client?.destroy();
  await discord?.close();
  client = undefined;
  discord = undefined;
});

/** Starts a fake and a logged-in, ready client; `wire` attaches the test's bot code before login. */
async function start(wire: (client: Client) => void = () => {}, options: FakeDiscordOptions = {}) {
  const fake = (discord = await FakeDiscord.start(options));
  const bot = (client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.Channel],
    rest: { api: fake.restUrl },
  }));
  wire(bot);
  const ready = once(bot, Events.ClientReady);
  await bot.login(fake.botToken);
  await ready;
  return { fake, bot };
}

/** Routes chat-input commands to `handle`, keeping the interactions so tests can drive them later. */
function onCommand(bot: Client, handle: (interaction: ChatInputCommandInteraction) => Promise<unknown>) {
  const seen: ChatInputCommandInteraction[] = [];
  bot.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand()) return;
    seen.push(interaction);
    void handle(interaction);
  });
  return seen;
}

function gridRow() {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    ['U1', 'U2', 'V1', 'reroll'].map((id) => new ButtonBuilder().setCustomId(id).setLabel(id).setStyle(ButtonStyle.Secondary)),
  );
}

async function apiErrorOf(promise: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DiscordAPIError)) throw new Error(`expected a DiscordAPIError, got ${String(error)}`);
  return error;
}

describe('FakeDiscord', () => {
  it('lets the real client log in and become ready with the default guild, channel and bot member', async () => {
    const { fake, bot } = await start();
    const guild = bot.guilds.cache.get(fake.guild.id);
    expect(bot.user?.id).toBe(fake.applicationId);
    expect(guild?.name).toBe('Test Guild');
    expect(guild?.channels.cache.get(fake.channel.id)?.isTextBased()).toBe(true);
    expect(guild?.members.me?.roles.cache.has(fake.guild.botRoleId)).toBe(true);
    expect(fake.unknownRequests).toEqual([]);
  });

  it('delivers a slash command with options typed by the registered definition and resolved users and roles', async () => {
    const seen: Record<string, unknown>[] = [];
    const { fake, bot } = await start((bot) =>
      onCommand(bot, async (interaction) => {
        seen.push({
          prompt: interaction.options.getString('prompt'),
          steps: interaction.options.getInteger('steps'),
          cfg: interaction.options.getNumber('cfg'),
          target: interaction.options.getUser('target')?.username,
          role: interaction.options.getRole('role')?.name,
          moderator: interaction.memberPermissions?.has('ManageMessages'),
        });
        await interaction.reply({ content: 'ok', flags: MessageFlags.Ephemeral });
      }),
    );
    await bot.application!.commands.set([
      {
        name: 'imagine',
        description: 'Generate an image',
        options: [
          { type: ApplicationCommandOptionType.String, name: 'prompt', description: 'What to draw', required: true },
          { type: ApplicationCommandOptionType.Integer, name: 'steps', description: 'Steps' },
          { type: ApplicationCommandOptionType.Number, name: 'cfg', description: 'Guidance' },
          { type: ApplicationCommandOptionType.User, name: 'target', description: 'Someone' },
          { type: ApplicationCommandOptionType.Role, name: 'role', description: 'A role' },
        ],
      },
    ]);
    const artists = fake.addRole(fake.guild, { name: 'artists' });
    const friend = fake.newMember({ username: 'friend' });
    const moderator = fake.newMember({ username: 'mod', permissions: 1n << 13n });

    // cfg: 7 is an integer literal, but the registered NUMBER type wins, so getNumber() accepts it.
    const command = fake.slashCommand({ name: 'imagine', user: moderator, options: { prompt: 'a cat', steps: 20, cfg: 7, target: friend, role: artists } });
    await command.waitForAck();

    expect(seen).toEqual([{ prompt: 'a cat', steps: 20, cfg: 7, target: 'friend', role: 'artists', moderator: true }]);
    expect(command.original?.flags).toBe(MessageFlags.Ephemeral);
    expect(fake.commands().map((c) => c.definition.name)).toEqual(['imagine']);
    expect(() => fake.slashCommand({ name: 'imagine', options: { steps: 5 } })).toThrow(/required option "prompt"/);
  });

  it('records a deferred reply edited with a PNG attachment and a row of buttons', async () => {
    const { fake } = await start((bot) =>
      onCommand(bot, async (interaction) => {
        await interaction.deferReply();
        await interaction.editReply({ content: '**a cat**', files: [{ attachment: PNG, name: 'grid.png' }], components: [gridRow()] });
      }),
    );
    const command = fake.slashCommand({ name: 'imagine', options: { prompt: 'a cat' } });
    const reply = await command.waitForOriginal((m) => m.attachments.length > 0);

    expect(command.callback?.type).toBe(5);
    expect(reply.content).toBe('**a cat**');
    expect(reply.attachments.map((a) => [a.filename, a.contentType, a.bytes.equals(PNG)])).toEqual([['grid.png', 'image/png', true]]);
    expect(reply.components).toMatchObject([{ type: 1, components: [{ custom_id: 'U1' }, { custom_id: 'U2' }, { custom_id: 'V1' }, { custom_id: 'reroll' }] }]);
    // revisions[0] is the "thinking…" placeholder the deferral created.
    expect(reply.revisions.map((r) => r.content)).toEqual(['', '**a cat**']);
    expect(reply.revisions[0].flags & MessageFlags.Loading).toBe(MessageFlags.Loading);
    expect(Buffer.from(await (await fetch(reply.attachments[0].url)).arrayBuffer()).equals(PNG)).toBe(true);
    expect(fake.requestsTo('PATCH', '/messages/@original')[0].files.map((f) => f.field)).toEqual(['files[0]']);
  });

  it('delivers a button click with its custom id and the full message, and applies update()', async () => {
    const clicks: ButtonInteraction[] = [];
    const replyIds: (string | undefined)[] = [];
    const { fake } = await start((bot) => {
      onCommand(bot, async (interaction) => {
        const response = await interaction.reply({ content: 'grid', components: [gridRow()], withResponse: true });
        replyIds.push(response.resource?.message?.id);
      });
      bot.on(Events.InteractionCreate, async (interaction) => {
        if (!interaction.isButton()) return;
        clicks.push(interaction);
        await interaction.update({ content: `picked ${interaction.customId}`, components: [] });
      });
    });
    const grid = await fake.slashCommand({ name: 'imagine' }).waitForOriginal();
    const click = fake.clickButton(grid, 'U2');
    await click.waitForAck();

    expect(replyIds).toEqual([grid.id]);
    expect(clicks.map((c) => [c.customId, c.message.id, c.message.components.length])).toEqual([['U2', grid.id, 1]]);
    expect(click.callback?.type).toBe(7);
    expect(click.original).toBe(grid);
    expect(grid.content).toBe('picked U2');
    expect(grid.components).toEqual([]);
    expect(() => fake.clickButton(grid, 'U1')).toThrow(/has no button "U1"/);
  });

  it('records a modal shown for a button and delivers its submit with the values typed, refusing a modal in answer to a modal', async () => {
    const submitted: Array<[string, string, string | undefined]> = [];
    const refusals: number[] = [];
    const { fake } = await start((bot) => {
      onCommand(bot, async (interaction) => {
        await interaction.reply({ content: 'grid', components: [gridRow()] });
      });
      bot.on(Events.InteractionCreate, async (interaction) => {
        if (interaction.isButton()) {
          const input = new TextInputBuilder().setCustomId('prompt').setLabel('Prompt').setStyle(TextInputStyle.Paragraph).setValue('a cat');
          await interaction.showModal(new ModalBuilder().setCustomId(`edit:${interaction.customId}`).setTitle('Edit').addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input)));
        } else if (interaction.isModalSubmit()) {
          submitted.push([interaction.customId, interaction.fields.getTextInputValue('prompt'), interaction.message?.id]);
          const modal = new ModalBuilder().setCustomId('again').setTitle('Again').addComponents(
            new ActionRowBuilder<TextInputBuilder>().addComponents(new TextInputBuilder().setCustomId('x').setLabel('X').setStyle(TextInputStyle.Short)),
          );
          // discord.js offers no showModal here (Discord forbids it): send the callback raw.
          const raw = bot.rest.post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: 9, data: modal.toJSON() }, auth: false });
          refusals.push((await apiErrorOf(raw)).code as number);
          await interaction.reply({ content: 'done' });
        }
      });
    });
    const grid = await fake.slashCommand({ name: 'imagine' }).waitForOriginal();
    const click = fake.clickButton(grid, 'V1');
    expect((await click.waitForAck()).type).toBe(9);
    expect(click.modal).toMatchObject({ custom_id: 'edit:V1', title: 'Edit', components: [{ components: [{ custom_id: 'prompt', value: 'a cat' }] }] });
    expect(click.original).toBeUndefined(); // a modal makes no message

    expect(() => fake.submitModal(click, { nope: 'x' })).toThrow(/has no text input "nope"/);
    const submit = fake.submitModal(click, { prompt: 'a dog' });
    await submit.waitForOriginal((m) => m.content === 'done');
    expect(submitted).toEqual([['edit:V1', 'a dog', grid.id]]);
    expect(refusals).toEqual([50035]);
    expect(() => fake.submitModal(submit)).toThrow(/not answered with a modal/);
  });

  it("records the bot's reactions and delivers users' reactions, also on messages the client never cached", async () => {
    const reactions: { emoji: string | null; user: string; message: string; partial: boolean }[] = [];
    const { fake, bot } = await start((bot) => {
      onCommand(bot, async (interaction) => {
        await interaction.reply('image');
        const message = await interaction.fetchReply();
        await message.react('🔍');
        await message.react('🔀');
      });
      bot.on(Events.MessageReactionAdd, (reaction: MessageReaction | PartialMessageReaction, user) => {
        reactions.push({ emoji: reaction.emoji.name, user: user.id, message: reaction.message.id, partial: reaction.message.partial });
      });
    });
    const image = await fake.slashCommand({ name: 'imagine' }).waitForOriginal();
    // The bot's own reactions come back over the gateway too, as on Discord: bots must ignore them.
    await fake.waitFor(() => reactions.length === 2);
    expect(fake.reactionUsers(image, '🔍')).toEqual([fake.applicationId]);

    fake.react(image, '🔁');
    // Without the GuildMessages intent the client never saw this message: the reaction arrives as a partial.
    const unseen = fake.sendMessage('hello');
    fake.react(unseen, '🔍');
    await fake.waitFor(() => reactions.length === 4);

    expect(reactions.map(({ partial: _, ...seen }) => seen)).toEqual([
      { emoji: '🔍', user: fake.applicationId, message: image.id },
      { emoji: '🔀', user: fake.applicationId, message: image.id },
      { emoji: '🔁', user: fake.user.id, message: image.id },
      { emoji: '🔍', user: fake.user.id, message: unseen.id },
    ]);
    expect(reactions[3].partial).toBe(true);
    expect(bot.users.cache.get(fake.user.id)?.username).toBe('tester');
  });

  it('records followups as separate messages, ephemeral ones flagged', async () => {
    const { fake } = await start((bot) =>
      onCommand(bot, async (interaction) => {
        await interaction.reply('queued');
        await interaction.followUp({ content: 'only for you', flags: MessageFlags.Ephemeral });
        await interaction.followUp({ content: 'done <@1234567890123456789>', allowedMentions: { parse: [] } });
      }),
    );
    const command = fake.slashCommand({ name: 'imagine' });
    const followups = await command.waitForFollowups(2);

    expect(command.original?.content).toBe('queued');
    expect(followups.map((m) => [m.content, m.flags])).toEqual([
      ['only for you', MessageFlags.Ephemeral],
      ['done <@1234567890123456789>', 0],
    ]);
    expect(followups[1].allowedMentions).toEqual({ parse: [] });
    expect(followups[1].pings.users).toEqual([]);
  });

  it('turns the first followup after a deferral into the reply itself, as Discord does', async () => {
    const { fake } = await start((bot) =>
      onCommand(bot, async (interaction) => {
        await interaction.deferReply();
        await interaction.followUp('here it is');
      }),
    );
    const command = fake.slashCommand({ name: 'imagine' });
    await command.waitForOriginal((m) => m.content === 'here it is');
    expect(command.followups).toEqual([]);
  });

  it('answers 401 Invalid Webhook Token (50027) to edits after the token lifetime', async () => {
    let commands: ChatInputCommandInteraction[] = [];
    const clock = new TestClock();
    const { fake } = await start(
      (bot) => {
        commands = onCommand(bot, (interaction) => interaction.deferReply());
      },
      { tokenLifetimeMs: 15 * 60_000, clock: clock.now },
    );
    fake.slashCommand({ name: 'imagine' });
    await fake.waitFor(() => commands[0]?.deferred);
    await commands[0].editReply('in time');
    clock.advance(15 * 60_000);

    const error = await apiErrorOf(commands[0].editReply('too late'));
    expect([error.status, error.code]).toEqual([401, 50027]);
  });

  it('answers 404 Unknown Message (10008) to edits of a reply someone deleted', async () => {
    let commands: ChatInputCommandInteraction[] = [];
    const { fake } = await start((bot) => {
      commands = onCommand(bot, (interaction) => interaction.reply('grid'));
    });
    const reply = await fake.slashCommand({ name: 'imagine' }).waitForOriginal();
    await fake.waitFor(() => commands[0]?.replied);
    fake.deleteMessage(fake.channel, reply.id);

    const error = await apiErrorOf(commands[0].editReply('preview'));
    expect([error.status, error.code, error.message]).toEqual([404, 10008, 'Unknown Message']);
    expect(fake.messages()).toEqual([]);
  });

  it('makes the client wait out a 429 storm on edits (Retry-After) and counts the 429s', async () => {
    let commands: ChatInputCommandInteraction[] = [];
    const { fake } = await start((bot) => {
      commands = onCommand(bot, (interaction) => interaction.deferReply());
    });
    const command = fake.slashCommand({ name: 'imagine' });
    // The fake records the deferral before discord.js has read the answer; edits need the client's view.
    await fake.waitFor(() => commands[0]?.deferred);
    const storm = fake.rateLimit({ method: 'PATCH', path: /webhooks\/.*\/messages/, count: 3, retryAfterMs: 50 });

    await commands[0].editReply('step 10/20');

    expect(storm.hits).toBe(3);
    const edits = fake.requestsTo('PATCH', /webhooks/);
    expect(edits.map((r) => r.status)).toEqual([429, 429, 429, 200]);
    // Each retry came after the Retry-After it was given (a client that read no header would retry
    // at once). Lower bounds of real waits: a slow machine only makes the gaps longer.
    const gaps = edits.slice(1).map((r, k) => r.at - edits[k].at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(45);
    expect(command.original?.content).toBe('step 10/20');
  });

  it('limits only one guild when a storm names it: the other guild\'s edits go through', async () => {
    let commands: ChatInputCommandInteraction[] = [];
    const { fake } = await start((bot) => {
      commands = onCommand(bot, (interaction) => interaction.deferReply());
    });
    const other = fake.addGuild({ name: 'Other' });
    fake.slashCommand({ name: 'imagine' });
    await fake.waitFor(() => commands[0]?.deferred);
    fake.slashCommand({ name: 'imagine', guild: other, user: fake.newMember({ guild: other }) });
    await fake.waitFor(() => commands[1]?.deferred);
    const storm = fake.rateLimit({ method: 'PATCH', path: /^\/webhooks\//, guildId: fake.guild.id, count: Infinity, retryAfterMs: 50 });

    expect((await commands[1].editReply('calm here')).content).toBe('calm here');
    expect(storm.hits).toBe(0);
    const limited = commands[0].editReply('stormy here');
    await fake.waitFor(() => storm.hits >= 2);
    storm.stop();
    expect((await limited).content).toBe('stormy here');
    const statuses = (token: string) => fake.requestsTo('PATCH', token).map((r) => r.status);
    expect(statuses(commands[1].token)).toEqual([200]);
    expect(statuses(commands[0].token).slice(0, 2)).toEqual([429, 429]);
    expect(statuses(commands[0].token).at(-1)).toBe(200);
  });

  it('returns the first message for a repeated create with the same nonce and enforce_nonce, as Discord does', async () => {
    const { fake, bot } = await start();
    const post = (body: Record<string, unknown>) => bot.rest.post(Routes.channelMessages(fake.channel.id), { body }) as Promise<{ id: string }>;
    const first = await post({ content: 'once', nonce: 'job-7-0', enforce_nonce: true });
    const again = await post({ content: 'once', nonce: 'job-7-0', enforce_nonce: true });
    expect(again.id).toBe(first.id);
    // Without enforce_nonce, or with another nonce, each create is a new message.
    await post({ content: 'twice', nonce: 'job-7-0' });
    await post({ content: 'other', nonce: 'job-7-1', enforce_nonce: true });
    expect(fake.messages().map((m) => m.content)).toEqual(['once', 'twice', 'other']);
  });

  it('refuses matching requests with the Discord error asked for, changing nothing, then lets them through', async () => {
    const { fake, bot } = await start();
    const channel = bot.channels.cache.get(fake.channel.id) as TextChannel;
    const refusal = fake.failRequests({ method: 'POST', path: `/channels/${fake.channel.id}/messages`, where: (r) => r.files.length > 0 }, 'missingPermissions');

    await expect(channel.send('text only')).resolves.toBeDefined();
    const error = await apiErrorOf(channel.send({ files: [{ attachment: PNG, name: 'grid.png' }] }));
    expect([error.status, error.code, error.message]).toEqual([403, 50013, 'Missing Permissions']);
    expect(refusal.hits).toBe(1);
    expect(fake.messages().map((m) => m.content)).toEqual(['text only']);
    await channel.send({ files: [{ attachment: PNG, name: 'grid.png' }] });
    expect(fake.messages()).toHaveLength(2);
  });

  it('holds a matching request unanswered until the test releases it, then carries it out', async () => {
    const { fake, bot } = await start();
    const channel = bot.channels.cache.get(fake.channel.id) as TextChannel;
    const hold = fake.holdRequests({ method: 'POST', path: '/messages' });
    let sent = false;
    const sending = channel.send('held').then((m) => {
      sent = true;
      return m;
    });
    expect((await hold.arrived).path).toBe(`/channels/${fake.channel.id}/messages`);
    // Another request is not held behind it.
    await channel.sendTyping();
    expect([sent, fake.messages().length]).toEqual([false, 0]);
    hold.release();
    expect((await sending).content).toBe('held');
    expect(fake.messages().map((m) => m.content)).toEqual(['held']);
  });

  it('sends rate-limit headers on every answer and records routes it does not know', async () => {
    const fake = (discord = await FakeDiscord.start());
    const auth = { authorization: `Bot ${fake.botToken}` };
    const known = await fetch(`${fake.restUrl}/v10/users/@me`, { headers: auth });
    const unknown = await fetch(`${fake.restUrl}/v10/stickers/123`, { headers: auth });

    for (const response of [known, unknown]) {
      for (const header of ['limit', 'remaining', 'reset', 'reset-after', 'bucket']) {
        expect(response.headers.get(`x-ratelimit-${header}`)).not.toBeNull();
      }
    }
    expect([known.status, unknown.status]).toEqual([200, 404]);
    expect(fake.unknownRequests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /stickers/123']);
  });

  it('refuses a second acknowledgement and one after the 3 s deadline, with Discord\'s codes', async () => {
    let commands: ChatInputCommandInteraction[] = [];
    const clock = new TestClock();
    const { fake } = await start(
      (bot) => {
        commands = onCommand(bot, async () => {});
      },
      { ackDeadlineMs: 3000, clock: clock.now },
    );
    const fast = fake.slashCommand({ name: 'imagine' });
    await fake.waitFor(() => commands.length === 1);
    await commands[0].reply('one');
    // discord.js guards its own state, so the second callback is sent by hand, as a buggy bot would.
    const again = await fetch(`${fake.restUrl}/v10/interactions/${fast.id}/${fast.token}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 4, data: { content: 'two' } }),
    });
    expect(((await again.json()) as { code: number }).code).toBe(40060);

    fake.slashCommand({ name: 'imagine' });
    await fake.waitFor(() => commands.length === 2);
    clock.advance(3001);
    expect((await apiErrorOf(commands[1].reply('late'))).code).toBe(10062);
  });

  it('fails injected requests with a Discord error, or drops them before or after they take effect', async () => {
    let commands: ChatInputCommandInteraction[] = [];
    const { fake } = await start((bot) => {
      commands = onCommand(bot, async () => {});
    });
    const callback = /\/callback$/;
    const unknown = fake.failRequests({ method: 'POST', path: callback }, errors.unknownInteraction());
    const first = fake.slashCommand({ name: 'imagine' });
    await fake.waitFor(() => commands.length === 1);
    expect((await apiErrorOf(commands[0].deferReply())).code).toBe(10062);
    expect([unknown.hits, first.callback]).toEqual([1, null]);

    fake.failRequests({ method: 'POST', path: callback }, 'drop-before');
    const second = fake.slashCommand({ name: 'imagine' });
    await fake.waitFor(() => commands.length === 2);
    await expect(commands[1].deferReply()).rejects.toThrow(/other side closed/);
    expect(second.callback).toBeNull();

    fake.failRequests({ method: 'POST', path: callback }, 'drop-after');
    const third = fake.slashCommand({ name: 'imagine' });
    await fake.waitFor(() => commands.length === 3);
    await expect(commands[2].deferReply()).rejects.toThrow(/other side closed/);
    // Discord has it: the "thinking..." placeholder exists, though the client never heard back.
    expect(third.callback?.type).toBe(5);
    expect(third.original?.content).toBe('');
  });

  it('redelivers an interaction with its id and token, and forges button clicks with any custom id', async () => {
    const seen: Array<[string, string]> = [];
    const { fake } = await start((bot) => {
      onCommand(bot, (interaction) => interaction.reply({ content: 'grid', components: [gridRow()] }));
      bot.on(Events.InteractionCreate, (interaction) => {
        if (interaction.isButton()) seen.push([interaction.id, interaction.customId]);
      });
    });
    const cmd = fake.slashCommand({ name: 'imagine' });
    const grid = await cmd.waitForOriginal();
    const click = fake.clickButton(grid, 'U1');
    fake.redeliver(click);
    const forged = fake.forgeButtonClick(grid, 'u:999:0');
    await fake.waitFor(() => seen.length === 3);
    expect(seen).toEqual([[click.id, 'U1'], [click.id, 'U1'], [forged.id, 'u:999:0']]);
  });

  it('rejects what Discord rejects: a sixth button in a row, a reaction written as :mag:', async () => {
    let commands: ChatInputCommandInteraction[] = [];
    const { fake } = await start((bot) => {
      commands = onCommand(bot, (interaction) => interaction.reply('grid'));
    });
    await fake.slashCommand({ name: 'imagine' }).waitForOriginal();
    await fake.waitFor(() => commands[0]?.replied);
    const row = gridRow().addComponents(
      ['V2', 'V3'].map((id) => new ButtonBuilder().setCustomId(id).setLabel(id).setStyle(ButtonStyle.Primary)),
    );

    expect((await apiErrorOf(commands[0].editReply({ components: [row] }))).code).toBe(50035);
    const reply = await commands[0].fetchReply();
    expect((await apiErrorOf(reply.react(':mag:'))).code).toBe(10014);
  });

  it('sends its upload limit as attachment_size_limit and answers 413 (40005) to a larger upload, on replies and channel posts alike', async () => {
    let commands: ChatInputCommandInteraction[] = [];
    const { fake, bot } = await start(
      (bot) => {
        commands = onCommand(bot, (interaction) => interaction.deferReply());
      },
      { uploadLimitBytes: 1000 },
    );
    fake.slashCommand({ name: 'imagine' });
    await fake.waitFor(() => commands[0]?.deferred);
    expect(commands[0].attachmentSizeLimit).toBe(1000);
    const big = Buffer.alloc(1001, 1);
    const tooLarge = await apiErrorOf(commands[0].editReply({ files: [{ attachment: big, name: 'big.png' }] }));
    expect([tooLarge.status, tooLarge.code]).toEqual([413, 40005]);
    const channel = (await bot.channels.fetch(fake.channel.id)) as TextChannel;
    expect((await apiErrorOf(channel.send({ files: [{ attachment: big, name: 'big.png' }] }))).code).toBe(40005);
    await commands[0].editReply({ files: [{ attachment: big.subarray(0, 1000), name: 'fits.png' }] });
  });

  it("sends the bot's channel permissions as app_permissions, overwrites included, and discord.js's cache agrees", async () => {
    let commands: ChatInputCommandInteraction[] = [];
    const { fake, bot } = await start((bot) => {
      commands = onCommand(bot, (interaction) => interaction.reply({ content: 'ok', flags: MessageFlags.Ephemeral }));
    });
    const muted = fake.addRole(fake.guild, { name: 'muted' });
    const member = fake.newMember({ username: 'muted-member', roles: [muted] });
    fake.setChannelPermissions(fake.channel, fake.botUser, { deny: PermissionFlagsBits.AttachFiles });
    fake.setChannelPermissions(fake.channel, muted, { deny: PermissionFlagsBits.SendMessages });
    fake.slashCommand({ name: 'imagine', user: member });
    await fake.waitFor(() => commands[0]?.replied);

    const app = commands[0].appPermissions;
    expect(app.has(PermissionFlagsBits.AttachFiles)).toBe(false);
    expect(app.has(PermissionFlagsBits.SendMessages | PermissionFlagsBits.AddReactions | PermissionFlagsBits.ReadMessageHistory)).toBe(true);
    expect(commands[0].memberPermissions?.has(PermissionFlagsBits.SendMessages)).toBe(false);
    const channel = bot.channels.cache.get(fake.channel.id) as TextChannel;
    expect(channel.permissionsFor(bot.user!)?.bitfield).toBe(app.bitfield);
    // Elsewhere in the guild the overwrite does not apply.
    const other = fake.addChannel(fake.guild, { name: 'other' });
    fake.slashCommand({ name: 'imagine', channel: other });
    await fake.waitFor(() => commands[1]?.replied);
    expect(commands[1].appPermissions.has(PermissionFlagsBits.AttachFiles)).toBe(true);
  });

  it("enforces the bot's channel permissions on its own token's routes, and not on interaction replies", async () => {
    let commands: ChatInputCommandInteraction[] = [];
    const { fake, bot } = await start((bot) => {
      commands = onCommand(bot, (interaction) => interaction.reply({ content: 'image', files: [{ name: 'a.png', attachment: PNG }] }));
    });
    fake.setChannelPermissions(fake.channel, fake.botUser, { deny: PermissionFlagsBits.AttachFiles | PermissionFlagsBits.AddReactions });
    // The interaction reply carries a file although the bot may not attach files in the channel: Discord allows that.
    const reply = await fake.slashCommand({ name: 'imagine' }).waitForOriginal();
    expect(reply.attachments).toHaveLength(1);
    await fake.waitFor(() => commands[0]?.replied);

    const channel = (await bot.channels.fetch(fake.channel.id)) as TextChannel;
    const noFiles = await apiErrorOf(channel.send({ content: 'x', files: [{ name: 'a.png', attachment: PNG }] }));
    expect([noFiles.status, noFiles.code]).toEqual([403, 50013]);
    const text = await channel.send('text only');
    expect((await apiErrorOf(text.react('🔍'))).code).toBe(50013);
    fake.react(text.id, '🔍'); // once someone has reacted with it, Add Reactions is no longer needed
    await text.react('🔍');
    expect(fake.reactionUsers(text.id, '🔍')).toContain(fake.applicationId);

    fake.setChannelPermissions(fake.channel, fake.botUser, { deny: PermissionFlagsBits.ReadMessageHistory });
    await fake.waitFor(() => !channel.permissionsFor(bot.user!)?.has(PermissionFlagsBits.ReadMessageHistory));
    expect((await apiErrorOf(channel.send({ content: 'a reply', reply: { messageReference: text.id } }))).code).toBe(50013);
    expect((await channel.messages.fetch({ limit: 10, cache: false })).size).toBe(0);

    fake.setRolePermissions(fake.guild.botRoleId, 0n);
    fake.setRolePermissions(fake.guild.id, 0n);
    fake.setChannelPermissions(fake.channel, fake.botUser, {});
    const hidden = await apiErrorOf(bot.rest.post(Routes.channelMessages(fake.channel.id), { body: { content: 'x' } }));
    expect([hidden.status, hidden.code]).toEqual([403, 50001]);
  });

  it('announces guilds added after login, and lets the client resume after a dropped connection', async () => {
    const { fake, bot } = await start();
    const second = fake.addGuild({ name: 'Second' });
    await fake.waitFor(() => bot.guilds.cache.has(second.id));

    const resumed = once(bot, Events.ShardResume);
    fake.dropGatewayConnections();
    expect(fake.botConnected).toBe(false);
    await resumed;
    expect(fake.botConnected).toBe(true);
    const commands: string[] = [];
    bot.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand()) commands.push(interaction.guildId ?? '');
    });
    fake.slashCommand({ name: 'imagine', guild: second, user: fake.newMember({ guild: second }) });
    await fake.waitFor(() => commands.length === 1);
    expect(commands).toEqual([second.id]);
  });

  it('explains a waitFor timeout with the recent requests', async () => {
    const fake = (discord = await FakeDiscord.start());
    await fetch(`${fake.restUrl}/v10/gateway/bot`);
    await expect(fake.waitFor(() => false, { timeoutMs: 20, label: 'nothing' })).rejects.toThrow(
      /waiting for nothing[\s\S]*GET \/gateway\/bot → 401/,
    );
  });
});

describe('attachment options (a file given with a slash command)', () => {
  /** 3x2 PNG: the size an image attachment reports comes from the file itself. */
  const picture = () => sharp({ create: { width: 3, height: 2, channels: 3, background: '#c00' } }).png().toBuffer();

  async function startWithUpload(options: FakeDiscordOptions = {}) {
    const seen: ChatInputCommandInteraction[] = [];
    const started = await start((bot) => {
      bot.on(Events.InteractionCreate, (interaction) => {
        if (interaction.isChatInputCommand()) seen.push(interaction);
      });
    }, options);
    await started.bot.application!.commands.set([
      {
        name: 'diffuse',
        description: 'Film a picture',
        options: [
          { type: ApplicationCommandOptionType.Attachment, name: 'image', description: 'A picture' },
          { type: ApplicationCommandOptionType.String, name: 'caption', description: 'Words' },
        ],
      },
    ]);
    return { ...started, seen };
  }

  it('carries the file as data.options (its id) and data.resolved.attachments, whose signed URL on the fake serves the bytes', async () => {
    const { fake, seen } = await startWithUpload();
    const bytes = await picture();
    const command = fake.slashCommand({ name: 'diffuse', options: { image: { filename: 'red dot.png', bytes } } });
    const interaction = await fake.waitFor(() => seen[0]);
    const data = command.record.payload.data as { options: Array<{ name: string; type: number; value: string }>; resolved: { attachments: Record<string, Record<string, unknown>> } };
    expect(data.options).toEqual([{ name: 'image', type: 11, value: expect.stringMatching(/^\d{17,20}$/) }]);
    const resolved = data.resolved.attachments[data.options[0].value];
    expect(resolved).toMatchObject({ filename: 'red dot.png', size: bytes.length, content_type: 'image/png', width: 3, height: 2, ephemeral: true });
    expect(resolved.proxy_url).toBe(resolved.url);

    const attachment = interaction.options.getAttachment('image', true);
    expect([attachment.name, attachment.size, attachment.contentType, attachment.width, attachment.height]).toEqual(['red dot.png', bytes.length, 'image/png', 3, 2]);
    expect(attachment.url).toMatch(new RegExp(`^${fake.restUrl.replace(/\/api$/, '')}/ephemeral-attachments/${fake.channel.id}/\\d+/red%20dot\\.png\\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=[0-9a-f]+&$`));
    const download = await fetch(attachment.url);
    expect([download.status, download.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('answers 404 to the URL without its signature, with another, and once it has expired (a day later)', async () => {
    const clock = new TestClock();
    const { fake, seen } = await startWithUpload({ clock: clock.now });
    fake.slashCommand({ name: 'diffuse', options: { image: { filename: 'dot.png', bytes: await picture() } } });
    const url = new URL((await fake.waitFor(() => seen[0])).options.getAttachment('image', true).url);
    const unsigned = `${url.origin}${url.pathname}`;
    const forged = url.href.replace(/hm=[0-9a-f]+/, 'hm=00');
    expect((await fetch(unsigned)).status).toBe(404);
    expect((await fetch(forged)).status).toBe(404);
    expect((await fetch(url)).status).toBe(200);
    clock.advance(24 * 60 * 60_000);
    expect((await fetch(url)).status).toBe(404);
  });

  it('sends the content type the client declares, and no width or height for a file that is not a picture', async () => {
    const { fake, seen } = await startWithUpload();
    fake.slashCommand({ name: 'diffuse', options: { image: { filename: 'notes.png', bytes: Buffer.from('not a picture'), contentType: 'image/png' } } });
    const attachment = (await fake.waitFor(() => seen[0])).options.getAttachment('image', true);
    expect([attachment.contentType, attachment.width, attachment.height]).toEqual(['image/png', null, null]);
  });

  it('refuses a file for an option of another type, and a value that is not a file for an attachment option, as the client would', async () => {
    const { fake } = await startWithUpload();
    expect(() => fake.slashCommand({ name: 'diffuse', options: { image: 'cat.png' } })).toThrow(/option "image" is of type Attachment/);
    expect(() => fake.slashCommand({ name: 'diffuse', options: { caption: { filename: 'a.png', bytes: Buffer.alloc(1) } } })).toThrow(/option "caption" is of type String, got the file a.png/);
  });
});

describe('watching messages (what the sandbox page follows)', () => {
  it('reports each creation, edit, reaction and deletion, ephemeral replies included, until unsubscribed', async () => {
    await start((bot) => {
      bot.on(Events.InteractionCreate, async (interaction) => {
        if (!interaction.isChatInputCommand()) return;
        await interaction.reply({ content: 'only for you', flags: MessageFlags.Ephemeral });
      });
    });
    const fake = discord!;
    const seen: string[] = [];
    const stop = fake.watchMessages((m) => seen.push(`${m.content || '(empty)'}${m.reactions.size ? ` ${[...m.reactions.keys()].join('')}` : ''}${m.deletedAt ? ' deleted' : ''}`));
    const posted = fake.sendMessage('hello');
    fake.react(posted, '🔀');
    fake.slashCommand({ name: 'ping' });
    await fake.waitFor(() => seen.includes('only for you'));
    fake.deleteMessage(fake.channel, posted);
    stop();
    fake.sendMessage('unseen');
    expect(seen).toEqual(['hello', 'hello 🔀', 'only for you', 'hello 🔀 deleted']);
  });
});
