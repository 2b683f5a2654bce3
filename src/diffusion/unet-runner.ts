/** Runs the UNet on a latent batch, in chunks when the batch is larger than memory allows. */
import type * as ortTypes from 'onnxruntime-node';
import { floatTensor, inputInfo, intTensor, toFloat32 } from './onnx-runtime.ts';

export class UNetRunner {
  readonly sampleType: string;
  readonly timestepType: string;
  readonly hiddenType: string;
  readonly #timestepDims: number[];

  constructor(
    readonly session: ortTypes.InferenceSession,
    /** Largest batch given to one session.run. */
    readonly maxBatch: number,
  ) {
    this.sampleType = inputInfo(session, 'sample').type;
    const ts = inputInfo(session, 'timestep');
    this.timestepType = ts.type;
    // Exports declare the timestep as a scalar, [1] or [batch]; one value broadcasts in all of them.
    this.#timestepDims = ts.shape.length === 0 ? [] : [1];
    this.hiddenType = inputInfo(session, 'encoder_hidden_states').type;
  }

  /**
   * Text conditioning for a whole job, as ready-made tensors (one per chunk): built once, not per
   * step, since float16 models would otherwise convert it again at every step.
   */
  prepareHidden(hidden: Float32Array, batch: number, seq: number, dim: number): PreparedHidden {
    const chunks: ortTypes.Tensor[] = [];
    for (let start = 0; start < batch; start += this.maxBatch) {
      const b = Math.min(this.maxBatch, batch - start);
      chunks.push(floatTensor(this.hiddenType, hidden.slice(start * seq * dim, (start + b) * seq * dim), [b, seq, dim]));
    }
    return { batch, chunks };
  }

  /** Predict for `batch` latents [batch, c, h, w] at one timestep, with the job's prepared hidden states. */
  async run(sample: Float32Array, dims: [number, number, number, number], timestep: number, hidden: PreparedHidden): Promise<Float32Array> {
    const [batch, c, h, w] = dims;
    if (batch !== hidden.batch) throw new Error(`UNet batch ${batch} does not match the conditioning batch ${hidden.batch}`);
    const t = this.timestepType.startsWith('int') ? Math.round(timestep) : timestep;
    const tTensor = intTensor(this.timestepType, [t], this.#timestepDims);
    if (hidden.chunks.length === 1) return this.#run(sample, [batch, c, h, w], tTensor, hidden.chunks[0]);
    const per = c * h * w;
    const out = new Float32Array(batch * per);
    let start = 0;
    for (const chunk of hidden.chunks) {
      const b = chunk.dims[0];
      const part = await this.#run(sample.slice(start * per, (start + b) * per), [b, c, h, w], tTensor, chunk);
      out.set(part, start * per);
      start += b;
    }
    return out;
  }

  async #run(sample: Float32Array, dims: number[], t: ortTypes.Tensor, hidden: ortTypes.Tensor): Promise<Float32Array> {
    const out = await this.session.run({
      sample: floatTensor(this.sampleType, sample, dims),
      timestep: t,
      encoder_hidden_states: hidden,
    });
    return toFloat32(out[this.session.outputNames[0]]);
  }
}

export interface PreparedHidden {
  batch: number;
  chunks: ortTypes.Tensor[];
}
