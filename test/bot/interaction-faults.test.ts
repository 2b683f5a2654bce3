/**
 * Nothing Discord does to an acknowledgement crashes the bot: a button's deferral answered with
 * 10062 (too late) or 40060 (already acknowledged), or its connection dropped before or after
 * Discord took it. The press then does nothing and costs nothing, the member is told where Discord
 * can still show it, and the bot goes on serving.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NOT_CONFIRMED } from '../../src/discord/acknowledge.ts';
import { startHarness, jobOf, type Harness } from '../support/bot-harness.ts';
import { errors, type MessageRecord, type RequestFailureKind } from '../../src/sandbox/discord-server/index.ts';
import { stallStore } from '../support/stalled-store.ts';

let h: Harness;
let grid: MessageRecord;
let gridJobId: number;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  h = await startHarness();
  const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a steady square', steps: 4, count: 2 } });
  grid = await cmd.waitForOriginal((m) => m.attachments.some((a) => a.filename.startsWith('job-')), { timeoutMs: 90_000 });
  gridJobId = (await jobOf(h, grid.id))!.id;
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await h?.close();
});
beforeEach(() => {
  unhandled.length = 0;
});
afterEach(() => {
  // Node 20 would have ended the process on any of these.
  expect(unhandled).toEqual([]);
});

const CALLBACK = /^\/interactions\/\d+\/[^/]+\/callback$/;
const jobsOfUser = () => h.bot.store.jobs.listRecentByUser(h.discord.user.id, { limit: 100 });
const ledgerOfUser = () => h.bot.store.ledger.history(h.discord.guild.id, h.discord.user.id, { limit: 100 });

describe('a button whose acknowledgement fails', () => {
  it.each<[string, RequestFailureKind, RegExp]>([
    ['answered 10062 Unknown interaction', errors.unknownInteraction(), /Discord no longer knows it \(10062\), so nothing was done/],
    ['answered 40060 Already acknowledged', errors.alreadyAcknowledged(), /already acknowledged \(40060\), so this delivery does nothing/],
    ['cut off before Discord saw it', 'drop-before', /could not acknowledge, so nothing was done/],
  ])('%s does nothing, charges nothing, and the next press works', async (_label, fail, logged) => {
    const jobsBefore = await jobsOfUser();
    const ledgerBefore = await ledgerOfUser();
    // A stalled database makes the failed acknowledgement arrive while the parent job is still being
    // read: code that acknowledged without awaiting would leave that rejection unhandled.
    const stall = stallStore(h.bot.store);
    const fault = h.discord.failRequests({ method: 'POST', path: CALLBACK }, fail);
    const press = h.discord.clickButton(grid, `u:${gridJobId}:0`);
    await h.discord.waitFor(() => fault.hits === 1 && h.logs.some((l) => l.startsWith(`interaction ${press.id} `) && logged.test(l)), { timeoutMs: 30_000 });
    stall.release();
    expect(await jobsOfUser()).toEqual(jobsBefore);
    expect(await ledgerOfUser()).toEqual(ledgerBefore);
    expect(press.followups).toEqual([]);

    const again = h.discord.clickButton(grid, `u:${gridJobId}:0`);
    const result = await again.waitForOriginal((m) => m.attachments.some((a) => a.filename.startsWith("job-")), { timeoutMs: 90_000 });
    expect(await jobOf(h, result.id)).toMatchObject({ kind: 'upscale', parentJobId: gridJobId });
  });

  it('cut off after Discord took it: the "thinking..." is replaced by a note that nothing was done', async () => {
    const jobsBefore = await jobsOfUser();
    const ledgerBefore = await ledgerOfUser();
    const fault = h.discord.failRequests({ method: 'POST', path: CALLBACK }, 'drop-after');
    const press = h.discord.clickButton(grid, `r:${gridJobId}`);
    const note = await press.waitForOriginal((m) => m.content !== '', { timeoutMs: 30_000 });
    expect(fault.hits).toBe(1);
    expect(note.content).toBe(NOT_CONFIRMED);
    expect(await jobsOfUser()).toEqual(jobsBefore);
    expect(await ledgerOfUser()).toEqual(ledgerBefore);
  });

  it('delivered twice: one job, charged once', async () => {
    const jobsBefore = await jobsOfUser();
    const press = h.discord.clickButton(grid, `v:${gridJobId}:1`);
    h.discord.redeliver(press);
    const result = await press.waitForOriginal((m) => m.attachments.some((a) => a.filename.startsWith('job-')), { timeoutMs: 90_000 });
    await h.discord.waitFor(() => h.logs.some((l) => l.startsWith(`interaction ${press.id} `) && /already acknowledged \(40060\)/.test(l)), { timeoutMs: 30_000 });
    const job = (await jobOf(h, result.id))!;
    expect((await jobsOfUser()).length).toBe(jobsBefore.length + 1);
    await h.bot.jobs.idle();
    expect((await h.bot.store.ledger.entriesForJob(job.id)).map((e) => e.reason).sort()).toEqual(['reserve', 'settle']);
  });
});
