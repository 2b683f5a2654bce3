// Guild settings: pause switch, quota and queue limits, moderator role, default model. Null limits mean "use the
// bot-wide default from the environment", which the caller resolves.
import type { StoreContext } from './context.ts';
import { ensureGuild } from './ensure-rows.ts';
import { requireCount } from './validate.ts';

export interface GuildSettings {
  id: string;
  paused: boolean;
  defaultDailyQuota: number | null;
  moderatorRoleId: string | null;
  maxQueuePerGuild: number | null;
  maxJobsPerUser: number | null;
  /** The model this server's jobs get when the member picks none; null: the bot's default. */
  defaultModel: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type GuildSettingsPatch = Partial<
  Pick<GuildSettings, 'paused' | 'defaultDailyQuota' | 'moderatorRoleId' | 'maxQueuePerGuild' | 'maxJobsPerUser' | 'defaultModel'>
>;

export interface GuildRepository {
  // The guild's settings, creating the row with defaults the first time.
  ensure(guildId: string): Promise<GuildSettings>;
  get(guildId: string): Promise<GuildSettings | null>;
  // Changes the given settings only (undefined leaves a setting, null clears it).
  update(guildId: string, patch: GuildSettingsPatch): Promise<GuildSettings>;
}

export function createGuildRepository(ctx: StoreContext): GuildRepository {
  const { db } = ctx;
  return {
    async ensure(guildId) {
      await ensureGuild(db, guildId, ctx.now());
      return db.guild.findUniqueOrThrow({ where: { id: guildId } });
    },
    get(guildId) {
      return db.guild.findUnique({ where: { id: guildId } });
    },
    async update(guildId, patch) {
      for (const key of ['defaultDailyQuota', 'maxQueuePerGuild', 'maxJobsPerUser'] as const) {
        const value = patch[key];
        if (value !== undefined && value !== null) requireCount(key, value);
      }
      const now = ctx.now();
      await ensureGuild(db, guildId, now);
      return db.guild.update({ where: { id: guildId }, data: { ...patch, updatedAt: now } });
    },
  };
}
