/**
 * Prompt -> text-encoder hidden states, with a small cache: rerolls and variations reuse prompts.
 * SD 1.x/2.x use one encoder's last hidden state. SDXL concatenates the penultimate hidden states
 * of its two encoders (CLIP ViT-L and OpenCLIP bigG) along the feature axis and adds the second
 * one's pooled, projected output (`text_embeds`), as diffusers' StableDiffusionXLPipeline.encode_prompt.
 */
import type * as ortTypes from 'onnxruntime-node';
import { inputInfo, intTensor, toFloat32 } from './onnx-runtime.ts';
import type { ClipTokenizer } from './tokenizer/clip-tokenizer.ts';

export interface Conditioning {
  /** [sequence, dim] hidden states of one prompt. */
  hidden: Float32Array;
  sequence: number;
  dim: number;
  truncated: boolean;
  tokenCount: number;
  /** SDXL: the pooled text embedding of text_encoder_2, [pooledDim]. */
  pooled?: Float32Array;
}

/** Which hidden state an encoder contributes: SD uses the last (after the final layer norm), SDXL the penultimate layer's. */
export type HiddenLayer = 'last' | 'penultimate';

const CACHE_SIZE = 64;

/** One tokenizer + text encoder graph, giving the hidden state it was asked for (and the pooled output when asked). */
export class TextEncoder {
  readonly #idsType: string;
  readonly #hiddenOutput: string;

  constructor(
    readonly tokenizer: ClipTokenizer,
    readonly session: ortTypes.InferenceSession,
    layer: HiddenLayer = 'last',
    /** Output name of the pooled embedding to return too (SDXL's `text_embeds`). */
    readonly pooledOutput?: string,
  ) {
    this.#idsType = inputInfo(session, 'input_ids').type;
    this.#hiddenOutput = layer === 'last' ? lastHiddenName(session) : penultimateHiddenName(session);
    if (pooledOutput && !session.outputNames.includes(pooledOutput)) {
      throw new Error(`the text encoder has no "${pooledOutput}" output (outputs: ${session.outputNames.join(', ')}); SDXL needs text_encoder_2's pooled text_embeds`);
    }
  }

  async encode(prompt: string): Promise<Conditioning> {
    const tok = this.tokenizer.encode(prompt);
    const ids = intTensor(this.#idsType, tok.ids, [1, tok.ids.length]);
    const out = await this.session.run({ input_ids: ids });
    const t = out[this.#hiddenOutput];
    const [, sequence, dim] = t.dims as number[];
    return {
      hidden: Float32Array.from(toFloat32(t)),
      sequence,
      dim,
      truncated: tok.truncated,
      tokenCount: tok.tokenCount,
      pooled: this.pooledOutput ? Float32Array.from(toFloat32(out[this.pooledOutput])) : undefined,
    };
  }
}

function lastHiddenName(session: ortTypes.InferenceSession): string {
  return session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0];
}

/**
 * optimum exports every layer's output as `hidden_states.0` (the embeddings) .. `hidden_states.L`
 * (the last layer, before the final layer norm); diffusers' `hidden_states[-2]` is `hidden_states.{L-1}`.
 */
function penultimateHiddenName(session: ortTypes.InferenceSession): string {
  const layers = session.outputNames
    .map((n) => /^hidden_states\.(\d+)$/.exec(n)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  if (layers.length < 2) {
    throw new Error(
      `the text encoder exports no hidden_states.N outputs (outputs: ${session.outputNames.join(', ')}); SDXL conditions on the ` +
        'penultimate layer, which optimum-cli export onnx includes for SDXL models',
    );
  }
  return `hidden_states.${Math.max(...layers) - 1}`;
}

/** The text side of a model: one encoder (SD) or two concatenated (SDXL), behind a cache. */
export class TextConditioner {
  readonly #cache = new Map<string, Conditioning>();

  constructor(readonly encoders: readonly TextEncoder[]) {}

  /** The first encoder's session (kept for callers that list sessions). */
  get session(): ortTypes.InferenceSession {
    return this.encoders[0].session;
  }

  async encode(prompt: string): Promise<Conditioning> {
    const hit = this.#cache.get(prompt);
    if (hit) {
      this.#cache.delete(prompt); // re-insert: most recently used last
      this.#cache.set(prompt, hit);
      return hit;
    }
    const parts: Conditioning[] = [];
    for (const e of this.encoders) parts.push(await e.encode(prompt));
    const result = parts.length === 1 ? parts[0] : concatFeatures(parts);
    this.#cache.set(prompt, result);
    if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    return result;
  }
}

/** Hidden states side by side per token ([seq, d1] + [seq, d2] -> [seq, d1 + d2]); pooled from the last part that has one. */
export function concatFeatures(parts: readonly Conditioning[]): Conditioning {
  const sequence = parts[0].sequence;
  for (const p of parts) {
    if (p.sequence !== sequence) throw new Error(`the text encoders disagree on the sequence length (${sequence} vs ${p.sequence})`);
  }
  const dim = parts.reduce((s, p) => s + p.dim, 0);
  const hidden = new Float32Array(sequence * dim);
  for (let t = 0; t < sequence; t++) {
    let offset = t * dim;
    for (const p of parts) {
      hidden.set(p.hidden.subarray(t * p.dim, (t + 1) * p.dim), offset);
      offset += p.dim;
    }
  }
  return {
    hidden,
    sequence,
    dim,
    truncated: parts.some((p) => p.truncated),
    tokenCount: Math.max(...parts.map((p) => p.tokenCount)),
    pooled: parts.findLast((p) => p.pooled)?.pooled,
  };
}

/** The all-zero conditioning SDXL uses for an empty negative prompt (force_zeros_for_empty_prompt). */
export function zeroConditioning(like: Conditioning): Conditioning {
  return {
    hidden: new Float32Array(like.hidden.length),
    sequence: like.sequence,
    dim: like.dim,
    truncated: false,
    tokenCount: 0,
    pooled: like.pooled ? new Float32Array(like.pooled.length) : undefined,
  };
}

/** Hidden states for a UNet batch: `count` copies of each conditioning, in order. */
export function stackConditioning(parts: Array<{ c: Conditioning; count: number }>): Float32Array {
  return stack(parts.map(({ c, count }) => ({ v: c.hidden, count })));
}

/** Pooled embeddings for a UNet batch, [batch, pooledDim], in the same order as stackConditioning. */
export function stackPooled(parts: Array<{ c: Conditioning; count: number }>): Float32Array | undefined {
  if (parts.some((p) => !p.c.pooled)) return undefined;
  return stack(parts.map(({ c, count }) => ({ v: c.pooled as Float32Array, count })));
}

function stack(parts: Array<{ v: Float32Array; count: number }>): Float32Array {
  const per = parts[0].v.length;
  const total = parts.reduce((s, p) => s + p.count, 0);
  const out = new Float32Array(total * per);
  let k = 0;
  for (const { v, count } of parts) {
    for (let j = 0; j < count; j++) out.set(v, per * k++);
  }
  return out;
}
