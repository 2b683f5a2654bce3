/**
 * `npm start` as a child process against the local Discord-compatible server, for tests of what
 * only a whole process shows: exit codes, its log, and what it leaves in the database when it ends.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { botEnvironment, registerCommands } from './bot-environment.ts';
import { FakeDiscord } from '../../src/sandbox/discord-server/index.ts';
import { repoRoot } from './repo-paths.ts';

/** A fake Discord with the commands registered, and the environment `npm start` needs to use it. */
export async function fakeWorld(): Promise<{ discord: FakeDiscord; env: Record<string, string>; dir: string }> {
  const discord = await FakeDiscord.start();
  await registerCommands(discord);
  const dir = mkdtempSync(path.join(tmpdir(), 'bot-process-'));
  const env = { PATH: process.env.PATH ?? '', ...botEnvironment(discord, dir), ORT_THREADS: '1' };
  return { discord, env, dir };
}

export interface BotProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything it wrote so far. */
  readonly output: () => { stdout: string; stderr: string };
  /** Resolves when stdout contains `text`; rejects if the process ends first. */
  waitForOutput(text: string): Promise<void>;
  /** Its exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/** Runs `script` (default: src/main.ts, what `npm start` runs) with `env` in an empty working directory. */
export function spawnBot(env: Record<string, string>, script = path.join(repoRoot, 'src', 'main.ts')): BotProcess {
  // tsx's loader by its path: the working directory is empty, and `tsx` the command would put a
  // wrapper process between the test and the bot (a SIGKILL must reach the bot itself).
  const tsx = pathToFileURL(path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, script], { cwd: mkdtempSync(path.join(tmpdir(), 'bot-cwd-')), env });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ text: string; resolve: () => void; reject: (e: Error) => void }> = [];
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    for (const w of waiters.filter((w) => stdout.includes(w.text))) w.resolve();
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then((code) => {
    for (const w of waiters) w.reject(new Error(`expected the bot process to print "${w.text}", it exited with ${code}:\n${stdout}\n${stderr}`));
  });
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    waitForOutput(text) {
      if (stdout.includes(text)) return Promise.resolve();
      return new Promise((resolve, reject) => waiters.push({ text, resolve, reject }));
    },
  };
}
