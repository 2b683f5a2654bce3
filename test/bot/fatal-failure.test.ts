/**
 * `npm start` meets a failure nothing handled (an unhandled rejection, as a bug would leave): it
 * logs it with context and without tokens, stops gracefully, and exits 1; the jobs it had queued
 * stay in the database, their credits reserved, and the next start resumes and delivers them.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PermissionFlagsBits } from 'discord.js';
import { afterEach, expect, it } from 'vitest';
import { startBot, type RunningBot } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { spawnBot, fakeWorld, type BotProcess } from '../support/bot-process.ts';
import type { FakeDiscord, InteractionHandle } from '../../src/sandbox/discord-server/index.ts';
import { embeddedPipeline } from '../support/model.ts';
import { hasImage } from '../support/bot-harness.ts';

const faultyMain = fileURLToPath(new URL('./main-with-fault.ts', import.meta.url));
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const answer = (discord: FakeDiscord, cmd: InteractionHandle) =>
  discord.waitFor(() => cmd.followups[0] ?? (cmd.original?.content ? cmd.original : undefined), { timeoutMs: 30_000 });

it('an unhandled rejection in npm start is logged without tokens, stops it gracefully with exit code 1, and its queued jobs resume on the next start', async () => {
  const { discord, env, dir } = await fakeWorld();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => discord.close());
  const bot: BotProcess = spawnBot(env, faultyMain);
  cleanups.push(() => bot.child.exitCode === null && bot.child.signalCode === null && bot.child.kill('SIGKILL'));
  await bot.waitForOutput('logged in as');

  // Paused, so the jobs wait in the queue however fast the machine is.
  const admin = discord.newMember({ username: 'admin', permissions: PermissionFlagsBits.ManageGuild });
  expect((await answer(discord, discord.slashCommand({ name: 'mod', subcommand: 'pause', user: admin }))).content).toMatch(/^Paused/);
  const members = [discord.newMember({ username: 'a' }), discord.newMember({ username: 'b' })];
  const cmds = members.map((user, k) => discord.slashCommand({ name: 'imagine', user, options: { prompt: `a waiting shape ${k}`, steps: 2, count: 1 } }));
  await Promise.all(cmds.map((c) => c.waitForOriginal((m) => m.content.startsWith('Waiting: a moderator has paused'), { timeoutMs: 30_000 })));

  bot.child.stdin.write('reject\n');
  expect(await bot.exited).toBe(1);
  const { stderr } = bot.output();
  expect(stderr).toMatch(/unhandled promise rejection: Error: a bug nobody caught, writing to \/webhooks\/\d+\/\*\*\*\/messages\/@original as \*\*\*/);
  expect(stderr).toMatch(/stopping; unfinished jobs stay in the database and resume on the next start/);
  expect(stderr).not.toContain(env.DISCORD_TOKEN);
  expect(stderr).not.toContain('x'.repeat(60));

  // The next start (the instance lock was released) finds both jobs, still reserved, and resumes them.
  const next: RunningBot = await startBot(loadConfig(env), { pipeline: await embeddedPipeline(), log: () => {} });
  cleanups.push(() => next.stop());
  expect(next.recovered).toEqual({ resumed: 2, failed: 0 });
  const jobs = await next.store.jobs.listByStatus(['queued']);
  expect(jobs.map((j) => j.userId).sort()).toEqual(members.map((m) => m.id).sort());
  for (const job of jobs) expect((await next.store.ledger.entriesForJob(job.id)).map((e) => e.reason)).toEqual(['reserve']);
  await answer(discord, discord.slashCommand({ name: 'mod', subcommand: 'resume', user: admin }));
  const results = await Promise.all(cmds.map((c) => c.waitForOriginal(hasImage, { timeoutMs: 120_000 })));
  expect(results.map((r) => r.content)).toEqual([expect.stringMatching(/a waiting shape 0/), expect.stringMatching(/a waiting shape 1/)]);
});
