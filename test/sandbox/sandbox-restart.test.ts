/** The sandbox's data/sandbox/ outlives a restart (same servers and members, same database); --fresh starts over. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { EMBEDDED_MODEL_DIR, embeddedPipeline } from '../support/model.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const start = async (fresh = false): Promise<Sandbox> =>
  startSandbox({ host: '127.0.0.1', port: 0, dataDir, fresh, env: { MODEL_DIR: EMBEDDED_MODEL_DIR }, bot: { pipeline: await embeddedPipeline(), log: () => {} } });

describe('restarting the sandbox', () => {
  it('keeps its servers, members and what the bot stored about them; --fresh starts over', async () => {
    const first = await start();
    const moderator = first.world.personas.find((p) => p.role === 'moderator')!;
    const pause = first.discord.slashCommand({ name: 'mod', subcommand: 'pause', user: moderator.id, channel: first.world.servers[0]!.channelId });
    await pause.waitForOriginal((m) => /Paused this server's queue/.test(m.content));
    const world = first.world;
    await first.close();

    const second = await start();
    expect(second.world).toEqual(world);
    expect(await second.bot.context.moderation.pausedGuilds()).toEqual([world.servers[0]!.id]);
    await second.close();

    const fresh = await start(true);
    expect(fresh.world.servers[0]!.id).not.toBe(world.servers[0]!.id);
    expect(await fresh.bot.context.moderation.pausedGuilds()).toEqual([]);
    await fresh.close();
  });
});
