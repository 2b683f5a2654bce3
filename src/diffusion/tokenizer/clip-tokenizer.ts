/**
 * CLIP's text tokenizer, as the Stable Diffusion text encoder expects its input: cleaned text,
 * byte-level BPE, <|startoftext|> ... <|endoftext|>, padded or truncated to a fixed length (77).
 */
import { applyMerges } from './bpe.ts';
import { toByteSymbols } from './byte-level.ts';
import { loadClipBpe } from './clip-bpe-file.ts';
import { loadTokenizerFolder } from './folder-loader.ts';
import { splitPieces } from './pre-tokenizer.ts';
import { cleanText } from './text-cleaning.ts';
import { CLIP_BOS, CLIP_EOS, type TokenizerData } from './tokenizer-data.ts';

export interface EncodedPrompt {
  /** Exactly maxLength ids: BOS, tokens, EOS, then padding; EOS stays last when truncated. */
  ids: number[];
  /** Ids the whole prompt needs, BOS and EOS included, before padding or truncation. */
  tokenCount: number;
  truncated: boolean;
  /** When truncated: the cleaned prompt from the first piece that did not fit, in the user's casing. */
  truncatedText?: string;
}

/** A long-running bot sees unbounded distinct words; past this many cached words the cache restarts. */
const CACHE_LIMIT = 20_000;

export class ClipTokenizer {
  readonly maxLength: number;
  /** Size an embedding table needs: highest id + 1. */
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  private readonly lowerCase: boolean;
  private readonly vocab: Map<string, number>;
  private readonly ranks: Map<string, number>;
  private readonly unkId: number | undefined;
  private readonly source: string;
  /** Pieces the splitter keeps whole (CLIP's special tokens) and their ids, never byte-pair encoded. */
  private readonly specials = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();

  constructor(data: TokenizerData) {
    const { vocab, ranks, settings, source } = data;
    const idOf = (role: string, token: string): number => {
      const id = vocab.get(token);
      if (id === undefined) throw new Error(`expected the ${role} token ${JSON.stringify(token)} in the vocab of ${source}, but it is missing`);
      return id;
    };
    if (!Number.isInteger(settings.maxLength) || settings.maxLength < 2) {
      throw new Error(`expected a max length of at least 2 (BOS + EOS) for ${source}, got ${settings.maxLength}`);
    }
    this.vocab = vocab;
    this.ranks = ranks;
    this.source = source;
    this.maxLength = settings.maxLength;
    this.lowerCase = settings.lowerCase;
    this.bosId = idOf('bos', settings.bosToken);
    this.eosId = idOf('eos', settings.eosToken);
    this.padId = idOf('pad', settings.padToken);
    this.unkId = settings.unkToken === undefined ? undefined : vocab.get(settings.unkToken);
    let maxId = -1;
    for (const id of vocab.values()) if (id > maxId) maxId = id;
    this.vocabSize = maxId + 1;
    for (const special of [CLIP_BOS, CLIP_EOS]) {
      const id = vocab.get(special);
      if (id !== undefined) this.specials.set(special, id);
    }
  }

  /** Loads a tokenizer folder (vocab.json + merges.txt or tokenizer.json), or a model folder holding `tokenizer/`. */
  static async fromFolder(dir: string): Promise<ClipTokenizer> {
    return new ClipTokenizer(await loadTokenizerFolder(dir));
  }

  /** Builds CLIP's tokenizer from OpenAI's `bpe_simple_vocab_16e6.txt.gz`. */
  static async fromClipBpe(gzPath: string): Promise<ClipTokenizer> {
    return new ClipTokenizer(await loadClipBpe(gzPath));
  }

  encode(text: string): EncodedPrompt {
    const cleaned = cleanText(text);
    const tokenText = this.lowerCase ? cleaned.toLowerCase() : cleaned;
    const pieces = splitPieces(tokenText);
    const tokens: number[] = [];
    // Start offset (in tokenText) of the piece each token came from, to report what was cut.
    const tokenStarts: number[] = [];
    for (const piece of pieces) {
      for (const id of this.wordIds(piece.text)) {
        tokens.push(id);
        tokenStarts.push(piece.start);
      }
    }
    const tokenCount = tokens.length + 2;
    const room = this.maxLength - 2;
    const truncated = tokens.length > room;
    const ids = [this.bosId, ...(truncated ? tokens.slice(0, room) : tokens), this.eosId];
    while (ids.length < this.maxLength) ids.push(this.padId);
    if (!truncated) return { ids, tokenCount, truncated };
    const cutAt = originalOffset(cleaned, tokenText, tokenStarts[room]);
    return { ids, tokenCount, truncated, truncatedText: cleaned.slice(cutAt) };
  }

  private wordIds(word: string): number[] {
    const special = this.specials.get(word);
    if (special !== undefined) return [special];
    const cached = this.cache.get(word);
    if (cached) return cached;
    const symbols = toByteSymbols(word);
    symbols[symbols.length - 1] += '</w>';
    const ids = applyMerges(symbols, this.ranks).map((token) => this.tokenId(token));
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }

  private tokenId(token: string): number {
    const id = this.vocab.get(token);
    if (id !== undefined) return id;
    if (this.unkId !== undefined) return this.unkId;
    throw new Error(`expected ${JSON.stringify(token)} in the vocab of ${this.source} (merges and vocab disagree), and there is no unk token`);
  }
}

/**
 * Maps an offset in the lower-cased text back to the cleaned text. Lower-casing never shortens a
 * character and lengthens only "İ" (to "i̇"), so equal lengths mean equal offsets; otherwise walk.
 */
function originalOffset(original: string, lowered: string, offset: number): number {
  if (original.length === lowered.length) return offset;
  let lowPos = 0;
  let origPos = 0;
  for (const char of original) {
    if (lowPos >= offset) break;
    lowPos += char.toLowerCase().length;
    origPos += char.length;
  }
  return origPos;
}
