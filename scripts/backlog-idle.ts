/**
 * `npm run bench:backlog [-- --jobs 100 --steps 8 --members 4]`: how much of the time the engine
 * sits idle while a backlog waits. The bot runs in-process against the local Discord-compatible
 * server with one inference slot; members queue one-image jobs all at once, and the script records
 * when the engine is generating. Idle time is what the slot spends on anything else (saving,
 * posting, waiting on Discord) while jobs are waiting for it. Prints the idle fraction and the
 * throughput.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { startHarness } from '../test/support/bot-harness.ts';
import type { MessageRecord } from '../src/sandbox/discord-server/index.ts';
import { embeddedPipeline } from '../test/support/model.ts';
import { whole } from './cli-number.ts';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100' },
    steps: { type: 'string', default: '8' },
    members: { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
  },
});
const JOBS = whole('jobs', values.jobs, 1);
const STEPS = whole('steps', values.steps, 1);
const MEMBERS = whole('members', values.members, 1);

const hasResult = (m: MessageRecord) => m.attachments.some((a) => a.filename.startsWith('job-'));

// Record every engine run: the shared pipeline is what the harness's bot calls.
const pipeline = await embeddedPipeline();
const generate = pipeline.generate.bind(pipeline);
const busy: Array<[number, number]> = [];
pipeline.generate = async (...args: Parameters<typeof generate>) => {
  const start = performance.now();
  try {
    return await generate(...args);
  } finally {
    busy.push([start, performance.now()]);
  }
};

const h = await startHarness({
  INFERENCE_SLOTS: '1',
  PREVIEW_INTERVAL_MS: '1000',
  MAX_JOBS_PER_USER: String(JOBS),
  MAX_QUEUE_PER_GUILD: String(JOBS + 1),
  DEFAULT_DAILY_QUOTA: String(JOBS * 2),
});
try {
  const members = Array.from({ length: MEMBERS }, (_, k) => h.discord.newMember({ username: `member${k + 1}` }));
  // Warm the engine (first-run allocations) outside the measurement.
  await h.discord.slashCommand({ name: 'imagine', options: { prompt: 'warm up', steps: 2, count: 1 } }).waitForOriginal(hasResult);
  busy.length = 0;

  const commands = Array.from({ length: JOBS }, (_, k) =>
    h.discord.slashCommand({ name: 'imagine', user: members[k % MEMBERS], options: { prompt: `a red circle ${k}`, steps: STEPS, count: 1, seed: k } }),
  );
  await Promise.all(commands.map((cmd) => cmd.waitForOriginal(hasResult, { timeoutMs: 30 * 60_000 })));
  await h.bot.jobs.idle();

  // From the first engine start to the last engine end: a backlog waited all that time.
  const spanMs = busy.at(-1)![1] - busy[0][0];
  const busyMs = busy.reduce((sum, [a, b]) => sum + (b - a), 0);
  const idle = 1 - busyMs / spanMs;
  const report = {
    jobs: JOBS,
    steps: STEPS,
    engine_runs: busy.length,
    span_s: +(spanMs / 1000).toFixed(2),
    engine_busy_s: +(busyMs / 1000).toFixed(2),
    idle_fraction: +idle.toFixed(4),
    idle_ms_per_job: +((spanMs - busyMs) / busy.length).toFixed(1),
    images_per_min: +((busy.length / spanMs) * 60_000).toFixed(1),
  };
  if (values.json) console.log(JSON.stringify(report));
  else for (const [k, v] of Object.entries(report)) console.log(`${k.padEnd(16)} ${v}`);
} finally {
  await h.close();
}
