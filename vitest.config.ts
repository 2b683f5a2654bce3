import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The engine tests run the real ONNX model on CPU; two cores are shared by the whole suite.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
