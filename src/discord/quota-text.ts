/** How credits read in Discord: a member's balance, what jobs cost, and the rows of their ledger. */
import { LIMITS } from '../diffusion/resolve-request.ts';
import { DEFAULT_COUNT } from '../services/job-requests.ts';
import type { QuotaService } from '../services/quota-service.ts';
import type { Balance, LedgerEntry } from '../store/index.ts';

const SOURCE: Record<Balance['allowanceSource'], string> = {
  personal: 'personal allowance',
  guild: 'server default',
  default: 'bot default',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "**7 credits left**: 5 of 10 daily (server default) + 2 bonus" */
export function balanceSummary(b: Balance): string {
  const bonus = b.bonus ? ` + ${b.bonus} bonus` : '';
  return `**${plural(b.available, 'credit')} left**: ${b.daily} of ${b.allowance} daily (${SOURCE[b.allowanceSource]})${bonus}`;
}

/** What jobs cost under the bot's credit mode, with the price of a default /imagine. */
export function priceText(quota: QuotaService): string {
  const refunds = 'Credits come back when a job fails or is cancelled.';
  const reference = quota.referenceJob;
  if (quota.creditMode === 'image' || !reference) {
    const per = quota.perImage('imagine');
    return (
      `An /imagine costs ${plural(per, 'credit')} per image (${DEFAULT_COUNT} images: ${per * DEFAULT_COUNT}); ` +
      `an upscale ${quota.perImage('upscale')}, a variation ${quota.perImage('vary')}. ${refunds}`
    );
  }
  const defaultJob = { n: DEFAULT_COUNT, ...reference };
  const heavy = { ...defaultJob, steps: LIMITS.steps.max };
  return [
    `Credits follow compute here: one image of the default job (${reference.steps} steps, ${reference.width}x${reference.height}) costs ` +
      `${plural(quota.perImage('imagine'), 'credit')}, and other jobs cost by steps × pixels × images against it, rounded up.`,
    `A default /imagine (${DEFAULT_COUNT} images) costs ${plural(quota.costOf('imagine', defaultJob), 'credit')}; ` +
      `at ${heavy.steps} steps it costs ${plural(quota.costOf('imagine', heavy), 'credit')}. ` +
      `Upscales and variations are priced the same way, by the steps they run. ${refunds}`,
  ].join('\n');
}

/** Discord renders it in the reader's own time zone. */
export function when(date: Date): string {
  return `<t:${Math.floor(date.getTime() / 1000)}:R>`;
}

/** One ledger row in words; settle rows (which change nothing) only in the full log. */
export function ledgerLine(e: LedgerEntry): string {
  const job = e.jobId === null ? '' : ` job ${e.jobId}`;
  const note = e.note ? ` (${e.note})` : '';
  const by = e.actorId ? ` by <@${e.actorId}>` : '';
  switch (e.reason) {
    case 'reserve': {
      const fromBonus = -e.bonusDelta;
      return `${when(e.createdAt)} -${-e.delta} charged for${job}${fromBonus > 0 ? ` (${fromBonus} from bonus)` : ''}`;
    }
    case 'settle':
      return `${when(e.createdAt)} ${job.trim()} finished: charge final`;
    case 'refund':
      return `${when(e.createdAt)} +${e.delta} refunded for${job}${note}${by}`;
    case 'grant':
      return `${when(e.createdAt)} +${e.delta} bonus${by}${note}`;
    case 'reset':
      return `${when(e.createdAt)} +${e.delta} of the day's allowance given back${by}`;
  }
}

/** Rows a member reads in /quota me: every change of their credits, settles left out. */
export function changesOnly(entries: LedgerEntry[]): LedgerEntry[] {
  return entries.filter((e) => e.reason !== 'settle');
}
