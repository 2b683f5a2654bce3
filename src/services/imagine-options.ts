/**
 * Midjourney-style inline parameters in a prompt (`a cat --ar 3:2 --seed 7 --no text`), parsed as
 * a pure function. Slash-command options win over inline values.
 */
import { MAX_SEED } from '../diffusion/random.ts';
import { LIMITS } from '../diffusion/resolve-request.ts';
import type { SamplerName } from '../diffusion/types.ts';
import { UserError } from './user-error.ts';

export interface ImagineOptions {
  prompt: string;
  negative?: string;
  seed?: number;
  steps?: number;
  guidance?: number;
  sampler?: SamplerName;
  count?: number;
  /** Aspect ratio as [width, height], e.g. [3, 2]. */
  aspect?: [number, number];
  /** A model by its configured name; the server's default, else the bot's, when left out. */
  model?: string;
  /** 0..100: how different the grid's images are from each other (src/diffusion/chaos.ts). */
  chaos?: number;
}

const SAMPLER_ALIASES: Record<string, SamplerName> = {
  euler: 'euler',
  'euler-a': 'euler-a',
  euler_a: 'euler-a',
  eulera: 'euler-a',
  'euler-ancestral': 'euler-a',
  ddim: 'ddim',
  'dpmpp-2m': 'dpmpp-2m',
  'dpm++2m': 'dpmpp-2m',
  'dpmpp-2m-karras': 'dpmpp-2m-karras',
  'dpm++2m-karras': 'dpmpp-2m-karras',
  lcm: 'lcm',
};

export const INLINE_FLAGS = ['--ar', '--aspect', '--seed', '--no', '--steps', '--cfg', '--sampler', '--chaos'] as const;

function wholeNumber(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new UserError(`option.${flag.slice(2)}`, `\`${flag}\` needs a whole number, got "${raw}"`);
  return Number(raw);
}

export function parseAspect(raw: string, label = '--ar'): [number, number] {
  const m = /^(\d{1,2}):(\d{1,2})$/.exec(raw.trim());
  const w = m ? Number(m[1]) : 0;
  const h = m ? Number(m[2]) : 0;
  if (!m || w < 1 || h < 1 || Math.max(w / h, h / w) > 4) {
    throw new UserError('option.aspect', `\`${label}\` must be a ratio like 3:2 or 9:16, at most 4:1 either way; got "${raw}"`);
  }
  return [w, h];
}

export function parseSampler(raw: string): SamplerName {
  const s = SAMPLER_ALIASES[raw.trim().toLowerCase()];
  if (!s) {
    throw new UserError('option.sampler', `unknown sampler "${raw}"; use one of ${[...new Set(Object.values(SAMPLER_ALIASES))].join(', ')}`);
  }
  return s;
}

/** Split `--flag value` pairs off the end of the prompt text. Unknown flags are refused, not ignored. */
export function parseInlineOptions(text: string): ImagineOptions {
  const parts = text.split(/(?:^|\s)(--[a-z]+)(?=\s|$)/i);
  const prompt = parts[0].trim();
  const out: ImagineOptions = { prompt };
  for (let i = 1; i < parts.length; i += 2) {
    const flag = parts[i].toLowerCase();
    const value = (parts[i + 1] ?? '').trim();
    if (!(INLINE_FLAGS as readonly string[]).includes(flag)) {
      throw new UserError('option.unknown', `unknown parameter \`${parts[i]}\`; inline parameters are ${INLINE_FLAGS.join(', ')}`);
    }
    if (!value) throw new UserError(`option.${flag.slice(2)}`, `\`${flag}\` needs a value`);
    switch (flag) {
      case '--ar':
      case '--aspect':
        out.aspect = parseAspect(value, flag);
        break;
      case '--seed':
        out.seed = wholeNumber(flag, value);
        break;
      case '--steps':
        out.steps = wholeNumber(flag, value);
        break;
      case '--cfg': {
        const g = Number(value);
        if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(g)) throw new UserError('option.cfg', `\`--cfg\` needs a number, got "${value}"`);
        out.guidance = g;
        break;
      }
      case '--chaos':
        out.chaos = wholeNumber(flag, value);
        break;
      case '--sampler':
        out.sampler = parseSampler(value);
        break;
      case '--no':
        out.negative = out.negative ? `${out.negative}, ${value}` : value;
        break;
    }
  }
  return out;
}

/**
 * What the member may ask for, under the names they typed. The engine has its own names (`n` for
 * count, at most 8) and would otherwise be the one to refuse, in words the member never used.
 */
export const IMAGINE_LIMITS = {
  count: { min: 1, max: 4 },
  steps: LIMITS.steps,
  guidance: LIMITS.guidance,
  seed: { min: 0, max: MAX_SEED },
  chaos: LIMITS.chaos,
} as const;

/** How each option is named in the refusal: the slash option, and its inline spelling where that differs. */
const LABEL: Record<keyof typeof IMAGINE_LIMITS, string> = {
  count: '`count`',
  steps: '`steps`',
  guidance: '`guidance` (`--cfg`)',
  seed: '`seed`',
  chaos: '`chaos` (`--chaos`)',
};

/** Refuses an out-of-range option with its own name, its range and the value given. */
export function checkImagineOptions(o: ImagineOptions): void {
  for (const key of Object.keys(IMAGINE_LIMITS) as (keyof typeof IMAGINE_LIMITS)[]) {
    const value = o[key];
    if (value === undefined) continue;
    const { min, max } = IMAGINE_LIMITS[key];
    const whole = key !== 'guidance';
    if (typeof value !== 'number' || !Number.isFinite(value) || (whole && !Number.isInteger(value)) || value < min || value > max) {
      throw new UserError(`option.${key}`, `${LABEL[key]} must be a ${whole ? 'whole number' : 'number'} from ${min} to ${max}, got ${String(value)}`);
    }
  }
}

/** Inline values, overridden by the slash-command options that were given. */
export function mergeOptions(inline: ImagineOptions, explicit: Partial<ImagineOptions>): ImagineOptions {
  const merged: ImagineOptions = { ...inline };
  for (const [k, v] of Object.entries(explicit)) {
    if (v !== undefined && v !== null) (merged as unknown as Record<string, unknown>)[k] = v;
  }
  return merged;
}
