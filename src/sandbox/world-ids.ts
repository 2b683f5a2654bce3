/**
 * The sandbox's servers, members and roles keep their ids from one run to the next, so the bot's
 * database (quotas, ledgers, /mod settings, history) still belongs to them after a restart.
 * The world is built in the same order every time, so replaying the ids in order is enough.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { nextSnowflake } from './discord-server/snowflake.ts';

export interface WorldIds {
  /** The next id: the saved one at this position, else a fresh one. */
  next(): string;
  /** Writes every id handed out so far. */
  save(): void;
}

export function worldIdsIn(file: string): WorldIds {
  const saved: string[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as string[]) : [];
  const used: string[] = [];
  return {
    next() {
      const id = saved[used.length] ?? nextSnowflake();
      used.push(id);
      return id;
    },
    save() {
      writeFileSync(file, `${JSON.stringify(used)}\n`);
    },
  };
}
