// Discord users the bot has seen, with the last name it saw (history shows it after they leave).
import type { StoreContext } from './context.ts';
import { ensureUser } from './ensure-rows.ts';

export interface UserRecord {
  id: string;
  name: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserRepository {
  // Creates the user or records the name they now go by.
  upsert(userId: string, name?: string): Promise<UserRecord>;
  get(userId: string): Promise<UserRecord | null>;
}

export function createUserRepository(ctx: StoreContext): UserRepository {
  const { db } = ctx;
  return {
    async upsert(userId, name) {
      await ensureUser(db, userId, name, ctx.now());
      return db.user.findUniqueOrThrow({ where: { id: userId } });
    },
    get(userId) {
      return db.user.findUnique({ where: { id: userId } });
    },
  };
}
