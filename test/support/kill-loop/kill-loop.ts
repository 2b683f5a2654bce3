/**
 * The kill loop: the real bot as a child process (what `npm start` runs) against the fake Discord
 * server, members queueing jobs, SIGKILL at a random moment, start again, all on one database.
 * Then one last start drains the queue, and the outcome is judged only by what members can see
 * (messages on the fake server) and what the ledger holds: every job delivered exactly once, every
 * member's balance equal to the allowance minus the images delivered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { loadConfig } from '../../../src/config/config.ts';
import { QuotaService } from '../../../src/services/quota-service.ts';
import { openStore, type JobRecord } from '../../../src/store/index.ts';
import { botEnvironment, registerCommands } from '../bot-environment.ts';
import { FakeDiscord, type InteractionRecord, type UserRecord } from '../../../src/sandbox/discord-server/index.ts';
import { repoRoot } from '../repo-paths.ts';
import { startRedis, type RedisServer } from '../redis.ts';
import { mulberry32, type Random } from './random.ts';

export interface KillLoopOptions {
  rounds: number;
  /** Seeds the schedule (who submits what, when, and when the kill comes); printed so a run can be repeated. */
  seed: number;
  members?: number;
  /** Jobs submitted per round, at random moments in the first half of the kill window (those after the kill are not sent). */
  jobsPerRound?: { min: number; max: number };
  /** The kill comes at a random moment in [0, this] after the bot has connected. */
  maxKillDelayMs?: number;
  /** Daily credits of every member. */
  allowance?: number;
  /**
   * Count every job that was not delivered as a violation, even one that failed cleanly with a
   * refund (e.g. a job the restart could not resume). Default false: a clean failure is an outcome.
   */
  strict?: boolean;
  /**
   * Scale-out: this many workers (`npm run worker`) on a throwaway Redis, the bot as their gateway;
   * each round SIGKILLs the gateway or one worker, at random, and starts it again. 0: the bot alone.
   */
  workers?: number;
  /** How long the last start may take to drain the queue before the run is declared stuck. */
  drainTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface JobOutcome {
  jobId: number;
  member: string;
  images: number;
  status: string;
  /** Messages that show this job's result picture now. */
  shown: number;
  /** Successful uploads of the result picture (a second one is a repeated delivery). */
  uploads: number;
  /** What the member read last on the job's reply: 'result', 'failed', 'cancelled', or what else. */
  notice: string;
  /** Net credits the ledger took for the job. */
  charged: number;
  /** What the job row says went wrong, for jobs that were not delivered. */
  error: string | null;
}

export interface MemberOutcome {
  member: string;
  delivered: number;
  expected: number;
  available: number;
}

export interface KillLoopReport {
  seed: number;
  rounds: number;
  kills: Array<{ round: number; afterMs: number; submitted: number; victim: string }>;
  interactions: number;
  /** Acknowledged, but the process died before the job was recorded: nothing queued or charged. */
  lostBeforeRecorded: number;
  /** Refused with a reply (nothing queued or charged). */
  refused: number;
  /** Dispatched while the bot could not answer (no acknowledgement): Discord shows "did not respond". */
  unanswered: number;
  jobs: JobOutcome[];
  members: MemberOutcome[];
  violations: string[];
  dir: string;
  botLog: string;
}

const TERMINAL = new Set(['done', 'failed', 'cancelled']);

export async function runKillLoop(options: KillLoopOptions): Promise<KillLoopReport> {
  const log = options.log ?? (() => undefined);
  const random = mulberry32(options.seed);
  const allowance = options.allowance ?? 500;
  const perRound = options.jobsPerRound ?? { min: 2, max: 6 };
  const maxKillDelayMs = options.maxKillDelayMs ?? 3000;
  const dir = mkdtempSync(path.join(tmpdir(), 'kill-loop-'));
  const dbFile = path.join(dir, 'bot.db');
  const botLog = path.join(dir, 'bot.log');
  const logStream = createWriteStream(botLog);

  const discord = await FakeDiscord.start();
  let redis: RedisServer | undefined;
  try {
    await registerCommands(discord);
    const members = Array.from({ length: options.members ?? 4 }, (_, k) => discord.newMember({ username: `member${k + 1}` }));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...botEnvironment(discord, dir),
      ORT_THREADS: '1',
      DEFAULT_DAILY_QUOTA: String(allowance),
      // Half a day away from now, so the run never crosses a renewal.
      QUOTA_RESET_HOUR_UTC: String((new Date().getUTCHours() + 12) % 24),
      MAX_JOBS_PER_USER: '100',
      MAX_QUEUE_PER_GUILD: '1000',
    };
    const handles: InteractionRecord[] = [];
    const kills: KillLoopReport['kills'] = [];
    let serial = 0;
    const workers: ChildProcess[] = [];
    const workerCount = options.workers ?? 0;
    let workerEnv: Record<string, string> = {};
    if (workerCount > 0) {
      redis = await startRedis();
      env.REDIS_URL = redis.url;
      env.REDIS_PREFIX = 'kill-loop';
      // A killed worker's job is taken over after the lock runs out: 2 s keeps the run short.
      workerEnv = { PATH: env.PATH, REDIS_URL: redis.url, REDIS_PREFIX: 'kill-loop', MODEL_DIR: env.MODEL_DIR, ORT_THREADS: '1', WORKER_LOCK_MS: '2000' };
      for (let k = 0; k < workerCount; k++) workers.push(await startWorker(workerEnv, `worker${k + 1}`, logStream));
    }
    let bot: ChildProcess | undefined;

    for (let round = 1; round <= options.rounds; round++) {
      bot ??= await startBot(env, discord, logStream, round);
      const killAt = Math.round(random() * maxKillDelayMs);
      const count = perRound.min + Math.floor(random() * (perRound.max - perRound.min + 1));
      const plan = Array.from({ length: count }, () => ({ at: Math.round(random() * maxKillDelayMs * 0.5), member: pick(random, members), steps: 4 + Math.floor(random() * 5), images: 1 + Math.floor(random() * 2), seed: Math.floor(random() * 1e6) }));
      plan.sort((a, b) => a.at - b.at);
      const started = Date.now();
      let submitted = 0;
      for (const job of plan.filter((p) => p.at < killAt)) {
        await sleep(Math.max(0, started + job.at - Date.now()));
        serial += 1;
        handles.push(imagine(discord, job.member, `shape ${serial} in round ${round}`, job));
        submitted += 1;
      }
      await sleep(Math.max(0, started + killAt - Date.now()));
      // With workers, half the rounds kill one of them (the gateway lives on), half the gateway.
      const victim = workerCount > 0 && random() < 0.5 ? Math.floor(random() * workerCount) : -1;
      if (victim === -1) {
        await kill(bot, discord);
        bot = undefined;
      } else {
        await killProcess(workers[victim]);
        workers[victim] = await startWorker(workerEnv, `worker${victim + 1}`, logStream);
      }
      const name = victim === -1 ? (workerCount > 0 ? 'the gateway' : 'the bot') : `worker${victim + 1}`;
      kills.push({ round, afterMs: killAt, submitted, victim: name });
      log(`round ${String(round).padStart(2)}: ${submitted} job(s) submitted, SIGKILL ${name} after ${killAt} ms`);
    }

    log('last start: draining the queue');
    const last = bot ?? (await startBot(env, discord, logStream, options.rounds + 1));
    const drained = await drain(dbFile, discord, options.drainTimeoutMs ?? 10 * 60_000);
    await stop(last);
    for (const w of workers) await stop(w);
    logStream.end();
    return await judge({ strict: options.strict ?? false, env, dbFile, discord, members, handles, kills, allowance, drained, seed: options.seed, rounds: options.rounds, dir, botLog });
  } finally {
    await discord.close().catch(() => undefined);
    await redis?.stop();
  }
}

/** `npm run worker`, one node process, logging into the run's log. */
async function startWorker(env: Record<string, string>, name: string, logStream: NodeJS.WritableStream): Promise<ChildProcess> {
  const tsx = pathToFileURL(path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'src', 'worker-main.ts')], { env: { ...env, WORKER_NAME: name }, stdio: ['ignore', 'pipe', 'pipe'] });
  logStream.write(`--- ${name} (pid ${child.pid}) ---\n`);
  child.stderr!.pipe(logStream, { end: false });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes(': ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready; see the log`)));
  });
  return child;
}

async function killProcess(child: ChildProcess): Promise<void> {
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function imagine(discord: FakeDiscord, user: UserRecord, prompt: string, job: { steps: number; images: number; seed: number }): InteractionRecord {
  const handle = discord.slashCommand({ name: 'imagine', user, options: { prompt, steps: job.steps, count: job.images, seed: job.seed } });
  return handle.record;
}

/** `npm start`, as one node process (no wrapper), so SIGKILL hits the bot itself. */
async function startBot(env: Record<string, string>, discord: FakeDiscord, logStream: NodeJS.WritableStream, round: number): Promise<ChildProcess> {
  const tsx = pathToFileURL(path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  // The bot's own folder as working directory, with nothing in it: no developer's .env is read.
  const child = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'src', 'main.ts')], { cwd: path.dirname(env.IMAGE_DIR), env, stdio: ['ignore', 'pipe', 'pipe'] });
  logStream.write(`--- start ${round} (pid ${child.pid}) ---\n`);
  child.stdout!.pipe(logStream, { end: false });
  child.stderr!.pipe(logStream, { end: false });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + 180_000;
  while (!discord.botConnected) {
    if (exited !== undefined) throw new Error(`the bot exited with ${exited} before connecting (start ${round}); see its log`);
    if (Date.now() > deadline) throw new Error(`the bot did not connect within 180 s (start ${round})`);
    await sleep(20);
  }
  return child;
}

async function kill(child: ChildProcess, discord: FakeDiscord): Promise<void> {
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
  while (discord.botConnected) await sleep(10);
}

/** A graceful stop (SIGTERM), as an operator's would be, once everything is delivered. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await gone;
  clearTimeout(timer);
}

/**
 * Until every job row is finished and Discord has heard nothing from the bot for a while
 * (reactions and fallbacks come after the row is marked). Statuses other than the three final
 * ones (a future 'generated', say) count as unfinished.
 */
async function drain(dbFile: string, discord: FakeDiscord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    for (;;) {
      const rows = db.prepare('SELECT status, COUNT(*) AS n FROM "Job" GROUP BY status').all() as Array<{ status: string; n: number }>;
      const unfinished = rows.filter((r) => !TERMINAL.has(r.status)).reduce((s, r) => s + r.n, 0);
      const lastRequest = discord.requests.at(-1)?.at ?? 0;
      if (unfinished === 0 && Date.now() - lastRequest > 2000) return true;
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
  } finally {
    db.close();
  }
}

interface JudgeInput {
  strict: boolean;
  env: Record<string, string>;
  dbFile: string;
  discord: FakeDiscord;
  members: UserRecord[];
  handles: InteractionRecord[];
  kills: KillLoopReport['kills'];
  allowance: number;
  drained: boolean;
  seed: number;
  rounds: number;
  dir: string;
  botLog: string;
}

async function judge(input: JudgeInput): Promise<KillLoopReport> {
  const { discord, members, handles } = input;
  const violations: string[] = [];
  if (!input.drained) violations.push('the last start did not drain the queue in time');
  const config = loadConfig(input.env);
  const store = await openStore(config.databaseUrl);
  try {
    const quota = new QuotaService(store, { defaultDaily: config.quota.defaultDaily, resetHourUtc: config.quota.resetHourUtc, costPerImage: config.quota.costPerImage });
    const jobs: JobRecord[] = [];
    for (const member of members) jobs.push(...(await store.jobs.listRecentByUser(member.id, { guildId: discord.guild.id, limit: 10_000 })));
    jobs.sort((a, b) => a.id - b.id);
    const nameOf = new Map(members.map((m) => [m.id, m.username]));
    const recorded = new Set(jobs.map((j) => j.interactionId));

    const outcomes: JobOutcome[] = [];
    for (const job of jobs) {
      const file = `job-${job.id}.png`;
      const shown = discord.messages().filter((m) => m.attachments.some((a) => a.filename === file)).length;
      const uploads = discord.requests.filter((r) => r.status >= 200 && r.status < 300 && r.files.some((f) => f.filename === file)).length;
      const charged = -(await store.ledger.entriesForJob(job.id)).reduce((s, e) => s + e.delta, 0);
      const outcome: JobOutcome = { jobId: job.id, member: nameOf.get(job.userId) ?? job.userId, images: job.count, status: job.status, shown, uploads, notice: noticeOf(discord, job), charged, error: shown ? null : job.error };
      outcomes.push(outcome);
      const name = `job ${job.id} (${outcome.member}, ${job.count} image${job.count === 1 ? '' : 's'}, status ${job.status})`;
      if (shown > 1) violations.push(`${name}: its result is shown in ${shown} messages`);
      // An upload repeated as an edit of the one message that shows it (a restart re-editing the
      // reply) is invisible to the member; a second message is not, and counts above.
      if (uploads > 1 && shown !== 1) violations.push(`${name}: its result was uploaded ${uploads} times`);
      if (shown === 1 && charged !== job.count) violations.push(`${name}: delivered but charged ${charged} credit(s), not ${job.count}`);
      if (shown === 0 && charged !== 0) violations.push(`${name}: not delivered but charged ${charged} credit(s)`);
      if (shown === 0 && !TERMINAL.has(job.status)) violations.push(`${name}: never finished`);
      if (shown === 0 && job.status === 'done') violations.push(`${name}: recorded done, but no message shows its result`);
      if (shown === 0 && TERMINAL.has(job.status) && job.status !== 'done' && outcome.notice === 'none') {
        violations.push(`${name}: ended without telling the member`);
      }
      if (input.strict && shown === 0 && TERMINAL.has(job.status) && job.status !== 'done') {
        violations.push(`${name}: not delivered (${(job.error ?? 'no error recorded').replace(/\s+/g, ' ').slice(0, 120)})`);
      }
      if (shown === 1 && job.status !== 'done') violations.push(`${name}: delivered, but recorded as ${job.status}`);
    }

    const memberOutcomes: MemberOutcome[] = [];
    for (const member of members) {
      const delivered = outcomes.filter((o) => o.member === member.username && o.shown > 0).reduce((s, o) => s + o.images, 0);
      const available = (await quota.balance(discord.guild.id, member.id)).available;
      const expected = input.allowance - delivered;
      memberOutcomes.push({ member: member.username, delivered, expected, available });
      if (available !== expected) violations.push(`${member.username}: balance ${available}, expected ${input.allowance} - ${delivered} delivered = ${expected}`);
    }

    const unrecorded = handles.filter((h) => !recorded.has(h.id));
    return {
      seed: input.seed,
      rounds: input.rounds,
      kills: input.kills,
      interactions: handles.length,
      lostBeforeRecorded: unrecorded.filter((h) => h.callback !== null && h.followupIds.length === 0).length,
      refused: unrecorded.filter((h) => h.followupIds.length > 0).length,
      unanswered: unrecorded.filter((h) => h.callback === null).length,
      jobs: outcomes,
      members: memberOutcomes,
      violations,
      dir: input.dir,
      botLog: input.botLog,
    };
  } finally {
    await store.close();
  }
}

/** The last thing the member read about the job where its messages live: its reply, or the bot's channel message. */
function noticeOf(discord: FakeDiscord, job: JobRecord): string {
  const interaction = job.interactionId ? discord.interaction(job.interactionId) : undefined;
  const candidates = [
    interaction?.originalMessageId ? discord.message(interaction.originalMessageId) : undefined,
    ...(interaction ? interaction.followupIds.map((id) => discord.message(id)) : []),
    job.fallbackMessageId ? discord.message(job.fallbackMessageId) : undefined,
  ].filter((m) => m !== undefined && m.deletedAt === null);
  const texts = candidates.map((m) => m!.content.replace(/^<@\d+> /, ''));
  if (candidates.some((m) => m!.attachments.some((a) => a.filename === `job-${job.id}.png`))) return 'result';
  if (texts.some((t) => t.startsWith('Failed:'))) return 'failed';
  if (texts.some((t) => t.startsWith('Cancelled:'))) return 'cancelled';
  return texts.length ? `"${texts.at(-1)!.slice(0, 40)}"` : 'none';
}

/** The report as the table `npm run kill-loop` prints. */
export function formatReport(report: KillLoopReport): string {
  const lines: string[] = [];
  const victims = new Map<string, number>();
  for (const k of report.kills) victims.set(k.victim, (victims.get(k.victim) ?? 0) + 1);
  lines.push(`kill loop: seed ${report.seed}, ${report.rounds} SIGKILLs (${[...victims].map(([v, n]) => `${v} ${n}`).join(', ')}), ${report.interactions} /imagine sent`);
  lines.push(`  ${report.jobs.length} recorded as jobs; ${report.lostBeforeRecorded} acknowledged but killed before recorded; ${report.refused} refused; ${report.unanswered} never acknowledged (nothing queued or charged for these)`);
  const statuses = new Map<string, number>();
  for (const j of report.jobs) statuses.set(j.status, (statuses.get(j.status) ?? 0) + 1);
  lines.push(`  delivered ${report.jobs.filter((j) => j.shown > 0).length} of ${report.jobs.length} jobs`);
  lines.push(`  job statuses: ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}`);
  lines.push('');
  lines.push('  job  member    images  status     shown  uploads  charged  notice');
  for (const j of report.jobs) {
    lines.push(`  ${String(j.jobId).padStart(3)}  ${j.member.padEnd(8)}  ${String(j.images).padStart(6)}  ${j.status.padEnd(9)}  ${String(j.shown).padStart(5)}  ${String(j.uploads).padStart(7)}  ${String(j.charged).padStart(7)}  ${j.notice}`);
  }
  lines.push('');
  lines.push('  member    delivered  expected balance  balance');
  for (const m of report.members) lines.push(`  ${m.member.padEnd(8)}  ${String(m.delivered).padStart(9)}  ${String(m.expected).padStart(16)}  ${String(m.available).padStart(7)}`);
  const undelivered = report.jobs.filter((j) => j.shown === 0);
  if (undelivered.length > 0) {
    lines.push('');
    lines.push(`  not delivered (${undelivered.length}), with what the job row recorded:`);
    for (const j of undelivered) lines.push(`    job ${j.jobId}: ${j.status}, ${(j.error ?? 'no error recorded').replace(/\s+/g, ' ').slice(0, 160)}`);
  }
  lines.push('');
  lines.push(report.violations.length === 0 ? 'no violations' : `${report.violations.length} violation(s):\n${report.violations.map((v) => `  - ${v}`).join('\n')}`);
  lines.push(`database and bot log: ${report.dir}`);
  return lines.join('\n');
}
