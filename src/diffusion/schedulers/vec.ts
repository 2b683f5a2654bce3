/**
 * Buffer helpers the schedulers share: outputs have the type of their input (Float32Array in the
 * pipeline, Float64Array in the golden tests), and every per-element loop lives in one place.
 */
import type { Vec } from './types.ts';

/** A zeroed array of the same type as `like`. */
export function allocLike(like: Vec, length: number = like.length): Vec {
  return like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}

/** A copy of the same type: for estimates a multistep sampler keeps while the caller may reuse its buffer. */
export function copyOf(v: Vec): Vec {
  const out = allocLike(v);
  out.set(v);
  return out;
}

/** out[j] = a * x[j] + b * y[j]. */
export function combine(out: Vec, a: number, x: ArrayLike<number>, b: number, y: ArrayLike<number>): Vec {
  const n = out.length;
  for (let j = 0; j < n; j++) out[j] = a * x[j] + b * y[j];
  return out;
}

/** out[j] = a * x[j] + b * y[j] + c * z[j]. */
export function combine3(
  out: Vec,
  a: number,
  x: ArrayLike<number>,
  b: number,
  y: ArrayLike<number>,
  c: number,
  z: ArrayLike<number>,
): Vec {
  const n = out.length;
  for (let j = 0; j < n; j++) out[j] = a * x[j] + b * y[j] + c * z[j];
  return out;
}

/** out[j] += s * v[j]. */
export function addScaled(out: Vec, s: number, v: ArrayLike<number>): Vec {
  const n = out.length;
  for (let j = 0; j < n; j++) out[j] += s * v[j];
  return out;
}

/** Clamp every element to [-range, range] in place (diffusers' clip_sample). */
export function clampInPlace(v: Vec, range: number): Vec {
  for (let j = 0; j < v.length; j++) {
    if (v[j] > range) v[j] = range;
    else if (v[j] < -range) v[j] = -range;
  }
  return v;
}

export function checkSameLength(what: string, expected: number, got: ArrayLike<number>): void {
  if (got.length !== expected) {
    throw new Error(`${what} must have ${expected} elements (the sample's length), got ${got.length}`);
  }
}

export function checkStepIndex(i: number, steps: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= steps) {
    throw new Error(`step index must be an integer from 0 to ${steps - 1}, got ${i}`);
  }
}
