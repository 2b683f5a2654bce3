/** `npm run imagine` as a child process, for the CLI tests: its exit code and what it printed. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { EMBEDDED_MODEL_DIR } from './model.ts';
import { repoRoot } from './repo-paths.ts';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs src/cli/imagine.ts with `args` on `modelDir` (the embedded model by default). */
export function runImagineCli(args: string[], modelDir = EMBEDDED_MODEL_DIR, timeoutMs = 120_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      path.join(repoRoot, 'node_modules/.bin/tsx'),
      ['src/cli/imagine.ts', ...args],
      // One onnxruntime thread: the suite shares two cores.
      { cwd: repoRoot, env: { ...process.env, MODEL_DIR: modelDir, ORT_THREADS: '1', ORT_PROVIDER: 'cpu' }, timeout: timeoutMs },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
