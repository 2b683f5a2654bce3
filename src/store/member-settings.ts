// A member's own /imagine defaults in one server (/settings). The store keeps what it is given;
// the ranges are the service's (the same checks as /imagine's options).
import type { StoreContext } from './context.ts';
import { ensureGuild, ensureUser } from './ensure-rows.ts';

export const VARIATION_MODES = ['strong', 'subtle'] as const;
export type VariationMode = (typeof VARIATION_MODES)[number];

export interface MemberDefaults {
  sampler: string | null;
  steps: number | null;
  guidance: number | null;
  /** As typed, e.g. "3:2". */
  aspect: string | null;
  count: number | null;
  model: string | null;
  remix: boolean;
  variation: VariationMode | null;
}

export const NO_MEMBER_DEFAULTS: MemberDefaults = Object.freeze({
  sampler: null,
  steps: null,
  guidance: null,
  aspect: null,
  count: null,
  model: null,
  remix: false,
  variation: null,
});

export interface MemberSettingsRepository {
  // The member's defaults here; all unset when they never chose any.
  get(guildId: string, userId: string): Promise<MemberDefaults>;
  // Changes the given fields only (undefined leaves one); answers the result.
  update(guildId: string, userId: string, patch: Partial<MemberDefaults>): Promise<MemberDefaults>;
  // Forgets them all.
  clear(guildId: string, userId: string): Promise<void>;
}

type Row = Omit<MemberDefaults, 'variation'> & { variation: string | null };

function toDefaults(row: Row | null): MemberDefaults {
  if (!row) return { ...NO_MEMBER_DEFAULTS };
  const variation = (VARIATION_MODES as readonly string[]).includes(row.variation ?? '') ? (row.variation as VariationMode) : null;
  return {
    sampler: row.sampler,
    steps: row.steps,
    guidance: row.guidance,
    aspect: row.aspect,
    count: row.count,
    model: row.model,
    remix: row.remix,
    variation,
  };
}

export function createMemberSettingsRepository(ctx: StoreContext): MemberSettingsRepository {
  const { db } = ctx;
  return {
    async get(guildId, userId) {
      return toDefaults(await db.memberSettings.findUnique({ where: { guildId_userId: { guildId, userId } } }));
    },
    async update(guildId, userId, patch) {
      if (patch.variation != null && !VARIATION_MODES.includes(patch.variation)) {
        throw new Error(`expected a variation mode (${VARIATION_MODES.join(', ')}), got ${String(patch.variation)}`);
      }
      const data = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const now = ctx.now();
      await ensureGuild(db, guildId, now);
      await ensureUser(db, userId, undefined, now);
      const row = await db.memberSettings.upsert({
        where: { guildId_userId: { guildId, userId } },
        create: { guildId, userId, ...data, updatedAt: now },
        update: { ...data, updatedAt: now },
      });
      return toDefaults(row);
    },
    async clear(guildId, userId) {
      await db.memberSettings.deleteMany({ where: { guildId, userId } });
    },
  };
}
