/**
 * Seeded Gaussian noise. Each image owns one generator seeded with its own seed, so image k of a
 * batch is the same pixels as that seed run alone: that is what makes a seed shareable and lets
 * U/V buttons regenerate a parent image exactly.
 */

/** sfc32 (Chris Doty-Humphrey's Small Fast Counter): 128-bit state, passes PractRand; seeded via splitmix32. */
export class SeededRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spare: number | null = null;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** Uniform in (0, 1), never exactly 0 (log of it is taken). */
  uniform(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** Standard normal by the Box-Muller transform, using both outputs. */
  gaussian(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.#spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  fillGaussian(out: Float32Array, offset = 0, length = out.length - offset): Float32Array {
    for (let i = offset; i < offset + length; i++) out[i] = this.gaussian();
    return out;
  }
}

/**
 * Noise for a batch of images laid out one after the other: draw k continues every image's own
 * stream, so the noise an image sees never depends on its neighbours in the batch.
 */
export function batchNoiseSource(generators: SeededRandom[], perImage: number): (length: number) => Float32Array {
  return (length: number) => {
    if (length !== generators.length * perImage) {
      throw new Error(`noise of length ${length} asked for a batch of ${generators.length} x ${perImage}`);
    }
    const out = new Float32Array(length);
    generators.forEach((g, k) => g.fillGaussian(out, k * perImage, perImage));
    return out;
  };
}

/** A random seed for a request that named none: a uint32, like A1111's. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}

export const MAX_SEED = 4294967295;
