// The persistence layer's public face: open a store, use its repositories. Nothing outside
// src/store imports the Prisma client.
export { openStore, type Store, type StoreOptions } from './open-store.ts';
export { migrateDatabase, type MigrationReport } from './migrate.ts';
export { DEFAULT_DATABASE_URL, parseDatabaseUrl, type Provider } from './database-url.ts';
export type { GuildRepository, GuildSettings, GuildSettingsPatch } from './guilds.ts';
export type { UserRepository, UserRecord } from './users.ts';
export type { CreateReservedResult, JobRepository, JobReservation, JobTransition } from './jobs.ts';
export {
  JOB_KINDS,
  CANVAS_OPS,
  type CanvasOpName,
  JOB_STATUSES,
  isFilmKind,
  UNFINISHED_STATUSES,
  CANCELLABLE_STATUSES,
  type JobKind,
  type JobMessagesPatch,
  type JobRecord,
  type JobStatus,
  type NewJob,
} from './job-record.ts';
export type { ImageRecord, ImageRepository, NewImage } from './images.ts';
export { ImageFiles } from './image-files.ts';
export type { UserQuotaRepository } from './user-quotas.ts';
export type {
  Balance,
  Ledger,
  LedgerEntry,
  LedgerReason,
  MemberPeriod,
  RefundResult,
  ReserveResult,
  SettleResult,
} from './ledger-types.ts';
export { normaliseBannedWord, type BannedWordRepository } from './banned-words.ts';
export type { ClaimResult, ModActionClaim, ModActionRecord, ModActionRepository, NewModAction } from './mod-actions.ts';
export type { MemberUsage, QuotaReportRepository } from './quota-reports.ts';
export type { PausedGuildRepository } from './paused-guilds.ts';
export { NO_MEMBER_DEFAULTS, VARIATION_MODES, type MemberDefaults, type MemberSettingsRepository, type VariationMode } from './member-settings.ts';
