import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { readModelFolder } from '../../src/diffusion/model-folder.ts';
import { createSession, ort, resetCudaWarning } from '../../src/diffusion/onnx-runtime.ts';
import { DiffusionPipeline } from '../../src/diffusion/pipeline.ts';
import { EMBEDDED_MODEL_DIR } from '../support/model.ts';

// The npm package ships the CPU build; the CUDA provider library is there only after
// `npm install --onnxruntime-node-install=cuda12`. These tests are about the fallback without it.
const ortBin = path.join(path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
const hasCudaBuild = existsSync(path.join(ortBin, 'libonnxruntime_providers_cuda.so'));

describe.skipIf(hasCudaBuild)('ORT_PROVIDER=cuda without the CUDA build of onnxruntime', () => {
  afterEach(() => resetCudaWarning());

  it('warns once, clearly, and gives a working CPU session', async () => {
    const provider = loadConfig({ ORT_PROVIDER: 'cuda' }).model.provider;
    expect(provider).toBe('cuda');
    const decoderFile = readModelFolder(EMBEDDED_MODEL_DIR).files.vaeDecoder;
    const warnings: string[] = [];
    const warn = (m: string) => void warnings.push(m);
    const session = await createSession(decoderFile, { provider, threads: 1, warn });
    await createSession(decoderFile, { provider, threads: 1, warn });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^ORT_PROVIDER=cuda but CUDA could not start \(.+\); running on CPU\./);
    expect(warnings[0]).toContain('npm install --onnxruntime-node-install=cuda12');
    expect(warnings[0]).not.toContain('\n');

    // The session runs: decode a 4x4 latent.
    const input = session.inputMetadata[0];
    const channels = input.isTensor && typeof input.shape[1] === 'number' ? input.shape[1] : 4;
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', new Float32Array(channels * 16), [1, channels, 4, 4]) });
    const image = out[session.outputNames[0]];
    expect(image.dims[0]).toBe(1);
    expect(image.dims[1]).toBe(3);
  });

  it('warns again after resetCudaWarning, and not at all on the CPU provider', async () => {
    const decoderFile = readModelFolder(EMBEDDED_MODEL_DIR).files.vaeDecoder;
    const warnings: string[] = [];
    const warn = (m: string) => void warnings.push(m);
    await createSession(decoderFile, { provider: 'cuda', threads: 1, warn });
    resetCudaWarning();
    await createSession(decoderFile, { provider: 'cuda', threads: 1, warn });
    expect(warnings).toHaveLength(2);
    resetCudaWarning();
    await createSession(decoderFile, { provider: 'cpu', threads: 1, warn });
    await createSession(decoderFile, { threads: 1, warn });
    expect(warnings).toHaveLength(2);
  });

  it('still loads the model and generates an image of the native size, with one warning for all its sessions', async () => {
    const warnings: string[] = [];
    const p = await DiffusionPipeline.load(EMBEDDED_MODEL_DIR, { provider: 'cuda', threads: 1, warn: (m) => void warnings.push(m) });
    expect(warnings).toHaveLength(1);
    const r = await p.generate({ prompt: 'a red circle', steps: 2, n: 1, seed: 3 });
    expect(r.images).toHaveLength(1);
    expect([r.images[0].width, r.images[0].height]).toEqual([p.info.sizes.nativeWidth, p.info.sizes.nativeHeight]);
    expect(r.images[0].data.length).toBe(p.info.sizes.nativeWidth * p.info.sizes.nativeHeight * 3);
  });
});
