// What the ledger offers and answers (the rule behind the numbers: src/store/ledger.ts).

export type LedgerReason = 'reserve' | 'settle' | 'refund' | 'grant' | 'reset';

export interface LedgerEntry {
  id: number;
  guildId: string;
  userId: string;
  delta: number;
  bonusDelta: number;
  reason: LedgerReason;
  jobId: number | null;
  actorId: string | null;
  note: string | null;
  periodAt: Date;
  createdAt: Date;
}

export interface MemberPeriod {
  guildId: string;
  userId: string;
  // Start of the current quota period.
  periodStart: Date;
  // Allowance when neither the member nor the guild has one.
  defaultAllowance: number;
}

export interface Balance {
  allowance: number;
  allowanceSource: 'personal' | 'guild' | 'default';
  dailyUsed: number;
  daily: number;
  bonus: number;
  available: number;
}

export type ReserveResult =
  | { ok: true; fromDaily: number; fromBonus: number; balance: Balance }
  | { ok: false; reason: 'insufficient' | 'already-reserved'; balance: Balance };

export type SettleResult =
  | { settled: true; amount: number }
  | { settled: false; because: 'not-reserved' | 'already-settled' | 'refunded' };

export type RefundResult =
  | { refunded: true; amount: number; toDaily: number; toBonus: number }
  | { refunded: false; because: 'not-reserved' | 'already-refunded' | 'settled' };

export interface Ledger {
  // Reserves `amount` credits for an existing job of this member. The balance in the result is
  // read right after the write (on SQLite another write may come in between).
  reserve(request: MemberPeriod & { jobId: number; amount: number }): Promise<ReserveResult>;
  // Makes a job's charge final (the job produced its images).
  settle(jobId: number): Promise<SettleResult>;
  // Gives a job's credits back (failed, cancelled). `reason` is kept as the row's note.
  refund(jobId: number, reason?: string, actorId?: string): Promise<RefundResult>;
  // Adds bonus credits, which outlive quota periods.
  grant(request: { guildId: string; userId: string; amount: number; actorId?: string; note?: string }): Promise<Balance>;
  // Gives back what the member used of this period's allowance.
  resetDaily(request: MemberPeriod & { actorId?: string; note?: string }): Promise<{ restored: number; balance: Balance }>;
  balance(query: MemberPeriod): Promise<Balance>;
  entriesForJob(jobId: number): Promise<LedgerEntry[]>;
  // Newest first.
  history(guildId: string, userId: string, options?: { limit?: number }): Promise<LedgerEntry[]>;
}
