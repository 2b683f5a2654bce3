/**
 * The model registry with the real engine: models load on first use, at most `maxLoaded` stay,
 * the least recently used idle one is unloaded, and never one a job holds.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffusionPipeline } from '../../src/diffusion/pipeline.ts';
import { ModelRegistry, releaseSessions, type ModelEntry } from '../../src/services/model-registry.ts';
import { EMBEDDED_MODEL_DIR } from '../support/model.ts';

let dir: string;
let entries: ModelEntry[];
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'registry-'));
  entries = ['a', 'b', 'c'].map((name) => {
    const copy = path.join(dir, name);
    cpSync(EMBEDDED_MODEL_DIR, copy, { recursive: true });
    return { name, dir: copy };
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function registry(maxLoaded: number) {
  const events: string[] = [];
  const r = new ModelRegistry({
    models: entries,
    defaultName: 'a',
    maxLoaded,
    load: async (entry) => {
      events.push(`load ${entry.name}`);
      return DiffusionPipeline.load(entry.dir, { threads: 1 });
    },
    unload: async (entry, pipeline) => {
      events.push(`unload ${entry.name}`);
      await releaseSessions(pipeline);
    },
  });
  return { r, events };
}

describe('ModelRegistry', () => {
  it('loads on first use and unloads the least recently used idle model to stay within maxLoaded', async () => {
    const { r, events } = registry(2);
    expect(r.loaded).toEqual([]);
    (await r.acquire('a')).release();
    (await r.acquire('b')).release();
    (await r.acquire('a')).release(); // b is now the least recently used
    (await r.acquire('c')).release();
    expect(events).toEqual(['load a', 'load b', 'unload b', 'load c']);
    expect(r.loaded.sort()).toEqual(['a', 'c']);
    // An unloaded model still plans jobs from what was learnt when it was loaded.
    expect(r.plannerNow('b')?.resolve({ prompt: 'x' }).width).toBe(128);
    await r.close();
  });

  it('never unloads a model a job holds: the next load waits for the lease to end', async () => {
    const { r, events } = registry(1);
    const held = await r.acquire('a');
    let got = false;
    const next = r.acquire('b').then((lease) => {
      got = true;
      return lease;
    });
    // The lease on a is still held: b cannot load, and a is still usable.
    await new Promise((resolve) => setImmediate(resolve));
    expect(got).toBe(false);
    expect(events).toEqual(['load a']);
    const image = await held.pipeline.generate({ prompt: 'a red circle', steps: 1, n: 1, seed: 1 });
    expect(image.images).toHaveLength(1);
    held.release();
    const b = await next;
    expect(events).toEqual(['load a', 'unload a', 'load b']);
    b.release();
    await r.close();
  });

  it('a wait for room ends when the job is cancelled', async () => {
    const { r } = registry(1);
    const held = await r.acquire('a');
    const cancel = new AbortController();
    const waiting = r.acquire('b', cancel.signal);
    cancel.abort();
    await expect(waiting).rejects.toThrow();
    held.release();
    expect(r.loaded).toEqual(['a']);
    await r.close();
  });

  it('refuses a model it does not offer, naming it and the ones it does', async () => {
    const { r } = registry(1);
    await expect(r.acquire('d')).rejects.toThrow('unknown model "d"; this bot offers "a", "b", "c"');
  });
});
