// Opens the bot's database: applies missing migrations, then connects the Prisma client of the
// database's kind and hands out the repositories.
import { createBannedWordRepository, type BannedWordRepository } from './banned-words.ts';
import { createPrismaClient } from './client.ts';
import type { StoreContext } from './context.ts';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, type Provider } from './database-url.ts';
import { createGuildRepository, type GuildRepository } from './guilds.ts';
import { createImageRepository, type ImageRepository } from './images.ts';
import { createJobRepository, type JobRepository } from './jobs.ts';
import { createLedger } from './ledger.ts';
import type { Ledger } from './ledger-types.ts';
import { createMemberSettingsRepository, type MemberSettingsRepository } from './member-settings.ts';
import { migrateDatabase, type MigrationReport } from './migrate.ts';
import { createModActionRepository, type ModActionRepository } from './mod-actions.ts';
import { createPausedGuildRepository, type PausedGuildRepository } from './paused-guilds.ts';
import { createQuotaReportRepository, type QuotaReportRepository } from './quota-reports.ts';
import { createUserQuotaRepository, type UserQuotaRepository } from './user-quotas.ts';
import { createUserRepository, type UserRepository } from './users.ts';

export interface Store {
  readonly provider: Provider;
  // What start-up migration did.
  readonly migration: MigrationReport;
  readonly guilds: GuildRepository;
  readonly users: UserRepository;
  readonly jobs: JobRepository;
  readonly images: ImageRepository;
  readonly quotas: UserQuotaRepository;
  readonly ledger: Ledger;
  readonly bannedWords: BannedWordRepository;
  readonly modActions: ModActionRepository;
  readonly quotaReports: QuotaReportRepository;
  readonly pausedGuilds: PausedGuildRepository;
  readonly memberSettings: MemberSettingsRepository;
  close(): Promise<void>;
}

export interface StoreOptions {
  // Clock for row timestamps; tests move it across quota periods.
  now?: () => Date;
}

export async function openStore(databaseUrl: string = DEFAULT_DATABASE_URL, options: StoreOptions = {}): Promise<Store> {
  const target = parseDatabaseUrl(databaseUrl);
  const migration = await migrateDatabase(databaseUrl);
  const db = await createPrismaClient(target);
  const ctx: StoreContext = { db, provider: target.provider, now: options.now ?? (() => new Date()) };
  let closed = false;
  return {
    provider: target.provider,
    migration,
    guilds: createGuildRepository(ctx),
    users: createUserRepository(ctx),
    jobs: createJobRepository(ctx),
    images: createImageRepository(ctx),
    quotas: createUserQuotaRepository(ctx),
    ledger: createLedger(ctx),
    bannedWords: createBannedWordRepository(ctx),
    modActions: createModActionRepository(ctx),
    quotaReports: createQuotaReportRepository(ctx),
    pausedGuilds: createPausedGuildRepository(ctx),
    memberSettings: createMemberSettingsRepository(ctx),
    async close() {
      if (closed) return;
      closed = true;
      await db.$disconnect();
    },
  };
}
