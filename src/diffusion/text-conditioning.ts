/** Prompt -> text-encoder hidden states, with a small cache: rerolls and variations reuse prompts. */
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
}

const CACHE_SIZE = 64;

export class TextConditioner {
  readonly #cache = new Map<string, Conditioning>();
  readonly #idsType: string;

  constructor(
    readonly tokenizer: ClipTokenizer,
    readonly session: ortTypes.InferenceSession,
  ) {
    this.#idsType = inputInfo(session, 'input_ids').type;
  }

  async encode(prompt: string): Promise<Conditioning> {
    const hit = this.#cache.get(prompt);
    if (hit) {
      this.#cache.delete(prompt); // re-insert: most recently used last
      this.#cache.set(prompt, hit);
      return hit;
    }
    const tok = this.tokenizer.encode(prompt);
    const ids = intTensor(this.#idsType, tok.ids, [1, tok.ids.length]);
    const out = await this.session.run({ input_ids: ids });
    const t = out.last_hidden_state ?? out[this.session.outputNames[0]];
    const [, sequence, dim] = t.dims as number[];
    const result: Conditioning = {
      hidden: Float32Array.from(toFloat32(t)),
      sequence,
      dim,
      truncated: tok.truncated,
      tokenCount: tok.tokenCount,
    };
    this.#cache.set(prompt, result);
    if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    return result;
  }
}

/** Hidden states for a UNet batch: `count` copies of each conditioning, in order. */
export function stackConditioning(parts: Array<{ c: Conditioning; count: number }>): Float32Array {
  const per = parts[0].c.hidden.length;
  const total = parts.reduce((s, p) => s + p.count, 0);
  const out = new Float32Array(total * per);
  let k = 0;
  for (const { c, count } of parts) {
    for (let j = 0; j < count; j++) out.set(c.hidden, per * k++);
  }
  return out;
}
