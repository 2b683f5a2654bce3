/**
 * The one global fair queue (manager side) and the shards' proxies of it, wired as the IPC channel
 * wires them (each message delivered on a later turn), in one process: the fair order holds across
 * servers on different shards, members see their global places, pauses act everywhere, and a shard
 * that dies leaves its jobs in line for its next process.
 */
import { describe, expect, it } from 'vitest';
import { JobCancelledError, type QueueSnapshot } from '../../src/queue/index.ts';
import { GlobalQueue } from '../../src/sharding/global-queue.ts';
import { ShardQueue } from '../../src/sharding/shard-queue.ts';

/** Guild ids whose shard of 2 is 0 (A) and 1 (B), by Discord's rule. */
const A = String(1_000_000n << 22n);
const B = String(1_000_001n << 22n);

/** Lets every message in flight arrive (each hop is one macrotask). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function wire(global: GlobalQueue, shardId: number): ShardQueue {
  let token = 0;
  const shard = new ShardQueue({ send: (m) => void setImmediate(() => global.receive(shardId, m, token)) });
  token = global.connect(shardId, (m) => void setImmediate(() => shard.receive(m)));
  return shard;
}

interface Held {
  started: string[];
  finish(id: string): void;
}

/** Runs that park until the test finishes them, recording the start order. */
function holder(): Held & { run(id: string): (signal: AbortSignal) => Promise<string> } {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  return {
    started,
    finish: (id) => finishers.get(id)!(),
    run: (id) => (signal) =>
      new Promise<string>((resolve, reject) => {
        started.push(id);
        finishers.set(id, () => resolve(id));
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  };
}

describe('the global fair queue across shards', () => {
  it('serves two servers on different shards in turn (A1 B1 A2 B2 A3), one slot for all', async () => {
    const global = new GlobalQueue({ shardCount: 2 });
    const s0 = wire(global, 0);
    const s1 = wire(global, 1);
    global.scheduler.setSlots(0);
    const h = holder();
    const submit = (shard: ShardQueue, id: string, guildId: string) => shard.submit({ id, guildId, userId: `u-${guildId}`, run: h.run(id) });
    const tickets = [submit(s0, 'A1', A), submit(s0, 'A2', A), submit(s0, 'A3', A)];
    await settle();
    tickets.push(submit(s1, 'B1', B), submit(s1, 'B2', B));
    await settle();
    global.scheduler.setSlots(1);
    for (const id of ['A1', 'B1', 'A2', 'B2', 'A3']) {
      await settle();
      expect(h.started.at(-1)).toBe(id);
      h.finish(id);
    }
    expect(await Promise.all(tickets.map((t) => t.done))).toEqual(['A1', 'A2', 'A3', 'B1', 'B2']);
    await settle();
    expect(global.scheduler.size + global.scheduler.running).toBe(0);
  });

  it('tells each shard the global places of its own jobs, once the manager has them', async () => {
    const global = new GlobalQueue({ shardCount: 2 });
    global.scheduler.setSlots(0);
    const s0 = wire(global, 0);
    const s1 = wire(global, 1);
    const seen: QueueSnapshot[] = [];
    s1.onChange((snap) => seen.push(snap));
    const h = holder();
    s0.submit({ id: 'A1', guildId: A, userId: 'ua', run: h.run('A1') });
    s0.submit({ id: 'A2', guildId: A, userId: 'ua', run: h.run('A2') });
    await settle();
    const ticket = s1.submit({ id: 'B1', guildId: B, userId: 'ub', run: h.run('B1') });
    // Not known yet: the manager answers on a later turn.
    expect(ticket.position).toBeUndefined();
    // Counted at once (limits), at the end of the line for now.
    expect(s1.snapshot().waiting.map((w) => [w.id, w.position])).toEqual([['B1', 3]]);
    await settle();
    // B's first job goes before A's second: place 2 of 3.
    expect(seen.at(-1)!.waiting.map((w) => [w.id, w.position])).toEqual([['B1', 2]]);
    expect(s0.snapshot().waiting.map((w) => [w.id, w.position])).toEqual([
      ['A1', 1],
      ['A2', 3],
    ]);
    // No listener ever saw B1 before the manager had placed it.
    expect(seen.every((snap) => snap.waiting.every((w) => w.position === 2))).toBe(true);
  });

  it('a pause asked on one shard holds the server in the global queue; resume lets it go', async () => {
    const global = new GlobalQueue({ shardCount: 2 });
    global.scheduler.setSlots(0);
    const s0 = wire(global, 0);
    const h = holder();
    s0.pause(A);
    expect(s0.isPaused(A)).toBe(true);
    s0.submit({ id: 'A1', guildId: A, userId: 'ua', run: h.run('A1') });
    await settle();
    expect(global.scheduler.isPaused(A)).toBe(true);
    global.scheduler.setSlots(1);
    await settle();
    expect(h.started).toEqual([]);
    expect(s0.snapshot().waiting.map((w) => w.position)).toEqual([null]);
    s0.resume(A);
    await settle();
    expect(h.started).toEqual(['A1']);
  });

  it('a cancel that crosses the start message gives the slot back, and the next job starts', async () => {
    const global = new GlobalQueue({ shardCount: 1 });
    const s0 = wire(global, 0);
    const h = holder();
    const first = s0.submit({ id: 'A1', guildId: A, userId: 'ua', run: h.run('A1') });
    s0.submit({ id: 'A2', guildId: A, userId: 'ua', run: h.run('A2') });
    // The manager starts A1 on its next turn; the shard cancels it before hearing so.
    expect(s0.cancel('A1')).toBe('dequeued');
    await expect(first.done).rejects.toBeInstanceOf(JobCancelledError);
    await settle();
    expect(h.started).toEqual(['A2']);
    expect(global.scheduler.running).toBe(1);
  });

  it('a shard that dies keeps its running job\'s slot and its waiting job\'s place until its next process claims them; what it does not claim is dropped', async () => {
    const global = new GlobalQueue({ shardCount: 2 });
    global.scheduler.setSlots(1);
    const first = wire(global, 1);
    const h = holder();
    first.submit({ id: 'B1', guildId: B, userId: 'ub', run: h.run('B1') });
    first.submit({ id: 'B2', guildId: B, userId: 'ub', run: h.run('B2') });
    first.submit({ id: 'B3', guildId: B, userId: 'ub', run: h.run('B3') });
    await settle();
    expect(h.started).toEqual(['B1']);
    // The shard process is SIGKILLed: no message from it again.
    global.disconnect(1);
    const other = wire(global, 0);
    other.submit({ id: 'A1', guildId: A, userId: 'ua', run: h.run('A1') });
    await settle();
    // B1's worker still runs it: its slot stays taken, and A1 waits.
    expect(h.started).toEqual(['B1']);
    expect(global.scheduler.snapshot().running.map((r) => r.id)).toEqual(['B1']);
    // The next process recovers B1 (B3 was finished meanwhile: not claimed).
    const again = wire(global, 1);
    const b1 = again.submit({ id: 'B1', guildId: B, userId: 'ub', run: h.run('B1') });
    again.submit({ id: 'B2', guildId: B, userId: 'ub', run: h.run('B2') });
    again.recovered();
    await settle();
    // Told to start again at once: it finds its worker's job and waits for it.
    expect(h.started).toEqual(['B1', 'B1']);
    expect(global.scheduler.snapshot().waiting.map((w) => w.id).sort()).toEqual(['A1', 'B2']);
    h.finish('B1');
    expect(await b1.done).toBe('B1');
    await settle();
    // Fair order goes on: A's first job, then B's next.
    expect(h.started.slice(2)).toEqual(['A1']);
  });
});
