import { describe, expect, it } from 'vitest';
import { checkSize, describeSizes, SDXL_BUCKETS, sdxlSizeRule, sizeForAspect, sizeRule, upscaleSize } from '../../src/diffusion/image-sizes.ts';

// The embedded model: VAE factor 8, two UNet downsamplings, native 128x128.
const tiny = sizeRule(8, 2, 128, 128);
// Stable Diffusion 1.5: VAE factor 8, three downsamplings, native 512x512.
const sd15 = sizeRule(8, 3, 512, 512);

describe('image sizes a model can take', () => {
  it('needs multiples of the VAE factor times 2 per UNet downsampling, from half to twice the native size', () => {
    expect(tiny).toEqual({ multiple: 32, min: 64, max: 256, nativeWidth: 128, nativeHeight: 128 });
    expect(sd15).toEqual({ multiple: 64, min: 256, max: 1024, nativeWidth: 512, nativeHeight: 512 });
    // The smallest size is never below one multiple, even for a very small native size.
    expect(sizeRule(8, 3, 64, 64).min).toBe(64);
  });

  it('allows the native size and sizes on the grid of multiples within the range', () => {
    for (const [w, h] of [
      [128, 128],
      [64, 256],
      [256, 64],
      [96, 160],
    ]) {
      expect(checkSize(tiny, w, h)).toBeUndefined();
    }
    expect(checkSize(sd15, 768, 512)).toBeUndefined();
  });

  it('refuses a size off the grid or out of range with a message naming the size and every allowed size', () => {
    const message = 'width and height must be multiples of 32 from 64 to 256 (native 128x128)';
    expect(checkSize(tiny, 100, 100)).toBe(`size 100x100 is not allowed: ${message}`);
    expect(checkSize(tiny, 128, 100)).toBe(`size 128x100 is not allowed: ${message}`);
    expect(checkSize(tiny, 32, 128)).toMatch(/^size 32x128 is not allowed/);
    expect(checkSize(tiny, 128, 288)).toMatch(/^size 128x288 is not allowed/);
    expect(checkSize(tiny, 128.5, 128)).toMatch(/not allowed/);
    expect(checkSize(tiny, 0, 0)).toMatch(/not allowed/);
    expect(describeSizes(sd15)).toBe('width and height must be multiples of 64 from 256 to 1024 (native 512x512)');
  });

  it('turns --ar 3:2 on the 128x128 model into an allowed landscape size near 3:2 and near the native pixel count', () => {
    const { width, height } = sizeForAspect(tiny, 3, 2);
    expect(checkSize(tiny, width, height)).toBeUndefined();
    expect(width).toBeGreaterThan(height);
    // An exact 3:2 exists on the 32-pixel grid at 1.5x the native pixels; the ratio wins over 160x96 (5:3).
    expect({ width, height }).toEqual({ width: 192, height: 128 });
  });

  it('turns 2:3 into the portrait of the 3:2 size, and 1:1 into the native size', () => {
    expect(sizeForAspect(tiny, 2, 3)).toEqual({ width: 128, height: 192 });
    expect(sizeForAspect(tiny, 1, 1)).toEqual({ width: 128, height: 128 });
    expect(sizeForAspect(sd15, 1, 1)).toEqual({ width: 512, height: 512 });
    const wide = sizeForAspect(sd15, 16, 9);
    expect(checkSize(sd15, wide.width, wide.height)).toBeUndefined();
    expect(wide.width / wide.height).toBeGreaterThan(1.5);
  });

  it('clamps an extreme aspect ratio to the allowed range instead of making an unusable size', () => {
    const { width, height } = sizeForAspect(tiny, 10, 1);
    expect({ width, height }).toEqual({ width: 256, height: 64 });
    expect(checkSize(tiny, width, height)).toBeUndefined();
  });
});

describe('upscale sizes', () => {
  it('doubles an image the model can take at twice its size', () => {
    expect(upscaleSize(tiny, 128, 128)).toEqual({ width: 256, height: 256 });
    expect(upscaleSize(sd15, 512, 320)).toEqual({ width: 1024, height: 640 });
  });

  it('goes as far as the largest allowed size, keeping the shape to the nearest multiple, where twice is too big', () => {
    // --ar 3:2 on the embedded model is 192x128; 384x256 is over its 256 limit.
    expect(upscaleSize(tiny, 192, 128)).toEqual({ width: 256, height: 160 });
    expect(checkSize(tiny, 256, 160)).toBeUndefined();
  });

  it('has nothing larger to offer for an image already at the largest size', () => {
    expect(upscaleSize(tiny, 256, 256)).toBeUndefined();
    expect(upscaleSize(tiny, 256, 160)).toBeUndefined();
  });
});

describe('SDXL sizes', () => {
  // SDXL 1.0: VAE factor 8, UNet block_out_channels [320, 640, 1280] (two downsamplings), sample_size 128.
  const sdxl = sdxlSizeRule(8, 2, 1024, 1024);

  it('is native at 1024x1024 and takes 512 to 2048 in steps of 32', () => {
    expect(sdxl).toMatchObject({ nativeWidth: 1024, nativeHeight: 1024, multiple: 32, min: 512, max: 2048 });
    expect(checkSize(sdxl, 1024, 1024)).toBeUndefined();
    expect(checkSize(sdxl, 1000, 1024)).toBe('size 1000x1024 is not allowed: width and height must be multiples of 32 from 512 to 2048 (native 1024x1024)');
  });

  it('turns an aspect ratio into the nearest of SDXL\'s trained sizes', () => {
    expect(sizeForAspect(sdxl, 1, 1)).toEqual({ width: 1024, height: 1024 });
    expect(sizeForAspect(sdxl, 3, 2)).toEqual({ width: 1216, height: 832 });
    expect(sizeForAspect(sdxl, 2, 3)).toEqual({ width: 832, height: 1216 });
    expect(sizeForAspect(sdxl, 16, 9)).toEqual({ width: 1344, height: 768 });
    expect(sizeForAspect(sdxl, 4, 3)).toEqual({ width: 1152, height: 896 });
    expect(sizeForAspect(sdxl, 21, 9)).toEqual({ width: 1536, height: 640 });
    expect(sizeForAspect(sdxl, 10, 1)).toEqual({ width: 1536, height: 640 });
    for (const [w, h] of SDXL_BUCKETS) expect(checkSize(sdxl, w, h)).toBeUndefined();
  });

  it('scales the trained sizes to a smaller SDXL-shaped model, on its own grid', () => {
    const small = sdxlSizeRule(8, 2, 256, 256);
    expect(sizeForAspect(small, 1, 1)).toEqual({ width: 256, height: 256 });
    const wide = sizeForAspect(small, 16, 9);
    expect(wide.width).toBeGreaterThan(wide.height);
    expect(checkSize(small, wide.width, wide.height)).toBeUndefined();
  });
});
