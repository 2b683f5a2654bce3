/**
 * Tokenizer settings from Hugging Face config files: tokenizer_config.json, special_tokens_map.json
 * and the padding/truncation/added-token parts of tokenizer.json.
 */
import { describe, isRecord } from './json-file.ts';
import { DEFAULT_SETTINGS, type TokenizerSettings } from './tokenizer-data.ts';

const TOKEN_KEYS = { bos_token: 'bosToken', eos_token: 'eosToken', pad_token: 'padToken', unk_token: 'unkToken' } as const;

/** transformers writes 1e30 for "no limit"; anything this big means the config does not say. */
const NO_LIMIT = 1_000_000;

/** A special token is written either as its text or as an AddedToken object with `content`. */
function tokenText(value: unknown, key: string, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.content === 'string') return value.content;
  throw new Error(`expected ${key} in ${path} to be a string or {"content": ...}, got ${describe(value)}`);
}

/** Settings overridden by whatever one config file states; unknown keys are ignored. */
export function applyConfig(settings: TokenizerSettings, config: unknown, path: string): TokenizerSettings {
  if (!isRecord(config)) throw new Error(`expected a JSON object in ${path}, got ${describe(config)}`);
  const out = { ...settings };
  for (const [key, field] of Object.entries(TOKEN_KEYS)) {
    const token = tokenText(config[key], key, path);
    if (token !== undefined) out[field] = token;
  }
  const maxLength = config.model_max_length;
  if (maxLength !== undefined && maxLength !== null) {
    if (typeof maxLength !== 'number' || !(maxLength >= 2)) {
      throw new Error(`expected model_max_length in ${path} to be a number >= 2, got ${describe(maxLength)}`);
    }
    if (maxLength < NO_LIMIT) out.maxLength = Math.floor(maxLength);
  }
  if (config.do_lower_case !== undefined) {
    if (typeof config.do_lower_case !== 'boolean') {
      throw new Error(`expected do_lower_case in ${path} to be true or false, got ${describe(config.do_lower_case)}`);
    }
    out.lowerCase = config.do_lower_case;
  }
  return out;
}

/** Settings implied by tokenizer.json itself (used under any tokenizer_config.json). */
export function settingsFromTokenizerJson(json: Record<string, unknown>, vocab: Map<string, number>): TokenizerSettings {
  const out = { ...DEFAULT_SETTINGS };
  const truncation = json.truncation;
  if (isRecord(truncation) && typeof truncation.max_length === 'number') out.maxLength = truncation.max_length;
  const padding = json.padding;
  if (isRecord(padding)) {
    if (typeof padding.pad_token === 'string' && vocab.has(padding.pad_token)) out.padToken = padding.pad_token;
    const fixed = isRecord(padding.strategy) ? padding.strategy.Fixed : undefined;
    if (typeof fixed === 'number') out.maxLength = fixed;
  }
  return out;
}
