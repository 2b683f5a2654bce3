/** What every tokenizer source (diffusers folder, tokenizer.json, CLIP's merges file) is read into. */

export interface TokenizerSettings {
  /** Ids per encoded prompt, padded or truncated to it (the text encoder's position count). */
  maxLength: number;
  lowerCase: boolean;
  bosToken: string;
  eosToken: string;
  padToken: string;
  /** Used for a merged symbol missing from the vocab; only a broken vocab needs it. */
  unkToken?: string;
}

export interface TokenizerData {
  vocab: Map<string, number>;
  /** Merge key ("left right") -> rank. */
  ranks: Map<string, number>;
  settings: TokenizerSettings;
  /** Where it came from, for error messages. */
  source: string;
}

export const CLIP_BOS = '<|startoftext|>';
export const CLIP_EOS = '<|endoftext|>';

export const DEFAULT_SETTINGS: TokenizerSettings = {
  maxLength: 77,
  lowerCase: true,
  bosToken: CLIP_BOS,
  eosToken: CLIP_EOS,
  // SD 1.x pads with <|endoftext|>; configs that say otherwise (SD 2.x uses "!") override it.
  padToken: CLIP_EOS,
  unkToken: CLIP_EOS,
};
