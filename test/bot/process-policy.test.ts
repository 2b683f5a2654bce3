/**
 * The process-level policy for failures nothing handled: a Discord request nobody awaited is
 * logged and the bot carries on; anything else stops the bot gracefully and exits 1; tokens never
 * reach the log. Driven through an event emitter standing in for `process`.
 */
import { EventEmitter } from 'node:events';
import { DiscordAPIError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { installProcessPolicy, redactSecrets } from '../../src/process-policy.ts';

const BOT_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.abcdefghijklmnopqrstuvwxyz0123456789';
const INTERACTION_PATH = '/webhooks/1234567890123456789/aW50ZXJhY3Rpb246MTIzOmFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6/messages/@original';

function setUp(stop: () => Promise<void> = async () => {}) {
  const target = new EventEmitter();
  const logs: string[] = [];
  const stops: string[] = [];
  let exited!: (code: number) => void;
  const exit = new Promise<number>((resolve) => (exited = resolve));
  const policy = installProcessPolicy({ log: (m) => void logs.push(m), exit: (code) => exited(code), secrets: [BOT_TOKEN], target, stopTimeoutMs: 50 });
  policy.setStop(async () => {
    stops.push('stop');
    await stop();
  });
  return { target, logs, stops, exit, policy };
}

describe('the process policy', () => {
  it('stops the bot gracefully on an unhandled rejection and exits 1, logging it without tokens', async () => {
    const { target, logs, stops, exit } = setUp();
    target.emit('unhandledRejection', new Error(`write failed for ${INTERACTION_PATH} with ${BOT_TOKEN}`));
    expect(await exit).toBe(1);
    expect(stops).toEqual(['stop']);
    const text = logs.join('\n');
    expect(text).toMatch(/unhandled promise rejection: Error: write failed for \/webhooks\/1234567890123456789\/\*\*\*\/messages\/@original with \*\*\*/);
    expect(text).toMatch(/stopping; unfinished jobs stay in the database and resume on the next start/);
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).not.toContain('aW50ZXJhY3Rpb246');
  });

  it('stops gracefully and exits 1 on an uncaught exception', async () => {
    const { target, logs, stops, exit } = setUp();
    target.emit('uncaughtException', new TypeError('cannot read properties of undefined'));
    expect(await exit).toBe(1);
    expect(stops).toEqual(['stop']);
    expect(logs[0]).toMatch(/^uncaught exception: TypeError: cannot read properties of undefined/);
  });

  it('logs a Discord request that failed unawaited and carries on', async () => {
    const { target, logs, stops, policy } = setUp();
    const err = new DiscordAPIError({ code: 10008, message: 'Unknown Message' }, 10008, 404, 'PATCH', `https://discord.com/api/v10${INTERACTION_PATH}`, {});
    target.emit('unhandledRejection', err);
    expect(stops).toEqual([]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^a Discord request failed and nothing handled it \(a message was not sent or edited; carrying on\): DiscordAPIError\[10008\]: Unknown Message/);
    expect(logs[0]).not.toContain('aW50ZXJhY3Rpb246');
    policy.uninstall();
  });

  it('exits 1 anyway when the graceful stop hangs, and once only when failures keep coming', async () => {
    const { target, logs, stops, exit } = setUp(() => new Promise(() => {}));
    target.emit('uncaughtException', new Error('first'));
    target.emit('unhandledRejection', new Error('second'));
    expect(await exit).toBe(1);
    expect(stops).toEqual(['stop']);
    expect(logs.join('\n')).toMatch(/while already stopping/);
    expect(logs.at(-1)).toMatch(/the stop took longer than 50 ms; exiting anyway/);
  });

  it('exits 0 after a signal once the stop has finished, and 1 when the stop fails', async () => {
    const clean = setUp();
    clean.policy.shutdown('SIGTERM');
    expect(await clean.exit).toBe(0);
    const failing = setUp(async () => {
      throw new Error('database gone');
    });
    failing.policy.shutdown('SIGTERM');
    expect(await failing.exit).toBe(1);
    expect(failing.logs.join('\n')).toMatch(/the stop failed: Error: database gone/);
  });

  it('redacts interaction tokens in callback and webhook paths and any given secret', () => {
    expect(redactSecrets(`POST /interactions/123456789012345678/${'a'.repeat(40)}/callback and ${BOT_TOKEN}`, [BOT_TOKEN])).toBe(
      'POST /interactions/123456789012345678/***/callback and ***',
    );
  });
});
