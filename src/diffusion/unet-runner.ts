/**
 * Runs the UNet on a latent batch, in chunks when the batch is larger than memory allows. Fills
 * whichever conditioning inputs the graph declares: `encoder_hidden_states` always, SDXL's
 * `text_embeds` and `time_ids`, and the guidance embedding `timestep_cond` of LCM-distilled UNets,
 * each in the element type the graph declares.
 */
import type * as ortTypes from 'onnxruntime-node';
import { floatTensor, inputInfo, intTensor, toFloat32 } from './onnx-runtime.ts';

/** The conditioning of a whole UNet batch. */
export interface UNetConditioning {
  /** [batch, seq, dim] text hidden states. */
  hidden: Float32Array;
  seq: number;
  dim: number;
  /** SDXL: [batch, pooledDim] pooled text embeddings. */
  pooled?: Float32Array;
  /** SDXL: the 6 micro-conditioning values every image of the batch gets (original size, crop top-left, target size). */
  timeIds?: readonly number[];
  /** LCM-distilled UNets: the guidance scale the UNet itself applies (w of Meng et al. 2023, guidance - 1). */
  guidanceW?: number;
}

export class UNetRunner {
  readonly sampleType: string;
  readonly timestepType: string;
  readonly hiddenType: string;
  readonly #timestepDims: number[];
  readonly #inputs: ReadonlySet<string>;
  /** Width of the timestep_cond embedding, when the graph has that input. */
  readonly timeCondDim?: number;

  constructor(
    readonly session: ortTypes.InferenceSession,
    /** Largest batch given to one session.run. */
    readonly maxBatch: number,
    /** time_cond_proj_dim from unet/config.json, for graphs that leave the width symbolic. */
    timeCondProjDim?: number,
  ) {
    this.sampleType = inputInfo(session, 'sample').type;
    const ts = inputInfo(session, 'timestep');
    this.timestepType = ts.type;
    // Exports declare the timestep as a scalar, [1] or [batch]; one value broadcasts in all of them.
    this.#timestepDims = ts.shape.length === 0 ? [] : [1];
    this.hiddenType = inputInfo(session, 'encoder_hidden_states').type;
    this.#inputs = new Set(session.inputNames);
    if (this.#inputs.has('timestep_cond')) {
      const width = inputInfo(session, 'timestep_cond').shape[1];
      this.timeCondDim = typeof width === 'number' ? width : timeCondProjDim;
      if (!this.timeCondDim) throw new Error('the UNet takes timestep_cond but neither the graph nor unet/config.json (time_cond_proj_dim) says its width');
    }
  }

  /** Whether the UNet applies guidance itself (LCM-distilled: one pass, no unconditional batch). */
  get embedsGuidance(): boolean {
    return this.timeCondDim !== undefined;
  }

  /** Whether the UNet is SDXL's (pooled text embeddings and size micro-conditioning). */
  get isSdxl(): boolean {
    return this.#inputs.has('text_embeds') && this.#inputs.has('time_ids');
  }

  /**
   * Conditioning for a whole job, as ready-made tensors (one set per chunk): built once, not per
   * step, since float16 models would otherwise convert it again at every step.
   */
  prepare(cond: UNetConditioning, batch: number): PreparedConditioning {
    const { seq, dim } = cond;
    if (this.isSdxl && (!cond.pooled || !cond.timeIds)) throw new Error('the SDXL UNet needs pooled text embeddings and time ids');
    const chunks: Array<Record<string, ortTypes.Tensor>> = [];
    for (let start = 0; start < batch; start += this.maxBatch) {
      const b = Math.min(this.maxBatch, batch - start);
      const feeds: Record<string, ortTypes.Tensor> = {
        encoder_hidden_states: floatTensor(this.hiddenType, cond.hidden.slice(start * seq * dim, (start + b) * seq * dim), [b, seq, dim]),
      };
      if (this.isSdxl && cond.pooled && cond.timeIds) {
        const pd = cond.pooled.length / batch;
        feeds.text_embeds = floatTensor(inputInfo(this.session, 'text_embeds').type, cond.pooled.slice(start * pd, (start + b) * pd), [b, pd]);
        const ids = new Float32Array(b * cond.timeIds.length);
        for (let k = 0; k < b; k++) ids.set(cond.timeIds, k * cond.timeIds.length);
        feeds.time_ids = floatTensor(inputInfo(this.session, 'time_ids').type, ids, [b, cond.timeIds.length]);
      }
      if (this.timeCondDim) {
        const one = guidanceEmbedding(cond.guidanceW ?? 0, this.timeCondDim);
        const all = new Float32Array(b * one.length);
        for (let k = 0; k < b; k++) all.set(one, k * one.length);
        feeds.timestep_cond = floatTensor(inputInfo(this.session, 'timestep_cond').type, all, [b, one.length]);
      }
      chunks.push(feeds);
    }
    return { batch, chunks };
  }

  /** Predict for `batch` latents [batch, c, h, w] at one timestep, with the job's prepared conditioning. */
  async run(sample: Float32Array, dims: [number, number, number, number], timestep: number, cond: PreparedConditioning): Promise<Float32Array> {
    const [batch, c, h, w] = dims;
    if (batch !== cond.batch) throw new Error(`UNet batch ${batch} does not match the conditioning batch ${cond.batch}`);
    const t = this.timestepType.startsWith('int') ? Math.round(timestep) : timestep;
    const tTensor = intTensor(this.timestepType, [t], this.#timestepDims);
    if (cond.chunks.length === 1) return this.#run(sample, [batch, c, h, w], tTensor, cond.chunks[0]);
    const per = c * h * w;
    const out = new Float32Array(batch * per);
    let start = 0;
    for (const chunk of cond.chunks) {
      const b = chunk.encoder_hidden_states.dims[0];
      const part = await this.#run(sample.slice(start * per, (start + b) * per), [b, c, h, w], tTensor, chunk);
      out.set(part, start * per);
      start += b;
    }
    return out;
  }

  async #run(sample: Float32Array, dims: number[], t: ortTypes.Tensor, feeds: Record<string, ortTypes.Tensor>): Promise<Float32Array> {
    const out = await this.session.run({ ...feeds, sample: floatTensor(this.sampleType, sample, dims), timestep: t });
    return toFloat32(out[this.session.outputNames[0]]);
  }
}

export interface PreparedConditioning {
  batch: number;
  chunks: Array<Record<string, ortTypes.Tensor>>;
}

/**
 * Sinusoidal embedding of the guidance scale for LCM-distilled UNets, as diffusers'
 * get_guidance_scale_embedding (after VDM, Kingma et al. 2021): w·1000 against frequencies
 * 10000^(-i/(half-1)), sines then cosines, zero-padded to an odd width.
 */
export function guidanceEmbedding(w: number, dim: number): Float32Array {
  const half = Math.floor(dim / 2);
  const out = new Float32Array(dim);
  const step = Math.log(10000) / (half - 1);
  for (let i = 0; i < half; i++) {
    // diffusers computes in float32; so do we, step by step.
    const freq = Math.fround(Math.exp(Math.fround(-step * i)));
    const x = Math.fround(w * 1000 * freq);
    out[i] = Math.sin(x);
    out[half + i] = Math.cos(x);
  }
  return out;
}
