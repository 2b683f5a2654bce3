/**
 * One bot process per database: a second bot, in this process or started with `npm start`,
 * refuses to start, naming the database and the pid holding it (exit code 1 for npm start). Once
 * the first stops, or is killed outright, a new one starts.
 */
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startBot } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { fakeWorld, spawnBot } from '../support/bot-process.ts';
import { embeddedPipeline } from '../support/model.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('a second bot on the same database refuses to start, naming the database and the holding pid; after the first stops, one starts', async () => {
  const h: Harness = await startHarness();
  cleanups.push(() => h.close());
  const file = path.join(h.dir, 'bot.db');
  const pipeline = await embeddedPipeline();
  await expect(startBot(h.config, { pipeline, log: () => {} })).rejects.toThrow(
    `another bot is already running on the SQLite database ${file} (pid ${process.pid} on ${hostname()} since `,
  );
  // The refused start left the running bot as it was.
  const cmd = h.discord.slashCommand({ name: 'info' });
  await h.discord.waitFor(() => cmd.original?.content, { timeoutMs: 30_000 });

  const bot = await h.restart();
  expect(bot.client.isReady()).toBe(true);
});

it('npm start on a database another bot holds exits 1 and says which database and pid', async () => {
  const { discord, env, dir } = await fakeWorld();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => discord.close());
  const running = await startBot(loadConfig(env), { pipeline: await embeddedPipeline(), log: () => {} });
  cleanups.push(() => running.stop());
  const second = spawnBot(env);
  expect(await second.exited).toBe(1);
  expect(second.output().stderr).toContain(
    `bot failed to start: another bot is already running on the SQLite database ${path.join(dir, 'bot.db')} (pid ${process.pid} on `,
  );
});

it('after npm start is killed with SIGKILL, a new bot starts on the same database at once', async () => {
  const { discord, env, dir } = await fakeWorld();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => discord.close());
  const first = spawnBot(env);
  cleanups.push(() => first.child.exitCode === null && first.child.signalCode === null && first.child.kill('SIGKILL'));
  await first.waitForOutput('logged in as');
  first.child.kill('SIGKILL');
  expect(await first.exited).toBe(null);
  const next = await startBot(loadConfig(env), { pipeline: await embeddedPipeline(), log: () => {} });
  cleanups.push(() => next.stop());
  expect(next.client.isReady()).toBe(true);
});
