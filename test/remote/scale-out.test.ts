/**
 * Scale-out end to end with separate processes: a gateway (`npm start` with REDIS_URL), workers
 * (`npm run worker`, with a hand on them: test/support/held-worker.ts), a throwaway Redis, and the
 * real discord.js client against the local Discord-compatible server. A worker or the gateway is
 * killed (SIGKILL) at a moment the test chooses; every job is still delivered once and charged once.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import type { FakeDiscord, InteractionHandle, UserRecord, GuildRecord } from '../../src/sandbox/discord-server/index.ts';
import { openStore } from '../../src/store/index.ts';
import { hasImage } from '../support/bot-harness.ts';
import { expectDeliveredOnce as expectJobsDeliveredOnce, jobsWithPrompts, releaseInStartOrder as releaseJobsInStartOrder } from '../support/exactly-once.ts';
import { registerCommands } from '../support/bot-environment.ts';
import { fakeWorld, spawnBot, type BotProcess } from '../support/bot-process.ts';
import { findOpenssl, redisRequirement, startRedis, type RedisServer } from '../support/redis.ts';
import { requirement } from '../support/requirements.ts';
import { repoRoot } from '../support/repo-paths.ts';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.ts';

const needs = redisRequirement();
const TINY = path.join(repoRoot, 'models', 'tiny-shapes');
const SD15 = path.join(repoRoot, 'test', 'fixtures', 'models', 'sd15-tiny');
const LONG = { timeoutMs: 120_000 };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface World {
  discord: FakeDiscord;
  redis: RedisServer;
  gatewayEnv: Record<string, string>;
  workerEnv: Record<string, string>;
  gateways: BotProcess[];
  workers: WorkerProcess[];
  startGateway(): Promise<BotProcess>;
  startWorker(name: string, env?: Record<string, string>): Promise<WorkerProcess>;
}

async function world(extra: Record<string, string> = {}, options: { tls?: boolean } = {}): Promise<World> {
  const redis = await startRedis({ password: 'test-secret', tls: options.tls });
  const { discord, env, dir } = await fakeWorld();
  // A host trusts its own CA the standard way: NODE_EXTRA_CA_CERTS.
  const trust: Record<string, string> = redis.caFile ? { NODE_EXTRA_CA_CERTS: redis.caFile } : {};
  const gatewayEnv: Record<string, string> = { ...env, ...trust, REDIS_URL: redis.url, REDIS_PREFIX: 'e2e', PREVIEW_INTERVAL_MS: '250', MAX_JOBS_PER_USER: '10', ...extra };
  if (extra.MODELS) delete gatewayEnv.MODEL_DIR;
  const workerEnv = { ...trust, REDIS_URL: redis.url, REDIS_PREFIX: 'e2e', MODEL_DIR: TINY };
  const w: World = {
    discord,
    redis,
    gatewayEnv,
    workerEnv,
    gateways: [],
    workers: [],
    async startGateway() {
      const bot = spawnBot(gatewayEnv);
      w.gateways.push(bot);
      await bot.waitForOutput('logged in as');
      return bot;
    },
    async startWorker(name, env = {}) {
      const worker = spawnWorker(name, { ...(env.MODELS ? { ...trust, REDIS_URL: redis.url, REDIS_PREFIX: 'e2e' } : workerEnv), ...env });
      w.workers.push(worker);
      await worker.ready;
      return worker;
    },
  };
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => discord.close(),
    () => redis.stop(),
    async () => {
      if (process.env.DEBUG_E2E) for (const p of [...w.gateways, ...w.workers]) console.log(p.output());
      for (const p of [...w.gateways.map((g) => g.child), ...w.workers.map((x) => x.child)]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      await Promise.all([...w.gateways.map((g) => g.exited), ...w.workers.map((x) => x.exited)]);
    },
  );
  return w;
}

function imagine(w: World, prompt: string, options: { user?: UserRecord; guild?: GuildRecord; model?: string; steps?: number } = {}): InteractionHandle {
  return w.discord.slashCommand({
    name: 'imagine',
    user: options.user,
    guild: options.guild?.id,
    options: { prompt, steps: options.steps ?? 4, count: 1, seed: 3, ...(options.model ? { model: options.model } : {}) },
  });
}

/** Exactly once, judged from the gateway's database and every message of the server. */
async function expectDeliveredOnce(w: World, jobIds: number[]): Promise<void> {
  const store = await openStore(loadConfig(w.gatewayEnv).databaseUrl);
  try {
    await expectJobsDeliveredOnce(store, w.discord.messages(), jobIds);
  } finally {
    await store.close();
  }
}

/** Waits until the gateway has logged that its workers are `names` (none: ''). */
async function gatewaySees(bot: BotProcess, names: string): Promise<void> {
  const line = `workers: ${names || 'none'}`;
  const deadline = Date.now() + 60_000;
  while (!lastWorkersLine(bot).startsWith(line)) {
    if (Date.now() > deadline) throw new Error(`the gateway never logged "${line}":\n${bot.output().stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function lastWorkersLine(bot: BotProcess): string {
  const lines = bot.output().stderr.split('\n').filter((l) => l.includes('workers: '));
  return lines.at(-1)?.slice(lines.at(-1)!.indexOf('workers: ')) ?? '';
}

describe.skipIf(needs.missing)(`a gateway and workers in separate processes ${needs.title}`, () => {
  it('a worker killed mid-job: another worker runs the job again, and it is delivered once and charged once', async () => {
    const w = await world();
    const first = await w.startWorker('first');
    const gateway = await w.startGateway();
    const held = first.hold('doomed', 2);
    const cmd = imagine(w, 'a doomed red circle', { steps: 6 });
    const jobId = await held.reached;
    // The member already sees it being made.
    await cmd.waitForOriginal((m) => m.attachments.some((a) => a.filename === 'preview.png'), LONG);
    const second = await w.startWorker('second');
    first.child.kill('SIGKILL');
    await first.exited;
    const result = await cmd.waitForOriginal(hasImage, LONG);
    expect(result.content).toMatch(/a doomed red circle/);
    expect(second.started.map((s) => s.jobId)).toEqual([jobId]);
    // A later job still runs: the dead worker's slot is gone, the live one serves.
    const next = imagine(w, 'a later blue star');
    await next.waitForOriginal(hasImage, LONG);
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    await expectDeliveredOnce(w, [jobId, jobId + 1]);
    // The Redis password is in every process's REDIS_URL and in none of their output.
    for (const p of [gateway.output().stdout, gateway.output().stderr, first.output(), second.output()]) expect(p).not.toContain('test-secret');
    expect(gateway.output().stdout).toContain('Redis redis://:***@127.0.0.1:');
  });

  it('a worker stopped (SIGTERM) in a job longer than WORKER_SHUTDOWN_WAIT_MS hands it back; another worker makes it, delivered once', async () => {
    const w = await world();
    const first = await w.startWorker('first', { WORKER_SHUTDOWN_WAIT_MS: '300' });
    const gateway = await w.startGateway();
    const held = first.hold('handed back', 2);
    const cmd = imagine(w, 'a handed back square', { steps: 6 });
    const jobId = await held.reached;
    const second = await w.startWorker('second');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('handing it back to the queue');
    expect(first.output()).toContain(`job ${jobId} handed back to the queue`);
    await cmd.waitForOriginal(hasImage, LONG);
    expect(second.started.map((s) => s.jobId)).toEqual([jobId]);
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    await expectDeliveredOnce(w, [jobId]);
  });

  it('the gateway killed mid-job: the worker finishes, and the next gateway start delivers it, and a job still waiting, once each', async () => {
    const w = await world();
    const worker = await w.startWorker('only');
    const gateway = await w.startGateway();
    const held = worker.hold('running', 2);
    const running = imagine(w, 'a running red circle', { steps: 6 });
    const runningId = await held.reached;
    const waiting = imagine(w, 'a waiting blue star');
    await waiting.waitForOriginal((m) => m.content.startsWith('Queued: position 1'), LONG);
    gateway.child.kill('SIGKILL');
    await gateway.exited;
    held.release();
    // The worker goes on without the gateway and leaves the result in Redis.
    await w.discord.waitFor(() => worker.finished.includes(runningId), LONG);
    const again = await w.startGateway();
    await running.waitForOriginal(hasImage, LONG);
    await waiting.waitForOriginal(hasImage, LONG);
    // The running job was not made twice: the restarted gateway collected the worker's result.
    expect(worker.started.filter((s) => s.jobId === runningId)).toHaveLength(1);
    again.child.kill('SIGTERM');
    await again.exited;
    await expectDeliveredOnce(w, [runningId, runningId + 1]);
  });

  it('fairness holds over two workers: heavy/light members (H1 L1 L2 H2 H3) and two servers (A1 B1 A2 B2 A3)', async () => {
    const w = await world();
    const announcer = await w.startWorker('announcer');
    const gateway = await w.startGateway();
    announcer.child.kill('SIGTERM');
    await announcer.exited;
    await gatewaySees(gateway, '');
    const submitAll = async (list: Array<{ prompt: string; user: UserRecord; guild?: GuildRecord }>) => {
      const handles: InteractionHandle[] = [];
      for (const job of list) {
        const cmd = imagine(w, job.prompt, { user: job.user, guild: job.guild });
        // No worker yet: every job waits, and each is in line before the next is sent.
        await cmd.waitForOriginal((m) => m.content.startsWith('Queued: position'), LONG);
        handles.push(cmd);
      }
      return handles;
    };
    const heavy = w.discord.newMember({ username: 'heavy' });
    const light1 = w.discord.newMember({ username: 'light1' });
    const light2 = w.discord.newMember({ username: 'light2' });
    const first = await submitAll([
      { prompt: 'heavy 1', user: heavy },
      { prompt: 'heavy 2', user: heavy },
      { prompt: 'heavy 3', user: heavy },
      { prompt: 'light one', user: light1 },
      { prompt: 'light two', user: light2 },
    ]);
    const one = spawnWorker('one', w.workerEnv);
    const two = spawnWorker('two', w.workerEnv);
    w.workers.push(one, two);
    const firstPrompts = ['heavy 1', 'heavy 2', 'heavy 3', 'light one', 'light two'];
    await releaseInStartOrder(w, [one, two], firstPrompts);
    for (const cmd of first) await cmd.waitForOriginal(hasImage, LONG);
    expect(await startOrder(w, firstPrompts)).toEqual(['heavy 1', 'light one', 'light two', 'heavy 2', 'heavy 3']);
    // Both workers ran jobs at once.
    expect(one.started.length).toBeGreaterThan(0);
    expect(two.started.length).toBeGreaterThan(0);

    one.child.kill('SIGTERM');
    two.child.kill('SIGTERM');
    await Promise.all([one.exited, two.exited]);
    await gatewaySees(gateway, '');
    const b = w.discord.addGuild({ name: 'Second Guild' });
    const aMember = w.discord.newMember({ username: 'a-member' });
    const bMember = w.discord.newMember({ username: 'b-member', guild: b });
    const second = await submitAll([
      { prompt: 'a one', user: aMember },
      { prompt: 'a two', user: aMember },
      { prompt: 'a three', user: aMember },
      { prompt: 'b one', user: bMember, guild: b },
      { prompt: 'b two', user: bMember, guild: b },
    ]);
    const three = spawnWorker('three', w.workerEnv);
    const four = spawnWorker('four', w.workerEnv);
    w.workers.push(three, four);
    await releaseInStartOrder(w, [three, four], ['a one', 'a two', 'a three', 'b one', 'b two']);
    for (const cmd of second) await cmd.waitForOriginal(hasImage, LONG);
    expect(await startOrder(w, ['a one', 'a two', 'a three', 'b one', 'b two'])).toEqual(['a one', 'b one', 'a two', 'b two', 'a three']);
  });

  it('a worker that serves only model B never takes model A\'s job: A\'s job waits for an A worker while B\'s jobs run', async () => {
    const models = `tiny=${TINY},sd15=${SD15}`;
    const w = await world({ MODELS: models, DEFAULT_MODEL: 'tiny' });
    await registerCommands(w.discord, w.discord.guild.id, loadConfig(w.gatewayEnv));
    const announcer = await w.startWorker('announcer', { MODELS: models });
    const gateway = await w.startGateway();
    announcer.child.kill('SIGTERM');
    await announcer.exited;
    const onlyB = await w.startWorker('only-b', { MODELS: `sd15=${SD15}` });
    await gatewaySees(gateway, 'only-b (sd15)');
    const forA = imagine(w, 'for the A model', { model: 'tiny' });
    await forA.waitForOriginal((m) => m.content.startsWith('Queued: position 1'), LONG);
    // Another member: a member's own jobs keep their order, whatever their models.
    const forB = imagine(w, 'for the B model', { model: 'sd15', user: w.discord.newMember({ username: 'b-fan' }) });
    await forB.waitForOriginal(hasImage, LONG);
    // B's job, sent later, is done; A's still waits, untouched by the B worker.
    expect(forA.original?.content).toMatch(/^Queued: position 1/);
    expect(onlyB.started.map((s) => s.model)).toEqual(['sd15']);
    const onlyA = await w.startWorker('only-a', { MODELS: `tiny=${TINY}` });
    await forA.waitForOriginal(hasImage, LONG);
    expect(onlyA.started.map((s) => s.prompt)).toEqual(['for the A model']);
    expect(onlyB.started.map((s) => s.model)).toEqual(['sd15']);
  });
});

async function releaseInStartOrder(w: World, workers: WorkerProcess[], prompts: string[]): Promise<void> {
  const store = await openStore(loadConfig(w.gatewayEnv).databaseUrl);
  try {
    await releaseJobsInStartOrder(w.discord, store, workers, prompts);
  } finally {
    await store.close();
  }
}

/** Prompts in the order their jobs started (released to a worker), from the gateway's database. */
async function startOrder(w: World, prompts: string[]): Promise<string[]> {
  const store = await openStore(loadConfig(w.gatewayEnv).databaseUrl);
  try {
    // Recorded done once Discord has the post, a moment after the picture shows.
    const rows = await w.discord.waitFor(async () => {
      const found = await jobsWithPrompts(store, prompts);
      return found.length === prompts.length && found.every((r) => r.status === 'done') ? found : undefined;
    }, LONG);
    return rows.sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime() || a.id - b.id).map((r) => r.prompt);
  } finally {
    await store.close();
  }
}

const needsTls = requirement('openssl', 'OPENSSL', findOpenssl());

describe.skipIf(needs.missing || needsTls.missing)(`a gateway and a worker over TLS ${needs.title}, ${needsTls.title}`, () => {
  it('serve /imagine through rediss:// with a password, and the password reaches no log', async () => {
    const w = await world({}, { tls: true });
    expect(w.redis.url).toMatch(/^rediss:\/\/:test-secret@127\.0\.0\.1:\d+$/);
    const worker = await w.startWorker('tls-worker');
    const gateway = await w.startGateway();
    const cmd = imagine(w, 'a circle sent over TLS');
    await cmd.waitForOriginal(hasImage, LONG);
    expect(worker.started.map((s) => s.prompt)).toEqual(['a circle sent over TLS']);
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    for (const p of [gateway.output().stdout, gateway.output().stderr, worker.output()]) expect(p).not.toContain('test-secret');
    expect(gateway.output().stdout).toContain('Redis rediss://:***@127.0.0.1:');
  });
});
