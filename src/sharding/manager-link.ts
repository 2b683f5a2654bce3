/**
 * A shard process's line to the sharding manager: the shard's proxy of the global queue, fed by
 * the IPC channel discord.js's ShardingManager opened when it forked this process.
 */
import { isEnvelope, type ManagerMessage } from './protocol.ts';
import { ShardQueue } from './shard-queue.ts';

export interface ManagerLink {
  queue: ShardQueue;
  close(): void;
}

export function connectToManager(log: (message: string, err?: unknown) => void): ManagerLink {
  if (!process.send) throw new Error('this shard process has no IPC channel to the sharding manager (start the bot with npm start and SHARDS)');
  const queue = new ShardQueue({
    send: (message) => {
      try {
        process.send!({ fairQueue: message }, (err: Error | null) => {
          if (err) log('could not reach the sharding manager', err);
        });
      } catch (err) {
        // The manager is gone; the process ends on 'disconnect' (src/main.ts).
        log('could not reach the sharding manager', err);
      }
    },
    onListenerError: (err) => log('queue listener failed', err),
  });
  const onMessage = (message: unknown) => {
    if (isEnvelope<ManagerMessage>(message)) queue.receive(message.fairQueue);
  };
  process.on('message', onMessage);
  return { queue, close: () => void process.off('message', onMessage) };
}
