/**
 * onnxruntime-node sessions: execution provider choice with a CPU fallback, thread settings, and
 * tensors in whatever element type a graph declares (float32 / float16 / int64 / int32).
 */
import * as ort from 'onnxruntime-node';
import { fromHalf, toHalf } from './half-float.ts';

export type ProviderName = 'cpu' | 'cuda';

export interface RuntimeOptions {
  provider?: ProviderName;
  /** Which GPU the CUDA provider runs on (one worker per GPU); 0 by default. */
  deviceId?: number;
  /** Intra-op threads per session; 0 lets onnxruntime choose (one per physical core). */
  threads?: number;
  /** Where warnings go (the CUDA fallback); console.warn by default. */
  warn?: (message: string) => void;
}

let cudaWarned = false;
/**
 * Whether CUDA started, decided by the first session that tries: the others (a pipeline creates
 * its sessions together) wait for that answer instead of each failing with a native error line.
 */
let cudaWorks: Promise<boolean> | undefined;

export async function createSession(file: string, opts: RuntimeOptions = {}): Promise<ort.InferenceSession> {
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: opts.threads ?? 0,
  };
  const cuda = () => ort.InferenceSession.create(file, { ...base, executionProviders: [{ name: 'cuda', deviceId: opts.deviceId ?? 0 }], logSeverityLevel: 4 });
  if (opts.provider === 'cuda' && cudaWorks) {
    if (await cudaWorks) return cuda();
  } else if (opts.provider === 'cuda') {
    // The npm package bundles the CPU build only; the CUDA provider exists once installed with
    // --onnxruntime-node-install=cuda12. Trying it is the only reliable test.
    let decided!: (ok: boolean) => void;
    cudaWorks = new Promise((resolve) => (decided = resolve));
    try {
      const session = await cuda();
      decided(true);
      return session;
    } catch (err) {
      decided(false);
      const why = (err as Error).message.split('\n')[0];
      warnOnce(
        opts,
        `ORT_PROVIDER=cuda but CUDA could not start (${why}); running on CPU. ` +
          'Install the CUDA build with `npm install --onnxruntime-node-install=cuda12` on a machine with CUDA 12 (see README).',
      );
    }
  }
  return ort.InferenceSession.create(file, { ...base, executionProviders: ['cpu'] });
}

function warnOnce(opts: RuntimeOptions, message: string): void {
  if (cudaWarned) return;
  cudaWarned = true;
  (opts.warn ?? console.warn)(message);
}

/** For tests: let the next CUDA fallback warn again. */
export function resetCudaWarning(): void {
  cudaWarned = false;
  cudaWorks = undefined;
}

export interface InputInfo {
  type: string;
  shape: readonly (number | string)[];
}

export function inputInfo(session: ort.InferenceSession, name: string): InputInfo {
  const meta = session.inputMetadata.find((m) => m.name === name);
  if (!meta) throw new Error(`the ONNX graph has no input "${name}" (inputs: ${session.inputNames.join(', ')})`);
  if (!meta.isTensor) throw new Error(`ONNX input "${name}" is not a tensor`);
  return { type: meta.type, shape: meta.shape };
}

/** A float tensor in the element type the graph declares. */
export function floatTensor(type: string, data: Float32Array, dims: readonly number[]): ort.Tensor {
  if (type === 'float16') return new ort.Tensor('float16', toHalf(data), dims);
  if (type === 'float32') return new ort.Tensor('float32', data, dims);
  throw new Error(`unsupported float input type ${type} (expected float32 or float16)`);
}

export function intTensor(type: string, values: readonly number[], dims: readonly number[]): ort.Tensor {
  if (type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), dims);
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims);
  if (type === 'float32' || type === 'float16') return floatTensor(type, Float32Array.from(values), dims);
  throw new Error(`unsupported input type ${type}`);
}

/** Output data as float32 whatever the graph produced. */
export function toFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') return fromHalf(t.data as Uint16Array);
  throw new Error(`unexpected output type ${t.type}`);
}

export { ort };
export type InferenceSession = ort.InferenceSession;
