/**
 * `npm run sandbox` as a user runs it: it prints the page's URL and serves it on 127.0.0.1 only,
 * unless SANDBOX_HOST says otherwise; Ctrl-C stops it; bad settings are named.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadSandboxConfig } from '../../src/config/sandbox-config.ts';
import { startSandboxDiscord } from '../../src/sandbox/sandbox-world.ts';
import { startWebServer } from '../../src/sandbox/web-server.ts';
import { EMBEDDED_MODEL_DIR } from '../support/model.ts';
import { repoRoot } from '../support/repo-paths.ts';

const TSX = path.join(repoRoot, 'node_modules/.bin/tsx');
const MAIN = path.join(repoRoot, 'src/sandbox/main.ts');

/** An address of this machine that other machines could reach (not loopback), if it has one. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

/** Whether a TCP connection to host:port is accepted. */
async function accepts(host: string, port: number): Promise<boolean> {
  const socket = connect({ host, port });
  try {
    await Promise.race([once(socket, 'connect'), once(socket, 'error').then(([err]) => Promise.reject(err))]);
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

describe('npm run sandbox', () => {
  it('prints the URL, serves the page on 127.0.0.1 and nowhere else, and stops on Ctrl-C', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'sandbox-start-'));
    // An empty working directory: no .env; the database lands in its data/sandbox/.
    const child = spawn(TSX, [MAIN], { cwd, env: { PATH: process.env.PATH, SANDBOX_PORT: '0', MODEL_DIR: EMBEDDED_MODEL_DIR } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const found = /open (http:\/\/\S+)/.exec(stdout);
          if (found) resolve(found[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code} before printing the URL:\n${stdout}\n${stderr}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('aria-label="Message"');
      const port = Number(new URL(url).port);
      if (externalAddress) expect(await accepts(externalAddress, port)).toBe(false);
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(stderr).toMatch(/SIGINT: stopping/);
      expect(await accepts('127.0.0.1', port)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it.skipIf(!externalAddress)('with SANDBOX_HOST=0.0.0.0 the page is reachable from the network too', async () => {
    const { discord, world } = await startSandboxDiscord();
    const web = await startWebServer(discord, world, loadSandboxConfig({ SANDBOX_HOST: '0.0.0.0', SANDBOX_PORT: '0' }));
    try {
      expect(await accepts(externalAddress!, web.port)).toBe(true);
    } finally {
      await web.close();
      await discord.close();
    }
  });

  it('refuses the WebSocket to pages of other sites open in the same browser, which could otherwise act as a member', async () => {
    const { discord, world } = await startSandboxDiscord();
    const web = await startWebServer(discord, world, { host: '127.0.0.1', port: 0 });
    const open = (origin: string) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${web.port}/events`, { origin });
        socket.once('message', (data) => (resolve(JSON.parse(String(data)).type), socket.close()));
        socket.once('unexpected-response', (_request, response) => resolve(`refused ${response.statusCode}`));
      });
    try {
      expect(await open('http://evil.example')).toBe('refused 403');
      expect(await open('null')).toBe('refused 403');
      expect(await open(`http://127.0.0.1:${web.port}`)).toBe('hello');
    } finally {
      await web.close();
      await discord.close();
    }
  });

  it('names a malformed SANDBOX_PORT or SANDBOX_HOST and what is allowed, and exits non-zero', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'sandbox-start-'));
    const run = spawnSync(TSX, [MAIN], { cwd, env: { PATH: process.env.PATH, SANDBOX_PORT: '80000', SANDBOX_HOST: 'my host' }, encoding: 'utf8', timeout: 60_000 });
    rmSync(cwd, { recursive: true, force: true });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/SANDBOX_PORT must be a whole number from 0 to 65535, got "80000"/);
    expect(run.stderr).toMatch(/SANDBOX_HOST must be a host name or IP address, got "my host"/);
  });

  it('defaults to 127.0.0.1:3000', () => {
    expect(loadSandboxConfig({})).toEqual({ host: '127.0.0.1', port: 3000 });
  });
});
