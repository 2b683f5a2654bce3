/**
 * CREDIT_MODE=compute end to end: the real bot and model, a real SQLite file, discord.js against the
 * local server. Jobs cost their steps × pixels against the model's default job (20 steps, 128x128).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagineOutcome, startHarness, type Harness } from '../support/bot-harness.ts';
import type { UserRecord } from '../../src/sandbox/discord-server/index.ts';

const DAILY = 10;
const EPHEMERAL = 64;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ CREDIT_MODE: 'compute', DEFAULT_DAILY_QUOTA: String(DAILY), MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const balance = (user: UserRecord) => h.bot.context.quota.balance(h.discord.guild.id, user.id);
const ledger = (user: UserRecord) => h.bot.store.ledger.history(h.discord.guild.id, user.id, { limit: 50 });

describe('credits that follow compute', () => {
  it('a 150-step 3:2 grid is refused with its price (45 credits, 11.25 default images each); nothing is queued or charged', async () => {
    const member = h.discord.newMember({ username: 'heavy' });
    const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a red circle', steps: 150, aspect: '3:2', count: 4 } });
    const { refusal } = await imagineOutcome(h, cmd);
    expect(refusal!.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(refusal!.content).toMatch(
      /^This job \(4 images, 150 steps, 192x128\) costs 45 credits \(each image is 11\.25x the compute of a default 20-step 128x128 image\) and you have 10 left today\./,
    );
    expect(await h.bot.store.jobs.listRecentByUser(member.id, { limit: 10 })).toEqual([]);
    expect(await ledger(member)).toEqual([]);
    expect(await balance(member)).toMatchObject({ available: DAILY });
  });

  it('a 40-step single image costs 2 credits, twice a default one', async () => {
    const member = h.discord.newMember({ username: 'light' });
    const { result } = await imagineOutcome(h, h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a blue square', steps: 40, count: 1 } }));
    expect(result).toBeDefined();
    const job = await h.discord.waitFor(() => h.bot.store.jobs.findByResultMessage(result!.id));
    expect(job.cost).toBe(2);
    expect(await balance(member)).toMatchObject({ available: DAILY - 2 });
  });

  it('/quota me says credits follow compute and prices a default /imagine and a 150-step one', async () => {
    const member = h.discord.newMember({ username: 'curious' });
    const cmd = h.discord.slashCommand({ name: 'quota', subcommand: 'me', user: member });
    const me = await h.discord.waitFor(() => cmd.followups[0] ?? (cmd.original?.content ? cmd.original : undefined));
    expect(me.content).toContain('Credits follow compute here: one image of the default job (20 steps, 128x128) costs 1 credit');
    expect(me.content).toContain('A default /imagine (4 images) costs 4 credits; at 150 steps it costs 30 credits.');
  });
});
