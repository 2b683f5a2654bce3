/**
 * The evaluation metric: the analyser must read the training renderer's own scenes (nearly)
 * perfectly before its verdicts on generated images can be trusted, and it must be able to say no.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src/diffusion/types.ts';
import { allPassed, CATEGORIES, parseCaption, scoreScene, type Category } from '../../src/eval/caption-spec.ts';
import { meanPairwiseDifference } from '../../src/eval/diversity.ts';
import { evaluateGroundTruth } from '../../src/eval/ground-truth-eval.ts';
import { groundTruthUnavailable, loadGroundTruthImage, renderGroundTruth, type GroundTruthScene } from '../../src/eval/ground-truth.ts';
import { sizeOf } from '../../src/eval/object-size.ts';
import { PROMPT_SET } from '../../src/eval/prompt-set.ts';
import { analyseScene, type SceneAnalysis } from '../../src/eval/scene-analyser.ts';
import { IMAGE_SIZE } from '../../src/eval/scene-vocab.ts';
import { Tally } from '../../src/eval/tally.ts';

const SCENES = 200;
const unavailable = await groundTruthUnavailable();
if (unavailable) console.warn(`skipping ground-truth tests: ${unavailable}`);

describe.skipIf(unavailable !== null)(`analyser on ${SCENES} rendered ground-truth scenes${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let dir = '';
  let scenes: GroundTruthScene[] = [];
  let images: RgbImage[] = [];
  let analyses: SceneAnalysis[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'scene-analyser-test-'));
    scenes = await renderGroundTruth(dir, SCENES, 2024);
    images = await Promise.all(scenes.map((s) => loadGroundTruthImage(dir, s)));
    analyses = images.map(analyseScene);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('scores every caption category at >= 99% on the scenes the captions describe', () => {
    const tally = new Tally<Category>(CATEGORIES);
    scenes.forEach((s, k) => tally.add(scoreScene(parseCaption(s.caption), analyses[k])));
    for (const c of CATEGORIES) {
      expect(tally.count(c).total, `${c} has scenes`).toBeGreaterThan(0);
      expect(tally.accuracy(c), `${c}: ${JSON.stringify(tally.count(c))}`).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('finds each labelled object with its colour, shape and size, within 1.5 px of its centre, and nothing else', () => {
    let right = 0;
    scenes.forEach((s, k) => {
      const found = analyses[k].objects;
      const matched = s.scene.objects.every((o) =>
        found.some(
          (f) =>
            f.colour === o.colour &&
            f.shape === o.shape &&
            sizeOf(f) === (o.s < 32 ? 'small' : 'big') &&
            Math.hypot(f.cx - o.cx, f.cy - o.cy) <= 1.5,
        ),
      );
      if (matched && found.length === s.scene.objects.length && analyses[k].background === s.scene.background) right++;
    });
    expect(right / scenes.length).toBeGreaterThanOrEqual(0.99);
  });

  it('stays accurate on blurred renders, which are closer to what a small VAE decodes', async () => {
    const tally = new Tally<Category>(CATEGORIES);
    for (const [k, s] of scenes.entries()) {
      const { data, info } = await sharp(path.join(dir, s.file)).removeAlpha().blur(1.2).raw().toBuffer({ resolveWithObject: true });
      const analysis = analyseScene({ width: info.width, height: info.height, data: new Uint8Array(data) });
      tally.add(scoreScene(parseCaption(scenes[k].caption), analysis));
    }
    for (const c of CATEGORIES) expect(tally.accuracy(c), `${c}: ${JSON.stringify(tally.count(c))}`).toBeGreaterThanOrEqual(0.95);
  });

  it('rejects captions that contradict the scene: wrong colour, flipped relation, wrong count, wrong background', () => {
    let contradictions = 0;
    let rejected = 0;
    scenes.forEach((s, k) => {
      for (const wrong of contradict(s)) {
        contradictions++;
        if (!allPassed(scoreScene(parseCaption(wrong), analyses[k]))) rejected++;
      }
    });
    expect(contradictions).toBeGreaterThan(SCENES);
    expect(rejected / contradictions).toBeGreaterThanOrEqual(0.99);
  });

  it('reports the same trusted accuracy through the evaluation command path', async () => {
    const report = await evaluateGroundTruth(40, 7);
    expect(report.images).toBe(40);
    expect(report.failures).toEqual([]);
  });
});

/** Captions that are false of scene `s`, made by changing one thing the true caption says. */
function contradict(s: GroundTruthScene): string[] {
  const c = s.caption;
  const out: string[] = [];
  const colour = s.scene.objects[0].colour;
  const other = colour === 'red' ? 'blue' : 'red';
  // The first object's colour word is the first colour in the caption.
  out.push(c.replace(new RegExp(`\\b${colour}\\b`), other).replace(/\ban (red|blue)\b/, 'a $1'));
  const flips: Record<string, string> = { above: 'below', below: 'above', 'to the left of': 'to the right of', 'to the right of': 'to the left of' };
  for (const [from, to] of Object.entries(flips)) {
    if (c.includes(` ${from} `)) {
      out.push(c.replace(` ${from} `, ` ${to} `));
      break;
    }
  }
  const counts: Record<string, string> = { two: 'three', three: 'four', four: 'two' };
  const first = c.split(' ')[0];
  if (counts[first]) out.push(`${counts[first]}${c.slice(first.length)}`);
  const bg = c.match(/ on a (\w+) background$/);
  if (bg) out.push(c.replace(/ on a \w+ background$/, ` on a ${bg[1] === 'black' ? 'white' : 'black'} background`));
  return out;
}

describe('caption parsing', () => {
  it('reads a held-out single object: "an orange heart"', () => {
    expect(parseCaption('an orange heart')).toEqual({ caption: 'an orange heart', objects: [{ colour: 'orange', shape: 'heart', count: 1 }], heldOut: true });
  });

  it('reads a count with size and background: "three small black stars on a white background"', () => {
    const spec = parseCaption('three small black stars on a white background');
    expect(spec.objects).toEqual([{ colour: 'black', shape: 'star', size: 'small', count: 3 }]);
    expect(spec.background).toBe('white');
    expect(spec.heldOut).toBe(false);
  });

  it('reads a relation between two sized objects: "a big green star below a small black heart"', () => {
    const spec = parseCaption('a big green star below a small black heart');
    expect(spec.relation).toBe('below');
    expect(spec.objects).toEqual([
      { colour: 'green', shape: 'star', size: 'big', count: 1 },
      { colour: 'black', shape: 'heart', size: 'small', count: 1 },
    ]);
  });

  it('reads "to the right of", and tells a position from a background: "a purple star on the left on a yellow background"', () => {
    expect(parseCaption('a white square to the right of an orange circle').relation).toBe('to the right of');
    const spec = parseCaption('a purple star on the left on a yellow background');
    expect(spec).toMatchObject({ position: 'on the left', background: 'yellow', heldOut: true });
  });

  it('reads "one", "in the centre" and ignores case and punctuation', () => {
    expect(parseCaption('One red Triangle, in the centre.')).toMatchObject({
      objects: [{ colour: 'red', shape: 'triangle', count: 1 }],
      position: 'in the centre',
    });
  });

  it('rejects words outside the scene language, naming what it expected', () => {
    expect(() => parseCaption('a pink circle')).toThrow(/expected a colour at "pink circle"/);
    expect(() => parseCaption('a red hexagon')).toThrow(/expected a shape/);
    expect(() => parseCaption('a red circle please')).toThrow(/expected the end of the caption/);
  });
});

describe('scoring', () => {
  const grey: RgbImage = { width: IMAGE_SIZE, height: IMAGE_SIZE, data: new Uint8Array(IMAGE_SIZE * IMAGE_SIZE * 3).fill(200) };

  it('fails the single-object check on a blank grey image', () => {
    const analysis = analyseScene(grey);
    expect(analysis).toMatchObject({ background: 'default', objects: [] });
    expect(scoreScene(parseCaption('a red circle'), analysis)).toEqual({ single: false });
  });

  it('fails every check of a held-out prompt on a blank image, held-out included', () => {
    const score = scoreScene(parseCaption('an orange heart on a blue background'), analyseScene(grey));
    expect(score).toEqual({ single: false, background: false, 'held-out': false });
  });

  it('scores only the categories a caption asserts', () => {
    expect(Object.keys(scoreScene(parseCaption('two big red circles at the top'), analyseScene(grey))).sort()).toEqual(['count', 'position', 'size']);
  });
});

describe('prompt set', () => {
  it('parses every prompt and covers every category with several prompts', () => {
    const perCategory = new Map<string, number>();
    for (const p of PROMPT_SET) {
      parseCaption(p.prompt);
      perCategory.set(p.category, (perCategory.get(p.category) ?? 0) + 1);
    }
    for (const c of ['single', 'count', 'position', 'relation', 'background', 'held-out']) expect(perCategory.get(c)).toBeGreaterThanOrEqual(4);
  });

  it('uses held-out combinations exactly in the held-out prompts', () => {
    for (const p of PROMPT_SET) expect(parseCaption(p.prompt).heldOut, p.prompt).toBe(p.category === 'held-out');
    expect(PROMPT_SET.map((p) => p.prompt)).toEqual(expect.arrayContaining(['a purple star', 'an orange heart', 'an orange heart on a blue background']));
  });
});

describe('diversity', () => {
  const solid = (v: number): RgbImage => ({ width: 4, height: 4, data: new Uint8Array(48).fill(v) });

  it('is 0 for identical images and 1 for black against white', () => {
    expect(meanPairwiseDifference([solid(9), solid(9), solid(9)])).toBe(0);
    expect(meanPairwiseDifference([solid(0), solid(255)])).toBe(1);
  });

  it('is undefined (null) for a single image', () => {
    expect(meanPairwiseDifference([solid(0)])).toBeNull();
  });
});
