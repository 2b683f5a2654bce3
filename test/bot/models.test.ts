/**
 * Several models in one bot, end to end: `/imagine model:` picks one, a server's moderators set
 * its default with `/mod model`, buttons keep the model of the result they are under, a model the
 * bot does not offer is refused, and a job whose model is gone after a restart fails with a refund.
 * The second model is the embedded one copied under another name; MAX_LOADED_MODELS=1, so every
 * switch unloads the other model and loads this one again.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { readPngText } from '../../src/diffusion/png.ts';
import { buttonIds, hasImage, jobOf, startHarness, type Harness } from '../support/bot-harness.ts';
import type { InteractionHandle, MessageRecord, UserRecord } from '../../src/sandbox/discord-server/index.ts';
import { EMBEDDED_MODEL_DIR } from '../support/model.ts';

let h: Harness;
let admin: UserRecord;
let modelsDir: string;
const EPHEMERAL = 64;

beforeAll(async () => {
  modelsDir = mkdtempSync(path.join(tmpdir(), 'bot-models-'));
  const other = path.join(modelsDir, 'copy-of-shapes');
  cpSync(EMBEDDED_MODEL_DIR, other, { recursive: true });
  const models = `${EMBEDDED_MODEL_DIR},other=${other}`;
  // The commands were deployed when a third model, since removed, was still offered.
  const gone = path.join(modelsDir, 'retired');
  mkdirSync(gone);
  const registered = loadConfig({ MODELS: `${models},retired=${gone}` });
  h = await startHarness({ MODEL_DIR: '', MODELS: models, MAX_LOADED_MODELS: '1', ORT_THREADS: '1' }, { registered });
  admin = h.discord.newMember({ username: 'admin', permissions: PermissionFlagsBits.ManageGuild });
});
afterAll(async () => {
  await h?.close();
  rmSync(modelsDir, { recursive: true, force: true });
});

const picture = (m: MessageRecord) => m.attachments.find((a) => a.filename.startsWith('job-'))!;

function answer(cmd: InteractionHandle): Promise<MessageRecord> {
  return h.discord.waitFor(() => cmd.followups[0] ?? (cmd.original?.content ? cmd.original : undefined));
}

async function imagine(options: Record<string, string | number>, user?: UserRecord) {
  const cmd = h.discord.slashCommand({ name: 'imagine', user, options: { steps: 2, count: 1, ...options } });
  const result = await cmd.waitForOriginal(hasImage, { timeoutMs: 60_000 });
  return { result, job: await jobOf(h, result.id) };
}

describe('several models', () => {
  it('offers the configured models as the choices of /imagine model: and /mod model', () => {
    const imagineCommand = h.discord.commands(h.discord.guild).find((c) => c.definition.name === 'imagine')!;
    const option = (imagineCommand.definition.options as Array<{ name: string; choices?: Array<{ value: string }> }>).find((o) => o.name === 'model');
    expect(option?.choices?.map((c) => c.value)).toEqual(['tiny-shapes', 'other', 'retired']);
    expect(h.bot.jobs.models.names).toEqual(['tiny-shapes', 'other']);
  });

  it('/imagine model:other runs on that model, unloading the other one, and its picture and message name it', async () => {
    const { result, job } = await imagine({ prompt: 'a red circle', model: 'other', seed: 3 });
    expect(job).toMatchObject({ status: 'done', model: 'other' });
    expect(readPngText(picture(result).bytes).parameters).toMatch(/, Model: other$/);
    expect(result.content).toMatch(new RegExp(`Job ${job.id} · other · seed 3`));
    // MAX_LOADED_MODELS=1: loading "other" unloaded the default model.
    expect(h.bot.jobs.models.loaded).toEqual(['other']);

    const plain = await imagine({ prompt: 'a red circle', seed: 3 });
    expect(plain.job.model).toBe('tiny-shapes');
    expect(readPngText(picture(plain.result).bytes).parameters).toMatch(/, Model: tiny-shapes$/);
    expect(h.bot.jobs.models.loaded).toEqual(['tiny-shapes']);
  });

  it("a server's default model set with /mod model applies to /imagine without model:, is audited, and /info shows it", async () => {
    const set = await answer(h.discord.slashCommand({ name: 'mod', subcommand: 'model', user: admin, options: { model: 'other' } }));
    expect(set.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(set.content).toBe("This server's default model is now other: /imagine uses it unless a member picks another.");

    const { job } = await imagine({ prompt: 'a green square' });
    expect(job.model).toBe('other');
    // A member's own choice still wins over the server's default.
    expect((await imagine({ prompt: 'a green square', model: 'tiny-shapes' })).job.model).toBe('tiny-shapes');

    const info = await answer(h.discord.slashCommand({ name: 'info' }));
    expect(info.content).toMatch(/• \*\*tiny-shapes\*\* · loaded · native 128x128 · 20 steps, euler-a, guidance 7\n/);
    expect(info.content).toMatch(/• \*\*other\*\* · not loaded \(loads on first use\) · native 128x128 · [^\n]* ← default here/);

    const audit = await answer(h.discord.slashCommand({ name: 'mod', subcommand: 'audit', user: admin }));
    expect(audit.content).toMatch(new RegExp(`<@${admin.id}> made other the server's default model`));

    const shown = await answer(h.discord.slashCommand({ name: 'mod', subcommand: 'model', user: admin }));
    expect(shown.content).toBe("This server's default model is other. Models: tiny-shapes, other (the bot's default: tiny-shapes).");
    const cleared = await answer(h.discord.slashCommand({ name: 'mod', subcommand: 'model', user: admin, options: { clear: true } }));
    expect(cleared.content).toBe("This server uses the bot's default model, tiny-shapes.");
    expect((await imagine({ prompt: 'a green square' })).job.model).toBe('tiny-shapes');
  });

  it('members without Manage Server cannot change the default model', async () => {
    const member = h.discord.newMember({ username: 'member' });
    const refused = await answer(h.discord.slashCommand({ name: 'mod', subcommand: 'model', user: member, options: { model: 'other' } }));
    expect(refused.content).toBe('Only members with the Manage Server permission can do this.');
    expect(await h.bot.context.moderation.defaultModel(h.discord.guild.id)).toBeNull();
  });

  it("U, V and reroll under a result keep its model, whatever the server's default", async () => {
    // Enough steps that an upscale (strength 0.35) runs at least one.
    const grid = await imagine({ prompt: 'two blue stars', model: 'other', count: 2, seed: 11, steps: 6 });
    expect(grid.job.model).toBe('other');
    const ids = buttonIds(grid.result.components);
    for (const id of [ids[0][1], ids[1][0], ids[2][0]]) {
      const click = h.discord.clickButton(grid.result, id);
      const result = await click.waitForOriginal(hasImage, { timeoutMs: 60_000 });
      const job = await jobOf(h, result.id);
      expect(job).toMatchObject({ model: 'other', parentJobId: grid.job.id });
      expect(readPngText(picture(result).bytes).parameters).toMatch(/, Model: other(, Denoising strength: [\d.]+)?$/);
    }
  });

  it('a model the bot no longer offers is refused privately, naming it and the models offered; nothing is queued or charged', async () => {
    const member = h.discord.newMember({ username: 'stale-choice' });
    const before = await h.bot.context.quota.balance(h.discord.guild.id, member.id);
    const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a cat', model: 'retired' } });
    const refusal = await answer(cmd);
    expect(refusal.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(refusal.content).toBe('unknown model "retired"; this bot offers "tiny-shapes", "other"');
    expect(await h.bot.store.jobs.listRecentByUser(member.id, { guildId: h.discord.guild.id, limit: 5 })).toEqual([]);
    expect((await h.bot.context.quota.balance(h.discord.guild.id, member.id)).available).toBe(before.available);

    const mod = await answer(h.discord.slashCommand({ name: 'mod', subcommand: 'model', user: admin, options: { model: 'retired' } }));
    expect(mod.content).toBe('unknown model "retired"; this bot offers "tiny-shapes", "other"');
  });

  it('after a restart, a waiting job whose model is no longer offered fails with a clear message and its credits back', async () => {
    const member = h.discord.newMember({ username: 'restart-victim' });
    const { store, context } = h.bot;
    const before = await context.quota.balance(h.discord.guild.id, member.id);
    const created = await store.jobs.createReserved(
      {
        kind: 'imagine', guildId: h.discord.guild.id, channelId: h.discord.channel.id, userId: member.id, prompt: 'a lost triangle',
        steps: 2, guidance: 7, sampler: 'euler-a', width: 128, height: 128, count: 1, seed: 5, model: 'retired', cost: 1,
      },
      context.quota.reservation(h.discord.guild.id, member.id, 1),
    );
    if (!created.ok) throw new Error('expected the reservation to succeed');
    const bot = await h.restart();
    expect(bot.recovered).toEqual({ resumed: 0, failed: 1 });
    const job = await bot.store.jobs.get(created.job.id);
    expect(job?.status).toBe('failed');
    const told = await h.discord.waitFor(() => h.discord.messages().find((m) => m.content.includes('could not resume this job')));
    expect(told.content).toContain('its model "retired" is no longer offered; this bot offers "tiny-shapes", "other"');
    expect((await bot.context.quota.balance(h.discord.guild.id, member.id)).available).toBe(before.available);
  });
});
