/**
 * `npm run imagine -- "<prompt>" [options]`: the engine without Discord. Writes PNGs that carry
 * their own parameters and prints each path with its seed.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import { ConfigError, loadConfig } from '../config/config.ts';
import { encodeFilm, previewRecorder, reverseFilmFrames } from '../diffusion/film.ts';
import { composeGrid } from '../diffusion/grid.ts';
import { DiffusionPipeline } from '../diffusion/pipeline.ts';
import { decodeImage, encodePng, formatParameters, parseParameters, readPngText } from '../diffusion/png.ts';
import { MAX_SEED } from '../diffusion/random.ts';
import { RequestError } from '../diffusion/request-error.ts';
import type { GenerateRequest, GenerateResult, SamplerName, StepProgress } from '../diffusion/types.ts';
import { progressBar } from './progress-bar.ts';

const USAGE = `usage: npm run imagine -- "<prompt>" [--negative TEXT] [--seed N] [--steps N] [--cfg X]
         [--sampler euler|euler-a|ddim|dpmpp-2m|dpmpp-2m-karras|lcm] [--n N] [--size WxH]
         [--init PATH --strength X] [--upscale PATH] [--out PATH] [--film FILM.webp]
       npm run imagine -- --forward IMAGE --out FILM.webp [--seed N]

  --film FILM.webp   also save the reverse process (a preview of every step, then the image) as an animated WebP
  --forward IMAGE    save the forward process (IMAGE noised at the model's schedule, 20 frames) to --out`;

/** RequestError fields -> the flag a CLI user typed. */
const FLAG: Record<string, string> = {
  prompt: 'prompt',
  'negative prompt': '--negative',
  steps: '--steps',
  guidance: '--cfg',
  sampler: '--sampler',
  n: '--n',
  seed: '--seed',
  size: '--size',
  strength: '--strength',
  init: '--init',
};

/** A bad command line, reported as one line: `error: <flag>: <what is allowed>`. */
class UsageError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message);
  }
}

const OPTIONS = {
  negative: { type: 'string' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  cfg: { type: 'string' },
  sampler: { type: 'string' },
  n: { type: 'string' },
  size: { type: 'string' },
  strength: { type: 'string' },
  init: { type: 'string' },
  upscale: { type: 'string' },
  out: { type: 'string' },
  film: { type: 'string' },
  forward: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const OPTION_LIST = Object.keys(OPTIONS).map((o) => `--${o}`).join(', ');

/**
 * `--seed -1` is a negative number, not a missing value followed by a flag: pass it as `--seed=-1`
 * so the validator can say what the allowed range is (parseArgs would call it ambiguous).
 */
function joinNegativeNumbers(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = /^--([a-z]+)$/.exec(a)?.[1];
    const next = argv[i + 1];
    if (name && OPTIONS[name as keyof typeof OPTIONS]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** node:util parseArgs, with its multi-line errors turned into one line naming the flag. */
function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({ args: joinNegativeNumbers(argv), allowPositionals: true, options: OPTIONS });
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const message = (err as Error).message;
    const flag = /'(?:-\w, )?(--?[^' ]+)/.exec(message)?.[1] ?? 'arguments';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(flag, `unknown option; the options are ${OPTION_LIST} (see --help)`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const next = argv[argv.indexOf(flag) + 1];
      if (/argument missing/.test(message) || next?.startsWith('--')) throw new UsageError(flag, 'needs a value');
      if (/ambiguous/.test(message)) throw new UsageError(flag, `the value starts with "-"; write ${flag}=VALUE`);
      if (/does not take an argument/.test(message)) throw new UsageError(flag, 'takes no value');
    }
    throw new UsageError(flag, message.split('\n')[0]);
  }
}

/** Numbers stay strings when malformed, so the validator can quote what was typed. */
function num(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  return v.trim() !== '' && Number.isFinite(x) ? x : (v as unknown as number);
}

function parseSize(v: string | undefined): { width?: number; height?: number } {
  if (v === undefined) return {};
  const m = /^(\d+)x(\d+)$/i.exec(v.trim());
  if (!m) throw new UsageError('--size', `must look like WIDTHxHEIGHT, e.g. 128x128, got "${v}"`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

async function main(argv: string[]): Promise<number> {
  dotenv.config({ quiet: true });
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  checkFilmPaths(values, positionals);
  const config = loadConfig();
  if (values.forward) return forwardFilm(values.forward, values.out!, num(values.seed), config);
  let prompt = positionals.join(' ');
  let seed = num(values.seed);
  let negative = values.negative;
  if (values.upscale && !prompt) {
    // An image made by this project says how it was made: upscale it with the same prompt and seed.
    const params = parseParameters(readPngText(readFileSync(values.upscale)).parameters ?? '');
    prompt = params.prompt ?? '';
    negative ??= params.negativePrompt;
    seed ??= params.seed;
  }
  const request: GenerateRequest = {
    prompt,
    negativePrompt: negative,
    seed,
    steps: num(values.steps),
    guidance: num(values.cfg),
    sampler: values.sampler as SamplerName | undefined,
    n: num(values.n),
    ...parseSize(values.size),
  };
  if (values.strength !== undefined && !values.init && !values.upscale) {
    throw new UsageError('--strength', 'needs --init PATH (the image to start from) or --upscale PATH; strength is a number above 0 and at most 1');
  }
  const pipeline = await DiffusionPipeline.load(config.model.dir, {
    provider: config.model.provider,
    threads: config.model.threads,
    maxBatch: config.model.maxBatch,
  });
  const bar = progressBar(process.stderr);
  const recorder = previewRecorder();
  const onStep = (p: StepProgress) => {
    if (values.film) recorder.onStep(p);
    bar.update(p.step, p.total);
  };
  let result: GenerateResult;
  if (values.upscale) {
    const image = await decodeImage(values.upscale);
    result = await pipeline.upscale(image, { ...request, strength: num(values.strength) }, { onStep });
  } else if (values.init) {
    const image = await decodeImage(values.init);
    result = await pipeline.generate({ ...request, init: { image, strength: num(values.strength) ?? 0.6 } }, { onStep });
  } else {
    result = await pipeline.generate(request, { onStep });
  }
  bar.done(`${(result.timings.totalMs / 1000).toFixed(1)}s`);
  for (const w of result.warnings) console.error(`warning: ${w}`);
  await writeImages(result, values.out);
  if (values.film) {
    writeFileSync(values.film, await encodeFilm(reverseFilmFrames(recorder.previews, result.images[0])));
    console.log(`${values.film}  reverse process of seed ${result.images[0].seed}, ${recorder.previews.length + 1} frames`);
  }
  return 0;
}

/** Film flags are checked before the model loads: a bad path fails in a second, not after a generation. */
function checkFilmPaths(values: { film?: string; forward?: string; out?: string }, positionals: string[]): void {
  const webp = (flag: string, v: string) => {
    if (path.extname(v).toLowerCase() !== '.webp') throw new UsageError(flag, `films are animated WebP: the path must end in .webp, got "${v}"`);
    const dir = path.dirname(path.resolve(v));
    if (!existsSync(dir)) throw new UsageError(flag, `the folder ${dir} does not exist`);
  };
  if (values.film !== undefined) webp('--film', values.film);
  if (values.forward === undefined) return;
  if (values.film !== undefined) throw new UsageError('--film', 'is for a generation; --forward makes its own film at --out');
  if (positionals.length) throw new UsageError('--forward', `takes an image, not a prompt; got "${positionals.join(' ')}"`);
  if (!existsSync(values.forward) || !statSync(values.forward).isFile()) throw new UsageError('--forward', `no image file at "${values.forward}"`);
  if (values.out === undefined) throw new UsageError('--out', 'needs the path of the film to write, e.g. --out film.webp');
  webp('--out', values.out);
}

async function forwardFilm(input: string, out: string, seed: number | undefined, config: ReturnType<typeof loadConfig>): Promise<number> {
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED)) {
    throw new UsageError('--seed', `must be an integer from 0 to ${MAX_SEED}, got "${seed}"`);
  }
  let image;
  try {
    image = await decodeImage(input);
  } catch {
    throw new UsageError('--forward', `"${input}" is not an image sharp can read (PNG, JPEG, WebP, ...)`);
  }
  const pipeline = await DiffusionPipeline.load(config.model.dir, { provider: config.model.provider, threads: config.model.threads, maxBatch: config.model.maxBatch });
  const { frames, space } = await pipeline.forwardProcess(image, { seed });
  writeFileSync(out, await encodeFilm(frames));
  console.log(`${out}  forward process in ${space} space, ${frames.length} frames`);
  return 0;
}

async function writeImages(result: GenerateResult, out: string | undefined): Promise<void> {
  const req = result.request;
  const target = out ?? path.join('out', `imagine-${req.seed}.png`);
  mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  const ext = path.extname(target) || '.png';
  const base = target.slice(0, target.length - path.extname(target).length);
  const files: Array<[string, number | string]> = [];
  for (const [k, img] of result.images.entries()) {
    const file = result.images.length === 1 ? `${base}${ext}` : `${base}-${k + 1}${ext}`;
    const png = await encodePng(img, { parameters: formatParameters(req, img.seed, img.width, img.height) });
    writeFileSync(file, png);
    files.push([file, img.seed]);
  }
  if (result.images.length > 1) {
    const file = `${base}-grid${ext}`;
    writeFileSync(file, await encodePng(composeGrid(result.images), { parameters: formatParameters(req, req.seed) }));
    files.push([file, `${req.seed}..${req.seed + result.images.length - 1}`]);
  }
  for (const [file, seed] of files) console.log(`${file}  seed ${seed}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof RequestError) console.error(`error: ${FLAG[err.field] ?? err.field}: ${err.message}`);
    else if (err instanceof UsageError) console.error(`error: ${err.flag}: ${err.message}`);
    else if (err instanceof ConfigError) console.error(`error: ${err.message}`);
    else console.error(`error: ${(err as Error).message ?? err}`);
    process.exit(2);
  },
);
