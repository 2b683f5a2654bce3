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

  /** Predict for `batch` latents [batch, c, h, w] at one timestep, with hidden states [batch, seq, dim]. */
  async run(sample: Float32Array, dims: [number, number, number, number], timestep: number, hidden: Float32Array, hiddenDims: [number, number]): Promise<Float32Array> {
    const [batch, c, h, w] = dims;
    const [seq, dim] = hiddenDims;
    const t = this.timestepType.startsWith('int') ? Math.round(timestep) : timestep;
    const tTensor = intTensor(this.timestepType, [t], this.#timestepDims);
    if (batch <= this.maxBatch) return this.#run(sample, [batch, c, h, w], tTensor, hidden, [batch, seq, dim]);
    const per = c * h * w;
    const perHidden = seq * dim;
    const out = new Float32Array(batch * per);
    for (let start = 0; start < batch; start += this.maxBatch) {
      const b = Math.min(this.maxBatch, batch - start);
      const part = await this.#run(
        sample.slice(start * per, (start + b) * per),
        [b, c, h, w],
        tTensor,
        hidden.slice(start * perHidden, (start + b) * perHidden),
        [b, seq, dim],
      );
      out.set(part, start * per);
    }
    return out;
  }

  async #run(sample: Float32Array, dims: number[], t: ortTypes.Tensor, hidden: Float32Array, hdims: number[]): Promise<Float32Array> {
    const out = await this.session.run({
      sample: floatTensor(this.sampleType, sample, dims),
      timestep: t,
      encoder_hidden_states: floatTensor(this.hiddenType, hidden, hdims),
    });
    return toFloat32(out[this.session.outputNames[0]]);
  }
}
