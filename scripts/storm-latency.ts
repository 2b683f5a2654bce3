/**
 * `npm run bench:storm [-- --jobs 4 --storm-seconds 20]`: does a 429 storm on one server's replies
 * delay another server's jobs? The bot runs in-process against the fake Discord with one inference
 * slot; servers A and B each queue small jobs, interleaved by the fair queue. B's latency (command
 * to result on screen) is measured once in calm, once while every edit of A's replies and channel
 * messages answers 429 for a while. Prints both and their ratio.
 */
import { parseArgs } from 'node:util';
import { startHarness, type Harness } from '../test/support/bot-harness.ts';
import { registerCommands } from '../test/support/bot-environment.ts';
import type { GuildRecord, InteractionHandle, MessageRecord, UserRecord } from '../src/sandbox/discord-server/index.ts';
import { whole } from './cli-number.ts';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '4' },
    steps: { type: 'string', default: '6' },
    'storm-seconds': { type: 'string', default: '20' },
    'retry-after-ms': { type: 'string', default: '1000' },
  },
});

const JOBS = whole('jobs', values.jobs, 1);
const STEPS = whole('steps', values.steps, 1);
const STORM_MS = whole('storm-seconds', values['storm-seconds'], 1) * 1000;
const RETRY_AFTER_MS = whole('retry-after-ms', values['retry-after-ms'], 1);

interface Run {
  /** Server B's jobs, command to result, ms, in submission order. */
  b: number[];
  a: number[];
  stormHits: number;
}

const hasResult = (m: MessageRecord) => m.attachments.some((a) => a.filename.startsWith('job-'));

/** ms from the command to the first revision of its reply (or a followup) that shows the result. */
function latency(h: Harness, cmd: InteractionHandle): Promise<number> {
  return h.discord.waitFor(
    () => {
      const shown = [cmd.original, ...cmd.followups]
        .filter((m): m is MessageRecord => m !== undefined)
        .flatMap((m) => m.revisions.filter((r) => r.attachments.some((a) => a.filename.startsWith('job-'))).map((r) => r.at));
      return shown.length > 0 ? Math.min(...shown) - cmd.record.createdAt : undefined;
    },
    { timeoutMs: 15 * 60_000, label: `the result of ${cmd.id}` },
  );
}

async function scenario(storm: boolean): Promise<Run> {
  const h = await startHarness({ INFERENCE_SLOTS: '1', PREVIEW_INTERVAL_MS: '1000', MAX_JOBS_PER_USER: '50', MAX_QUEUE_PER_GUILD: '100' });
  try {
    const b: GuildRecord = h.discord.addGuild({ name: 'Server B' });
    await registerCommands(h.discord, b.id);
    const memberA: UserRecord = h.discord.user;
    const memberB: UserRecord = h.discord.newMember({ username: 'b-member', guild: b });
    // Warm the engine (first-run allocations) outside the measurement.
    await h.discord.slashCommand({ name: 'imagine', user: memberA, options: { prompt: 'warm up', steps: 2, count: 1 } }).waitForOriginal(hasResult);

    const limited = storm
      ? h.discord.rateLimit({ method: 'PATCH', path: /^\/(webhooks|channels)\//, guildId: h.discord.guild.id, count: Infinity, retryAfterMs: RETRY_AFTER_MS })
      : undefined;
    const ends = limited ? setTimeout(() => limited.stop(), STORM_MS) : undefined;
    const options = (k: number) => ({ prompt: `a shape ${k}`, steps: STEPS, count: 1, seed: k });
    const aCmds: InteractionHandle[] = [];
    const bCmds: InteractionHandle[] = [];
    for (let k = 0; k < JOBS; k++) {
      aCmds.push(h.discord.slashCommand({ name: 'imagine', user: memberA, options: options(k) }));
      bCmds.push(h.discord.slashCommand({ name: 'imagine', user: memberB, guild: b, options: options(100 + k) }));
    }
    const bLatencies = await Promise.all(bCmds.map((c) => latency(h, c)));
    limited?.stop();
    clearTimeout(ends);
    const aLatencies = await Promise.all(aCmds.map((c) => latency(h, c)));
    await h.bot.jobs.idle();
    return { b: bLatencies, a: aLatencies, stormHits: limited?.hits ?? 0 };
  } finally {
    await h.close();
  }
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor((xs.length - 1) / 2)];
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

console.log(`storm latency: ${JOBS} job(s) per server, ${STEPS} steps, INFERENCE_SLOTS=1; storm on server A's reply edits for ${STORM_MS / 1000} s, Retry-After ${RETRY_AFTER_MS} ms`);
const calm = await scenario(false);
const stormy = await scenario(true);
for (const [name, run] of [['calm', calm], ['storm on A', stormy]] as const) {
  console.log(
    `${name.padEnd(11)} server B: median ${fmt(median(run.b))}, max ${fmt(Math.max(...run.b))}  [${run.b.map(fmt).join(', ')}]` +
      `   server A: median ${fmt(median(run.a))}   429s answered: ${run.stormHits}`,
  );
}
const ratio = median(stormy.b) / median(calm.b);
console.log(`server B's median latency, storm / calm: ${ratio.toFixed(2)}x (max ${(Math.max(...stormy.b) / Math.max(...calm.b)).toFixed(2)}x)`);
