/**
 * `npm run bench [-- --json]`: where the time of a generation goes, measured in one run on one
 * model (default: the embedded one). Ratios matter more than absolute figures on a shared machine,
 * so the raw UNet and the pipeline step are measured interleaved, in the same process.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import { loadConfig } from '../config/config.ts';
import { composeGrid } from '../diffusion/grid.ts';
import { latentPreviews, SD15_LATENT_RGB } from '../diffusion/latent-preview.ts';
import { floatTensor, inputInfo, intTensor, ort } from '../diffusion/onnx-runtime.ts';
import { DiffusionPipeline } from '../diffusion/pipeline.ts';
import { encodePng, formatParameters } from '../diffusion/png.ts';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, d = 2) => Number(x.toFixed(d));

async function timeRuns(n: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, model: { type: 'string' }, rounds: { type: 'string' } } });
  const config = loadConfig();
  const modelDir = values.model ?? config.model.dir;
  const rounds = Number(values.rounds ?? 3);
  const pipeline = await DiffusionPipeline.load(modelDir, { provider: config.model.provider, threads: config.model.threads, maxBatch: 64 });
  const { unet } = pipeline.sessions;
  const n = 4;
  const steps = 20;
  const { nativeWidth: W, nativeHeight: H } = pipeline.info.sizes;
  const c = pipeline.info.latentChannels;
  const h = H / pipeline.info.vaeFactor;
  const w = W / pipeline.info.vaeFactor;
  const seq = 77;
  const hiddenDim = inputInfo(unet, 'encoder_hidden_states').shape[2];
  const dim = typeof hiddenDim === 'number' ? hiddenDim : 768;
  const meta = (name: string) => inputInfo(unet, name).type;
  const feeds = (batch: number) => ({
    sample: floatTensor(meta('sample'), new Float32Array(batch * c * h * w).map(() => Math.random() * 2 - 1), [batch, c, h, w]),
    timestep: intTensor(meta('timestep'), [500], [1]),
    encoder_hidden_states: floatTensor(meta('encoder_hidden_states'), new Float32Array(batch * seq * dim).map(() => Math.random()), [batch, seq, dim]),
  });
  const f8 = feeds(2 * n);
  const f4 = feeds(n);
  const request = { prompt: 'a red circle above a blue square', seed: 1, n, steps, guidance: 7, sampler: 'euler-a' as const };

  // Warm-up: first runs allocate arenas and pick kernels.
  await timeRuns(3, () => unet.run(f8));
  await pipeline.generate({ ...request, steps: 2 });

  const raw: number[] = [];
  const stepTimes: number[] = [];
  const jobs: number[] = [];
  const batched: number[] = [];
  const twoCalls: number[] = [];
  for (let r = 0; r < rounds; r++) {
    raw.push(...(await timeRuns(20, () => unet.run(f8))));
    const t0 = performance.now();
    let last = -1;
    const result = await pipeline.generate(request, {
      // Intervals between step callbacks: everything a step costs, previews included. The
      // interval before the first callback also holds text encoding, so it is not counted.
      onStep: (p) => {
        const now = performance.now();
        if (last >= 0) stepTimes.push(now - last);
        last = now;
        return void p.previews;
      },
    });
    await encodePng(composeGrid(result.images), { parameters: formatParameters(result.request, result.request.seed) });
    jobs.push(performance.now() - t0);
    batched.push(...(await timeRuns(10, () => unet.run(f8))));
    twoCalls.push(...(await timeRuns(10, async () => {
      await unet.run(f4);
      await unet.run(f4);
    })));
  }
  const lat = new Float32Array(n * c * h * w).map(() => Math.random() * 2 - 1);
  const previewMap = SD15_LATENT_RGB;
  const previews = await timeRuns(200, () => latentPreviews(lat, n, c, h, w, previewMap));

  const unetRaw = median(raw);
  const step = median(stepTimes);
  const jobS = median(jobs) / 1000;
  const report = {
    model: pipeline.info.name,
    size: `${W}x${H}`,
    batch: `${n} images x CFG = ${2 * n}`,
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}`,
    provider: config.model.provider,
    unet_ms_raw: round(unetRaw),
    step_ms_pipeline: round(step),
    overhead_pct: round((100 * (step - unetRaw)) / unetRaw),
    cfg_batched_ms: round(median(batched)),
    cfg_two_calls_ms: round(median(twoCalls)),
    preview_ms: round(median(previews), 4),
    preview_pct_of_unet: round((100 * median(previews)) / unetRaw, 3),
    job_s: round(jobS, 3),
    images_per_min: round((60 * n) / jobS, 1),
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024, 0),
    ort_version: ort.env.versions.common,
  };
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const rows = Object.entries(report).map(([k, v]) => `${k.padEnd(20)} ${v}`);
    console.log(rows.join('\n'));
    console.log(`\ntargets: overhead_pct <= 3 (${report.overhead_pct <= 3 ? 'met' : 'MISSED'}), preview <= 1% of the UNet (${report.preview_pct_of_unet <= 1 ? 'met' : 'MISSED'}), batched CFG faster than two calls (${report.cfg_batched_ms < report.cfg_two_calls_ms ? 'met' : 'MISSED'})`);
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exit(1);
});
