/**
 * A member's /imagine defaults in a server (/settings). They sit under everything the member
 * types: /imagine's slash options and inline flags win, and the defaults fill only what is left
 * unset, before the model's and the server's own defaults apply. Applied in one place, where a
 * submission becomes a job (src/discord/job-submission.ts), so the engine never hears of them.
 */
import type { SamplerName } from '../diffusion/types.ts';
import type { MemberDefaults, Store, VariationMode } from '../store/index.ts';
import { checkImagineOptions, parseAspect, parseSampler, type ImagineOptions } from './imagine-options.ts';
import type { ModelRegistry } from './model-registry.ts';

export type { MemberDefaults, VariationMode } from '../store/index.ts';

/** What /settings was given; undefined: leave that setting as it is. */
export interface SettingsInput {
  sampler?: string;
  steps?: number;
  guidance?: number;
  aspect?: string;
  count?: number;
  model?: string;
  remix?: boolean;
  variation?: VariationMode;
}

export class MemberSettingsService {
  readonly #store: Store;
  readonly #models: ModelRegistry;

  constructor(store: Store, models: ModelRegistry) {
    this.#store = store;
    this.#models = models;
  }

  get(guildId: string, userId: string): Promise<MemberDefaults> {
    return this.#store.memberSettings.get(guildId, userId);
  }

  /**
   * Checks every value with /imagine's own rules and messages (UserError naming the value), and
   * stores them only when all pass, so a refused /settings changes nothing.
   */
  async set(guildId: string, userId: string, input: SettingsInput): Promise<MemberDefaults> {
    checkImagineOptions({ prompt: '', steps: input.steps, guidance: input.guidance, count: input.count });
    const aspect = input.aspect === undefined ? undefined : parseAspect(input.aspect, 'aspect').join(':');
    const sampler = input.sampler === undefined ? undefined : parseSampler(input.sampler);
    if (input.model !== undefined) this.#models.require(input.model);
    return this.#store.memberSettings.update(guildId, userId, { ...input, aspect, sampler });
  }

  clear(guildId: string, userId: string): Promise<void> {
    return this.#store.memberSettings.clear(guildId, userId);
  }

  /** The member's /imagine with their defaults filled in where they left an option unset. */
  async applyTo(guildId: string, userId: string, options: ImagineOptions): Promise<ImagineOptions> {
    return withDefaults(options, await this.get(guildId, userId), (name) => this.#models.has(name));
  }
}

/**
 * Fills the unset options of an /imagine from a member's defaults. A saved model the bot no longer
 * offers is passed over (the server's default applies), rather than refusing every /imagine.
 */
export function withDefaults(options: ImagineOptions, d: MemberDefaults, offered: (model: string) => boolean): ImagineOptions {
  const fill: Partial<ImagineOptions> = {
    sampler: (d.sampler as SamplerName | null) ?? undefined,
    steps: d.steps ?? undefined,
    guidance: d.guidance ?? undefined,
    aspect: d.aspect ? parseAspect(d.aspect, 'aspect') : undefined,
    count: d.count ?? undefined,
    model: d.model && offered(d.model) ? d.model : undefined,
  };
  const out: ImagineOptions = { ...options };
  for (const [key, value] of Object.entries(fill) as [keyof ImagineOptions, never][]) {
    if (value !== undefined && out[key] === undefined) out[key] = value;
  }
  return out;
}
