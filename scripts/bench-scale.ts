/**
 * `npm run bench:scale [-- --jobs 24 --count 4 --steps 48 --sequential 4 --json]`: what scaling out costs
 * and gives, measured in one run on this machine with separate processes, as a host runs them:
 * the bot alone (`npm start`), then a gateway (`npm start` with REDIS_URL) with one and with two
 * workers (`npm run worker`, ORT_THREADS=1 each), against the local Discord-compatible server and a
 * throwaway Redis.
 *
 * - images/min with a backlog of jobs (a 2x2 grid each by default), 1 worker vs 2 workers: the scaling ratio;
 * - median latency of one job at a time (command to posted picture), gateway + worker minus the
 *   bot alone: what the queue adds;
 * - the workers' idle fraction while the backlog waits: gaps between a worker's jobs (from each
 *   job's "made in N ms" line) over the span from its first job's start to its last job's end;
 * - the gateway's CPU time per job (user + system, from /proc) during the backlog.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { FakeDiscord, MessageRecord } from '../src/sandbox/discord-server/index.ts';
import { fakeWorld, spawnBot, type BotProcess } from '../test/support/bot-process.ts';
import { startRedis } from '../test/support/redis.ts';
import { repoRoot } from '../test/support/repo-paths.ts';
import { whole } from './cli-number.ts';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '24' },
    steps: { type: 'string', default: '48' },
    sequential: { type: 'string', default: '4' },
    count: { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
  },
});
const JOBS = whole('jobs', values.jobs, 2);
const STEPS = whole('steps', values.steps, 1);
const SEQUENTIAL = whole('sequential', values.sequential, 1);
const COUNT = whole('count', values.count, 1);
const MEMBERS = 4;

const hasResult = (m: MessageRecord) => m.attachments.some((a) => a.filename.startsWith('job-'));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const TICK_MS = 10; // /proc times are in clock ticks of 1/100 s on Linux
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

interface Worker {
  child: ChildProcess;
  /** [start, end] of each job, in this process's clock (end: when its line arrived). */
  jobs: Array<[number, number]>;
  ready: Promise<void>;
}

function spawnWorker(name: string, env: Record<string, string>): Worker {
  const tsx = pathToFileURL(path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'src', 'worker-main.ts')], { env: { ...env, WORKER_NAME: name }, stdio: ['ignore', 'pipe', 'pipe'] });
  const jobs: Array<[number, number]> = [];
  let buffer = '';
  child.stderr!.on('data', (d) => {
    const now = performance.now();
    buffer += String(d);
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      const m = / made in (\d+) ms/.exec(line);
      if (m) jobs.push([now - Number(m[1]), now]);
    }
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes(': ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code}`)));
  });
  return { child, jobs, ready };
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((resolve) => p.once('exit', resolve));
  p.kill('SIGTERM');
  await exited;
}

async function sequential(discord: FakeDiscord, label: string): Promise<number[]> {
  const latencies: number[] = [];
  for (let k = 0; k < SEQUENTIAL; k++) {
    const t0 = performance.now();
    await discord.slashCommand({ name: 'imagine', options: { prompt: `${label} ${k}`, steps: STEPS, count: COUNT, seed: k } }).waitForOriginal(hasResult, { timeoutMs: 600_000 });
    latencies.push(performance.now() - t0);
  }
  return latencies;
}

async function backlog(discord: FakeDiscord, label: string, gateway: BotProcess) {
  const members = Array.from({ length: MEMBERS }, (_, k) => discord.newMember({ username: `${label}-member${k + 1}` }));
  const cpu0 = cpuMs(gateway.child.pid!);
  const t0 = performance.now();
  const commands = Array.from({ length: JOBS }, (_, k) =>
    discord.slashCommand({ name: 'imagine', user: members[k % MEMBERS], options: { prompt: `${label} backlog ${k}`, steps: STEPS, count: COUNT, seed: k } }),
  );
  await Promise.all(commands.map((cmd) => cmd.waitForOriginal(hasResult, { timeoutMs: 30 * 60_000 })));
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, imagesPerMin: ((JOBS * COUNT) / seconds) * 60, gatewayCpuMsPerJob: (cpuMs(gateway.child.pid!) - cpu0) / JOBS, since: t0 };
}

/** Idle share of each worker's busy span during the backlog (gaps between its jobs over first start to last end), and the mean gap. */
function idleFraction(workers: Worker[], since: number): { fraction: number; gapMs: number } {
  let idle = 0;
  let span = 0;
  let gaps = 0;
  for (const w of workers) {
    const jobs = w.jobs.filter(([start]) => start >= since - 5).sort((a, b) => a[0] - b[0]);
    if (jobs.length < 2) continue;
    span += jobs.at(-1)![1] - jobs[0][0];
    for (let i = 1; i < jobs.length; i++) idle += Math.max(0, jobs[i][0] - jobs[i - 1][1]);
    gaps += jobs.length - 1;
  }
  return { fraction: span ? idle / span : 0, gapMs: gaps ? idle / gaps : 0 };
}

const redis = await startRedis();
const { discord, env, dir } = await fakeWorld();
const base = { ...env, ORT_THREADS: '1', PREVIEW_INTERVAL_MS: '1000', MAX_JOBS_PER_USER: String(JOBS), MAX_QUEUE_PER_GUILD: String(JOBS + 1), DEFAULT_DAILY_QUOTA: String(JOBS * 10) };
const workerEnv = { PATH: process.env.PATH ?? '', REDIS_URL: redis.url, REDIS_PREFIX: 'bench', MODEL_DIR: path.join(repoRoot, 'models', 'tiny-shapes'), ORT_THREADS: '1' };
const children: ChildProcess[] = [];
try {
  // The bot alone: one process, one slot.
  const alone = spawnBot({ ...base, DATABASE_URL: `file:${path.join(dir, 'alone.db')}`, INFERENCE_SLOTS: '1' });
  children.push(alone.child);
  await alone.waitForOutput('logged in as');
  await sequential(discord, 'warm-up alone');
  const localLatency = median(await sequential(discord, 'alone'));
  await stop(alone.child);

  // Gateway and workers.
  const first = spawnWorker('first', workerEnv);
  children.push(first.child);
  await first.ready;
  const gateway = spawnBot({ ...base, DATABASE_URL: `file:${path.join(dir, 'gateway.db')}`, REDIS_URL: redis.url, REDIS_PREFIX: 'bench' });
  children.push(gateway.child);
  await gateway.waitForOutput('logged in as');
  await sequential(discord, 'warm-up remote');
  const remoteLatency = median(await sequential(discord, 'remote'));
  const one = await backlog(discord, 'one', gateway);
  const oneIdle = idleFraction([first], one.since);

  const second = spawnWorker('second', workerEnv);
  children.push(second.child);
  await second.ready;
  // The gateway reads the workers every second: wait until it has seen the second.
  await new Promise((r) => setTimeout(r, 2500));
  const two = await backlog(discord, 'two', gateway);
  const twoIdle = idleFraction([first, second], two.since);

  const report = {
    jobs: JOBS,
    imagesPerJob: COUNT,
    steps: STEPS,
    imagesPerMin: { oneWorker: Number(one.imagesPerMin.toFixed(1)), twoWorkers: Number(two.imagesPerMin.toFixed(1)) },
    scaling: Number((two.imagesPerMin / one.imagesPerMin).toFixed(2)),
    medianLatencyMs: { inProcess: Math.round(localLatency), gatewayAndWorker: Math.round(remoteLatency), added: Math.round(remoteLatency - localLatency) },
    workerIdleFraction: { oneWorker: Number(oneIdle.fraction.toFixed(4)), twoWorkers: Number(twoIdle.fraction.toFixed(4)) },
    workerGapMsBetweenJobs: { oneWorker: Number(oneIdle.gapMs.toFixed(1)), twoWorkers: Number(twoIdle.gapMs.toFixed(1)) },
    gatewayCpuMsPerJob: { oneWorker: Number(one.gatewayCpuMsPerJob.toFixed(1)), twoWorkers: Number(two.gatewayCpuMsPerJob.toFixed(1)) },
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`${JOBS} jobs of ${COUNT} image(s) and ${STEPS} steps, ORT_THREADS=1 per worker`);
    console.log(`images/min: 1 worker ${report.imagesPerMin.oneWorker}, 2 workers ${report.imagesPerMin.twoWorkers} (scaling ${report.scaling}x)`);
    console.log(`median latency, one job at a time: in-process ${report.medianLatencyMs.inProcess} ms, gateway + worker ${report.medianLatencyMs.gatewayAndWorker} ms (the queue adds ${report.medianLatencyMs.added} ms)`);
    console.log(`worker idle while the backlog waits: ${(oneIdle.fraction * 100).toFixed(2)}% (1 worker), ${(twoIdle.fraction * 100).toFixed(2)}% (2 workers); ${oneIdle.gapMs.toFixed(1)} / ${twoIdle.gapMs.toFixed(1)} ms between two jobs`);
    console.log(`gateway CPU per job: ${report.gatewayCpuMsPerJob.oneWorker} ms (1 worker), ${report.gatewayCpuMsPerJob.twoWorkers} ms (2 workers)`);
  }
} finally {
  for (const c of children.reverse()) await stop(c);
  await discord.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
