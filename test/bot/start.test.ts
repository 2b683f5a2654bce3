import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repo-paths.ts';

describe('npm start', () => {
  it('without a token says which variables to set and points to the sandbox and the CLI, and exits non-zero', () => {
    // An empty working directory: no .env to pick a token up from.
    const cwd = mkdtempSync(path.join(tmpdir(), 'start-'));
    const run = spawnSync(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'src/main.ts')], {
      cwd,
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/DISCORD_TOKEN is not set/);
    expect(run.stderr).toMatch(/DISCORD_CLIENT_ID is not set/);
    expect(run.stderr).toMatch(/npm run imagine -- "a red circle"/);
    expect(run.stderr).toMatch(/To try the bot without Discord: npm run sandbox/);
  });

  it('names a malformed value and what is allowed', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'start-'));
    const run = spawnSync(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'src/main.ts')], {
      cwd,
      env: { PATH: process.env.PATH, DISCORD_TOKEN: 'x', DISCORD_CLIENT_ID: '12', PREVIEW_INTERVAL_MS: 'soon', ORT_PROVIDER: 'tpu' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/DISCORD_CLIENT_ID must be a Discord id \(17 to 20 digits\), got "12"/);
    expect(run.stderr).toMatch(/PREVIEW_INTERVAL_MS must be a whole number from 250 to 60000, got "soon"/);
    expect(run.stderr).toMatch(/ORT_PROVIDER must be cpu or cuda, got "tpu"/);
    expect(run.stderr).not.toMatch(/\bx\b.*token/i);
  });
});
