import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/bot-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const credits = () => h.bot.context.quota.balance(h.discord.guild.id, h.discord.user.id).then((b) => b.available);

describe('/cancel', () => {
  it('stops a running job between steps, says so in its reply, and gives the credits back', async () => {
    const before = await credits();
    // Parked after step 1 until the cancel aborts it, however fast the machine.
    const held = h.engine.hold({ prompt: 'a blue heart' });
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a blue heart', steps: 20, seed: 2 } });
    await held.reached;
    expect(await credits()).toBe(before - 4);
    const cancel = h.discord.slashCommand({ name: 'cancel' });
    const ack = await h.discord.waitFor(() => (cancel.original?.content ? cancel.original : undefined));
    expect(ack.flags & 64).toBe(64);
    expect(ack.content).toMatch(/^Cancelled job \d+ \(\*\*a blue heart\*\*\); 4 credits returned\.$/);
    const reply = await cmd.waitForOriginal((m) => m.content.startsWith('Cancelled'));
    expect(reply.content).toBe('Cancelled: cancelled by you');
    expect(reply.components).toEqual([]);
    const [job] = await h.bot.store.jobs.listRecentByUser(h.discord.user.id, { limit: 1 });
    expect(job).toMatchObject({ status: 'cancelled', error: 'cancelled by you' });
    expect((await h.bot.store.ledger.entriesForJob(job.id)).map((e) => e.reason).sort()).toEqual(['refund', 'reserve']);
    expect(await credits()).toBe(before);
  });

  it('takes a waiting job out of the queue before it runs', async () => {
    const other = h.discord.newMember({ username: 'first' });
    const running = h.engine.hold({ prompt: 'a red star' });
    h.discord.slashCommand({ name: 'imagine', user: other, options: { prompt: 'a red star', steps: 8 } });
    await running.reached;
    const mine = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a green circle', steps: 10, count: 1 } });
    await mine.waitForOriginal((m) => /^Queued: position 1/.test(m.content));
    const [queued] = await h.bot.store.jobs.listByStatus(['queued']);
    h.discord.slashCommand({ name: 'cancel', options: { job: queued.id } });
    await mine.waitForOriginal((m) => m.content === 'Cancelled: cancelled by you');
    running.release();
    await h.bot.jobs.idle();
    expect((await h.bot.store.jobs.get(queued.id))?.startedAt).toBeNull();
  });

  it("refuses to cancel someone else's job, and says when there is nothing to cancel", async () => {
    const owner = h.discord.newMember({ username: 'owner' });
    // Still running when the owner cancels it at the end, however fast the machine.
    const held = h.engine.hold({ prompt: 'a white star' });
    h.discord.slashCommand({ name: 'imagine', user: owner, options: { prompt: 'a white star', steps: 8 } });
    await held.reached;
    const job = await h.discord.waitFor(async () => (await h.bot.store.jobs.listRecentByUser(owner.id, { limit: 1 }))[0]);
    const stranger = h.discord.newMember({ username: 'stranger' });
    const attempt = h.discord.slashCommand({ name: 'cancel', user: stranger, options: { job: job.id } });
    const refusal = await h.discord.waitFor(() => (attempt.original?.content ? attempt.original : undefined));
    expect(refusal.content).toMatch(/belongs to someone else/);
    const none = h.discord.slashCommand({ name: 'cancel', user: stranger });
    expect((await h.discord.waitFor(() => (none.original?.content ? none.original : undefined))).content).toMatch(/no job waiting or running/);
    await h.bot.jobs.cancel(job.id, { userId: owner.id, guildId: h.discord.guild.id });
    await h.bot.jobs.idle();
  });
});
